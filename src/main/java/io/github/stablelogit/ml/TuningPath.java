package io.github.stablelogit.ml;

import java.io.Serializable;
import java.util.Locale;

/**
 * What a cross-validation measured, one entry per grid point (posWeight × elastic-net value ×
 * regParam, in the order they were fitted: each pair's regParams descending): the fold metrics,
 * their mean and standard deviation, the model on all rows along the path and the optimizer
 * iterations of every fit. Also the selection rules over it.
 */
final class TuningPath implements Serializable {

  private static final long serialVersionUID = 1L;

  final double[] regParams;
  final double[] elasticNetParams;
  /** The posWeight of each point (the estimator's posWeight without a posWeights grid). */
  final double[] posWeights;
  /** [point][fold] held-out metric. */
  final double[][] foldMetrics;
  /** [point] d coefficients then the intercept of the model on all rows. */
  final double[][] coefficients;
  /** [point][fold, then the model on all rows] optimizer iterations. */
  final int[][] iterations;
  final String metric;

  TuningPath(double[] regParams, double[] elasticNetParams, double[] posWeights,
      double[][] foldMetrics, double[][] coefficients, int[][] iterations, String metric) {
    this.regParams = regParams;
    this.elasticNetParams = elasticNetParams;
    this.posWeights = posWeights;
    this.foldMetrics = foldMetrics;
    this.coefficients = coefficients;
    this.iterations = iterations;
    this.metric = metric;
  }

  int size() {
    return regParams.length;
  }

  /** @return whether larger values of the metric are better (the areas under curves) */
  static boolean largerIsBetter(String metric) {
    return metric.startsWith("areaUnder");
  }

  /** @return the mean over folds of each point's metric (as CrossValidator's avgMetrics) */
  double[] avgMetrics() {
    double[] m = new double[size()];
    for (int p = 0; p < m.length; p++) {
      double s = 0;
      for (double v : foldMetrics[p]) {
        s += v;
      }
      m[p] = s / foldMetrics[p].length;
    }
    return m;
  }

  /** @return the sample standard deviation over folds of each point's metric */
  double[] stdMetrics() {
    double[] avg = avgMetrics();
    double[] sd = new double[size()];
    for (int p = 0; p < sd.length; p++) {
      double s = 0;
      for (double v : foldMetrics[p]) {
        s += (v - avg[p]) * (v - avg[p]);
      }
      int k = foldMetrics[p].length;
      sd[p] = k > 1 ? Math.sqrt(s / (k - 1)) : 0.0;
    }
    return sd;
  }

  /** @return the number of non-zero coefficients (intercept excluded) of each point's model */
  int[] numNonZeros() {
    int[] nz = new int[size()];
    for (int p = 0; p < nz.length; p++) {
      double[] c = coefficients[p];
      for (int j = 0; j < c.length - 1; j++) {
        if (c[j] != 0.0) {
          nz[p]++;
        }
      }
    }
    return nz;
  }

  /**
   * The selected point. {@code best}: the best mean metric (the first in grid order among ties,
   * as CrossValidator). {@code oneStandardError} (glmnet's lambda.1se): among the points with the
   * best point's elasticNetParam and posWeight, the largest regParam whose mean is within one
   * standard error (sd / √K) of the best mean.
   *
   * @param rule "best" or "oneStandardError"
   * @return the index of the selected point
   */
  int select(String rule) {
    double[] avg = avgMetrics();
    boolean larger = largerIsBetter(metric);
    int best = 0;
    for (int p = 1; p < avg.length; p++) {
      if (larger ? avg[p] > avg[best] : avg[p] < avg[best]) {
        best = p;
      }
    }
    if (!"oneStandardError".equals(rule)) {
      return best;
    }
    double se = stdMetrics()[best] / Math.sqrt(foldMetrics[best].length);
    double bound = larger ? avg[best] - se : avg[best] + se;
    int chosen = best;
    for (int p = 0; p < avg.length; p++) {
      boolean within = larger ? avg[p] >= bound : avg[p] <= bound;
      if (elasticNetParams[p] == elasticNetParams[best] && posWeights[p] == posWeights[best]
          && within
          && regParams[p] > regParams[chosen]) {
        chosen = p;
      }
    }
    return chosen;
  }

  /**
   * A warning for a selection at the low end of its path: the selected point has the smallest
   * (and a positive) regParam among the several points of its (posWeight, elasticNetParam) pair,
   * so the metric may still improve below the grid (glmnet's lambda.min at the end of the path).
   *
   * @param selected the selected point
   * @return the message naming the value and the fix, or null inside the grid
   */
  String smallestRegParamWarning(int selected) {
    int points = 0;
    for (int p = 0; p < size(); p++) {
      if (elasticNetParams[p] == elasticNetParams[selected]
          && posWeights[p] == posWeights[selected]) {
        points++;
        if (regParams[p] < regParams[selected]) {
          return null;
        }
      }
    }
    if (points < 2 || !(regParams[selected] > 0)) {
      return null;
    }
    return String.format(Locale.ROOT, "the selected regParam %.6g is the smallest of the %d on "
        + "its path (elasticNetParam %s, posWeight %s): the %s may still improve below it; lower "
        + "regParamMinRatio or give smaller regParams", regParams[selected], points,
        elasticNetParams[selected], posWeights[selected], metric);
  }

  /** @return the path as a table: posWeight, elasticNetParam, regParam, mean ± sd, non-zeros */
  String table() {
    double[] avg = avgMetrics();
    double[] sd = stdMetrics();
    int[] nz = numNonZeros();
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "%-10s %-8s %-12s %-26s %s%n", "posWeight", "alpha", "lambda", metric + " (mean ± sd)",
        "non-zeros"));
    for (int p = 0; p < size(); p++) {
      b.append(String.format(Locale.ROOT, "%-10.4g %-8.4g %-12.5g %-12.6g ± %-11.4g %d%n",
          posWeights[p], elasticNetParams[p], regParams[p], avg[p], sd[p], nz[p]));
    }
    return b.toString();
  }
}
