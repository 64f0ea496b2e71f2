package io.github.stablelogit.ml;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.optim.HeldOut;
import io.github.stablelogit.optim.LockstepPasses;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The held-out metric of every fold-model at one grid point, from the cached blocks: the weighted
 * mean loss (the training loss or BCE; its sums carried by the next round of passes), or the
 * exact weighted area under the ROC or precision-recall curve of the held-out margins (a pass of
 * its own, {@link LockstepPasses#heldOut}).
 */
final class HeldOutMetrics {

  private HeldOutMetrics() {}

  /**
   * Asks for the held-out metric of every fold-model at its fit. The loss metrics' sums are left
   * to the next round of {@code passes} ({@link LockstepPasses#deferHeldOut}: the next grid
   * point's first round reads every block anyway, so a grid point costs no Spark job of its own
   * for its metric); the areas need every held-out margin on the driver and take a pass now.
   *
   * @param metric loss, logLoss, areaUnderROC or areaUnderPR
   * @param fits the fold-models (K of them; the model on all rows is not evaluated)
   * @param results their fits at this grid point
   * @param passes the rounds over the blocks
   * @return gives the metric of each fold (call it once, before the next request)
   */
  static Supplier<double[]> request(String metric, FoldFit[] fits, FoldFit.Fit[] results,
      LockstepPasses passes) {
    int k = results.length;
    boolean trainingLoss = "loss".equals(metric);
    boolean areas = TuningPath.largerIsBetter(metric);
    double[][] coef = new double[k][];
    LogitLoss[] losses = new LogitLoss[k];
    for (int f = 0; f < k; f++) {
      coef[f] = fits[f].heldOutCoefficients(results[f], trainingLoss);
      losses[f] = trainingLoss ? fits[f].loss() : LogitLoss.bce(1.0, 0.0);
    }
    if (areas) {
      double[] out = metrics(metric, fits, passes.heldOut(coef, losses, true));
      return () -> out;
    }
    passes.deferHeldOut(coef, losses);
    return () -> metrics(metric, fits, passes.takeHeldOut());
  }

  private static double[] metrics(String metric, FoldFit[] fits,
      HeldOut[] heldOut) {
    int k = heldOut.length;
    double[] out = new double[k];
    for (int f = 0; f < k; f++) {
      if (TuningPath.largerIsBetter(metric)) {
        double[][] s = heldOut[f].scores();
        out[f] = area(s[0], s[1], s[2], "areaUnderROC".equals(metric));
      } else {
        out[f] = heldOut[f].lossSum() / fits[f].heldOutSummary().weightSum();
        if (!Double.isFinite(out[f])) {
          throw new NonFiniteObjectiveException(String.format(Locale.ROOT, "the held-out %s of "
              + "fold %d is %s; check the data for extreme feature values.", metric, f, out[f]));
        }
      }
    }
    return out;
  }

  /**
   * The exact weighted area under the ROC curve (false positive rate, recall) or the
   * precision-recall curve (recall, precision), as Spark's BinaryClassificationMetrics computes
   * them without down-sampling (numBins = 0, or fewer than 2·numBins distinct scores): one curve
   * point per distinct score in descending order (tied rows enter together), a label above 0.5 is
   * positive, the ROC curve starts at (0, 0) and ends at (1, 1), the PR curve starts at (0, the
   * first point's precision), precision is 1 where nothing is predicted positive, and the area is
   * the trapezoidal rule over the points.
   *
   * @param scores per row
   * @param labels per row
   * @param weights per row
   * @param roc ROC (true) or PR (false)
   * @return the area
   */
  static double area(double[] scores, double[] labels, double[] weights, boolean roc) {
    int n = scores.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
    double totalPos = 0.0;
    double totalNeg = 0.0;
    for (int i = 0; i < n; i++) {
      if (labels[i] > 0.5) {
        totalPos += weights[i];
      } else {
        totalNeg += weights[i];
      }
    }
    double tp = 0.0;
    double fp = 0.0;
    double area = 0.0;
    double x = 0.0;
    double y = roc ? 0.0 : Double.NaN;
    for (int i = 0; i < n; ) {
      double s = scores[order[i]];
      while (i < n && Double.compare(scores[order[i]], s) == 0) {
        int r = order[i++];
        if (labels[r] > 0.5) {
          tp += weights[r];
        } else {
          fp += weights[r];
        }
      }
      double recall = totalPos == 0.0 ? 0.0 : tp / totalPos;
      double nx = roc ? (totalNeg == 0.0 ? 0.0 : fp / totalNeg) : recall;
      double ny = roc ? recall : (tp + fp == 0.0 ? 1.0 : tp / (tp + fp));
      if (Double.isNaN(y)) {
        y = ny;
      }
      area += (nx - x) * (ny + y) / 2.0;
      x = nx;
      y = ny;
    }
    if (roc) {
      area += (1.0 - x) * (1.0 + y) / 2.0;
    }
    return area;
  }
}
