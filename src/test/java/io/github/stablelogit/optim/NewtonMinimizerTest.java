package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.optim.LogitMinimizer.Iteration;
import io.github.stablelogit.optim.LogitMinimizer.Result;
import io.github.stablelogit.optim.LogitMinimizer.Stop;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link NewtonMinimizer} on analytic objectives (no Spark): an ill-conditioned quadratic, an
 * in-memory logistic regression against L-BFGS, proximal Newton's exact zeros and KKT conditions,
 * the Levenberg path on singular Hessians, and every exit with its reason.
 */
class NewtonMinimizerTest {

  /** A = Q diag(eigen) Qᵀ with Q a random orthogonal matrix (Gram–Schmidt). */
  private static double[] rotated(double[] eigen, long seed) {
    int n = eigen.length;
    SplittableRandom r = new SplittableRandom(seed);
    double[][] q = new double[n][n];
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < n; i++) {
        q[k][i] = r.nextGaussian();
      }
      for (int l = 0; l < k; l++) {
        double dot = 0.0;
        for (int i = 0; i < n; i++) {
          dot += q[k][i] * q[l][i];
        }
        for (int i = 0; i < n; i++) {
          q[k][i] -= dot * q[l][i];
        }
      }
      double norm = 0.0;
      for (int i = 0; i < n; i++) {
        norm += q[k][i] * q[k][i];
      }
      for (int i = 0; i < n; i++) {
        q[k][i] /= Math.sqrt(norm);
      }
    }
    double[] a = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        for (int k = 0; k < n; k++) {
          a[i * n + j] += q[k][i] * eigen[k] * q[k][j];
        }
      }
    }
    return a;
  }

  private static double maxRelDiff(double[] a, double[] b) {
    double scale = 1.0;
    double diff = 0.0;
    for (int j = 0; j < a.length; j++) {
      scale = Math.max(scale, Math.abs(b[j]));
      diff = Math.max(diff, Math.abs(a[j] - b[j]));
    }
    return diff / scale;
  }

  private static int lastIteration(Result r) {
    return r.history().get(r.history().size() - 1).iteration();
  }

  @Test
  void illConditionedQuadraticConvergesInOneOrTwoIterations() {
    double[] a = rotated(new double[] {1e-3, 1, 1e2, 1e4, 1e5}, 3);
    double[] m = {1, -2, 3, -4, 5};
    Quadratic q = new Quadratic(a, m, 1.0, null);
    Result r = NewtonMinimizer.minimize(q, new double[5], 50, 1e-10, 0, 0, null);
    assertTrue(r.converged(), r.reason());
    assertEquals(Stop.CONVERGED, r.stop());
    assertTrue(lastIteration(r) <= 2, "iterations: " + lastIteration(r));
    assertTrue(maxRelDiff(r.x(), m) <= 1e-7, "x error " + maxRelDiff(r.x(), m));
    // L-BFGS needs far more iterations on the same problem.
    Result lbfgs = LogitMinimizer.minimize(new Quadratic(a, m, 1.0, null), new double[5], 1000,
        1e-10, 0, 0, null);
    assertTrue(lastIteration(lbfgs) > 5 * lastIteration(r), "L-BFGS " + lastIteration(lbfgs));
  }

  @Test
  void logisticReachesTheLbfgsOptimumInFewIterations() {
    InMemoryLogistic newtonObj = InMemoryLogistic.random(600, 8, 1e-3, 11);
    InMemoryLogistic lbfgsObj = InMemoryLogistic.random(600, 8, 1e-3, 11);
    Result newton = NewtonMinimizer.minimize(newtonObj, new double[9], 100, 1e-12, 0, 0, null);
    Result lbfgs = LogitMinimizer.minimize(lbfgsObj, new double[9], 1000, 1e-12, 0, 0, null);
    assertTrue(newton.converged(), newton.reason());
    assertTrue(lbfgs.converged(), lbfgs.reason());
    assertTrue(lastIteration(newton) <= 15, "Newton iterations " + lastIteration(newton));
    double rel = maxRelDiff(newton.x(), lbfgs.x());
    assertTrue(rel <= 1e-9, "coefficients differ by " + rel);
    Iteration n = newton.history().get(newton.history().size() - 1);
    Iteration l = lbfgs.history().get(lbfgs.history().size() - 1);
    assertEquals(l.objective(), n.objective(), 1e-12 * Math.abs(l.objective()));
    // Passes: Hessian and gradient passes together.
    assertEquals(newtonObj.evaluations + newtonObj.hessianEvaluations, n.evaluations());
    System.out.printf(java.util.Locale.ROOT, "in-memory logistic (600 x 8), tol 1e-12: Newton %d "
        + "iterations, %d passes (%d Hessian, %d gradient); L-BFGS %d iterations, %d passes%n",
        n.iteration(), n.evaluations(), newtonObj.hessianEvaluations, newtonObj.evaluations,
        l.iteration(), l.evaluations());
  }

  @Test
  void theVerifyingPassSkipsTheHessianWhenQuadraticConvergencePredictsIt() {
    InMemoryLogistic obj = InMemoryLogistic.random(600, 8, 1e-3, 11);
    Result r = NewtonMinimizer.minimize(obj, new double[9], 100, 1e-12, 0, 0, null);
    assertTrue(r.converged(), r.reason());
    int iterations = lastIteration(r);
    // One Hessian pass at the start and one per step, except the step that converged: its pass
    // only verified, and no iteration used its Hessian.
    assertEquals(iterations, obj.hessianEvaluations, "Hessian passes");
    assertEquals(1, obj.evaluations, "gradient-only passes");
    // With the prediction off (a tolerance no step can be predicted to reach), every step is tried
    // with a Hessian pass, and the iterates are the same.
    InMemoryLogistic all = InMemoryLogistic.random(600, 8, 1e-3, 11);
    Result r2 = NewtonMinimizer.minimize(all, new double[9], iterations, 0.0, 0, 0, null);
    assertEquals(Stop.MAX_ITER, r2.stop());
    assertArrayEquals(r.x(), r2.x());
    assertEquals(iterations, all.hessianEvaluations, "Hessian passes (the last one at maxIter "
        + "skips it too)");
  }

  @Test
  void convergencePredictionNeedsAQuadraticStepAndAMargin() {
    // ‖g‖: 1e-3 then 1e-6 (C = 1): the next is predicted at 1e-12.
    assertTrue(NewtonMinimizer.predictsConvergence(1e-3, 1e-6, 1.01e-10, 0.0));
    assertFalse(NewtonMinimizer.predictsConvergence(1e-3, 1e-6, 0.99e-10, 0.0), "margin 100");
    assertFalse(NewtonMinimizer.predictsConvergence(Double.NaN, 1e-6, 1.0, 0.0), "no last step");
    assertFalse(NewtonMinimizer.predictsConvergence(1e-3, 1e-6, 1.0, 1e-9), "damped step");
    assertFalse(NewtonMinimizer.predictsConvergence(1e-6, 2e-7, 1.0, 0.0), "not quadratic yet");
    assertFalse(NewtonMinimizer.predictsConvergence(0.0, 0.0, 1.0, 0.0), "zero gradient");
  }

  @Test
  void proximalNewtonGivesExactZerosAndSatisfiesKkt() {
    double regL1 = 0.1;
    InMemoryLogistic obj = InMemoryLogistic.random(600, 10, 1e-3, 17);
    Result r = NewtonMinimizer.minimize(obj, new double[11], 100, 1e-12, regL1, 0, null);
    assertTrue(r.converged(), r.reason());
    assertTrue(lastIteration(r) <= 20, "iterations " + lastIteration(r));
    double[] x = r.x();
    double[] g = new double[11];
    obj.evaluate(x, g);
    double[] c = obj.l1Weights(regL1);
    int zeros = 0;
    for (int j = 0; j < x.length; j++) {
      if (x[j] == 0.0) {
        zeros++;
        assertTrue(Math.abs(g[j]) <= c[j] + 1e-9, "zero " + j + ": |g| " + g[j]);
      } else {
        assertEquals(-c[j] * Math.signum(x[j]), g[j], 1e-9, "non-zero " + j);
      }
    }
    assertTrue(zeros >= 2 && zeros < 10, "zeros: " + zeros);
    // OWL-QN's optimum is no better.
    InMemoryLogistic owlqnObj = InMemoryLogistic.random(600, 10, 1e-3, 17);
    Result owlqn = LogitMinimizer.minimize(owlqnObj, new double[11], 1000, 1e-10, regL1, 0, null);
    double fNewton = r.history().get(r.history().size() - 1).objective();
    double fOwlqn = owlqn.history().get(owlqn.history().size() - 1).objective();
    assertTrue(fNewton <= fOwlqn + 1e-12 * Math.abs(fOwlqn), fNewton + " vs OWL-QN " + fOwlqn);
  }

  @Test
  void dampingMakesASingularHessianSolvable() {
    double[] singular = {2, 2, 2, 2};
    double[] factor = new double[4];
    double mu = NewtonMinimizer.damping(singular, factor);
    assertTrue(mu > 0 && mu < 1e-6, "mu " + mu);
    double[] p = NewtonMinimizer.solve(factor, new double[] {-1, -1});
    // (H + μI)p = −g
    assertEquals(1.0, (2 + mu) * p[0] + 2 * p[1], 1e-9);
    assertEquals(1.0, 2 * p[0] + (2 + mu) * p[1], 1e-9);
    assertEquals(0.0, NewtonMinimizer.damping(new double[] {2, 1, 1, 2}, null));
    // An indefinite matrix (a non-convex model) is damped until positive definite.
    assertTrue(NewtonMinimizer.damping(new double[] {1, 0, 0, -1}, null) > 1);
  }

  @Test
  void singularQuadraticConvergesThroughTheLevenbergPath() {
    // f = (x₀ + x₁ − 1)² + 1: H = [[2, 2], [2, 2]] is singular; every point of x₀ + x₁ = 1 is a
    // minimum.
    Quadratic q = new Quadratic(new double[] {2, 2, 2, 2}, new double[] {0.5, 0.5}, 1.0, null);
    Result r = NewtonMinimizer.minimize(q, new double[] {3, -7}, 50, 1e-12, 0, 0, null);
    assertTrue(r.converged(), r.reason());
    assertEquals(1.0, r.x()[0] + r.x()[1], 1e-10);
  }

  @Test
  void duplicatedFeatureWithoutL2ConvergesThroughTheLevenbergPath() {
    InMemoryLogistic base = InMemoryLogistic.random(500, 4, 0.0, 23);
    double[][] dup = new double[base.x.length][];
    for (int i = 0; i < dup.length; i++) {
      dup[i] = java.util.Arrays.copyOf(base.x[i], 5);
      dup[i][4] = base.x[i][1];
    }
    InMemoryLogistic twice = new InMemoryLogistic(dup, base.y, base.w, 0.0);
    Result r = NewtonMinimizer.minimize(twice, new double[6], 100, 1e-11, 0, 0, null);
    assertTrue(r.converged(), r.reason());
    Result single = NewtonMinimizer.minimize(base, new double[5], 100, 1e-11, 0, 0, null);
    assertTrue(single.converged(), single.reason());
    // The duplicated pair shares the single coefficient; the rest agree.
    assertEquals(single.x()[1], r.x()[1] + r.x()[4], 1e-8);
    assertEquals(single.x()[0], r.x()[0], 1e-8);
    assertEquals(single.x()[4], r.x()[5], 1e-8);
  }

  @Test
  void maxIter() {
    Result r = NewtonMinimizer.minimize(InMemoryLogistic.random(300, 5, 1e-3, 5), new double[6],
        1, 1e-15, 0, 0, null);
    assertFalse(r.converged());
    assertEquals(Stop.MAX_ITER, r.stop());
    assertTrue(r.reason().startsWith("maxIter 1 reached"), r.reason());
    assertEquals(1, lastIteration(r));
    Result none = NewtonMinimizer.minimize(Quadratic.diagonal(1, 2), new double[2], 0, 1e-12, 0,
        0, null);
    assertEquals(Stop.MAX_ITER, none.stop());
    assertEquals(1, none.history().size());
  }

  @Test
  void maxIterWithL1() {
    Result r = NewtonMinimizer.minimize(InMemoryLogistic.random(300, 5, 1e-3, 5), new double[6],
        2, 1e-15, 0.01, 0, null);
    assertEquals(Stop.MAX_ITER, r.stop(), r.reason());
    assertEquals(2, lastIteration(r));
  }

  @Test
  void earlyStopping() {
    // The Hessian overstates the curvature fourfold, so the steps are short and the fit does
    // not converge in the first iterations; the validation loss is best at the starting point.
    Quadratic q = new Quadratic(new double[] {1, 0, 0, 2}, new double[] {1, 2}, 0.0,
        x -> x[0] * x[0] + x[1] * x[1]) {
      @Override
      public double evaluateWithHessian(double[] x, double[] g, double[] h) {
        double f = super.evaluateWithHessian(x, g, h);
        for (int j = 0; j < h.length; j++) {
          h[j] *= 4;
        }
        return f;
      }
    };
    Result r = NewtonMinimizer.minimize(q, new double[2], 100, 1e-14, 0, 2, null);
    assertTrue(r.stoppedEarly(), r.reason());
    assertEquals(Stop.EARLY_STOPPING, r.stop());
    assertTrue(r.reason().startsWith("early stopping"), r.reason());
    assertEquals(0, r.bestIteration());
    assertEquals(0.0, r.x()[0]);
  }

  @Test
  void failedLineSearch() {
    // The gradient points the wrong way: no step along the Newton direction decreases f.
    for (double regL1 : new double[] {0.0, 0.01}) {
      Quadratic wrong = new Quadratic(new double[] {1, 0, 0, 1}, new double[] {1, 1}, 1.0,
          null) {
        @Override
        public double evaluate(double[] x, double[] g) {
          double f = super.evaluate(x, g);
          for (int j = 0; j < g.length; j++) {
            g[j] = -g[j];
          }
          return f;
        }
      };
      Result r = NewtonMinimizer.minimize(wrong, new double[2], 50, 1e-14, regL1, 0, null);
      assertFalse(r.converged());
      assertEquals(Stop.LINE_SEARCH_FAILED, r.stop(), r.reason());
      assertTrue(r.reason().startsWith("line search could not decrease"), r.reason());
      assertEquals(0, lastIteration(r));
    }
  }

  @Test
  void noDescentDirectionWhenTheSlopeUnderflows() {
    // f = 1 + ½(x − 1e-300)²: at 0 the gradient is −1e-300 and gᵀp (≈ 1e-600) underflows to 0.
    Quadratic tiny = new Quadratic(new double[] {1}, new double[] {1e-300}, 1.0, null);
    Result r = NewtonMinimizer.minimize(tiny, new double[1], 100, 0.0, 0, 0, null);
    assertFalse(r.converged());
    assertEquals(Stop.NO_DESCENT_DIRECTION, r.stop(), r.reason());
    assertTrue(r.reason().startsWith("no descent direction"), r.reason());
  }

  @Test
  void noDescentDirectionWithL1() {
    // The same with L1: the model's minimizer is x itself (the step is 0) while tol 0 fails.
    Quadratic tiny = new Quadratic(new double[] {1}, new double[] {1e-300}, 1.0, null);
    Result r = NewtonMinimizer.minimize(tiny, new double[] {1e-300 / 2}, 100, 0.0, 1e-320, 0,
        null);
    assertFalse(r.converged());
    assertEquals(Stop.NO_DESCENT_DIRECTION, r.stop(), r.reason());
  }

  @Test
  void nonFiniteObjectiveThrows() {
    Quadratic nan = new Quadratic(new double[] {1}, new double[] {1}, 1.0, null) {
      @Override
      public double evaluate(double[] x, double[] g) {
        double f = super.evaluate(x, g);
        return x[0] != 0 ? Double.NaN : f;
      }
    };
    LogitMinimizer.NonFiniteObjective e = assertThrows(LogitMinimizer.NonFiniteObjective.class,
        () -> NewtonMinimizer.minimize(nan, new double[1], 100, 1e-12, 0, 0, null));
    assertTrue(e.getMessage().contains("the objective became NaN"), e.getMessage());
    Quadratic infiniteHessian = new Quadratic(new double[] {1}, new double[] {1}, 1.0, null) {
      @Override
      public double evaluateWithHessian(double[] x, double[] g, double[] h) {
        double f = super.evaluateWithHessian(x, g, h);
        h[0] = Double.POSITIVE_INFINITY;
        return f;
      }
    };
    e = assertThrows(LogitMinimizer.NonFiniteObjective.class,
        () -> NewtonMinimizer.minimize(infiniteHessian, new double[1], 100, 1e-12, 0, 0, null));
    assertTrue(e.getMessage().contains("the Hessian became non-finite"), e.getMessage());
  }

  @Test
  void listenerSeesEveryRecordedIterationAndPassesAreCounted() {
    List<Iteration> seen = new ArrayList<>();
    InMemoryLogistic obj = InMemoryLogistic.random(200, 3, 1e-2, 2);
    Result r = NewtonMinimizer.minimize(obj, new double[4], 100, 1e-12, 0, 0, seen::add);
    assertEquals(r.history(), seen);
    assertEquals(0, seen.get(0).iteration());
    assertEquals(1, seen.get(0).evaluations());
    for (int i = 1; i < seen.size(); i++) {
      // Full Newton steps on this well-conditioned problem: each is tried with a Hessian pass that
      // the next iteration reuses, so an iteration costs exactly one pass.
      assertEquals(seen.get(i - 1).evaluations() + 1, seen.get(i).evaluations(), "iteration " + i);
    }
    assertEquals(0, obj.evaluations, "no gradient-only pass when every full step is taken");
    assertEquals(obj.evaluations + obj.hessianEvaluations,
        seen.get(seen.size() - 1).evaluations());
  }
}
