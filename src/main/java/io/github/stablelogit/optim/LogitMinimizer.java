package io.github.stablelogit.optim;

import breeze.linalg.DenseVector;
import breeze.optimize.DiffFunction;
import breeze.optimize.FirstOrderMinimizer;
import breeze.optimize.FirstOrderMinimizer$;
import breeze.optimize.LBFGS;
import breeze.optimize.OWLQN;
import dev.ludovic.netlib.blas.BLAS;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;

/**
 * Minimizes an {@link Objective} (e.g. {@link LogitObjective}) with breeze's L-BFGS, or OWL-QN
 * when there is an L1 penalty — the optimizers Spark's own LogisticRegression uses.
 *
 * <p>Convergence is decided on the gradient alone: the fit stops when ‖g‖∞ ≤ tol · |f|, where g is
 * the gradient in the optimizer's variables (standardized, see {@link LogitObjective}; the
 * minimum-norm subgradient with L1) and f the objective. That is the relative gradient test breeze
 * applies for Spark's LogisticRegression (there on the Euclidean norm, with an absolute floor of
 * 1e-8, and alongside a test on the change of the objective), so the same tol gives about the same
 * accuracy, while a small tol still means what it says. Breeze's own value-based tests are
 * disabled; it stops on its own only at {@code maxIter} or when its line search fails twice in a
 * row (the objective is flat to rounding error), which is reported as not converged unless the
 * gradient test also passes.
 */
public final class LogitMinimizer {

  private static final Logger LOG = LoggerFactory.getLogger(LogitMinimizer.class);

  /** Number of correction pairs kept by L-BFGS, as in Spark. */
  public static final int HISTORY = 10;

  /**
   * Below this gradient norm (relative to max(1, |f|)) a step's decrease of the objective, about
   * ‖g‖²/(2·curvature), approaches the objective's rounding error ε·|f| (‖g‖ ≈ √ε), so value-based
   * line searches start to fail; the slope-based phase takes over from here.
   */
  private static final double FLAT = 1e-7;

  /**
   * One iteration of the optimizer, for listeners and the training summary.
   *
   * @param iteration 0 for the starting point
   * @param objective the objective (with the L1 part)
   * @param gradientNorm ‖g‖∞ in the optimizer's variables (minimum-norm subgradient with L1)
   * @param stepSize Euclidean length of the step that led here, in the optimizer's variables
   * @param evaluations objective evaluations so far (passes over the data)
   * @param elapsedSeconds since the optimizer started
   * @param validationLoss mean loss on the validation rows, NaN without a validation set
   */
  public record Iteration(int iteration, double objective, double gradientNorm, double stepSize,
      int evaluations, double elapsedSeconds, double validationLoss) {}

  /**
   * The outcome of a minimization.
   *
   * @param x the returned point (the best-validation iterate when stopped early)
   * @param history every iteration
   * @param converged whether the gradient test passed
   * @param reason why it stopped, in one sentence with the gradient norm and tol
   * @param stop which exit ended the fit
   * @param bestIteration the iteration whose point is returned
   * @param stoppedEarly whether validation early stopping ended the fit
   */
  public record Result(double[] x, List<Iteration> history, boolean converged, String reason,
      Stop stop, int bestIteration, boolean stoppedEarly) {}

  /** Every way a minimization ends; each has its own reason text. */
  public enum Stop {
    /** The gradient test passed: ‖g‖∞ ≤ tol·|f|. */
    CONVERGED,
    /** The validation loss did not improve for earlyStoppingRounds iterations. */
    EARLY_STOPPING,
    /** maxIter iterations ran without the gradient test passing. */
    MAX_ITER,
    /** breeze's line search (OWL-QN) could not decrease the objective any further. */
    LINE_SEARCH_FAILED,
    /**
     * The slope-based phase found no descent direction: the directional derivative along both the
     * L-BFGS direction and the negative gradient is exactly 0 (the gradient is 0 to rounding).
     */
    NO_DESCENT_DIRECTION
  }

  /**
   * Thrown when the objective or its gradient stops being finite; never a NaN model. The
   * estimators turn it into their public exception with the same message.
   */
  public static final class NonFiniteObjective extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    NonFiniteObjective(String message) {
      super(message);
    }
  }

  private LogitMinimizer() {}

  /**
   * Runs the optimizer.
   *
   * @param objective the smooth objective
   * @param x0 starting point
   * @param maxIter iteration limit (≥ 0)
   * @param tol gradient tolerance (≥ 0)
   * @param regL1 λa; 0 selects L-BFGS, &gt; 0 OWL-QN
   * @param earlyStoppingRounds stop after this many iterations without a better validation loss
   *     and return the best iterate (0 = off)
   * @param listener receives each iteration, or null
   * @return the result
   */
  public static Result minimize(Objective objective, double[] x0, int maxIter, double tol,
      double regL1, int earlyStoppingRounds, Consumer<Iteration> listener) {
    return minimize(objective, x0, maxIter, tol, regL1, earlyStoppingRounds, listener, null);
  }

  /**
   * Runs the optimizer (L-BFGS or OWL-QN) starting from the correction pairs in {@code memory}
   * when it holds any (see {@link LbfgsMemory}: the previous fit of a path over the same
   * variables), and leaves there the pairs this fit ends with.
   *
   * @param memory pairs carried from fit to fit, or null
   * @see #minimize(Objective, double[], int, double, double, int, Consumer)
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Result minimize(Objective objective, double[] x0, int maxIter, double tol,
      double regL1, int earlyStoppingRounds, Consumer<Iteration> listener, LbfgsMemory memory) {
    FirstOrderMinimizer$ fom = FirstOrderMinimizer$.MODULE$;
    FirstOrderMinimizer.ConvergenceCheck<DenseVector<Object>> check =
        fom.<DenseVector<Object>>maxIterationsReached(maxIter).$bar$bar(fom.searchFailed());
    double[] l1 = regL1 > 0 ? objective.l1Weights(regL1) : null;
    FirstOrderMinimizer<DenseVector<Object>, DiffFunction<DenseVector<Object>>> optimizer;
    breeze.math.MutableEnumeratedCoordinateField<DenseVector<Object>, Object, Object> space =
        (breeze.math.MutableEnumeratedCoordinateField) DenseVector.space_Double();
    double[] curvature = objective.penaltyCurvature();
    LBFGS.ApproximateInverseHessian<DenseVector<Object>> seed = memory == null ? null
        : memory.seed(HISTORY, curvature, space);
    if (l1 != null) {
      scala.Function1<Object, Object> l1Weight = i -> l1[(Integer) i];
      optimizer = (FirstOrderMinimizer) (seed == null
          ? new OWLQN<Object, DenseVector<Object>>(check, HISTORY, l1Weight, space)
          : new LbfgsMemory.SeededOwlqn(check, HISTORY, l1Weight, space, seed));
    } else {
      optimizer = (FirstOrderMinimizer) (seed == null
          ? new LBFGS<DenseVector<Object>>(check, HISTORY, space)
          : new LbfgsMemory.Seeded(check, HISTORY, space, seed));
    }
    IterationRecorder rec =
        new IterationRecorder(objective, tol, earlyStoppingRounds, listener, LOG, null);
    Iterator<FirstOrderMinimizer.State<DenseVector<Object>, Object, Object>> states =
        optimizer.iterations(BreezeBridge.of(new CachingEvaluator(objective)),
            new DenseVector<Object>(x0.clone()));
    double[] x = x0.clone();
    boolean flat = false;
    while (states.hasNext()) {
      FirstOrderMinimizer.State<DenseVector<Object>, Object, Object> s = states.next();
      if (memory != null) {
        memory.record((LBFGS.ApproximateInverseHessian<DenseVector<Object>>) s.history(),
            curvature);
      }
      x = toArray(s.x());
      double[] g = toArray(s.grad());
      double gNorm = l1 == null ? maxAbs(g) : pseudoGradientNorm(x, g, l1);
      if (rec.record(s.iter(), x, s.adjustedValue(), gNorm)) {
        return rec.result(x);
      }
      if (s.iter() >= maxIter) {
        return rec.stopped(x, Stop.MAX_ITER, String.format(Locale.ROOT,
            "maxIter %d reached (gradient norm %.3e, tol %.3e)", maxIter, gNorm, tol));
      }
      if (l1 == null && (s.searchFailed()
          || gNorm <= FLAT * Math.max(1.0, Math.abs(s.adjustedValue())))) {
        flat = true;
        break;
      }
      if (s.searchFailed()) {
        return rec.stopped(x, Stop.LINE_SEARCH_FAILED, String.format(Locale.ROOT,
            "line search could not decrease the objective further (gradient norm %.3e, tol "
                + "%.3e)", gNorm, tol));
      }
    }
    if (!flat) {
      // breeze ends its iterator only through the checks above (maxIter, search failure).
      throw new IllegalStateException("breeze's optimizer ended without a reason at iteration "
          + rec.lastIteration());
    }
    return polish(objective, x, maxIter, tol, rec, memory, curvature);
  }

  /**
   * Continues a smooth fit past the point where breeze's line search fails. Near the optimum the
   * objective changes by less than its own rounding error (~1e-16·|f|), so a line search that
   * compares objective values cannot accept any step, although the gradient — which has no such
   * floor — still points somewhere. This phase keeps L-BFGS directions (two-loop recursion, BLAS
   * vector operations) but chooses the step from the directional derivative alone: it takes the
   * full step when the slope along the direction has shrunk by the strong-Wolfe factor, and
   * otherwise moves to the zero of the secant of the slope. It stops on the same gradient test.
   */
  private static Result polish(Objective objective, double[] start, int maxIter, double tol,
      IterationRecorder rec, LbfgsMemory memory, double[] curvature) {
    BLAS blas = InstanceBlock.blas();
    int n = start.length;
    double[] x = start.clone();
    double[] g = new double[n];
    double f = objective.evaluate(x, g);
    java.util.ArrayDeque<double[][]> pairs = new java.util.ArrayDeque<>();
    int iter = rec.lastIteration();
    LOG.info("objective is flat to rounding error; continuing with slope-based steps");
    while (iter < maxIter) {
      double[] p = direction(blas, g, pairs);
      double d0 = blas.ddot(n, g, 1, p, 1);
      if (!(d0 < 0)) {
        pairs.clear();
        p = g.clone();
        blas.dscal(n, -1.0, p, 1);
        d0 = blas.ddot(n, g, 1, p, 1);
      }
      if (d0 == 0) {
        return rec.stopped(x, Stop.NO_DESCENT_DIRECTION, String.format(Locale.ROOT,
            "no descent direction: the slope along -gradient is 0 (gradient norm %.3e, tol %.3e)",
            maxAbs(g), tol));
      }
      // Bracket the zero of the slope d(α) = ∇f(x + αp)ᵀp, d(0) < 0, by doubling and regula falsi.
      double alpha = 1.0;
      double lo = 0.0;
      double dLo = d0;
      double hi = Double.POSITIVE_INFINITY;
      double dHi = 0.0;
      double[] xNew = new double[n];
      double[] gNew = new double[n];
      double fNew = f;
      for (int trial = 0; trial < 30; trial++) {
        System.arraycopy(x, 0, xNew, 0, n);
        blas.daxpy(n, alpha, p, 1, xNew, 1);
        fNew = objective.evaluate(xNew, gNew);
        double d = blas.ddot(n, gNew, 1, p, 1);
        if (Math.abs(d) <= 0.9 * Math.abs(d0) || !Double.isFinite(d)) {
          break;
        }
        if (d < 0) {
          lo = alpha;
          dLo = d;
        } else {
          hi = alpha;
          dHi = d;
        }
        alpha = hi == Double.POSITIVE_INFINITY ? 2 * alpha : lo + (hi - lo) * dLo / (dLo - dHi);
      }
      double[] s = new double[n];
      double[] y = gNew.clone();
      System.arraycopy(xNew, 0, s, 0, n);
      blas.daxpy(n, -1.0, x, 1, s, 1);
      blas.daxpy(n, -1.0, g, 1, y, 1);
      if (blas.ddot(n, s, 1, y, 1) > 0) {
        pairs.addLast(new double[][] {s, y});
        if (pairs.size() > HISTORY) {
          pairs.removeFirst();
        }
        if (memory != null) {
          memory.record(pairs, curvature);
        }
      }
      x = xNew;
      g = gNew;
      f = fNew;
      iter++;
      if (rec.record(iter, x, f, maxAbs(g))) {
        return rec.result(x);
      }
    }
    return rec.stopped(x, Stop.MAX_ITER, String.format(Locale.ROOT,
        "maxIter %d reached (gradient norm %.3e, tol %.3e)", maxIter, maxAbs(g), tol));
  }

  /** The L-BFGS direction −H·g by the two-loop recursion over (s, y) pairs, oldest first. */
  private static double[] direction(BLAS blas, double[] g, java.util.ArrayDeque<double[][]> pairs) {
    int n = g.length;
    double[] q = g.clone();
    int m = pairs.size();
    double[] a = new double[m];
    double[][][] ps = pairs.toArray(new double[0][][]);
    for (int i = m - 1; i >= 0; i--) {
      double rho = 1.0 / blas.ddot(n, ps[i][1], 1, ps[i][0], 1);
      a[i] = rho * blas.ddot(n, ps[i][0], 1, q, 1);
      blas.daxpy(n, -a[i], ps[i][1], 1, q, 1);
    }
    if (m > 0) {
      double[] s = ps[m - 1][0];
      double[] y = ps[m - 1][1];
      blas.dscal(n, blas.ddot(n, s, 1, y, 1) / blas.ddot(n, y, 1, y, 1), q, 1);
    }
    for (int i = 0; i < m; i++) {
      double rho = 1.0 / blas.ddot(n, ps[i][1], 1, ps[i][0], 1);
      double b = rho * blas.ddot(n, ps[i][1], 1, q, 1);
      blas.daxpy(n, a[i] - b, ps[i][0], 1, q, 1);
    }
    blas.dscal(n, -1.0, q, 1);
    return q;
  }

  /**
   * The objective as breeze sees it (through {@link BreezeBridge}). It remembers the last point, as
   * breeze's own cache would, because the optimizer asks again for the point its line search ended
   * on; each miss is one pass over the blocks.
   */
  static final class CachingEvaluator implements BreezeBridge.Evaluator {
    private final Objective objective;
    private double[] lastX;
    private double lastValue;
    private double[] lastGradient;

    CachingEvaluator(Objective objective) {
      this.objective = objective;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Tuple2<Object, DenseVector<Object>> calculate(Object x) {
      double[] xv = toArray((DenseVector<Object>) x);
      if (lastX == null || !java.util.Arrays.equals(lastX, xv)) {
        double[] g = new double[xv.length];
        lastValue = objective.evaluate(xv, g);
        lastX = xv;
        lastGradient = g;
      }
      return new Tuple2<Object, DenseVector<Object>>(lastValue,
          new DenseVector<Object>(lastGradient.clone()));
    }
  }

  private static double[] toArray(DenseVector<Object> v) {
    return (double[]) v.toArray(ClassTag$.MODULE$.Double());
  }

  static double maxAbs(double[] g) {
    return g.length == 0 ? 0.0 : Math.abs(g[InstanceBlock.blas().idamax(g.length, g, 1)]);
  }

  /** ‖·‖∞ of the minimum-norm subgradient of f + Σ c_j|x_j|. */
  static double pseudoGradientNorm(double[] x, double[] g, double[] c) {
    double m = 0.0;
    for (int j = 0; j < g.length; j++) {
      double v;
      if (x[j] > 0) {
        v = g[j] + c[j];
      } else if (x[j] < 0) {
        v = g[j] - c[j];
      } else {
        v = Math.max(0.0, Math.abs(g[j]) - c[j]);
      }
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

}
