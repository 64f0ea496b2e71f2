package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.ml.LogitTrainingSummary;
import java.util.Locale;

/** What a fit with validation rows reports: their number and where their loss was lowest. */
final class Validation {

  final long rows;
  /** The first iteration with the lowest validation loss, or -1 if none was finite. */
  final int bestIteration;
  final double bestLoss;
  /** The iteration whose coefficients the model holds. */
  final int modelIteration;
  final int iterations;
  final boolean stoppedEarly;

  private Validation(long rows, int bestIteration, double bestLoss, int modelIteration,
      int iterations, boolean stoppedEarly) {
    this.rows = rows;
    this.bestIteration = bestIteration;
    this.bestLoss = bestLoss;
    this.modelIteration = modelIteration;
    this.iterations = iterations;
    this.stoppedEarly = stoppedEarly;
  }

  static Validation of(LogitTrainingSummary s) {
    int best = -1;
    double bestLoss = Double.NaN;
    for (var it : s.iterations()) {
      double v = it.validationLoss();
      if (Double.isFinite(v) && (best < 0 || v < bestLoss)) {
        best = it.iteration();
        bestLoss = v;
      }
    }
    return new Validation(s.numValidationRows(), best, bestLoss, s.bestIteration(),
        s.totalIterations(), s.stoppedEarly());
  }

  /**
   * @param fraction --validation-fraction, or null
   * @param column --validation-indicator-col, or null
   * @param patience --early-stopping-rounds (0 = off)
   * @return one line for the output
   */
  String describe(Double fraction, String column, int patience) {
    String from = fraction != null
        ? String.format(Locale.ROOT, "fraction %s of the training rows", fraction)
        : "column '" + column + "'";
    String stop;
    if (stoppedEarly) {
      stop = String.format(Locale.ROOT, "stopped early at iteration %d (%d without improvement); "
          + "the model holds iteration %d", iterations, patience, modelIteration);
    } else if (patience > 0) {
      stop = String.format(Locale.ROOT, "no early stop within %d iterations; the model holds "
          + "iteration %d", iterations, modelIteration);
    } else {
      stop = String.format(Locale.ROOT, "the model holds the last iteration, %d "
          + "(--early-stopping-rounds N keeps the best one)", modelIteration);
    }
    return String.format(Locale.ROOT, "validation: %,d rows (%s); lowest validation loss %.6f at "
        + "iteration %d; %s", rows, from, bestLoss, bestIteration, stop);
  }

  void toJson(ObjectNode n, int patience) {
    n.put("rows", rows);
    n.put("best_iteration", bestIteration);
    Json.putDouble(n, "best_loss", bestLoss);
    n.put("model_iteration", modelIteration);
    n.put("early_stopping_rounds", patience);
    n.put("stopped_early", stoppedEarly);
  }
}
