#!/usr/bin/env python3
"""High-precision reference values for io.github.stablelogit.loss.DetMath.

Writes det_math_reference.csv next to this script: for exp, log, log1p, pow and
logOneToTwo (the loss kernel's log on [1, 2]),
arguments sampled over each function's whole double domain (uniform in the bit
pattern, i.e. in sign, exponent and mantissa, which weighs every binade alike)
plus the hard cases (around 1, around the overflow and underflow thresholds,
subnormal arguments and results, the reduction boundaries k*ln2/128, the
ends of the table intervals), and the exact result evaluated with mpmath at
300 bits.

Columns: fn, x, y, ref, frac
  fn   exp | log | log1p | pow | logOneToTwo   (y is used by pow only, 0 otherwise;
       logOneToTwo is the loss kernel's log u for u in [1, 2])
  ref  the exact result rounded to the nearest double (subnormals included,
       +-inf beyond the range)
  frac (exact - ref) / ulp(ref), in [-0.5, 0.5], with ulp as Java's Math.ulp:
       the test's error in ulps is |(computed - ref) / ulp(ref) - frac|
Doubles are printed with float.hex(), which Double.parseDouble reads exactly.

Usage: python3 generate_det_math_reference.py
"""

import math
import os
import random

import mpmath

mpmath.mp.prec = 300
SEED = 20261205
COUNTS = {"exp": 6000, "log": 6000, "log1p": 3000, "pow": 3000, "logOneToTwo": 4000}
CSV_NAME = "det_math_reference.csv"

TWO = mpmath.mpf(2)
MIN_NORMAL = TWO ** -1022
OVERFLOW = (2 - TWO ** -53) * TWO ** 1023  # halfway to 2^1024: rounds to +inf


def to_double(v):
    """The exact v rounded to the nearest double, ties to even."""
    if v == 0:
        return 0.0
    if abs(v) >= OVERFLOW:
        return math.copysign(math.inf, v)
    if abs(v) < MIN_NORMAL:
        n = int(mpmath.nint(v * TWO ** 1074))  # nint: ties to even
        return math.ldexp(float(n), -1074)
    m, e = mpmath.frexp(v)  # v = m 2^e, 0.5 <= |m| < 1
    n = int(mpmath.nint(m * TWO ** 53))
    return math.ldexp(float(n), int(e) - 53)


def frac_of(v, ref):
    if math.isinf(ref):
        return 0.0
    return float((v - mpmath.mpf(ref)) / mpmath.mpf(math.ulp(ref)))


def random_double(rng, lo_exp, hi_exp, negative=None):
    """Uniform in exponent [lo_exp, hi_exp] and mantissa; subnormal for lo_exp < -1022."""
    e = rng.randint(lo_exp, hi_exp)
    if e < -1022:
        x = math.ldexp(rng.randint(1, 2 ** 52 - 1), -1074) if e == -1074 else math.ldexp(
            rng.randint(2 ** (e + 1073), 2 ** (e + 1074) - 1), -1074)
    else:
        x = math.ldexp(1.0 + rng.getrandbits(52) / 2.0 ** 52, e)
    sign = rng.random() < 0.5 if negative is None else negative
    return -x if sign else x


def neighbours(x, k=2):
    out = [x]
    up, down = x, x
    for _ in range(k):
        up, down = math.nextafter(up, math.inf), math.nextafter(down, -math.inf)
        out += [up, down]
    return out


def exp_args(rng):
    ln2 = mpmath.log(2)
    hard = [0.0, -0.0, 5e-324, -5e-324, 1e-300, 2.0 ** -54, -2.0 ** -54, 1.0, -1.0,
            709.782712893384, 709.78, 709.7, 708.0, 707.9, -708.0, -708.39, -708.4,
            -720.0, -744.0, -745.1332191019411, -745.1332191019412, -745.2, -744.44]
    args = []
    for h in hard:
        args += neighbours(h)
    for k in range(-60, 61):  # reduction boundaries (k + 1/2) ln2/128 and table ends
        for f in (0.5, 1.0):
            args += neighbours(float((k + f) * ln2 / 128), 1)
    for k in range(-1075, 1025, 37):
        args += neighbours(float(k * ln2), 1)
    while len(args) < COUNTS["exp"] * 2 // 3:
        args.append(random_double(rng, -1074, 9))
    while len(args) < COUNTS["exp"]:
        args.append(rng.uniform(-745.2, 709.8))
    return [(x, 0.0) for x in args if -745.2 < x < 709.8]


def log_args(rng):
    hard = [1.0, 2.0, 0.5, 0.6875, 1.375, 5e-324, 2.2250738585072014e-308,
            2.225073858507201e-308, 1.7976931348623157e308, math.e, 10.0]
    args = []
    for h in hard:
        args += neighbours(h, 3)
    for i in range(129):  # table interval ends
        for b in (0.6875 + i / 256.0, 1.0 + i / 128.0):
            args += neighbours(b, 1)
    for k in range(1, 60):
        args += [1.0 + 2.0 ** -k, 1.0 - 2.0 ** -k]
    args = [a for a in args if a > 0]
    while len(args) < COUNTS["log"] * 2 // 3:
        args.append(random_double(rng, -1074, 1023, negative=False))
    while len(args) < COUNTS["log"]:
        args.append(rng.uniform(0.5, 2.0))
    return [(x, 0.0) for x in args]


def log1p_args(rng):
    args = [0.0, -0.0, 5e-324, -5e-324, 1e-300, -0.5, -0.999999, 1.0, 1e300,
            -1.0 + 2.0 ** -53, -0.9, 2.0 ** -53, -2.0 ** -54]
    while len(args) < COUNTS["log1p"] // 2:
        args.append(random_double(rng, -1074, 1023, negative=False))
    while len(args) < COUNTS["log1p"] * 3 // 4:
        args.append(-random_double(rng, -1074, -1, negative=False))
    while len(args) < COUNTS["log1p"]:
        args.append(rng.uniform(0.0, 1.0))  # exp(-|z|), as the loss kernel uses it
    return [(x, 0.0) for x in args if x > -1.0]


def pow_args(rng):
    args = []
    for y in (0.5, 1.5, 2.5, 3.0, 0.25, 1e-3, 7.5):
        for x in (1.0, 0.5, 1e-300, 5e-324, 0.999999, 1.0 - 2.0 ** -53):
            args.append((x, y))
    while len(args) < COUNTS["pow"]:
        x = random_double(rng, -1074, -1, negative=False) if rng.random() < 0.5 else rng.random()
        y = rng.uniform(0.0, 10.0) if rng.random() < 0.8 else random_double(rng, -30, 3, False)
        if x > 0 and float(y * mpmath.log(x)) > -744.0:  # the result stays normal or subnormal
            args.append((x, y))
    return args


def log_one_to_two_args(rng):
    args = [1.0, math.nextafter(1.0, 2.0), 2.0, math.nextafter(2.0, 1.0)]
    for i in range(129):  # table interval ends and centres
        args += neighbours(1.0 + i / 128.0, 1)
        args.append(1.0 + (i + 0.5) / 128.0)
    for k in range(1, 53):
        args.append(1.0 + 2.0 ** -k)
    args = [a for a in args if 1.0 <= a <= 2.0]
    while len(args) < COUNTS["logOneToTwo"] // 2:
        args.append(1.0 + 2.0 ** -rng.uniform(7.0, 53.0))  # 1 + e^(-|z|) for large |z|
    while len(args) < COUNTS["logOneToTwo"]:
        args.append(rng.uniform(1.0, 2.0))
    return [(x, 0.0) for x in args]


def hexd(d):
    """float.hex(), with Java's spelling of the infinities."""
    return math.copysign(1.0, d) < 0 and "-Infinity" or "Infinity" if math.isinf(d) else d.hex()


def exact(fn, x, y):
    mx = mpmath.mpf(x)
    if fn == "exp":
        return mpmath.exp(mx)
    if fn in ("log", "logOneToTwo"):
        return mpmath.log(mx)
    if fn == "log1p":
        return mpmath.log1p(mx)
    return mpmath.power(mx, mpmath.mpf(y))


def main():
    rng = random.Random(SEED)
    rows = []
    for fn, gen in (("exp", exp_args), ("log", log_args), ("log1p", log1p_args),
                    ("pow", pow_args), ("logOneToTwo", log_one_to_two_args)):
        for x, y in gen(rng):
            v = exact(fn, x, y)
            if fn in ("log", "log1p", "logOneToTwo") and v == 0:
                ref, frac = 0.0, 0.0
            else:
                ref = to_double(v)
                frac = frac_of(v, ref)
            rows.append(f"{fn},{hexd(x)},{hexd(float(y))},{hexd(ref)},{frac!r}")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), CSV_NAME)
    with open(path, "w", encoding="ascii") as out:
        out.write("fn,x,y,ref,frac\n")
        out.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main()
