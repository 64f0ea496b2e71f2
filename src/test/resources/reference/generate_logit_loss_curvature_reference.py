#!/usr/bin/env python3
"""High-precision second derivatives for io.github.stablelogit.loss.LogitLoss.

Writes logit_loss_curvature_reference.csv next to this script: for a grid of
inputs, the second derivative d^2 l / dz^2 of the loss with respect to the
logit, evaluated analytically with mpmath at 50 significant digits and rounded
to the nearest double, plus its scale (below). Conversions, smoothing,
log-sigmoid and rounding are those of generate_logit_loss_reference.py, which
this script imports (and does not modify), so both files describe the same
loss. The tests read the CSV and need no Python.

Notation: s = sigma(z), s_ = sigma(-z) = 1 - s, a = y', b = 1 - y',
  B   = pw a softplus(-z) + b softplus(z)         (the BCE value)
  B'  = b s - pw a s_,   B'' = (b + pw a) s s_
  m   = 1 - p_t = a s_ + b s,  m' = (b - a) s s_,  m'' = (b - a) s s_ (s_ - s)
BCE:    l''  = B''
focal:  l''  = alpha_t [gamma (gamma-1) m^(gamma-2) m'^2 B + gamma m^(gamma-1) m'' B
                        + 2 gamma m^(gamma-1) m' B' + m^gamma B'']
        (gamma = 0: alpha_t B''; 0^0 = 1). m > 0 exactly for every finite z,
        and mpmath's unbounded exponent keeps m^(gamma-2) finite at |z| = 1e300.

curvatureScale is the sum of the absolute values of the additive terms, with
every factor split into its non-negative parts as derivativeScale does in the
first reference (|m'| -> a s s_ + b s s_ = s s_, |m''| -> s s_ (s_ + s) = s s_,
|B'| -> b s + pw a s_):
  BCE:    B''
  focal:  alpha_t [|gamma (gamma-1)| m^(gamma-2) (s s_)^2 B + gamma m^(gamma-1) s s_ B
                   + 2 gamma m^(gamma-1) s s_ (b s + pw a s_) + m^gamma B'']
For BCE and for focal with gamma = 0 nothing cancels and the scale equals
|l''|. For gamma > 0 the terms have both signs even for hard labels (focal loss
is not convex) and l'' crosses zero; there a double algorithm can only be
accurate relative to this scale.

Grid: the saturated logits of the first reference (0, +-1e-300 ... +-1e300)
plus the exp over/underflow edge +-709 ... +-746, its seeded random logits in
(-60, 60), its labels (hard and soft), gamma in {0, 0.25, 0.5, 1, 2, 5},
alpha in {-1, 0, 0.25, 1}, posWeight 0.01 ... 1e6, labelSmoothing 0 and 0.1.
Focal rows with a hard label at a saturated logit are always kept; of the
others a deterministic, hash-chosen fraction.

Usage:
  python3 generate_logit_loss_curvature_reference.py          # (re)write the CSV
  python3 generate_logit_loss_curvature_reference.py --check  # also verify every
      row at 100 digits, and against mpmath.diff(direct formulation, n=2) at
      80 digits for |z| <= 50; prints the worst disagreement, writes nothing
"""

import os
import sys

import mpmath

sys.dont_write_bytecode = True  # no __pycache__ among the test resources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_logit_loss_reference as first  # noqa: E402  (the same directory)

DIGITS = 50
CSV_NAME = "logit_loss_curvature_reference.csv"
HEADER = ("kind,gamma,alpha,posWeight,labelSmoothing,z,y,"
          "curvature,curvatureScale")

# ---------------------------------------------------------------- the grid
# Where exp(-|z|) turns subnormal (708.4) and underflows to 0 (745.1).
EDGE_MAGNITUDES = [709.0, 710.0, 720.0, 730.0, 740.0, 744.0, 746.0]

POS_WEIGHTS = [1.0, 3.0, 0.01, 1e6]
SMOOTHINGS = [0.0, 0.1]
FOCAL_GAMMAS = [0.0, 0.25, 0.5, 1.0, 2.0, 5.0]
FOCAL_ALPHAS = [-1.0, 0.0, 0.25, 1.0]
FOCAL_KEEP_FRACTION = 0.15


def saturated_grid():
    zs = first.saturated_grid()
    for m in EDGE_MAGNITUDES:
        zs.append(m)
        zs.append(-m)
    return zs


def cases():
    """Yields (kind, gamma, alpha, pw, eps, z, y) in a fixed order."""
    sat = saturated_grid()
    zs = sat + first.random_grid()
    for pw in POS_WEIGHTS:
        for eps in SMOOTHINGS:
            for y in first.LABELS:
                for z in zs:
                    yield ("bce", 0.0, -1.0, pw, eps, z, y)
    sat_keys = {repr(z) for z in sat}
    for gamma in FOCAL_GAMMAS:
        for alpha in FOCAL_ALPHAS:
            for pw in POS_WEIGHTS:
                for eps in SMOOTHINGS:
                    for y in first.LABELS:
                        for z in zs:
                            row = ("focal", gamma, alpha, pw, eps, z, y)
                            key = "curvature," + ",".join(repr(v) for v in row)
                            if y in first.HARD_LABELS and repr(z) in sat_keys:
                                yield row
                            elif first.keep_hash(key) < FOCAL_KEEP_FRACTION:
                                yield row


# ---------------------------------------------------------------- exact maths
def exact(kind, gamma, alpha, pw, eps, z, y):
    """Returns (curvature, curvatureScale) as mpf at the current precision."""
    z = mpmath.mpf(z)
    y = mpmath.mpf(y)
    eps = mpmath.mpf(eps)
    pw = mpmath.mpf(pw)
    a = y * (1 - eps) + eps / 2           # exact smoothed label y'
    b = 1 - a
    s = first.sigmoid(z)
    s_ = first.sigmoid(-z)
    ss = s * s_                           # sigma'(z)
    bce = -(pw * a * first.log_sigmoid(z) + b * first.log_sigmoid(-z))
    dbce = b * s - pw * a * s_
    sdbce = b * s + pw * a * s_
    ddbce = (b + pw * a) * ss
    if kind == "bce":
        return ddbce, ddbce
    gamma = mpmath.mpf(gamma)
    alpha = mpmath.mpf(alpha)
    alpha_t = alpha * a + (1 - alpha) * b if alpha >= 0 else mpmath.mpf(1)
    if gamma == 0:
        return alpha_t * ddbce, alpha_t * ddbce
    m = a * s_ + b * s                    # 1 - p_t > 0
    dm = (b - a) * ss
    ddm = (b - a) * ss * (s_ - s)
    g2 = gamma * (gamma - 1) * m ** (gamma - 2)
    g1 = gamma * m ** (gamma - 1)
    g0 = m ** gamma
    curv = alpha_t * (g2 * dm ** 2 * bce + g1 * ddm * bce + 2 * g1 * dm * dbce + g0 * ddbce)
    scale = alpha_t * (abs(g2) * ss ** 2 * bce + g1 * ss * (s_ + s) * bce
                       + 2 * g1 * ss * sdbce + g0 * ddbce)
    return curv, scale


# ---------------------------------------------------------------- output
def compute_rows(digits):
    rows = []
    with mpmath.workdps(digits):
        for case in cases():
            curv, scale = exact(*case)
            rows.append((case, first.to_double(curv), first.to_double(scale)))
    return rows


def render(rows):
    lines = [HEADER]
    for case, curv, scale in rows:
        lines.append(",".join([case[0]] + [first.fmt(v) for v in case[1:]]
                              + [first.fmt(curv), first.fmt(scale)]))
    return "\n".join(lines) + "\n"


def check(rows):
    """Recompute at 100 digits, and by differentiating the direct formulation twice."""
    mismatches = 0
    with mpmath.workdps(100):
        for case, curv, scale in rows:
            c2, s2 = exact(*case)
            got = (first.to_double(c2), first.to_double(s2))
            if [first.fmt(v) for v in got] != [first.fmt(v) for v in (curv, scale)]:
                mismatches += 1
                print("precision mismatch", case, (curv, scale), got)
    worst = 0.0
    worst_case = None
    checked = 0
    tiny = mpmath.mpf(10) ** -300
    with mpmath.workdps(80):
        for case, curv, scale in rows:
            kind, gamma, alpha, pw, eps, z, y = case
            if abs(z) > 50:
                continue
            f = lambda t: first.direct(kind, gamma, alpha, pw, eps, t, y)
            d2 = mpmath.diff(f, mpmath.mpf(z), 2)
            ec, es = exact(*case)
            err = float(abs(d2 - ec) / max(abs(es), tiny))
            if err > worst:
                worst, worst_case = err, case
            checked += 1
    print("rows: %d; 50- vs 100-digit mismatches: %d" % (len(rows), mismatches))
    print("mpmath.diff of the direct formulation (%d rows with |z| <= 50): worst "
          "|error| / curvatureScale %.3g at %s" % (checked, worst, worst_case))
    return mismatches == 0 and worst < 1e-30


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
