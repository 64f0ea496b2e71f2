package io.github.stablelogit.optim;

/**
 * A smooth objective as {@link LogitMinimizer} sees it: value and gradient in the optimizer's
 * variables, the count of evaluations (passes over the data), an optional validation loss for
 * early stopping, and per-variable L1 weights for OWL-QN. {@link LogitObjective} is the linear
 * model's over cached blocks; tests use small analytic ones.
 */
public interface Objective {

  /**
   * Evaluates the smooth part of the objective.
   *
   * @param x optimizer variables
   * @param gradient output, same length
   * @return the objective value (without the L1 part)
   */
  double evaluate(double[] x, double[] gradient);

  /** @return how many times {@link #evaluate} ran */
  int evaluations();

  /**
   * @param x optimizer variables
   * @return the mean validation loss at x, or NaN without validation rows
   */
  double validationLoss(double[] x);

  /**
   * @param regL1 λa, the L1 strength
   * @return the L1 weight of each optimizer variable (0 for unpenalized ones)
   */
  double[] l1Weights(double regL1);

  /**
   * @return the diagonal of the quadratic penalty's Hessian in the optimizer's variables, or null
   *     when the penalty is not such a diagonal (then no {@link LbfgsMemory} carries over)
   */
  default double[] penaltyCurvature() {
    return null;
  }

  /**
   * Selects the rows of the next evaluations, for objectives over mini-batches: those of step t's
   * batch, or all rows for t &lt; 0. Full-batch objectives ignore it.
   *
   * @param t the step (0 for the starting point), or −1 for all rows
   */
  default void useBatch(int t) {}
}
