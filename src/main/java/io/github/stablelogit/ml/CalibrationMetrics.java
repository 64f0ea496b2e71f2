package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sum;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How far predicted probabilities are from observed frequencies, weighted: the Brier score, the
 * expected calibration error and the reliability curve.
 *
 * <p><b>Definitions.</b> With p the predicted P(y = 1), y ∈ {0, 1} and w the instance weights:
 *
 * <ul>
 *   <li>Brier score = Σw(p − y)² / Σw (0 is perfect; a constant p equal to the base rate π scores
 *       π(1 − π));
 *   <li>bins: the rows sorted by p are cut into {@code numBins} bins of equal weight
 *       (equal-mass, weighted): rows with equal p form a group that is never split, and a group
 *       goes to bin ⌊B·m/Σw⌋ (at most B − 1), where m is the weight of the rows below it plus half
 *       its own weight; bins that receive no weight are left out;
 *   <li>per bin b: weight W_b, row count, mean predicted p̄_b = Σw·p / W_b and observed rate
 *       ȳ_b = Σw·y / W_b — the reliability curve, ȳ against p̄;
 *   <li>ECE = Σ_b (W_b / Σw)·|p̄_b − ȳ_b|, the weighted mean absolute gap between the curve and
 *       the diagonal (an L1, equal-mass ECE; with equal-width bins it would be dominated by the
 *       crowded bins of an imbalanced problem).
 * </ul>
 *
 * <p><b>Input.</b> As {@link LogitThresholdMetrics#of} (the same checks, one Spark job): a
 * probability vector [1 − p, p] or a numeric p in [0, 1], labels exactly 0 or 1, weights finite and
 * ≥ 0, both classes with positive weight; otherwise an {@link IllegalArgumentException} names the
 * column and a value. The distinct probabilities with their weight sums (a few doubles each) are
 * collected to the driver to cut the bins.
 */
public final class CalibrationMetrics implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Bins of {@link LogitClassificationModel#calibrationMetrics(Dataset)} and the job. */
  public static final int DEFAULT_BINS = 10;

  private final int numBins;
  private final long numRows;
  private final double brier;
  private final double ece;
  private final double[] meanPredicted;
  private final double[] observed;
  private final double[] binWeight;
  private final long[] binCount;

  private CalibrationMetrics(int numBins, long numRows, double brier, double ece,
      double[] meanPredicted, double[] observed, double[] binWeight, long[] binCount) {
    this.numBins = numBins;
    this.numRows = numRows;
    this.brier = brier;
    this.ece = ece;
    this.meanPredicted = meanPredicted;
    this.observed = observed;
    this.binWeight = binWeight;
    this.binCount = binCount;
  }

  /**
   * @param scored scored data, e.g. a model's {@code transform} output
   * @param probabilityCol a vector [1 − p, p] or a numeric p
   * @param labelCol labels 0 and 1
   * @param weightCol instance weights, or null for 1
   * @param numBins the number of equal-mass bins (≥ 1)
   * @return the metrics
   * @throws IllegalArgumentException for bad input, as {@link LogitThresholdMetrics#of}
   */
  public static CalibrationMetrics of(Dataset<?> scored, String probabilityCol, String labelCol,
      String weightCol, int numBins) {
    Objects.requireNonNull(scored, "scored");
    if (numBins < 1) {
      throw new IllegalArgumentException("numBins must be >= 1, but is " + numBins);
    }
    return ThresholdCurves.validated(scored, probabilityCol, labelCol, weightCol,
        "CalibrationMetrics", (rows, totals) -> {
          List<Row> groups = rows.groupBy("score").agg(sum("weight"),
              sum(col("weight").multiply(col("label"))), count("score"),
              sum(col("weight").multiply(pow(col("score").minus(col("label")), 2))))
              .orderBy("score").collectAsList();
          return compute(groups, numBins, (long) totals[0]);
        });
  }

  /** Groups of (p, Σw, Σw·y, rows, Σw(p − y)²), ascending in p. */
  private static CalibrationMetrics compute(List<Row> groups, int numBins, long rows) {
    double total = 0;
    double squares = 0;
    for (Row g : groups) {
      total += g.getDouble(1);
      squares += g.getDouble(4);
    }
    double[] w = new double[numBins];
    double[] wp = new double[numBins];
    double[] wy = new double[numBins];
    long[] n = new long[numBins];
    double below = 0;
    for (Row g : groups) {
      double gw = g.getDouble(1);
      int b = (int) Math.min(numBins - 1, Math.floor(numBins * (below + gw / 2) / total));
      below += gw;
      w[b] += gw;
      wp[b] += gw * g.getDouble(0);
      wy[b] += g.getDouble(2);
      n[b] += g.getLong(3);
    }
    List<double[]> kept = new ArrayList<>();
    double ece = 0;
    for (int b = 0; b < numBins; b++) {
      if (w[b] > 0) {
        double[] bin = {wp[b] / w[b], wy[b] / w[b], w[b], n[b]};
        kept.add(bin);
        ece += w[b] / total * Math.abs(bin[0] - bin[1]);
      }
    }
    int k = kept.size();
    double[] mp = new double[k];
    double[] ob = new double[k];
    double[] bw = new double[k];
    long[] bc = new long[k];
    for (int i = 0; i < k; i++) {
      mp[i] = kept.get(i)[0];
      ob[i] = kept.get(i)[1];
      bw[i] = kept.get(i)[2];
      bc[i] = (long) kept.get(i)[3];
    }
    return new CalibrationMetrics(numBins, rows, squares / total, ece, mp, ob, bw, bc);
  }

  /** @return the Brier score Σw(p − y)² / Σw */
  public double brier() {
    return brier;
  }

  /** @return the expected calibration error over equal-mass weighted bins */
  public double ece() {
    return ece;
  }

  /** @return the number of bins asked for (bins without weight are not in the curve) */
  public int numBins() {
    return numBins;
  }

  /** @return the number of rows evaluated */
  public long numRows() {
    return numRows;
  }

  /** @return the mean predicted probability of each non-empty bin, ascending */
  public double[] meanPredicted() {
    return meanPredicted.clone();
  }

  /** @return the weighted observed rate of label 1 in each non-empty bin */
  public double[] observed() {
    return observed.clone();
  }

  /** @return the weight of each non-empty bin */
  public double[] binWeights() {
    return binWeight.clone();
  }

  /** @return the number of rows of each non-empty bin */
  public long[] binCounts() {
    return binCount.clone();
  }

  /**
   * @return the reliability curve: columns "meanPredicted", "observed", "weight", "count", one
   *     row per non-empty bin, ascending (a local frame of the active session)
   */
  public Dataset<Row> reliabilityCurve() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < meanPredicted.length; i++) {
      rows.add(RowFactory.create(meanPredicted[i], observed[i], binWeight[i], binCount[i]));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("meanPredicted", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("observed", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("weight", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("count", DataTypes.LongType, false, Metadata.empty())});
    return SparkSession.active().createDataFrame(rows, schema);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "CalibrationMetrics: rows=%d, brier=%.6f, ece=%.6f (%d "
        + "equal-mass bins)", numRows, brier, ece, numBins);
  }
}
