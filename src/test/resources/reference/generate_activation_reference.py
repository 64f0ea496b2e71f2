#!/usr/bin/env python3
"""Coefficients and high-precision reference values for io.github.stablelogit.optim.MlpMath.

1. Coefficients (printed, pasted into MlpMath.java as hex literals):
   - tanh on |u| < TANH_SPLIT: tanh(u) = u + u*s*P(s), s = u*u, P of degree TANH_DEGREE
     fitted to (tanh(sqrt(s))/sqrt(s) - 1)/s by mpmath.chebyfit on [0, TANH_SPLIT^2];
   - erfc(z) = t * exp(G(t) - z*z), t = 2/(2 + z), z >= 0, G(t) = log(erfc(z)/t) + z*z
     (smooth, bounded, log(1/(2 sqrt(pi))) at t = 0) as a Chebyshev series in
     v = (2t - 1 - T_MIN)/(1 - T_MIN) on t in [T_MIN, 1] (z up to 2/T_MIN - 2 = 28), the
     coefficients from ERF_NODES Chebyshev nodes, truncated where they fall below 1e-18.
2. activation_reference.csv next to this script: columns fn, x, ref, frac
     fn   tanh | tanh_d (1 - tanh^2) | gelu (x Phi(x)) | gelu_d (Phi(x) + x phi(x))
     ref  the exact value rounded to the nearest double; frac (exact - ref)/ulp(ref)
   for arguments over the whole range each function is used on (uniform in the bit pattern
   between 2^-30 and 40, both signs, plus uniform draws on [-10, 10] and the split points),
   the exact value with mpmath at 200 bits.

Usage: python3 generate_activation_reference.py [--coefficients]
"""

import math
import os
import random
import sys

import mpmath

mpmath.mp.prec = 200
SEED = 20261205
TANH_SPLIT = 0.34657359027997264  # ln(2)/2: above it e = exp(-2|u|) <= 1/2, 1 - e is exact
TANH_DEGREE = 8
T_MIN = 2.0 / 30.0
ERF_NODES = 80
CSV_NAME = "activation_reference.csv"
TWO = mpmath.mpf(2)


def tanh_coefficients():
    def f(s):
        r = mpmath.sqrt(s)
        return (mpmath.tanh(r) / r - 1) / s
    poly, err = mpmath.chebyfit(f, [0, mpmath.mpf(TANH_SPLIT) ** 2], TANH_DEGREE + 1,
                                error=True)
    return [float(c) for c in reversed(poly)], float(err)  # lowest degree first


def erfc_chebyshev():
    n = ERF_NODES

    def g(t):
        z = 2 / t - 2
        return mpmath.log(mpmath.erfc(z) / t) + z * z

    lo = mpmath.mpf(T_MIN)
    nodes = [mpmath.cos(mpmath.pi * (j + mpmath.mpf(0.5)) / n) for j in range(n)]
    values = [g(lo + (v + 1) * (1 - lo) / 2) for v in nodes]
    coeffs = []
    for k in range(n):
        c = 2 * mpmath.fsum(values[j] * mpmath.cos(mpmath.pi * k * (j + mpmath.mpf(0.5)) / n)
                            for j in range(n)) / n
        coeffs.append(c)
    coeffs[0] /= 2
    keep = max(k for k in range(n) if abs(coeffs[k]) > mpmath.mpf(1e-18)) + 1
    return [float(c) for c in coeffs[:keep]], float(abs(coeffs[keep]))


def to_double(v):
    if v == 0:
        return 0.0
    m, e = mpmath.frexp(v)
    n = int(mpmath.nint(m * TWO ** 53))
    return math.ldexp(float(n), int(e) - 53)


def exact(fn, x):
    mx = mpmath.mpf(x)
    if fn == "tanh":
        return mpmath.tanh(mx)
    if fn == "tanh_d":
        return 1 / mpmath.cosh(mx) ** 2
    cdf = mpmath.erfc(-mx / mpmath.sqrt(2)) / 2
    if fn == "gelu":
        return mx * cdf
    return cdf + mx * mpmath.exp(-mx * mx / 2) / mpmath.sqrt(2 * mpmath.pi)


def arguments(rng, fn):
    hi = 19.0 if fn.startswith("tanh") else 38.0
    args = [0.0, 1e-300, 2.0 ** -30, 0.5, 1.0, 2.0, 5.0, 8.0, hi, TANH_SPLIT,
            math.nextafter(TANH_SPLIT, 0), math.nextafter(TANH_SPLIT, 1), -0.7517915241]
    while len(args) < 1200:
        e = rng.uniform(-30, math.log2(hi))
        args.append(2.0 ** e)
    while len(args) < 2000:
        args.append(rng.uniform(0, 10))
    out = []
    for a in args:
        out += [a, -a]
    return out


def main():
    tc, terr = tanh_coefficients()
    ec, eerr = erfc_chebyshev()
    if "--coefficients" in sys.argv:
        print(f"tanh: degree {TANH_DEGREE}, chebyfit error {terr:.3e}")
        print(", ".join(c.hex() for c in tc))
        print(f"erfc G: {len(ec)} Chebyshev coefficients, first dropped {eerr:.3e}")
        print(",\n".join(c.hex() for c in ec))
        return
    rng = random.Random(SEED)
    rows = []
    for fn in ("tanh", "tanh_d", "gelu", "gelu_d"):
        for x in arguments(rng, fn):
            v = exact(fn, x)
            ref = to_double(v)
            frac = 0.0 if ref == 0 else float((v - mpmath.mpf(ref)) / mpmath.mpf(math.ulp(ref)))
            rows.append(f"{fn},{x.hex()},{ref.hex()},{frac!r}")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), CSV_NAME)
    with open(path, "w", encoding="ascii") as out:
        out.write("fn,x,ref,frac\n")
        out.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main()
