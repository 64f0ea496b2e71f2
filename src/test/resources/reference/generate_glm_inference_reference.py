#!/usr/bin/env python3
"""Reference values for unpenalized logistic regression with Wald inference.

Writes, next to this script:
  glm_inference_reference.csv   case,term,estimate,std_error,z,p
  glm_inference_covariance.csv  case,row_term,col_term,value
  glm_inference_summary.csv     case,fit_intercept,weighted,n_rows,sum_weights,
                                log_likelihood,deviance,irls_iterations,max_abs_z

Data: sample-data/breast_cancer.csv (569 rows, CC BY 4.0), label = y, and the
feature subset FEATURES below, in that order (raw values, no scaling).  The full
30-feature design is (quasi-)separable, so no finite unpenalized MLE exists there;
for this subset the script proves with a linear program that no (quasi-)separating
direction exists (Albert & Anderson 1984), so the MLE exists and is unique.

Cases (all four fit the same 4 features):
  intercept_unweighted    intercept fitted, every weight 1
  intercept_weighted      intercept fitted, w_i = 1 + (i mod 3)
  nointercept_unweighted  no intercept, every weight 1
  nointercept_weighted    no intercept, w_i = 1 + (i mod 3)
where i is the 0-based index of the data row in file order (header excluded),
so the weights run 1, 2, 3, 1, 2, 3, ...  The weights are FREQUENCY weights:
weight k means k copies of the row.

Model and definitions:
  eta_i = x~_i . beta, x~_i = (1, x_i) with an intercept, x_i without
  log-likelihood  L(beta) = sum_i w_i [y_i eta_i - log(1 + exp(eta_i))]
  covariance      Cov = (sum_i w_i s_i (1 - s_i) x~_i x~_i^T)^-1,  s_i = sigma(eta_i)
  std_error_j = sqrt(Cov_jj), z_j = estimate_j / std_error_j,
  p_j = 2 * (1 - Phi(|z_j|))   (two-sided, standard normal)
This is statsmodels GLM(y, X, family=Binomial(), freq_weights=w), fitted by IRLS
with tol=1e-14, maxiter=1000; the written numbers are statsmodels'.  Before
writing, every number is cross-checked against an independent numpy computation
(Newton's method on L to convergence, covariance = inverse of the Hessian of -L
solved by Cholesky, p from scipy.special.erfc) and the script aborts unless all
agree to RTOL = 1e-9 relative.

Terms: "intercept" for the intercept (listed first), otherwise the feature name.
All doubles are printed with repr(), which Double.parseDouble reads back exactly.

Usage: python3 generate_glm_inference_reference.py   (Debian python3-statsmodels,
python3-sklearn's numpy/scipy; run with /usr/bin/python3)
"""

import csv
import os
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
import scipy.linalg
import scipy.optimize
import scipy.special
import statsmodels
import statsmodels.api as sm

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
DATA = os.path.join(REPO, "sample-data", "breast_cancer.csv")

FEATURES = ["mean_texture", "mean_smoothness", "mean_concave_points", "worst_radius"]
RTOL = 1e-9


def weights_for(n):
    """w_i = 1 + (i mod 3), i = 0-based data row index in file order."""
    return 1.0 + (np.arange(n) % 3)


def load():
    # round_trip: Python's correctly rounded strtod, the same doubles as Double.parseDouble
    df = pd.read_csv(DATA, float_precision="round_trip")
    assert len(df) == 569, len(df)
    y = df["label"].to_numpy(dtype=np.float64)
    assert set(np.unique(y)) == {0.0, 1.0}
    return df, y


def design(df, cols, intercept):
    x = df[cols].to_numpy(dtype=np.float64)
    if intercept:
        x = np.column_stack([np.ones(len(df)), x])
    return x


def separation_lp(x, y):
    """max sum_i s_i x_i.b s.t. s_i x_i.b >= 0, |b_j| <= 1, s_i = 2 y_i - 1.

    The optimum is 0 iff no (quasi-)separating direction exists; a positive
    optimum exhibits one.  Columns are scaled to unit max-abs first (this does
    not change whether a separating direction exists)."""
    xs = x / np.abs(x).max(axis=0)
    s = 2.0 * y - 1.0
    a = s[:, None] * xs
    res = scipy.optimize.linprog(-a.sum(axis=0), A_ub=-a, b_ub=np.zeros(len(y)),
                                 bounds=[(-1.0, 1.0)] * x.shape[1], method="highs")
    assert res.status == 0, res.message
    return -res.fun


def loglik(x, y, w, beta):
    eta = x @ beta
    # log(1 + exp(eta)) evaluated stably
    return float(np.sum(w * (y * eta - np.logaddexp(0.0, eta))))


def newton_numpy(x, y, w, max_iter=200):
    """Independent fit: Newton on the weighted log-likelihood with step halving."""
    beta = np.zeros(x.shape[1])
    ll = loglik(x, y, w, beta)
    for it in range(1, max_iter + 1):
        eta = x @ beta
        s = scipy.special.expit(eta)
        v = s * scipy.special.expit(-eta)          # s (1 - s) without cancellation
        grad = x.T @ (w * (y - s))
        hess = (x * (w * v)[:, None]).T @ x
        step = scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess), grad)
        t = 1.0
        while True:
            cand = beta + t * step
            ll_c = loglik(x, y, w, cand)
            if ll_c >= ll - 1e-12 * abs(ll) or t < 1e-10:
                break
            t *= 0.5
        beta, ll = cand, ll_c
        if np.max(np.abs(t * step) / np.maximum(np.abs(beta), 1e-300)) < 1e-15:
            break
    # polish: a few more full Newton steps at the converged point (cheap, harmless)
    for _ in range(3):
        eta = x @ beta
        s = scipy.special.expit(eta)
        v = s * scipy.special.expit(-eta)
        grad = x.T @ (w * (y - s))
        hess = (x * (w * v)[:, None]).T @ x
        beta = beta + scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess), grad)
    eta = x @ beta
    s = scipy.special.expit(eta)
    v = s * scipy.special.expit(-eta)
    grad = x.T @ (w * (y - s))
    hess = (x * (w * v)[:, None]).T @ x
    cov = scipy.linalg.cho_solve(scipy.linalg.cho_factor(hess), np.eye(x.shape[1]))
    cov = 0.5 * (cov + cov.T)
    return beta, cov, it, grad


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)))


def main():
    print(f"statsmodels {statsmodels.__version__}, numpy {np.__version__}, "
          f"scipy {scipy.__version__}, pandas {pd.__version__}, python {sys.version.split()[0]}")
    df, y = load()
    n = len(y)
    all_feats = [c for c in df.columns if c != "label"]
    print(f"separation LP optimum, all 30 features + intercept: "
          f"{separation_lp(design(df, all_feats, True), y):.6g} (> 0: quasi-separable)")

    cases = [("intercept_unweighted", True, False), ("intercept_weighted", True, True),
             ("nointercept_unweighted", False, False), ("nointercept_weighted", False, True)]
    est_rows, cov_rows, sum_rows = [], [], []
    for case, intercept, weighted in cases:
        x = design(df, FEATURES, intercept)
        terms = (["intercept"] if intercept else []) + FEATURES
        w = weights_for(n) if weighted else np.ones(n)
        assert np.linalg.matrix_rank(x) == x.shape[1]
        lp = separation_lp(x, y)
        assert lp <= 1e-9, f"{case}: separating direction found (LP optimum {lp})"

        with warnings.catch_warnings():
            warnings.simplefilter("error")   # any statsmodels warning (separation, ...) aborts
            model = sm.GLM(y, x, family=sm.families.Binomial(),
                           freq_weights=(w if weighted else None))
            res = model.fit(method="IRLS", tol=1e-14, maxiter=1000)
        assert res.converged, case
        iters = res.fit_history["iteration"]
        assert iters < 1000, case
        est = np.asarray(res.params, dtype=np.float64)
        cov = np.asarray(res.cov_params(), dtype=np.float64)
        se = np.asarray(res.bse, dtype=np.float64)
        z = np.asarray(res.tvalues, dtype=np.float64)
        p = np.asarray(res.pvalues, dtype=np.float64)
        assert np.array_equal(se, np.sqrt(np.diag(cov)))

        # independent computation
        b2, cov2, it2, grad2 = newton_numpy(x, y, w)
        se2 = np.sqrt(np.diag(cov2))
        z2 = b2 / se2
        p2 = scipy.special.erfc(np.abs(z2) / np.sqrt(2.0))
        d = {"estimate": rel(est, b2), "std_error": rel(se, se2), "z": rel(z, z2),
             "p": rel(p, p2), "cov": rel(cov, cov2)}
        ll_sm, ll_np = float(res.llf), loglik(x, y, w, b2)
        # gradient of L at statsmodels' estimate, scaled by the gradient's term sizes
        s_sm = scipy.special.expit(x @ est)
        g_sm = x.T @ (w * (y - s_sm))
        g_scale = np.abs(x).T @ (w * np.abs(y - s_sm))
        print(f"{case}: IRLS iterations {iters}, converged {res.converged}; numpy Newton "
              f"iterations {it2}; max|z| {np.max(np.abs(z)):.6g}; rel. diffs "
              + ", ".join(f"{k} {v:.2e}" for k, v in d.items())
              + f"; loglik sm {ll_sm!r} np {ll_np!r}; "
              f"max |grad|/scale at sm estimate {np.max(np.abs(g_sm) / g_scale):.2e}")
        for k, v in d.items():
            assert v <= RTOL, f"{case}: {k} disagrees, rel {v}"
        assert abs(ll_sm - ll_np) <= 1e-12 * abs(ll_sm)

        for j, t in enumerate(terms):
            est_rows.append([case, t, repr(float(est[j])), repr(float(se[j])),
                             repr(float(z[j])), repr(float(p[j]))])
            for k, u in enumerate(terms):
                cov_rows.append([case, t, u, repr(float(cov[j, k]))])
        sum_rows.append([case, str(intercept).lower(), str(weighted).lower(), n,
                         repr(float(w.sum())), repr(ll_sm), repr(float(res.deviance)),
                         iters, repr(float(np.max(np.abs(z))))])

    def write(name, header, rows):
        with open(os.path.join(HERE, name), "w", newline="") as f:
            wr = csv.writer(f, lineterminator="\n")
            wr.writerow(header)
            wr.writerows(rows)

    write("glm_inference_reference.csv", ["case", "term", "estimate", "std_error", "z", "p"], est_rows)
    write("glm_inference_covariance.csv", ["case", "row_term", "col_term", "value"], cov_rows)
    write("glm_inference_summary.csv",
          ["case", "fit_intercept", "weighted", "n_rows", "sum_weights", "log_likelihood",
           "deviance", "irls_iterations", "max_abs_z"], sum_rows)
    print("wrote glm_inference_reference.csv, glm_inference_covariance.csv, glm_inference_summary.csv")


if __name__ == "__main__":
    main()
