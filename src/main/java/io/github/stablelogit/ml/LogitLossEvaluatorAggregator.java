package io.github.stablelogit.ml;

import io.github.stablelogit.loss.CompensatedSum;
import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.loss.ProbabilityLoss;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * The single pass of {@link LogitLossEvaluator}: per partition, the weighted loss sum, the weight
 * sum, the row count and, for each input column, how many rows are invalid and the first invalid
 * value. Sums are double-double ({@link CompensatedSum}), so the result hardly depends on the
 * order Spark merges partitions in; the first invalid value is the one at the smallest (partition,
 * row) position, whatever the merge order.
 *
 * <p>Rows read: (prediction, label[, weight]) — prediction a Vector or a double, label and weight
 * doubles (cast by the caller).
 */
final class LogitLossEvaluatorAggregator implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Problem kinds: the prediction input, the label, the weight. */
  static final int PREDICTION = 0;
  static final int LABEL = 1;
  static final int WEIGHT = 2;

  /** Relative tolerance of the [−z, z] shape check on raw prediction vectors. */
  private static final double RAW_SYMMETRY_TOL = 1e-9;

  /** Indices in {@link #sums}. */
  private static final int LOSS_SUM = 0;
  private static final int WEIGHT_SUM = 1;

  long rows;
  /** Σ w·ℓ and Σ w, as {@link CompensatedSum}s. */
  private final double[] sums = CompensatedSum.zeros(2);
  private final long[] badCount = new long[3];
  private final int[] badPartition = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};
  private final long[] badRow = new long[3];
  private final String[] badValue = new String[3];

  /** @return Σ w·ℓ over the valid rows */
  double lossSum() {
    return CompensatedSum.value(sums, LOSS_SUM);
  }

  /** @return Σ w over the valid rows */
  double weightSum() {
    return CompensatedSum.value(sums, WEIGHT_SUM);
  }

  /** @return the number of invalid rows of one kind */
  long badCount(int kind) {
    return badCount[kind];
  }

  /** @return the first invalid value of one kind, or null */
  String firstBadValue(int kind) {
    return badValue[kind];
  }

  /**
   * Merges {@code o} into this.
   *
   * @param o another partial result
   * @return this
   */
  LogitLossEvaluatorAggregator merge(LogitLossEvaluatorAggregator o) {
    rows += o.rows;
    CompensatedSum.merge(sums, o.sums);
    for (int k = 0; k < 3; k++) {
      badCount[k] += o.badCount[k];
      if (o.badValue[k] != null && (badValue[k] == null || o.badPartition[k] < badPartition[k]
          || (o.badPartition[k] == badPartition[k] && o.badRow[k] < badRow[k]))) {
        badPartition[k] = o.badPartition[k];
        badRow[k] = o.badRow[k];
        badValue[k] = o.badValue[k];
      }
    }
    return this;
  }

  private void bad(int kind, int partition, long row, String value) {
    if (badCount[kind]++ == 0) {
      badPartition[kind] = partition;
      badRow[kind] = row;
      badValue[kind] = value;
    }
  }

  private void add(double weightedLoss, double weight) {
    CompensatedSum.add(sums, LOSS_SUM, weightedLoss);
    CompensatedSum.add(sums, WEIGHT_SUM, weight);
  }

  /**
   * Turns the rows of one partition into one partial result. Captures only the loss and three
   * flags, never the evaluator.
   */
  static final class PartitionScorer implements
      Function2<Integer, Iterator<Row>, Iterator<LogitLossEvaluatorAggregator>> {

    private static final long serialVersionUID = 1L;

    private final LogitLoss loss;
    private final boolean probabilityInput;
    private final boolean vectorInput;
    private final boolean weighted;

    /**
     * @param loss the loss and its parameters
     * @param probabilityInput whether the prediction is P(y = 1) rather than the logit z
     * @param vectorInput whether the prediction column holds vectors of size 2
     * @param weighted whether the rows have a weight at index 2
     */
    PartitionScorer(LogitLoss loss, boolean probabilityInput, boolean vectorInput,
        boolean weighted) {
      this.loss = loss;
      this.probabilityInput = probabilityInput;
      this.vectorInput = vectorInput;
      this.weighted = weighted;
    }

    @Override
    public Iterator<LogitLossEvaluatorAggregator> call(Integer partition, Iterator<Row> it) {
      LogitLossEvaluatorAggregator agg = new LogitLossEvaluatorAggregator();
      int part = partition;
      long i = 0;
      while (it.hasNext()) {
        Row r = it.next();
        long pos = i++;
        agg.rows++;
        boolean ok = true;

        double x = Double.NaN;
        String badX = null;
        if (r.isNullAt(0)) {
          badX = "null";
        } else if (vectorInput) {
          Vector v = (Vector) r.get(0);
          if (v.size() != 2) {
            badX = "a vector of size " + v.size();
          } else {
            x = v.apply(1);
            if (!probabilityInput && Double.isFinite(x) && !isMinusPlus(v.apply(0), x)) {
              badX = v + " (not of the form [-z, z])";
            }
          }
        } else {
          x = r.getDouble(0);
        }
        if (badX == null
            && (probabilityInput ? !(x >= 0.0 && x <= 1.0) : !Double.isFinite(x))) {
          badX = Double.toString(x);
        }
        if (badX != null) {
          agg.bad(PREDICTION, part, pos, badX);
          ok = false;
        }

        double y = r.isNullAt(1) ? Double.NaN : r.getDouble(1);
        if (!(y >= 0.0 && y <= 1.0)) {
          agg.bad(LABEL, part, pos, r.isNullAt(1) ? "null" : Double.toString(y));
          ok = false;
        }

        double w = 1.0;
        if (weighted) {
          w = r.isNullAt(2) ? Double.NaN : r.getDouble(2);
          if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
            agg.bad(WEIGHT, part, pos, r.isNullAt(2) ? "null" : Double.toString(w));
            ok = false;
          }
        }

        // A zero weight contributes nothing, even where the loss itself would be huge.
        if (ok && w > 0.0) {
          double l = probabilityInput ? ProbabilityLoss.value(loss, x, y) : loss.value(x, y);
          agg.add(w * l, w);
        }
      }
      return List.of(agg).iterator();
    }

    /** Whether [a, z] is [−z, z] up to rounding (Spark's and our models write it exactly). */
    private static boolean isMinusPlus(double a, double z) {
      return Math.abs(a + z) <= RAW_SYMMETRY_TOL * Math.max(Math.abs(a), Math.abs(z));
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "LogitLossEvaluatorAggregator(rows=%d, loss=%s, weight=%s)",
        rows, lossSum(), weightSum());
  }
}
