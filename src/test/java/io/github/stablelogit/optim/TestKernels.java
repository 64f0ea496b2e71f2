package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.loss.StableMath;

/** Curvature kernels for tests, until the loss has its own. */
final class TestKernels {

  private TestKernels() {}

  /**
   * BCE with posWeight 1 and no smoothing: values and derivatives from the loss's own batch kernel
   * (so a Hessian pass reproduces an evaluation's bits), ℓ'' = σ(z)σ(−z), times w.
   */
  static CurvatureKernel bce() {
    LogitLoss loss = LogitLoss.bce(1.0, 0.0);
    return (z, from, y, w, dz, c, len) -> {
      double s = loss.valueAndDerivatives(z, from, y, w, dz, len);
      for (int i = 0; i < len; i++) {
        c[i] = w[from + i] * (StableMath.sigmoid(z[i]) * StableMath.sigmoid(-z[i]));
      }
      return s;
    };
  }
}
