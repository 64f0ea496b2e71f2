package io.github.stablelogit.ml;

import java.util.Arrays;
import java.util.Locale;

/**
 * Our decision {@code threshold} t on P(y = 1) and Spark's per-class {@code thresholds} [t0, t1]
 * of a binary model describe the same rule, as in Spark's LogisticRegressionModel: Spark predicts
 * the class maximizing p_k / t_k, i.e. 1 exactly when p1 t0 &gt; p0 t1, which is p1 &gt; t1 / (t0
 * + t1) — our rule with t = t1 / (t0 + t1) (rounded once, so the two can differ only for P(y =
 * 1) within an ulp of t, or at P(y = 1) = 0 with t1 = 0, where "&gt; 0" predicts 0 as Spark's
 * LogisticRegressionModel does); conversely t gives [1 − t, t].
 */
final class BinaryThresholds {

  /** Largest difference between a set threshold and set thresholds that still agree. */
  static final double TOLERANCE = 1e-5;

  private BinaryThresholds() {}

  /**
   * @param thresholds Spark's [t0, t1]
   * @return t1 / (t0 + t1), the threshold on P(y = 1) of the same rule
   * @throws IllegalArgumentException unless there are two finite values ≥ 0, not both 0
   */
  static double threshold(double[] thresholds) {
    if (thresholds == null || thresholds.length != 2) {
      throw new IllegalArgumentException("thresholds of a binary model must have 2 values [t0, "
          + "t1] (predict 1 when P(y = 1) > t1 / (t0 + t1)), but "
          + (thresholds == null ? "none were" : thresholds.length + " were") + " given: "
          + Arrays.toString(thresholds) + "; or set threshold = P(y = 1) instead");
    }
    double t0 = thresholds[0];
    double t1 = thresholds[1];
    if (!(t0 >= 0 && t1 >= 0 && t0 + t1 > 0 && t0 + t1 < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("thresholds must be two finite values >= 0, not both 0, "
          + "but were " + Arrays.toString(thresholds));
    }
    return t1 / (t0 + t1);
  }

  /**
   * @param threshold t on P(y = 1)
   * @return Spark's thresholds [1 − t, t] of the same rule
   */
  static double[] thresholds(double threshold) {
    return new double[] {1 - threshold, threshold};
  }

  /**
   * @param threshold a set threshold
   * @param thresholds set thresholds
   * @return the threshold of {@code thresholds}
   * @throws IllegalArgumentException when the two describe different rules
   */
  static double consistent(double threshold, double[] thresholds) {
    double t = threshold(thresholds);
    if (!(Math.abs(t - threshold) <= TOLERANCE)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "threshold %s and thresholds "
          + "%s are both set but disagree: thresholds mean threshold %s; set only one (the "
          + "setters clear the other)", threshold, Arrays.toString(thresholds), t));
    }
    return t;
  }
}
