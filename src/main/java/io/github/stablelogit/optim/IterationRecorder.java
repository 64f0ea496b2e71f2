package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import io.github.stablelogit.optim.LogitMinimizer.Iteration;
import io.github.stablelogit.optim.LogitMinimizer.NonFiniteObjective;
import io.github.stablelogit.optim.LogitMinimizer.Result;
import io.github.stablelogit.optim.LogitMinimizer.Stop;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;

/**
 * Records the iterations of a minimizer ({@link LogitMinimizer}, {@link NewtonMinimizer}): history,
 * INFO log line, listener, finiteness, validation loss and early stopping, and the gradient test
 * ‖g‖∞ ≤ tol·|f|.
 */
final class IterationRecorder {
  private final Objective objective;
  private final double tol;
  private final int earlyStoppingRounds;
  private final Consumer<Iteration> listener;
  private final Logger log;
  /** Hessian passes so far, or null for a first-order minimizer. */
  private final IntSupplier hessianPasses;
  private final long start = System.nanoTime();
  private final List<Iteration> history = new ArrayList<>();
  private double[] previous;
  private double[] bestX;
  private int bestIteration;
  private double bestValidation = Double.POSITIVE_INFINITY;
  private boolean converged;
  private boolean stoppedEarly;
  private Stop stop;
  private String reason;

  /**
   * @param objective the objective (its evaluations and validation loss)
   * @param tol gradient tolerance
   * @param earlyStoppingRounds 0 = off
   * @param listener receives each iteration, or null
   * @param log the minimizer's logger
   * @param hessianPasses Hessian passes so far (counted in {@link Iteration#evaluations} besides
   *     the objective's evaluations, and logged apart), or null for a first-order minimizer
   */
  IterationRecorder(Objective objective, double tol, int earlyStoppingRounds,
      Consumer<Iteration> listener, Logger log, IntSupplier hessianPasses) {
    this.objective = objective;
    this.tol = tol;
    this.earlyStoppingRounds = earlyStoppingRounds;
    this.listener = listener;
    this.log = log;
    this.hessianPasses = hessianPasses;
  }

  /** @return true when the fit should stop here: gradient test passed, or early stopping */
  boolean record(int iter, double[] x, double f, double gNorm) {
    if (!Double.isFinite(f) || !Double.isFinite(gNorm)) {
      double lastFinite = history.isEmpty() ? Double.NaN
          : history.get(history.size() - 1).objective();
      throw new NonFiniteObjective(String.format(Locale.ROOT,
          "the objective became %s (gradient norm %s) at iteration %d; the last finite objective "
              + "was %s at iteration %d. No model was produced. Try standardization=true, a "
              + "larger regParam, rescaling extreme feature values, or a smaller posWeight.",
          f, gNorm, iter, lastFinite, Math.max(0, iter - 1)));
    }
    double validation = objective.validationLoss(x);
    double step = previous == null ? 0.0 : distance(previous, x);
    int hessians = hessianPasses == null ? 0 : hessianPasses.getAsInt();
    Iteration it = new Iteration(iter, f, gNorm, step, objective.evaluations() + hessians,
        (System.nanoTime() - start) / 1e9, validation);
    history.add(it);
    if (log.isInfoEnabled()) {
      log.info(String.format(Locale.ROOT,
          "iteration %d: objective %.15g, |gradient| %.3e, step %.3e, %d evaluations%s, %.2fs%s",
          iter, f, gNorm, step, it.evaluations(), hessianPasses == null ? ""
              : String.format(Locale.ROOT, " (%d Hessian, %d gradient)", hessians,
                  it.evaluations() - hessians),
          it.elapsedSeconds(), Double.isNaN(validation) ? ""
              : String.format(Locale.ROOT, ", validation loss %.10g", validation)));
    }
    if (listener != null) {
      listener.accept(it);
    }
    previous = x.clone();
    if (bestX == null || validation < bestValidation) {
      bestValidation = Double.isNaN(validation) ? bestValidation : validation;
      bestX = previous;
      bestIteration = iter;
    }
    if (Double.isNaN(validation) || earlyStoppingRounds == 0) {
      bestX = previous;
      bestIteration = iter;
    }
    if (gNorm <= tol * Math.abs(f)) {
      converged = true;
      stop = Stop.CONVERGED;
      reason = String.format(Locale.ROOT, "gradient norm %.3e <= tol %.3e x |objective|",
          gNorm, tol);
      return true;
    }
    if (earlyStoppingRounds > 0 && !Double.isNaN(validation)
        && iter - bestIteration >= earlyStoppingRounds) {
      stoppedEarly = true;
      stop = Stop.EARLY_STOPPING;
      reason = String.format(Locale.ROOT, "early stopping: validation loss %.10g at iteration %d "
          + "did not improve for %d iterations", bestValidation, bestIteration,
          earlyStoppingRounds);
      return true;
    }
    return false;
  }

  int lastIteration() {
    return history.isEmpty() ? 0 : history.get(history.size() - 1).iteration();
  }

  Result result(double[] x) {
    if (!converged && !stoppedEarly) {
      log.warn("optimizer stopped before convergence: " + reason);
    }
    return new Result(bestX == null ? x : bestX, List.copyOf(history), converged, reason, stop,
        bestIteration, stoppedEarly);
  }

  Result stopped(double[] x, Stop why, String text) {
    stop = why;
    reason = text;
    return result(x);
  }

  private static double distance(double[] a, double[] b) {
    double[] diff = a.clone();
    BLAS blas = InstanceBlock.blas();
    blas.daxpy(a.length, -1.0, b, 1, diff, 1);
    return blas.dnrm2(diff.length, diff, 1);
  }
}
