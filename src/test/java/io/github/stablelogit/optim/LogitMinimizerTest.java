package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.optim.LogitMinimizer.Result;
import io.github.stablelogit.optim.LogitMinimizer.Stop;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Every exit of {@link LogitMinimizer}, each on a small analytic objective (no Spark), with its
 * own reason: the gradient test, maxIter (also when the slope-based phase would have taken over),
 * early stopping, OWL-QN's failed line search, no descent direction, and a non-finite objective.
 */
class LogitMinimizerTest {

  /** f(x) = Σ c_j (x_j − m_j)² + 1 with m_j = 1 + j. */
  private static Quadratic quadratic(double... c) {
    double[] twice = new double[c.length];
    for (int j = 0; j < c.length; j++) {
      twice[j] = 2 * c[j];
    }
    return Quadratic.diagonal(twice);
  }

  /** A diagonal quadratic Σ c_j (x_j − m_j)² + offset. */
  private static Quadratic quadratic(double[] c, double[] m, double offset,
      ToDoubleFunction<double[]> validation) {
    int n = c.length;
    double[] a = new double[n * n];
    for (int j = 0; j < n; j++) {
      a[j * n + j] = 2 * c[j];
    }
    return new Quadratic(a, m, offset, validation);
  }

  @Test
  void gradientTestPassing() {
    Result r = LogitMinimizer.minimize(quadratic(1, 10, 100), new double[3], 100, 1e-10, 0, 0,
        null);
    assertTrue(r.converged());
    assertEquals(Stop.CONVERGED, r.stop());
    assertTrue(r.reason().startsWith("gradient norm"), r.reason());
    assertEquals(3.0, r.x()[2], 1e-8);
  }

  @Test
  void maxIterIsReportedAsMaxIter() {
    // An ill-conditioned quadratic that L-BFGS cannot solve in 3 iterations.
    Result r = LogitMinimizer.minimize(quadratic(1, 1e3, 1e6, 1e-3), new double[4], 3, 1e-14, 0,
        0, null);
    assertFalse(r.converged());
    assertEquals(Stop.MAX_ITER, r.stop());
    assertTrue(r.reason().startsWith("maxIter 3 reached"), r.reason());
    assertEquals(3, r.history().get(r.history().size() - 1).iteration());
  }

  @Test
  void maxIterReachedWhileTheObjectiveIsFlatIsStillMaxIter() {
    // tol 0 can never pass; the objective is flat to rounding after a few iterations, where the
    // slope-based phase would take over, but maxIter is reached first in some of these runs:
    // whichever phase ends the fit, the reason is maxIter, never "no iteration ran".
    for (int maxIter = 1; maxIter <= 12; maxIter++) {
      Result r = LogitMinimizer.minimize(quadratic(1, 2), new double[2], maxIter, 0.0, 0, 0, null);
      if (r.converged()) {
        continue;
      }
      assertEquals(Stop.MAX_ITER, r.stop(), "maxIter " + maxIter + ": " + r.reason());
      assertTrue(r.reason().startsWith("maxIter " + maxIter + " reached"), r.reason());
      assertEquals(maxIter, r.history().get(r.history().size() - 1).iteration());
    }
  }

  @Test
  void earlyStopping() {
    // The validation loss is best at the starting point and worse at every other.
    Quadratic q = quadratic(new double[] {1, 2}, new double[] {1, 2}, 0.0,
        x -> x[0] * x[0] + x[1] * x[1]);
    Result r = LogitMinimizer.minimize(q, new double[2], 100, 1e-14, 0, 2, null);
    assertTrue(r.stoppedEarly());
    assertEquals(Stop.EARLY_STOPPING, r.stop());
    assertTrue(r.reason().startsWith("early stopping"), r.reason());
    assertEquals(0, r.bestIteration());
    assertEquals(0.0, r.x()[0]);
  }

  @Test
  void failedLineSearchWithL1() {
    // A gradient that points the wrong way: no step along the OWL-QN direction decreases f.
    Objective wrong = new Quadratic(new double[] {2, 0, 0, 2}, new double[] {1, 1}, 1.0, null) {
      @Override
      public double evaluate(double[] x, double[] g) {
        double f = super.evaluate(x, g);
        for (int j = 0; j < g.length; j++) {
          g[j] = -g[j];
        }
        return f;
      }
    };
    Result r = LogitMinimizer.minimize(wrong, new double[2], 50, 1e-14, 0.01, 0, null);
    assertFalse(r.converged());
    assertEquals(Stop.LINE_SEARCH_FAILED, r.stop(), r.reason());
    assertTrue(r.reason().startsWith("line search could not decrease"), r.reason());
  }

  @Test
  void noDescentDirectionWhenTheSlopeUnderflows() {
    // f = 1 + 1e-300·(x − 1)²: the gradient (≈ 2e-300) is below the flat threshold, so the
    // slope-based phase runs, and gᵀg underflows to 0: there is no representable descent slope.
    Quadratic tiny = quadratic(new double[] {1e-300}, new double[] {1}, 1.0, null);
    Result r = LogitMinimizer.minimize(tiny, new double[1], 100, 0.0, 0, 0, null);
    assertFalse(r.converged());
    assertEquals(Stop.NO_DESCENT_DIRECTION, r.stop(), r.reason());
    assertTrue(r.reason().startsWith("no descent direction"), r.reason());
  }

  @Test
  void nonFiniteObjectiveThrows() {
    Objective nan = new Quadratic(new double[] {2}, new double[] {1}, 1.0, null) {
      @Override
      public double evaluate(double[] x, double[] g) {
        double f = super.evaluate(x, g);
        return x[0] != 0 ? Double.NaN : f;
      }
    };
    LogitMinimizer.NonFiniteObjective e = assertThrows(LogitMinimizer.NonFiniteObjective.class,
        () -> LogitMinimizer.minimize(nan, new double[1], 100, 1e-12, 0, 0, null));
    assertTrue(e.getMessage().contains("the objective became NaN"), e.getMessage());
  }

  @Test
  void listenerSeesEveryRecordedIteration() {
    List<LogitMinimizer.Iteration> seen = new ArrayList<>();
    Result r = LogitMinimizer.minimize(quadratic(1, 10), new double[2], 100, 1e-12, 0, 0,
        seen::add);
    assertEquals(r.history(), seen);
    assertEquals(0, seen.get(0).iteration());
  }
}
