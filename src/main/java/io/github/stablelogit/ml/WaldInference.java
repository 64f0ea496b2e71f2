package io.github.stablelogit.ml;

import dev.ludovic.netlib.lapack.LAPACK;
import java.io.Serializable;
import java.util.Locale;
import org.netlib.util.intW;

/**
 * Wald inference for the coefficients of a fitted model: the covariance is the inverse of the
 * Hessian of the weighted loss SUM (not the mean) at the optimum, in the original feature units,
 * with the intercept last; the standard errors are the square roots of its diagonal, z = β / SE
 * and the two-sided p-value is P(|Z| ≥ |z|) = erfc(|z|/√2) for a standard normal Z.
 *
 * <p>With weightCol, weights are frequency weights: a row of weight k counts as k identical rows
 * (statsmodels' {@code freq_weights}). With a penalty the Hessian includes it (λ times the weight
 * sum, in original units), so the numbers are those of the penalized problem's inverse Hessian (as
 * H2O reports), not a sampling covariance of an unbiased estimator.
 *
 * <p>Features that do not vary (zero standard deviation) have a coefficient fixed at 0: they are
 * left out of the inversion and get NaN standard error, z and p-value.
 *
 * @param estimates the coefficients followed by the intercept (when fitted)
 * @param covariance the covariance matrix, row-major, same order
 * @param standardErrors √diag(covariance)
 * @param zValues estimates / standardErrors
 * @param pValues two-sided p-values
 */
record WaldInference(double[] estimates, double[][] covariance, double[] standardErrors,
    double[] zValues, double[] pValues) implements Serializable {

  /**
   * @param hessianSum the Hessian of the weighted loss sum (plus penalty), n×n row-major, n =
   *     estimates.length; symmetric
   * @param estimates coefficients then intercept
   * @param fixed which entries are fixed (constant features), excluded from the inversion
   * @return the inference
   * @throws IllegalStateException if the Hessian of the free coefficients is singular
   */
  static WaldInference of(double[][] hessianSum, double[] estimates, boolean[] fixed) {
    int n = estimates.length;
    int[] free = java.util.stream.IntStream.range(0, n).filter(i -> !fixed[i]).toArray();
    int m = free.length;
    // Column-major m×m copy of the free block; LAPACK inverts a symmetric positive definite matrix
    // by its Cholesky factor (dpotrf, then dpotri).
    double[] a = new double[m * m];
    for (int c = 0; c < m; c++) {
      for (int r = 0; r < m; r++) {
        a[c * m + r] = hessianSum[free[r]][free[c]];
      }
    }
    intW info = new intW(0);
    LAPACK lapack = LAPACK.getInstance();
    if (m > 0) {
      lapack.dpotrf("U", m, a, m, info);
      if (info.val == 0) {
        lapack.dpotri("U", m, a, m, info);
      }
    }
    if (info.val != 0) {
      throw new IllegalStateException(String.format(Locale.ROOT, "the Hessian of the loss at the "
          + "optimum is singular (LAPACK info %d): some features are collinear, or the classes "
          + "are separable. Drop collinear features or set regParam > 0 to get standard errors.",
          info.val));
    }
    double[][] cov = new double[n][n];
    for (double[] row : cov) {
      java.util.Arrays.fill(row, Double.NaN);
    }
    for (int c = 0; c < m; c++) {
      for (int r = 0; r <= c; r++) {
        double v = a[c * m + r];
        cov[free[r]][free[c]] = v;
        cov[free[c]][free[r]] = v;
      }
    }
    double[] se = new double[n];
    double[] z = new double[n];
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      se[i] = Math.sqrt(cov[i][i]);
      z[i] = estimates[i] / se[i];
      p[i] = twoSidedP(z[i]);
    }
    return new WaldInference(estimates.clone(), cov, se, z, p);
  }

  /** P(|Z| ≥ |z|) = erfc(|z|/√2), accurate in the tail (no 1 − Φ cancellation). */
  static double twoSidedP(double z) {
    if (Double.isNaN(z)) {
      return Double.NaN;
    }
    return org.apache.commons.math3.special.Erf.erfc(Math.abs(z) / Math.sqrt(2.0));
  }
}
