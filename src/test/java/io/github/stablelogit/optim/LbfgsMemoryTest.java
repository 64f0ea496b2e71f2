package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import breeze.linalg.DenseVector;
import breeze.math.MutableInnerProductModule;
import breeze.optimize.LBFGS;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * The correction pairs carried from fit to fit along a regularization path: corrected for the new
 * penalty they are exactly pairs of the new objective, a path started from them reaches the same
 * optima as cold starts with fewer passes, and they are dropped where they cannot serve.
 */
class LbfgsMemoryTest {

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final MutableInnerProductModule<DenseVector<Object>, Object> SPACE =
      (MutableInnerProductModule) DenseVector.space_Double();

  /** f = ½(x − m)ᵀA(x − m) + ½λ Σ_{j&lt;n−1} x_j²: a pair's y is (A + λD)s exactly. */
  private static final class PenalizedQuadratic extends Quadratic {
    final double lambda;

    PenalizedQuadratic(double[] a, double[] m, double lambda) {
      super(a, m, 0.0, x -> Double.NaN);
      this.lambda = lambda;
    }

    @Override
    public double evaluate(double[] x, double[] g) {
      double f = super.evaluate(x, g);
      for (int j = 0; j < x.length - 1; j++) {
        g[j] += lambda * x[j];
        f += 0.5 * lambda * x[j] * x[j];
      }
      return f;
    }

    @Override
    public double[] penaltyCurvature() {
      double[] c = new double[m.length];
      java.util.Arrays.fill(c, 0, m.length - 1, lambda);
      return c;
    }
  }

  /** An ill-conditioned SPD matrix (eigenvalues 1e-3 .. 1 mixed by a rotation), n×n row-major. */
  private static double[] matrix(int n) {
    double[] a = new double[n * n];
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    double[][] v = new double[n][n];
    for (int k = 0; k < n; k++) {
      for (int j = 0; j < n; j++) {
        v[k][j] = r.nextGaussian();
      }
    }
    for (int k = 0; k < n; k++) {
      double ev = Math.pow(1e-3, k / (n - 1.0));
      double norm = 0.0;
      for (int j = 0; j < n; j++) {
        norm += v[k][j] * v[k][j];
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          a[i * n + j] += ev * v[k][i] * v[k][j] / norm;
        }
      }
    }
    return a;
  }

  /** n rows of d independent standard Gaussian features (a standardized design), logit labels. */
  private static InMemoryLogistic standardized(int n, int d, long seed) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
    double[][] x = new double[n][d];
    double[] y = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      double z = -0.5;
      for (int j = 0; j < d; j++) {
        x[i][j] = r.nextGaussian();
        z += (j % 5 - 2) * 0.4 * x[i][j];
      }
      y[i] = r.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1.0 : 0.0;
      w[i] = 1.0;
    }
    return new InMemoryLogistic(x, y, w, 0.0);
  }

  private static double[] array(DenseVector<Object> v) {
    return (double[]) v.toArray(ClassTag$.MODULE$.Double());
  }

  @Test
  void correctedPairsAreThePairsOfTheObjectiveWithTheNewPenalty() {
    int n = 12;
    double[] a = matrix(n);
    double[] m = new double[n];
    for (int j = 0; j < n; j++) {
      m[j] = 1.0 + j;
    }
    PenalizedQuadratic old = new PenalizedQuadratic(a, m, 0.5);
    LbfgsMemory memory = new LbfgsMemory();
    LogitMinimizer.minimize(old, new double[n], 100, 1e-9, 0.0, 0, null, memory);
    assertTrue(memory.size() >= 3, "pairs kept: " + memory.size());
    PenalizedQuadratic next = new PenalizedQuadratic(a, m, 0.05);
    LBFGS.ApproximateInverseHessian<DenseVector<Object>> seed =
        memory.seed(LogitMinimizer.HISTORY, next.penaltyCurvature(), SPACE);
    assertNotNull(seed);
    List<DenseVector<Object>> steps = CollectionConverters.asJava(seed.memStep());
    List<DenseVector<Object>> changes = CollectionConverters.asJava(seed.memGradDelta());
    assertEquals(memory.size(), steps.size());
    for (int k = 0; k < steps.size(); k++) {
      double[] s = array(steps.get(k));
      double[] y = array(changes.get(k));
      // (A + λ_new D)s, the new objective's gradient change over the step
      double[] expected = new double[n];
      double scale = 0.0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          expected[i] += a[i * n + j] * s[j];
        }
        if (i < n - 1) {
          expected[i] += next.lambda * s[i];
        }
        scale = Math.max(scale, Math.abs(expected[i]));
      }
      for (int i = 0; i < n; i++) {
        assertEquals(expected[i], y[i], 1e-9 * scale + 1e-12, "pair " + k + ", component " + i);
      }
    }
  }

  /** Elastic net 0.5 runs OWL-QN, whose pairs are the smooth part's: the same correction. */
  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.5})
  void aPathStartedFromCarriedPairsReachesTheColdOptimaWithFewerPasses(double a) {
    double[] lambdas = new double[20];
    for (int k = 0; k < lambdas.length; k++) {
      lambdas[k] = Math.pow(0.7, k) * (a > 0 ? 0.1 : 1.0);
    }
    InMemoryLogistic first = standardized(3000, 25, 11);
    double[] warm = new double[first.d + 1];
    double[] withPairs = warm.clone();
    LbfgsMemory memory = new LbfgsMemory();
    int coldPasses = 0;
    int carriedPasses = 0;
    for (double lambda : lambdas) {
      double l2 = lambda * (1 - a);
      InMemoryLogistic plain = new InMemoryLogistic(first.x, first.y, first.w, l2);
      LogitMinimizer.Result cold =
          LogitMinimizer.minimize(plain, warm, 500, 1e-6, lambda * a, 0, null);
      InMemoryLogistic carried = new InMemoryLogistic(first.x, first.y, first.w, l2);
      LogitMinimizer.Result fast =
          LogitMinimizer.minimize(carried, withPairs, 500, 1e-6, lambda * a, 0, null, memory);
      assertTrue(cold.converged() && fast.converged(), "λ " + lambda);
      for (int j = 0; j < warm.length; j++) {
        assertEquals(cold.x()[j], fast.x()[j], 1e-5, "λ " + lambda + ", variable " + j);
      }
      coldPasses += plain.evaluations();
      carriedPasses += carried.evaluations();
      warm = cold.x();
      withPairs = fast.x();
    }
    // measured: 122 (a = 0) and 126 (a = 0.5) passes against 161 (20 points, tol 1e-6)
    assertTrue(carriedPasses < 0.85 * coldPasses,
        "passes with carried pairs " + carriedPasses + ", warm starts alone " + coldPasses);
  }

  @Test
  void pairsAreDroppedWhereTheyCannotServe() {
    InMemoryLogistic objective = InMemoryLogistic.random(500, 6, 0.1, 3);
    LbfgsMemory memory = new LbfgsMemory();
    LogitMinimizer.minimize(objective, new double[7], 100, 1e-9, 0.0, 0, null, memory);
    assertTrue(memory.size() > 0);
    // another dimension, or a penalty so much weaker that no corrected sᵀy stays positive
    assertNull(memory.seed(LogitMinimizer.HISTORY, new double[8], SPACE));
    double[] negative = new double[7];
    java.util.Arrays.fill(negative, 0, 6, -1e6);
    assertNull(memory.seed(LogitMinimizer.HISTORY, negative, SPACE));
    // an objective without a diagonal penalty carries none
    assertNull(memory.seed(LogitMinimizer.HISTORY, null, SPACE));
  }
}
