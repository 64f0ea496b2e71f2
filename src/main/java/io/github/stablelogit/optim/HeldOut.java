package io.github.stablelogit.optim;

import io.github.stablelogit.loss.CompensatedSum;
import io.github.stablelogit.loss.LogitLoss;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The held-out rows of one fold (or of one of its blocks) at that fold's model, for {@link
 * LockstepPasses}: their weighted loss sum (double-double, so independent of how blocks are
 * grouped), and optionally their margins, labels and weights.
 */
public final class HeldOut implements Serializable {

  private static final long serialVersionUID = 1L;
  private final int fold;
  private final double[] lossSum;
  private final ArrayList<double[]> scores = new ArrayList<>();

  HeldOut(int fold, double[] lossSum, double[] margins, double[] labels, double[] weights) {
    this.fold = fold;
    this.lossSum = lossSum;
    if (margins != null) {
      scores.add(margins);
      scores.add(labels);
      scores.add(weights);
    }
  }

  void merge(HeldOut other) {
    CompensatedSum.merge(lossSum, other.lossSum);
    scores.addAll(other.scores);
  }

  /** @return Σ w ℓ over the fold's rows */
  public double lossSum() {
    return CompensatedSum.value(lossSum, 0);
  }

  /**
   * @return the fold's rows as {margins, labels, weights}, each one array (empty when scores
   *     were not asked for)
   */
  public double[][] scores() {
    int n = 0;
    for (int i = 0; i < scores.size(); i += 3) {
      n += scores.get(i).length;
    }
    double[][] out = new double[3][n];
    int at = 0;
    for (int i = 0; i < scores.size(); i += 3) {
      int len = scores.get(i).length;
      for (int c = 0; c < 3; c++) {
        System.arraycopy(scores.get(i + c), 0, out[c], at, len);
      }
      at += len;
    }
    return out;
  }

  /**
   * Per fold, the loss sum of its held-out aggregator (a round's, see {@link
   * LockstepPasses#deferHeldOut}).
   */
  static HeldOut[] of(BlockAggregator[] aggregators) {
    HeldOut[] out = new HeldOut[aggregators.length];
    for (int f = 0; f < out.length; f++) {
      double[] sum = CompensatedSum.zeros(1);
      CompensatedSum.add(sum, 0, aggregators[f].lossSum());
      out[f] = new HeldOut(f, sum, null, null, null);
    }
    return out;
  }

  /**
   * The held-out rows of each fold at that fold's model, in one Spark job: the weighted loss sum,
   * and optionally every row's margin, label and weight.
   *
   * @param blocks the cached blocks, packed with fold ids
   * @param jsc their context
   * @param coefficients per fold k, model k's coefficients (d, then the offset added to margins)
   * @param losses per fold, the loss to sum
   * @param scores whether to return the rows' margins, labels and weights
   * @return per fold, what its rows gave
   */
  static HeldOut[] pass(JavaRDD<InstanceBlock> blocks, JavaSparkContext jsc,
      double[][] coefficients, LogitLoss[] losses, boolean scores) {
    int k = coefficients.length;
    List<Broadcast<BlockAggregator.Coefficients>> bcs = new ArrayList<>();
    LogitLoss[] ls = losses.clone();
    for (int f = 0; f < k; f++) {
      double[] c = coefficients[f];
      int d = c.length - 1;
      bcs.add(jsc.broadcast(new BlockAggregator.Coefficients(
          java.util.Arrays.copyOf(c, d), c[d])));
    }
    try {
      List<HeldOut> parts = ExecutorGroups.run(blocks, jsc, tasks -> tasks.mapPartitions(it -> {
        List<HeldOut> out = new ArrayList<>();
        while (it.hasNext()) {
          InstanceBlock b = it.next();
          int f = b.fold();
          if (f < 0 || f >= k || b.numRows() == 0) {
            continue;
          }
          double[] lossSum = CompensatedSum.zeros(1);
          BlockAggregator a = new BlockAggregator(ls[f], bcs.get(f), b.numFeatures(),
              Double.POSITIVE_INFINITY);
          CompensatedSum.add(lossSum, 0, a.add(b).lossSum());
          double[] margins = null;
          if (scores) {
            BlockAggregator.Coefficients c = bcs.get(f).value();
            margins = new double[b.numRows()];
            b.margins(InstanceBlock.blas(), c.beta, c.offset, margins);
          }
          out.add(new HeldOut(f, lossSum, margins, scores ? b.labels() : null,
              scores ? b.weights() : null));
        }
        return out.iterator();
      }).collect());
      HeldOut[] total = new HeldOut[k];
      for (int f = 0; f < k; f++) {
        total[f] = new HeldOut(f, CompensatedSum.zeros(1), null, null, null);
      }
      for (HeldOut p : parts) {
        total[p.fold].merge(p);
      }
      return total;
    } finally {
      bcs.forEach(Broadcast::destroy);
    }
  }
}
