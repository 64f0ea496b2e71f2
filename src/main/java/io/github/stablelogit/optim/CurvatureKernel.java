package io.github.stablelogit.optim;

import java.io.Serializable;

/**
 * The loss as a Hessian pass needs it: per-row weighted values, first and second derivatives with
 * respect to the margin, for a chunk of rows. Production code passes
 * {@code loss::valueDerivativesAndCurvatures} of {@link io.github.stablelogit.loss.LogitLoss};
 * tests pass small kernels of their own.
 *
 * <p>For the Hessian pass to reproduce the bits of an ordinary evaluation
 * ({@link BlockAggregator}), the returned sum and {@code dzOut} must be bit for bit those of the
 * loss's {@code valueAndDerivatives} on the same arguments.
 */
@FunctionalInterface
public interface CurvatureKernel extends Serializable {

  /**
   * For i in [0, len): {@code dzOut[i] = w·ℓ'(z_i, y)} and {@code curvOut[i] = w·ℓ''(z_i, y)},
   * with z_i = {@code margins[i]}, y = {@code labels[from + i]}, w = {@code weights[from + i]}.
   *
   * @param margins margins, indexed from 0 (not modified)
   * @param from index in {@code labels} and {@code weights} of the first row
   * @param labels labels in [0, 1]
   * @param weights instance weights ≥ 0
   * @param dzOut output, indexed from 0: weighted first derivatives (never the margins array)
   * @param curvOut output, indexed from 0: weighted second derivatives (may be negative for a
   *     non-convex loss)
   * @param len number of rows
   * @return Σ w·ℓ over the rows
   */
  double apply(double[] margins, int from, double[] labels, double[] weights, double[] dzOut,
      double[] curvOut, int len);
}
