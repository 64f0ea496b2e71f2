package io.github.stablelogit.optim;

/**
 * An {@link Objective} that can also give its Hessian, as {@link NewtonMinimizer} needs it.
 * {@link LogitObjective} is the linear model's over cached blocks (one pass per Hessian); tests use
 * small analytic ones.
 */
public interface HessianObjective extends Objective {

  /**
   * Evaluates the smooth part of the objective with its gradient and Hessian. The value and
   * gradient are those {@link #evaluate} returns at the same point.
   *
   * @param x optimizer variables, n of them
   * @param gradient output, length n
   * @param hessian output, n×n row-major; symmetric positive semi-definite (a constant variable
   *     has a unit diagonal and zeros elsewhere, so the Newton system stays solvable)
   * @return the objective value (without the L1 part)
   */
  double evaluateWithHessian(double[] x, double[] gradient, double[] hessian);

  /** @return how many times {@link #evaluateWithHessian} ran (not counted in evaluations()) */
  int hessianEvaluations();

  /**
   * Whether a Hessian at the fit's last point is wanted even where the fit itself does not need
   * it: true where the next fit (a path's next grid point, warm-started there) gets that Hessian
   * without a pass, so that it costs this fit's last pass the Hessian work and saves the next
   * fit a whole pass.
   *
   * @return false by default
   */
  default boolean wantsLastHessian() {
    return false;
  }
}
