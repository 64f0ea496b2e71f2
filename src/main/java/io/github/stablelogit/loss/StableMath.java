package io.github.stablelogit.loss;

/**
 * Overflow-free logistic primitives, each written once and shared by the loss kernel and the model.
 *
 * <p>All functions accept every finite double (and ±∞ where stated) and never return NaN for such
 * input. They are accurate to a few ulps in relative terms over the whole double range: the forms
 * below never subtract two nearly equal numbers and never evaluate {@code exp} of a positive
 * argument.
 */
public final class StableMath {

  private StableMath() {}

  /**
   * The logistic function σ(x) = 1 / (1 + e^(−x)).
   *
   * @param x any double; σ(−∞) = 0, σ(+∞) = 1
   * @return σ(x) in [0, 1], relatively accurate also when it is tiny (x ≪ 0)
   */
  public static double sigmoid(double x) {
    // exp is only ever taken of a non-positive number, so it cannot overflow.
    if (x >= 0) {
      return 1.0 / (1.0 + DetMath.exp(-x));
    }
    double e = DetMath.exp(x);
    return e / (1.0 + e);
  }

  /**
   * softplus(x) = log(1 + e^x), the BCE loss of a negative example at logit x.
   *
   * @param x any double; softplus(−∞) = 0, softplus(+∞) = +∞
   * @return softplus(x) ≥ 0, relatively accurate for all x (≈ e^x for x ≪ 0, ≈ x for x ≫ 0)
   */
  public static double softplus(double x) {
    // log(1 + e^x) = max(x, 0) + log1p(e^(−|x|)); both terms are non-negative, so no cancellation.
    return Math.max(x, 0.0) + DetMath.log1p(DetMath.exp(-Math.abs(x)));
  }

  /**
   * log σ(x) = −softplus(−x).
   *
   * @param x any double
   * @return log σ(x) ≤ 0
   */
  public static double logSigmoid(double x) {
    return -softplus(-x);
  }
}
