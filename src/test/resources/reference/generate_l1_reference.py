#!/usr/bin/env python3
"""Reference coefficients for L1 and elastic-net penalized logistic regression.

Writes, next to this script:
  breast_cancer_standardized.csv  label + the 30 features of sample-data/breast_cancer.csv,
                                  each centred and divided by its SAMPLE standard
                                  deviation (ddof = 1): x'_ij = (x_ij - mean_j) / sd_j,
                                  sd_j = sqrt(sum_i (x_ij - mean_j)^2 / (n - 1)), n = 569.
                                  Same header and row order as the source; every value
                                  printed with repr() (Double.parseDouble reads it back
                                  exactly), label printed as 0/1.
  l1_reference.csv                case,lambda,alpha,term,coefficient
  l1_reference_summary.csv        case,lambda,alpha,objective,n_zero,n_nonzero,saga_n_iter,
                                  max_abs_diff_vs_newton,kkt_margin,min_abs_nonzero

Objective (our definition; n = 569, no weights, penalty on the coefficients of the
standardized CSV, intercept b unpenalized; on the Java side: standardization=false,
fitIntercept=true, regParam = lambda, elasticNetParam = alpha, on the CSV above):
  F(b, beta) = (1/n) sum_i l_i + lambda [(1 - alpha)/2 ||beta||^2 + alpha ||beta||_1],
  l_i = log(1 + exp(eta_i)) - y_i eta_i,  eta_i = b + x'_i . beta
Cases: lambda in {0.01, 0.05} x alpha in {1 (lasso), 0.5 (elastic net)}.

scikit-learn's LogisticRegression minimises
  C sum_i l_i + (1 - r)/2 ||w||^2 + r ||w||_1      (r = l1_ratio; r = 1 for penalty='l1')
(its saga path passes alpha = (1 - r)/C, beta = r/C to sag_solver, which divides both by
n), i.e. (1/(n C lambda)) times ... = F / lambda when C = 1/(n lambda) and r = alpha.
So every case is fitted with LogisticRegression(solver='saga', penalty='l1' or
'elasticnet', l1_ratio=alpha, C=1/(n*lambda), fit_intercept=True, tol=1e-12,
max_iter=10**6, random_state=0); the written coefficients are scikit-learn's.

Cross-check (independent, numpy only): FISTA with adaptive restart (at most 20000 steps) to locate the
support, then Newton's method on the support with the signs fixed (where F is smooth:
the L1 term is lambda*alpha*sign.beta), iterated until the KKT conditions hold:
  nonzero j:  dF_smooth/dbeta_j + lambda alpha sign(beta_j) = 0  (to ~1e-15),
  zero j:     |dF_smooth/dbeta_j| <= lambda alpha                (strictly; the margin
              min_j (lambda alpha - |g_j|)/(lambda alpha) is reported as kkt_margin).
The script aborts unless saga converged (n_iter_ < max_iter), the zero patterns are
identical, and max |coef_sklearn - coef_newton| <= 1e-8 (intercept included).

Usage: /usr/bin/python3 generate_l1_reference.py   (Debian python3-sklearn, python3-pandas)
"""

import csv
import os
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
import scipy.linalg
import scipy.special
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SOURCE = os.path.join(REPO, "sample-data", "breast_cancer.csv")
STD_CSV = os.path.join(HERE, "breast_cancer_standardized.csv")

LAMBDAS = [0.01, 0.05]
ALPHAS = [1.0, 0.5]
MAX_ITER = 10**6
ATOL = 1e-8


def write_standardized():
    df = pd.read_csv(SOURCE, float_precision="round_trip")
    assert len(df) == 569
    feats = [c for c in df.columns if c != "label"]
    x = df[feats].to_numpy(dtype=np.float64)
    mean = x.mean(axis=0)
    sd = x.std(axis=0, ddof=1)
    xs = (x - mean) / sd
    labels = df["label"].to_numpy()
    with open(STD_CSV, "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["label"] + feats)
        for i in range(len(df)):
            wr.writerow([int(labels[i])] + [repr(float(v)) for v in xs[i]])
    # read back exactly as the tests will, and use those doubles from here on
    back = pd.read_csv(STD_CSV, float_precision="round_trip")
    xb = back[feats].to_numpy(dtype=np.float64)
    assert np.array_equal(xb, xs)
    return feats, xb, back["label"].to_numpy(dtype=np.float64)


def smooth_grad(xt, y, theta, lam, alpha):
    """Gradient of (1/n) sum l_i + lam (1-alpha)/2 ||beta||^2; theta = (b, beta)."""
    n = len(y)
    s = scipy.special.expit(xt @ theta)
    g = xt.T @ (s - y) / n
    g[1:] += lam * (1.0 - alpha) * theta[1:]
    return g


def objective(xt, y, theta, lam, alpha):
    eta = xt @ theta
    beta = theta[1:]
    return float(np.mean(np.logaddexp(0.0, eta) - y * eta)
                 + lam * ((1 - alpha) / 2 * beta @ beta + alpha * np.abs(beta).sum()))


def fista(xt, y, lam, alpha, iters=20000):
    n = len(y)
    lip = np.linalg.norm(xt, 2) ** 2 / (4 * n) + lam * (1 - alpha)
    step = 1.0 / lip
    thr = step * lam * alpha
    theta = np.zeros(xt.shape[1])
    z, t, f_old = theta.copy(), 1.0, np.inf
    for k in range(iters):
        u = z - step * smooth_grad(xt, y, z, lam, alpha)
        new = u.copy()
        new[1:] = np.sign(u[1:]) * np.maximum(np.abs(u[1:]) - thr, 0.0)
        f_new = objective(xt, y, new, lam, alpha)
        if f_new > f_old:              # adaptive restart (O'Donoghue & Candes)
            z, t = theta.copy(), 1.0
            continue
        t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
        z = new + ((t - 1) / t_new) * (new - theta)
        if np.max(np.abs(new - theta)) < 1e-13:
            theta = new
            break
        theta, t, f_old = new, t_new, f_new
    return theta, k


def active_set_newton(xt, y, lam, alpha, theta):
    """Newton on the support with fixed signs; re-derive the support from KKT."""
    n, p = xt.shape
    for outer in range(50):
        active = np.concatenate([[True], theta[1:] != 0.0])
        signs = np.sign(theta)
        signs[0] = 0.0
        th = theta.copy()
        for _ in range(100):
            s = scipy.special.expit(xt @ th)
            g = smooth_grad(xt, y, th, lam, alpha) + lam * alpha * signs
            h = (xt * (s * (1 - s))[:, None]).T @ xt / n
            h[1:, 1:] += lam * (1 - alpha) * np.eye(p - 1)
            ia = np.flatnonzero(active)
            d = scipy.linalg.solve(h[np.ix_(ia, ia)], g[ia], assume_a="pos")
            th[ia] -= d
            if np.max(np.abs(d)) < 1e-16 * max(1.0, np.max(np.abs(th))):
                break
        g = smooth_grad(xt, y, th, lam, alpha)
        flipped = [j for j in range(1, p) if active[j] and np.sign(th[j]) != signs[j]]
        violators = [j for j in range(1, p) if not active[j] and abs(g[j]) > lam * alpha]
        if not flipped and not violators:
            return th, g, outer
        theta = th.copy()
        for j in flipped:                   # crossed zero: drop it
            theta[j] = 0.0
        for j in violators:                 # enters with the sign that lowers F
            theta[j] = -np.sign(g[j]) * 1e-12
    raise RuntimeError("active-set Newton did not settle")


def main():
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"pandas {pd.__version__}, python {sys.version.split()[0]}")
    feats, x, y = write_standardized()
    n, p = x.shape
    xt = np.column_stack([np.ones(n), x])
    rows, summary = [], []
    for alpha in ALPHAS:
        for lam in LAMBDAS:
            case = f"{'l1' if alpha == 1.0 else 'enet'}_alpha{alpha}_lambda{lam}"
            kw = dict(penalty="l1") if alpha == 1.0 else dict(penalty="elasticnet", l1_ratio=alpha)
            clf = LogisticRegression(solver="saga", C=1.0 / (n * lam), fit_intercept=True,
                                     tol=1e-12, max_iter=MAX_ITER, random_state=0, **kw)
            with warnings.catch_warnings():
                warnings.simplefilter("error", ConvergenceWarning)
                clf.fit(x, y)
            n_iter = int(clf.n_iter_[0])
            assert n_iter < MAX_ITER, case
            sk = np.concatenate([clf.intercept_, clf.coef_.ravel()]).astype(np.float64)

            th0, fista_iters = fista(xt, y, lam, alpha)
            th, g, outer = active_set_newton(xt, y, lam, alpha, th0)
            la = lam * alpha
            zero = th[1:] == 0.0
            # stationarity on the support, KKT margin off it
            stat = np.max(np.abs(g[0:1])) if zero.all() else max(
                abs(g[0]), np.max(np.abs(g[1:][~zero] + la * np.sign(th[1:][~zero]))))
            margin = float(np.min((la - np.abs(g[1:][zero])) / la)) if zero.any() else float("inf")
            assert margin > 0
            diff = float(np.max(np.abs(sk - th)))
            same_zeros = np.array_equal(sk[1:] == 0.0, zero)
            f_sk, f_nt = objective(xt, y, sk, lam, alpha), objective(xt, y, th, lam, alpha)
            n_zero = int(zero.sum())
            min_nz = float(np.min(np.abs(th[1:][~zero])))
            print(f"{case}: saga n_iter {n_iter}; fista {fista_iters} it, active-set rounds {outer}; "
                  f"zeros sklearn {int((sk[1:] == 0).sum())} newton {n_zero} of {p} "
                  f"(same pattern: {same_zeros}); max|coef diff| {diff:.2e}; "
                  f"stationarity {stat:.1e}; KKT margin {margin:.3g}; min|nonzero| {min_nz:.3g}; "
                  f"F sklearn {f_sk!r} newton {f_nt!r}")
            assert same_zeros, case
            assert diff <= ATOL, case
            terms = ["intercept"] + feats
            for j, t in enumerate(terms):
                rows.append([case, repr(lam), repr(alpha), t, repr(float(sk[j]))])
            summary.append([case, repr(lam), repr(alpha), repr(f_sk), n_zero, p - n_zero, n_iter,
                            repr(diff), repr(margin), repr(min_nz)])

    def write(name, header, data):
        with open(os.path.join(HERE, name), "w", newline="") as f:
            wr = csv.writer(f, lineterminator="\n")
            wr.writerow(header)
            wr.writerows(data)

    write("l1_reference.csv", ["case", "lambda", "alpha", "term", "coefficient"], rows)
    write("l1_reference_summary.csv",
          ["case", "lambda", "alpha", "objective", "n_zero", "n_nonzero", "saga_n_iter",
           "max_abs_diff_vs_newton", "kkt_margin", "min_abs_nonzero"], summary)
    print("wrote breast_cancer_standardized.csv, l1_reference.csv, l1_reference_summary.csv")


if __name__ == "__main__":
    main()
