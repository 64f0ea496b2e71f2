package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.JavaLAPACK;
import dev.ludovic.netlib.lapack.LAPACK;
import io.github.stablelogit.optim.LogitMinimizer.Iteration;
import io.github.stablelogit.optim.LogitMinimizer.NonFiniteObjective;
import io.github.stablelogit.optim.LogitMinimizer.Result;
import io.github.stablelogit.optim.LogitMinimizer.Stop;
import java.util.Locale;
import java.util.function.Consumer;
import org.netlib.util.intW;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Minimizes a {@link HessianObjective} by Newton's method with a backtracking line search, or by
 * proximal Newton (as glmnet) when there is an L1 penalty: exact optima in a handful of passes
 * over the data, for problems whose n×n Hessian fits on the driver.
 *
 * <p><b>Iteration.</b> At x, one Hessian pass gives f, g and H ({@link
 * HessianObjective#evaluateWithHessian}). The step p solves (H + μI)p = −g by Cholesky (LAPACK
 * dpotrf/dpotrs), with μ = 0 first. If the factorization fails (H not positive definite: a
 * non-convex loss, or singular, e.g. duplicated features without L2) or is numerically singular (a
 * pivot r_ii² ≤ {@value #SINGULAR}·max_i H_ii), Levenberg damping μ = max(10μ, 1e-12·max_i H_ii)
 * and retry: (H + μI)p = −g is then the minimizer of the quadratic model within a trust region, a
 * descent direction, and as μ → 0 near a non-singular optimum the steps become Newton's again.
 *
 * <p><b>L1 (proximal Newton).</b> With F = f + Σ c_j|x_j| (c from {@link Objective#l1Weights}) the
 * step minimizes the model gᵀΔ + ½Δᵀ(H + μI)Δ + Σ c_j|x_j + Δ_j| by cyclic coordinate descent on
 * the driver, coordinates in index order (so the bits are deterministic), each update the exact
 * minimizer in its coordinate, a soft threshold: u_j = S(a_j x_j − b_j, c_j)/a_j with a_j the
 * diagonal and b_j the model's linear coefficient. Sweeps stop when no coordinate moved by more
 * than {@value #INNER}·(the current subgradient norm) in a_j-weighted terms (a_j|δu_j|; floored at
 * 1e-3·tol·|F|), or after {@value #MAX_SWEEPS} sweeps. Zeros of the solution are exact zeros of the
 * soft threshold, taken over by the full step α = 1.
 *
 * <p><b>Line search.</b> On F with the model's predicted decrease D = gᵀΔ + Σ c_j(|x_j + Δ_j| −
 * |x_j|) (= gᵀp without L1, &lt; 0): try α = 1, accept when F(x + αΔ) ≤ F(x) + {@value #ARMIJO}·αD
 * (Armijo; Tseng and Yun's rule with L1), else halve, at most {@value #MAX_HALVINGS} times. The
 * full step is tried with a Hessian pass, which the next iteration reuses when the step is taken
 * (it almost always is), so an iteration usually costs one pass; shorter trials are gradient-only
 * passes ({@link Objective#evaluate}), cheaper than Hessian passes. The full step is tried with a
 * gradient-only pass too where no next iteration will need its Hessian: at maxIter, and where the
 * quadratic convergence of the last steps predicts that it reaches the tolerance ({@link
 * #predictsConvergence}), typically the last step of a fit, whose pass only verifies — unless the
 * objective {@link HessianObjective#wantsLastHessian wants the last point's Hessian} (a path's
 * fold-models, whose next fit starts there and gets it without a pass). Near
 * the optimum F is flat to rounding, |ΔF| ≤ 4ε|F|, and cannot decide: there a step is accepted when
 * it decreases the (sub)gradient norm — the slope decides, not the value, as in LogitMinimizer's
 * polish. Trial values that are not finite are backed off from; if every trial is non-finite the
 * fit ends with {@link NonFiniteObjective}.
 *
 * <p><b>Stopping</b> (the same tests and exits as {@link LogitMinimizer}, through the shared
 * recorder): ‖g‖∞ ≤ tol·|F| in the optimizer's variables (the minimum-norm subgradient with L1);
 * maxIter; validation early stopping; {@link Stop#LINE_SEARCH_FAILED} when no trial step is
 * accepted; {@link Stop#NO_DESCENT_DIRECTION} when the step's predicted decrease is 0 (the gradient
 * is 0 to rounding). {@link Iteration#evaluations} counts Hessian and gradient passes together;
 * the log line shows both.
 *
 * <p>Cost per iteration: usually one Hessian pass (O(nnz·d) per row for dense data, O(nnz²) for
 * CSR; one more gradient pass per halving of the step), plus O(n³/3) for the factorization (and
 * O(n²) per sweep with L1) on the driver. The Cholesky runs in pure Java (JavaLAPACK), so the bits
 * do not depend on which native LAPACK a machine has.
 */
public final class NewtonMinimizer {

  private static final Logger LOG = LoggerFactory.getLogger(NewtonMinimizer.class);

  /** Sufficient-decrease constant of the line search. */
  static final double ARMIJO = 1e-4;

  /** Halvings of the step before the line search gives up (α down to 2⁻⁴⁰ ≈ 1e-12). */
  static final int MAX_HALVINGS = 40;

  /** A Cholesky pivot r_ii² at or below this times max_i H_ii counts as singular. */
  static final double SINGULAR = 1e-13;

  /** Levenberg damping unit: the first μ is this times max_i H_ii. */
  static final double DAMPING = 1e-12;

  /** Coordinate-descent sweeps per proximal Newton step, at most. */
  static final int MAX_SWEEPS = 1000;

  /** Inner tolerance of the coordinate descent, relative to the current subgradient norm. */
  static final double INNER = 1e-6;

  /** Safety factor of the convergence prediction ({@link #predictsConvergence}). */
  static final double PREDICTION_MARGIN = 100.0;

  private static final double EPS = Math.ulp(1.0);

  private NewtonMinimizer() {}

  /**
   * Runs the minimizer.
   *
   * @param objective the smooth objective with its Hessian
   * @param x0 starting point
   * @param maxIter iteration limit (≥ 0); each iteration is one Hessian pass and usually one
   *     gradient pass
   * @param tol gradient tolerance (≥ 0): stop when ‖g‖∞ ≤ tol·|F|
   * @param regL1 λa; 0 for Newton, &gt; 0 for proximal Newton
   * @param earlyStoppingRounds stop after this many iterations without a better validation loss
   *     and return the best iterate (0 = off)
   * @param listener receives each iteration, or null
   * @return the result
   */
  public static Result minimize(HessianObjective objective, double[] x0, int maxIter, double tol,
      double regL1, int earlyStoppingRounds, Consumer<Iteration> listener) {
    BLAS blas = InstanceBlock.blas();
    int n = x0.length;
    double[] c = regL1 > 0 ? objective.l1Weights(regL1) : null;
    IterationRecorder rec = new IterationRecorder(objective, tol, earlyStoppingRounds, listener,
        LOG, objective::hessianEvaluations);
    double[] x = x0.clone();
    double[] g = new double[n];
    double[] h = new double[n * n];
    double f = objective.evaluateWithHessian(x, g, h) + l1(c, x);
    double gNorm = norm(x, g, c);
    if (rec.record(0, x, f, gNorm)) {
      return rec.result(x);
    }
    double[] xt = new double[n];
    double[] gt = new double[n];
    double[] ht = new double[n * n];
    double[] factor = new double[n * n];
    // The norm before the last full, undamped step (NaN when there was none): for the prediction.
    double gNormBefore = Double.NaN;
    for (int iter = 0; ; ) {
      if (iter >= maxIter) {
        return maxIter(rec, x, maxIter, gNorm, tol);
      }
      checkFinite(h, iter, f);
      double mu = damping(h, factor);
      double[] p = c == null ? solve(factor, g) : proximalStep(h, mu, g, x, c, innerTolerance(
          gNorm, tol, f));
      double decrease = blas.ddot(n, g, 1, p, 1);
      if (c != null) {
        decrease += l1Change(c, x, p);
      } else if (!(decrease < 0)) {
        // Rounding made the Newton step useless: fall back to steepest descent.
        p = g.clone();
        blas.dscal(n, -1.0, p, 1);
        decrease = blas.ddot(n, g, 1, p, 1);
      }
      if (!(decrease < 0)) {
        return rec.stopped(x, Stop.NO_DESCENT_DIRECTION, String.format(Locale.ROOT,
            "no descent direction: the %s step's predicted decrease is %s (gradient norm %.3e, "
                + "tol %.3e)", c == null ? "Newton" : "proximal Newton", decrease, gNorm, tol));
      }
      // Where no next iteration will use it, the full step is tried without the Hessian (unless
      // the objective wants the last point's Hessian for the next fit).
      boolean withHessian = iter + 1 < maxIter && (objective.wantsLastHessian()
          || !predictsConvergence(gNormBefore, gNorm, tol * Math.abs(f), mu));
      double alpha = 1.0;
      double ft = Double.NaN;
      boolean accepted = false;
      boolean anyFinite = false;
      for (int trial = 0; trial <= MAX_HALVINGS; trial++) {
        System.arraycopy(x, 0, xt, 0, n);
        blas.daxpy(n, alpha, p, 1, xt, 1);
        // The full step is almost always accepted: try it with a Hessian pass, which the next
        // iteration then reuses (its value and gradient are bit for bit a gradient pass's).
        ft = (trial == 0 && withHessian ? objective.evaluateWithHessian(xt, gt, ht)
            : objective.evaluate(xt, gt)) + l1(c, xt);
        if (Double.isFinite(ft)) {
          anyFinite = true;
          if (ft <= f + ARMIJO * alpha * decrease
              || (Math.abs(ft - f) <= 4 * EPS * Math.abs(f) && norm(xt, gt, c) < gNorm)) {
            accepted = true;
            break;
          }
        }
        alpha *= 0.5;
      }
      if (!accepted) {
        if (!anyFinite) {
          // Every trial was non-finite: the recorder reports it as it does for any minimizer.
          rec.record(iter + 1, xt, ft, norm(xt, gt, c));
        }
        return rec.stopped(x, Stop.LINE_SEARCH_FAILED, String.format(Locale.ROOT,
            "line search could not decrease the objective further (gradient norm %.3e, tol "
                + "%.3e)", gNorm, tol));
      }
      if (alpha < 1.0 || mu > 0) {
        LOG.info(String.format(Locale.ROOT, "Newton step: alpha %s, damping %.3e", alpha, mu));
      }
      iter++;
      System.arraycopy(xt, 0, x, 0, n);
      f = ft;
      gNormBefore = alpha == 1.0 && mu == 0 ? gNorm : Double.NaN;
      gNorm = norm(x, gt, c);
      if (rec.record(iter, x, f, gNorm)) {
        return rec.result(x);
      }
      if (iter >= maxIter) {
        return maxIter(rec, x, maxIter, gNorm, tol);
      }
      if (alpha == 1.0 && withHessian) {
        double[] swap = g;
        g = gt;
        gt = swap;
        swap = h;
        h = ht;
        ht = swap;
      } else {
        if (!withHessian) {
          LOG.info("Newton: the step predicted to converge did not; one more Hessian pass");
        }
        f = objective.evaluateWithHessian(x, g, h) + l1(c, x);
      }
    }
  }

  /**
   * Whether the next full step is predicted to reach the tolerance, so that its pass can skip the
   * Hessian: in Newton's quadratic regime ‖g_{k+1}‖ ≈ C‖g_k‖², with C estimated from the last
   * step as ‖g_k‖/‖g_{k−1}‖². The prediction counts only after an undamped full step that shrank
   * the gradient at least tenfold, and must beat the target {@value #PREDICTION_MARGIN}-fold. A
   * wrong prediction costs one more Hessian pass (at the accepted point); a right one saves the
   * Hessian work of the last pass, which only verifies convergence.
   *
   * @param before ‖g_{k−1}‖, or NaN when the last step was damped or shortened
   * @param now ‖g_k‖
   * @param target tol·|F|
   * @param mu the damping of the coming step
   */
  static boolean predictsConvergence(double before, double now, double target, double mu) {
    if (!(before > 0) || mu != 0 || !(now <= 0.1 * before)) {
      return false;
    }
    double predicted = now * (now / before) * (now / before);
    return predicted * PREDICTION_MARGIN <= target;
  }

  private static Result maxIter(IterationRecorder rec, double[] x, int maxIter, double gNorm,
      double tol) {
    return rec.stopped(x, Stop.MAX_ITER, String.format(Locale.ROOT,
        "maxIter %d reached (gradient norm %.3e, tol %.3e)", maxIter, gNorm, tol));
  }

  private static void checkFinite(double[] h, int iter, double f) {
    for (double v : h) {
      if (!Double.isFinite(v)) {
        throw new NonFiniteObjective(String.format(Locale.ROOT,
            "the Hessian became non-finite at iteration %d (objective %s). No model was produced. "
                + "Try standardization=true, a larger regParam or rescaling extreme feature "
                + "values.", iter, f));
      }
    }
  }

  /**
   * The smallest Levenberg damping μ in the sequence 0, 1e-12·m, 1e-11·m, … (m = max_i H_ii, or 1
   * when that is not positive) for which H + μI has a Cholesky factor with no pivot r_ii² below
   * {@value #SINGULAR}·m.
   *
   * @param h n×n symmetric, row-major (not modified)
   * @param factor output (may be null): the upper Cholesky factor of H + μI, column-major
   * @return μ
   */
  static double damping(double[] h, double[] factor) {
    int n = (int) Math.round(Math.sqrt(h.length));
    double maxDiag = 0.0;
    for (int i = 0; i < n; i++) {
      maxDiag = Math.max(maxDiag, h[i * n + i]);
    }
    double scale = maxDiag > 0 ? maxDiag : 1.0;
    double[] a = factor != null ? factor : new double[n * n];
    LAPACK lapack = JavaLAPACK.getInstance();
    double mu = 0.0;
    while (true) {
      System.arraycopy(h, 0, a, 0, n * n);
      for (int i = 0; i < n; i++) {
        a[i * n + i] += mu;
      }
      intW info = new intW(0);
      lapack.dpotrf("U", n, a, n, info);
      boolean ok = info.val == 0;
      for (int i = 0; ok && i < n; i++) {
        double r = a[i * n + i];
        ok = r * r > SINGULAR * scale;
      }
      if (ok) {
        return mu;
      }
      if (mu > Double.MAX_VALUE / 10) {
        throw new IllegalStateException("no damping makes the Hessian positive definite");
      }
      mu = Math.max(10 * mu, DAMPING * scale);
    }
  }

  /**
   * Solves (H + μI)p = −g by Cholesky.
   *
   * @param factor the upper Cholesky factor of H + μI from {@link #damping}
   * @param g the gradient
   * @return p
   */
  static double[] solve(double[] factor, double[] g) {
    int n = g.length;
    double[] p = g.clone();
    InstanceBlock.blas().dscal(n, -1.0, p, 1);
    intW info = new intW(0);
    JavaLAPACK.getInstance().dpotrs("U", n, 1, factor, n, p, n, info);
    if (info.val != 0) {
      throw new IllegalStateException("dpotrs failed (info " + info.val + ")");
    }
    return p;
  }

  /** The coordinate descent's tolerance: relative to the subgradient norm, floored near tol. */
  private static double innerTolerance(double gNorm, double tol, double f) {
    return Math.max(INNER * gNorm, 1e-3 * tol * Math.abs(f));
  }

  /**
   * The proximal Newton step: Δ minimizing gᵀΔ + ½Δᵀ(H + μI)Δ + Σ c_j|x_j + Δ_j|, by cyclic
   * coordinate descent from Δ = 0 (see the class comment). r = (H + μI)Δ is kept up to date with
   * a daxpy of H's column per coordinate move.
   *
   * @return Δ
   */
  static double[] proximalStep(double[] h, double mu, double[] g, double[] x, double[] c,
      double innerTol) {
    BLAS blas = InstanceBlock.blas();
    int n = g.length;
    double[] delta = new double[n];
    double[] r = new double[n];
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      double maxChange = 0.0;
      for (int j = 0; j < n; j++) {
        double a = h[j * n + j] + mu;
        // The model in u = x_j + t alone: ½a(u − x_j)² + b(u − x_j) + c_j|u|.
        double b = g[j] + r[j] - a * delta[j];
        double s = a * x[j] - b;
        double u = s > c[j] ? (s - c[j]) / a : s < -c[j] ? (s + c[j]) / a : 0.0;
        double t = u - x[j];
        double dt = t - delta[j];
        if (dt != 0.0) {
          delta[j] = t;
          // H is symmetric: its row j is its column j.
          blas.daxpy(n, dt, h, j * n, 1, r, 0, 1);
          r[j] += mu * dt;
          maxChange = Math.max(maxChange, a * Math.abs(dt));
        }
      }
      if (maxChange <= innerTol) {
        break;
      }
    }
    return delta;
  }

  /** Σ c_j|x_j|, or 0 without L1. */
  private static double l1(double[] c, double[] x) {
    if (c == null) {
      return 0.0;
    }
    double s = 0.0;
    for (int j = 0; j < x.length; j++) {
      s += c[j] * Math.abs(x[j]);
    }
    return s;
  }

  /** Σ c_j(|x_j + p_j| − |x_j|). */
  private static double l1Change(double[] c, double[] x, double[] p) {
    double s = 0.0;
    for (int j = 0; j < x.length; j++) {
      s += c[j] * (Math.abs(x[j] + p[j]) - Math.abs(x[j]));
    }
    return s;
  }

  /** ‖g‖∞, or the minimum-norm subgradient's with L1. */
  private static double norm(double[] x, double[] g, double[] c) {
    return c == null ? LogitMinimizer.maxAbs(g) : LogitMinimizer.pseudoGradientNorm(x, g, c);
  }
}
