#!/usr/bin/env python3
"""High-precision reference values for io.github.stablelogit.loss.LogitLoss.

Writes logit_loss_reference.csv next to this script. Every double input is
converted exactly (mpmath.mpf(float)), the smoothed label y' = y(1-eps) + eps/2
is formed exactly from the doubles y and eps, and value and derivative are
evaluated analytically with mpmath at 50 significant digits, then rounded to
the nearest double (subnormals included) and printed with repr(), which
Double.parseDouble reads back exactly.

Definitions (sigma = logistic function, pw = posWeight):
  BCE    l(z, y) = -[pw y' log sigma(z) + (1 - y') log(1 - sigma(z))]
  focal  l(z, y) = alpha_t (1 - p_t)^gamma * BCE(z, y)
         p_t     = sigma(z) y' + (1 - sigma(z)) (1 - y')
         alpha_t = alpha y' + (1 - alpha)(1 - y') if alpha >= 0, else 1

All logarithms are written as log-sigmoid, log sigma(z) = min(z, 0) - log1p(exp(-|z|)),
which mpmath evaluates correctly at any magnitude (|z| = 1e300 included), so no
numerical differentiation is used for the committed numbers.

Columns: kind, gamma, alpha, posWeight, labelSmoothing, z, y, value, derivative,
derivativeScale. derivativeScale is the sum of the absolute values of the additive
terms of the derivative before they cancel:
  BCE:   (1 - y') sigma(z) + pw y' sigma(-z)
  focal: alpha_t [gamma q^(gamma-1) sigma(z) sigma(-z) BCE + q^gamma ((1 - y') sigma(z) + pw y' sigma(-z))]
         with q = 1 - p_t = y' sigma(-z) + (1 - y') sigma(z) and
         dq/dz = (1 - y') sigma(z) sigma(-z) - y' sigma(z) sigma(-z).
For soft labels the derivative cancels near its root; there no double algorithm
can be accurate relative to the derivative itself, only relative to this scale.
For bce rows the gamma and alpha columns hold 0 and -1 (the focal parameters for
which focal loss is BCE); tests use bce(posWeight, labelSmoothing) for them.

Usage:
  python3 generate_logit_loss_reference.py           # (re)write the CSV
  python3 generate_logit_loss_reference.py --check   # also verify every row at
      100 digits and against an independent direct formulation differentiated
      with mpmath.diff (|z| <= 50); prints the worst disagreement, writes nothing
"""

import hashlib
import math
import os
import random
import sys

import mpmath

DIGITS = 50
CSV_NAME = "logit_loss_reference.csv"
HEADER = ("kind,gamma,alpha,posWeight,labelSmoothing,z,y,"
          "value,derivative,derivativeScale")

# ---------------------------------------------------------------- the grid
SATURATED_MAGNITUDES = [1e-300, 1e-10, 0.5, 1.0, 3.0, 10.0, 20.0, 30.0, 36.7, 40.0,
                        50.0, 100.0, 700.0, 745.0, 800.0, 1e5, 1e150, 1e300]
RANDOM_Z_SEED = 20250117
RANDOM_Z_COUNT = 36
LABELS = [0.0, 1.0, 0.5, 0.3, 0.999, 1e-9]
HARD_LABELS = (0.0, 1.0)

BCE_POS_WEIGHTS = [1.0, 3.0, 0.01, 1e6]
BCE_SMOOTHINGS = [0.0, 0.1]

FOCAL_GAMMAS = [0.0, 0.25, 0.5, 1.0, 2.0, 5.0, 20.0]
FOCAL_ALPHAS = [-1.0, 0.0, 0.25, 1.0]
FOCAL_POS_WEIGHTS = [1.0, 3.0]
FOCAL_SMOOTHINGS = [0.0, 0.1]
# Focal rows always kept: every saturated-grid z for the hard labels 0 and 1, at
# every gamma, alpha, posWeight and labelSmoothing.
# Fraction of the remaining focal rows kept (chosen by a hash of the row's inputs,
# so the selection is deterministic and independent of iteration order).
FOCAL_KEEP_FRACTION = 0.40


def saturated_grid():
    zs = [0.0, -0.0]
    for m in SATURATED_MAGNITUDES:
        zs.append(m)
        zs.append(-m)
    return zs


def random_grid():
    rng = random.Random(RANDOM_Z_SEED)
    return [rng.uniform(-60.0, 60.0) for _ in range(RANDOM_Z_COUNT)]


def keep_hash(key):
    digest = hashlib.sha256(key.encode("ascii")).hexdigest()
    return int(digest[:12], 16) / float(1 << 48)


def cases():
    """Yields (kind, gamma, alpha, pw, eps, z, y) in a fixed order."""
    sat = saturated_grid()
    zs = sat + random_grid()
    for pw in BCE_POS_WEIGHTS:
        for eps in BCE_SMOOTHINGS:
            for y in LABELS:
                for z in zs:
                    yield ("bce", 0.0, -1.0, pw, eps, z, y)
    sat_keys = {repr(z) for z in sat}
    for gamma in FOCAL_GAMMAS:
        for alpha in FOCAL_ALPHAS:
            for pw in FOCAL_POS_WEIGHTS:
                for eps in FOCAL_SMOOTHINGS:
                    for y in LABELS:
                        for z in zs:
                            row = ("focal", gamma, alpha, pw, eps, z, y)
                            if y in HARD_LABELS and repr(z) in sat_keys:
                                yield row
                            elif keep_hash(",".join(repr(v) for v in row)) < FOCAL_KEEP_FRACTION:
                                yield row


# ---------------------------------------------------------------- exact maths
def log_sigmoid(z):
    """log sigma(z) = min(z, 0) - log1p(exp(-|z|)), valid at any magnitude."""
    return min(z, 0) - mpmath.log1p(mpmath.exp(-abs(z)))


def sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def exact(kind, gamma, alpha, pw, eps, z, y):
    """Returns (value, derivative, derivativeScale) as mpf at the current precision."""
    z = mpmath.mpf(z)
    y = mpmath.mpf(y)
    eps = mpmath.mpf(eps)
    pw = mpmath.mpf(pw)
    ys = y * (1 - eps) + eps / 2          # exact smoothed label
    sp = sigmoid(z)                       # sigma(z)
    sm = sigmoid(-z)                      # sigma(-z) = 1 - sigma(z)
    bce = -(pw * ys * log_sigmoid(z) + (1 - ys) * log_sigmoid(-z))
    dbce = (1 - ys) * sp - pw * ys * sm
    sbce = (1 - ys) * sp + pw * ys * sm
    if kind == "bce":
        return bce, dbce, sbce
    gamma = mpmath.mpf(gamma)
    alpha = mpmath.mpf(alpha)
    alpha_t = alpha * ys + (1 - alpha) * (1 - ys) if alpha >= 0 else mpmath.mpf(1)
    q = ys * sm + (1 - ys) * sp           # 1 - p_t, a sum of non-negative terms
    dq = (1 - ys) * sp * sm - ys * sp * sm
    sq = sp * sm                          # |(1 - y') s s'| + |y' s s'|
    qg = q ** gamma if gamma != 0 else mpmath.mpf(1)   # 0^0 = 1
    value = alpha_t * qg * bce
    if gamma == 0:
        return value, alpha_t * dbce, alpha_t * sbce
    dqg = gamma * q ** (gamma - 1)        # q > 0 in exact arithmetic
    deriv = alpha_t * (dqg * dq * bce + qg * dbce)
    scale = alpha_t * (dqg * sq * bce + qg * sbce)
    return value, deriv, scale


def direct(kind, gamma, alpha, pw, eps, z, y):
    """Independent, literal formulation of the loss (moderate |z| only)."""
    z = mpmath.mpf(z)
    ys = mpmath.mpf(y) * (1 - mpmath.mpf(eps)) + mpmath.mpf(eps) / 2
    pw = mpmath.mpf(pw)
    p = 1 / (1 + mpmath.exp(-z))
    loss = -(pw * ys * mpmath.log(p) + (1 - ys) * mpmath.log(1 - p))
    if kind == "bce":
        return loss
    p_t = p * ys + (1 - p) * (1 - ys)
    alpha_t = (alpha * ys + (1 - alpha) * (1 - ys)) if alpha >= 0 else 1
    mod = (1 - p_t) ** gamma if gamma != 0 else 1
    return alpha_t * mod * loss


# ---------------------------------------------------------------- output
def to_double(x):
    """Nearest double (ties to even), subnormals rounded once, signed zero kept."""
    x = mpmath.mpf(x)
    if x == 0:
        return 0.0
    sign = -1.0 if x < 0 else 1.0
    man, exp = abs(x).man_exp             # |x| = man * 2**exp
    top = exp + man.bit_length() - 1      # |x| in [2**top, 2**(top + 1))
    if top < -1075:
        return sign * 0.0
    if top > 1023:
        return sign * math.inf
    lsb = -1074 if top < -1022 else top - 52
    shift = lsb - exp
    if shift <= 0:
        m = man << -shift
    else:
        m, r = divmod(man, 1 << shift)
        half = 1 << (shift - 1)
        if r > half or (r == half and m & 1):
            m += 1
    return sign * math.ldexp(m, lsb)


def fmt(d):
    return repr(float(d))


def compute_rows(digits):
    rows = []
    with mpmath.workdps(digits):
        for case in cases():
            value, deriv, scale = exact(*case)
            rows.append((case, to_double(value), to_double(deriv), to_double(scale)))
    return rows


def render(rows):
    lines = [HEADER]
    for case, value, deriv, scale in rows:
        kind = case[0]
        lines.append(",".join([kind] + [fmt(v) for v in case[1:]]
                              + [fmt(value), fmt(deriv), fmt(scale)]))
    return "\n".join(lines) + "\n"


def check(rows):
    """Recompute at 100 digits and with the direct formulation; report."""
    worst_prec = 0
    with mpmath.workdps(100):
        for case, value, deriv, scale in rows:
            v2, d2, s2 = exact(*case)
            got = (to_double(v2), to_double(d2), to_double(s2))
            if [fmt(v) for v in got] != [fmt(v) for v in (value, deriv, scale)]:
                worst_prec += 1
                print("precision mismatch", case, (value, deriv, scale), got)
    worst_v = worst_d = 0.0
    checked = 0
    with mpmath.workdps(80):
        for case, value, deriv, scale in rows:
            kind, gamma, alpha, pw, eps, z, y = case
            if abs(z) > 50:
                continue
            f = lambda t: direct(kind, gamma, alpha, pw, eps, t, y)
            v = f(mpmath.mpf(z))
            d = mpmath.diff(f, mpmath.mpf(z))
            ev, ed, es = exact(*case)
            rv = abs(v - ev) / max(abs(ev), mpmath.mpf(10) ** -300)
            rd = abs(d - ed) / max(abs(es), mpmath.mpf(10) ** -300)
            worst_v = max(worst_v, float(rv))
            worst_d = max(worst_d, float(rd))
            checked += 1
    print("rows: %d; 50- vs 100-digit mismatches: %d" % (len(rows), worst_prec))
    print("direct formulation (%d rows with |z| <= 50): worst value rel err %.3g, "
          "worst derivative err / derivativeScale %.3g" % (checked, worst_v, worst_d))
    return worst_prec == 0 and worst_v < 1e-30 and worst_d < 1e-30


def main(argv):
    rows = compute_rows(DIGITS)
    if "--check" in argv:
        return 0 if check(rows) else 1
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), CSV_NAME)
    text = render(rows)
    with open(out, "w", newline="\n") as fh:
        fh.write(text)
    print("wrote %d rows, %d bytes to %s" % (len(rows), len(text), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
