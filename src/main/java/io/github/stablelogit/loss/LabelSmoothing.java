package io.github.stablelogit.loss;

import java.util.Locale;

/**
 * Label smoothing, the one place it is defined: with ε in [0, 1), a label y in [0, 1] becomes
 * y' = y(1−ε) + ε/2, so hard labels 0 and 1 become ε/2 and 1 − ε/2.
 *
 * <p>Both the smoothed label y' and its complement 1 − y' are provided, each formed as
 * (label or 1 − label)·(1−ε) + ε/2: the complement is never computed as 1 − y', which would lose
 * the relative accuracy of a tiny 1 − y' (y close to 1 with ε = 0, or ε tiny). With ε = 0 the label
 * is returned unchanged, so unsmoothed losses see exactly their input. The methods are static and
 * allocation-free: the loss kernels call them per row.
 */
public final class LabelSmoothing {

  private LabelSmoothing() {}

  /**
   * Validates ε.
   *
   * @param epsilon the smoothing ε
   * @return ε, if it is in [0, 1)
   * @throws IllegalArgumentException naming {@code labelSmoothing} if ε is outside [0, 1) or NaN
   */
  public static double checked(double epsilon) {
    // ε = 1 would map every label to 1/2, leaving nothing to learn; NaN fails both comparisons.
    if (!(epsilon >= 0 && epsilon < 1)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "labelSmoothing must be in [0, 1), but was %s", epsilon));
    }
    return epsilon;
  }

  /**
   * The smoothed label y' = y(1−ε) + ε/2.
   *
   * @param label y in [0, 1]
   * @param epsilon ε in [0, 1), not checked
   * @return y'
   */
  public static double positive(double label, double epsilon) {
    return epsilon == 0.0 ? label : label * (1.0 - epsilon) + 0.5 * epsilon;
  }

  /**
   * The complement 1 − y' of the smoothed label, formed as (1−y)(1−ε) + ε/2.
   *
   * @param label y in [0, 1]
   * @param epsilon ε in [0, 1), not checked
   * @return 1 − y'
   */
  public static double negative(double label, double epsilon) {
    return epsilon == 0.0 ? 1.0 - label : (1.0 - label) * (1.0 - epsilon) + 0.5 * epsilon;
  }

  /**
   * The smoothed positive weight of a set of rows, Σ w_i y'_i = (1−ε)·Σ w_i y_i + (ε/2)·Σ w_i:
   * smoothing is affine, so it applies to the sums without a pass over the rows (e.g. for the
   * intercept-only optimum).
   *
   * @param labelWeightSum Σ w_i y_i
   * @param weightSum Σ w_i
   * @param epsilon ε in [0, 1), not checked
   * @return Σ w_i y'_i
   */
  public static double positiveWeight(double labelWeightSum, double weightSum, double epsilon) {
    return (1 - epsilon) * labelWeightSum + 0.5 * epsilon * weightSum;
  }
}
