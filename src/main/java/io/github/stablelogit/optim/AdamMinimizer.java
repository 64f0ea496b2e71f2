package io.github.stablelogit.optim;

import io.github.stablelogit.loss.DetMath;
import io.github.stablelogit.optim.LogitMinimizer.Result;
import io.github.stablelogit.optim.LogitMinimizer.Stop;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adam (Kingma and Ba) on an {@link Objective}, one evaluation (a pass over the blocks) per step,
 * with the schedule of hand-written training loops built in: the learning rate rises linearly from
 * stepSize/warmupIters to stepSize over the first warmupIters steps, then decays to 0 along a half
 * cosine by maxIter; the gradient is clipped to Euclidean norm maxGradNorm before it enters the
 * moments. The gradient at the point of step t is evaluated on batch t ({@link
 * Objective#useBatch}; batch 0 at the starting point), so a mini-batch objective gives each step
 * its own rows, and the recorded objective is that batch's. Iterations are recorded as for L-BFGS
 * ({@link IterationRecorder}: history, listener, INFO line, non-finite objective as an exception,
 * gradient test, early stopping). The schedule and the bias corrections use {@link DetMath#pow}
 * and {@link StrictMath#cos} (specified to the bit), so the steps are the same bits in every JIT
 * tier.
 */
public final class AdamMinimizer {

  private static final Logger LOG = LoggerFactory.getLogger(AdamMinimizer.class);
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPSILON = 1e-8;

  /**
   * The schedule's options.
   *
   * @param stepSize peak learning rate
   * @param warmupIters linear warm-up length (0 = none)
   * @param maxGradNorm clipping norm (0 = none)
   */
  public record Schedule(double stepSize, int warmupIters, double maxGradNorm) {}

  private AdamMinimizer() {}

  /**
   * @param t step, 1-based
   * @param maxIter last step
   * @param s the schedule
   * @return the learning rate of step t
   */
  static double learningRate(int t, int maxIter, Schedule s) {
    int w = s.warmupIters();
    if (t <= w) {
      return s.stepSize() * t / w;
    }
    double progress = maxIter > w ? (double) (t - w) / (maxIter - w + 1) : 0.0;
    return s.stepSize() * 0.5 * (1.0 + StrictMath.cos(Math.PI * progress));
  }

  /**
   * Runs Adam.
   *
   * @param objective the smooth objective
   * @param x0 starting point
   * @param maxIter steps (≥ 0)
   * @param tol gradient tolerance (≥ 0)
   * @param schedule learning rate schedule and clipping
   * @param earlyStoppingRounds 0 = off
   * @param listener receives each iteration, or null
   * @return the result
   */
  public static Result minimize(Objective objective, double[] x0, int maxIter, double tol,
      Schedule schedule, int earlyStoppingRounds, Consumer<LogitMinimizer.Iteration> listener) {
    IterationRecorder rec =
        new IterationRecorder(objective, tol, earlyStoppingRounds, listener, LOG, null);
    int n = x0.length;
    double[] x = x0.clone();
    double[] g = new double[n];
    objective.useBatch(0);
    double f = objective.evaluate(x, g);
    if (rec.record(0, x, f, LogitMinimizer.maxAbs(g))) {
      return rec.result(x);
    }
    double[] m = new double[n];
    double[] v = new double[n];
    for (int t = 1; t <= maxIter; t++) {
      double norm = 0.0;
      for (double gj : g) {
        norm += gj * gj;
      }
      norm = Math.sqrt(norm);
      double clip = schedule.maxGradNorm() > 0 && norm > schedule.maxGradNorm()
          ? schedule.maxGradNorm() / norm : 1.0;
      double lr = learningRate(t, maxIter, schedule);
      double c1 = 1.0 - DetMath.pow(BETA1, t);
      double c2 = 1.0 - DetMath.pow(BETA2, t);
      for (int j = 0; j < n; j++) {
        double gj = g[j] * clip;
        m[j] = BETA1 * m[j] + (1 - BETA1) * gj;
        v[j] = BETA2 * v[j] + (1 - BETA2) * gj * gj;
        x[j] -= lr * (m[j] / c1) / (Math.sqrt(v[j] / c2) + EPSILON);
      }
      objective.useBatch(t);
      f = objective.evaluate(x, g);
      if (rec.record(t, x, f, LogitMinimizer.maxAbs(g))) {
        return rec.result(x);
      }
    }
    return rec.stopped(x, Stop.MAX_ITER, String.format(Locale.ROOT,
        "maxIter %d reached (gradient norm %.3e, tol %.3e)", maxIter, LogitMinimizer.maxAbs(g),
        tol));
  }
}
