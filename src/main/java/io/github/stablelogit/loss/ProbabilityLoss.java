package io.github.stablelogit.loss;

/**
 * The loss of a probability p = P(y = 1) rather than a logit, in PyTorch's {@code BCELoss}
 * convention: each log term is clamped below at {@link #LOG_CLAMP} = −100, so p = 0 or p = 1 give a
 * finite loss (at most 100 per unit of label weight) instead of +∞.
 *
 * <p>With the parameters of a {@link LogitLoss} (ε = labelSmoothing, pw = posWeight):
 *
 * <pre>
 *   B = −pw·y'·max(log p, −100) − (1−y')·max(log(1−p), −100),   y' = {@link LabelSmoothing}
 *   BCE: ℓ = B;   focal: ℓ = α_t (1 − p_t)^γ B,   1 − p_t = y'(1 − p) + (1 − y')p
 * </pre>
 *
 * with α_t as in {@link LogitLoss}. A term whose coefficient is 0 (a hard label) is skipped, which
 * saves its logarithm. log(1 − p) is {@code log1p(−p)}, accurate for tiny p; 1 − p_t is a sum of
 * non-negative terms, never 1 minus something. This is all a probability can express: a
 * confident, correct row whose p has rounded to exactly 1 scores 0, where the logit form ({@link
 * LogitLoss}) keeps its small loss. log, log1p and pow are {@link DetMath}'s, so the value is the
 * same bits in every JIT tier.
 */
public final class ProbabilityLoss {

  /** PyTorch's BCELoss lower bound on each log term. */
  public static final double LOG_CLAMP = -100.0;

  private ProbabilityLoss() {}

  /**
   * The unweighted loss of one row.
   *
   * @param loss the loss whose kind (BCE or focal) and parameters to use
   * @param p P(y = 1) in [0, 1]
   * @param y label in [0, 1]
   * @return ℓ ≥ 0, finite
   */
  public static double value(LogitLoss loss, double p, double y) {
    double eps = loss.labelSmoothing();
    double yp = LabelSmoothing.positive(y, eps);
    double q = LabelSmoothing.negative(y, eps);
    double pwy = loss.posWeight() * yp;
    double b = 0.0;
    if (pwy > 0) {
      b -= pwy * Math.max(DetMath.log(p), LOG_CLAMP);
    }
    if (q > 0) {
      b -= q * Math.max(DetMath.log1p(-p), LOG_CLAMP);
    }
    if (!loss.isFocal()) {
      return b;
    }
    double alphaT = loss.classWeight(yp, q);
    double gamma = loss.gamma();
    // 1 − p_t = y'(1 − p) + (1 − y')p: a sum of non-negative terms.
    double m = yp * (1.0 - p) + q * p;
    // pow only for γ outside {0, 1, 2}; 0^0 = 1 (γ = 0 is α-weighted BCE); DetMath.pow needs
    // m > 0, and 0^γ = 0 for γ > 0.
    double mg = gamma == 0.0 ? 1.0 : gamma == 1.0 ? m : gamma == 2.0 ? m * m
        : m > 0 ? DetMath.pow(m, gamma) : 0.0;
    return alphaT * mg * b;
  }
}
