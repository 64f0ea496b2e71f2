package io.github.stablelogit.ml;


import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Weighted threshold-dependent metrics of scored binary data — ROC and PR curves, precision, recall
 * and F-measure by threshold, their areas — and the decision threshold that maximizes F1, F0.5, F2
 * or Youden's J.
 *
 * <p><b>How it is computed.</b> {@link #of} runs Spark's {@link BinaryClassificationMetrics} once
 * on (score, label, weight) triples, where the score is element 1 of a probability vector
 * [1 − p, p] or a plain double p, collects its curves to the driver (one point per distinct score,
 * or about {@code numBins} points), and releases Spark's cached data. Everything afterwards is
 * computed from those arrays; the {@code Dataset}-returning methods build small local frames from
 * them. The object keeps no {@code Dataset} or RDD and can be Java-serialized; after
 * deserialization the frames use the active {@link SparkSession}.
 *
 * <p><b>Two threshold rules.</b> Spark's curves count a row as predicted positive when
 * {@code score >= threshold} and report, for each threshold, the thresholds it found in the data
 * (the distinct scores, or with {@code numBins > 0} the lowest score of each bin). The model
 * ({@link LogitClassificationModel}) predicts 1 when {@code p > threshold} (evaluated as
 * z &gt; logit(threshold), so threshold 0 predicts every row positive and threshold 1 none). The
 * frames ({@link #roc()}, {@link #fMeasureByThreshold()}, ...) and {@link
 * #bestScoreThreshold(String)} follow Spark's rule; {@link #bestThreshold(String)} and {@link
 * #metricAt(String, double)} follow the model's rule. For an optimal Spark threshold s the value
 * returned by {@code bestThreshold} is the midpoint between s and the next lower score present in
 * the data (0 when s is the lowest score), so that {@code p > bestThreshold} selects exactly the
 * rows with {@code p >= s}, and {@code model.setThreshold(bestThreshold(m))} reproduces the optimum
 * (the only exception being two scores that are adjacent doubles, where no midpoint exists and the
 * lower score is returned).
 *
 * <p><b>Metrics.</b> With TP, FP the weighted sums of positive and negative rows predicted positive
 * and P, N the weighted class totals (Spark's definitions): precision = TP / (TP + FP), taken as 1
 * when nothing is predicted positive; recall = TPR = TP / P; FPR = FP / N;
 * F_β = (1 + β²)·precision·recall / (β²·precision + recall), 0 when precision + recall = 0;
 * Youden's J = TPR − FPR.
 *
 * <p><b>Ties.</b> {@code bestThreshold} considers every threshold of the curves and, among those
 * whose metric is within {@link #TIE_TOLERANCE} of the maximum, picks the largest one (the most
 * conservative classifier). The tolerance absorbs rounding of Spark's weighted sums, which depends
 * on the partitioning, so that thresholds whose metrics are equal in exact arithmetic count as
 * tied.
 *
 * <p><b>Input.</b> Labels must be exactly 0 or 1 (soft labels are rejected: ROC and PR curves need
 * hard labels), probabilities non-null and in [0, 1], weights non-null, finite and ≥ 0 (every
 * weight is 1 when no weight column is given), and both classes must have positive total weight;
 * otherwise {@link #of} throws an {@link IllegalArgumentException} naming the column and a value.
 * Rows of weight 0 are kept, as Spark keeps them: their scores are thresholds of the curves.
 *
 * <p><b>Binning.</b> With {@code numBins > 0} Spark groups consecutive distinct scores of each
 * partition of a sampled range partitioning into bins, so the bin edges (and hence the binned
 * curves and areas) can differ slightly between two runs on the same data; everything this class
 * derives from one run is consistent with that run's bins. Use 0 for reproducible, exact results.
 */
public final class LogitThresholdMetrics implements Serializable {

  private static final long serialVersionUID = 1L;

  /**
   * Metric values within this (absolute) distance of the maximum count as ties in {@link
   * #bestThreshold(String)}; all metrics here lie in [−1, 1].
   */
  public static final double TIE_TOLERANCE = 1e-12;

  /** Names accepted by {@link #bestThreshold(String)} and {@link #bestScoreThreshold(String)}. */
  public static final List<String> OPTIMIZABLE_METRICS = List.of("f1", "f0.5", "f2", "youden");

  /** Names accepted by {@link #metricAt(String, double)}. */
  public static final List<String> METRICS =
      List.of("f1", "f0.5", "f2", "youden", "precision", "recall", "fpr");

  private final int numBins;
  private final long numRows;
  private final double weightedPositives;
  private final double weightedNegatives;
  /** Spark's thresholds, descending. */
  private final double[] thresholds;
  private final double[] precision;
  private final double[] recall;
  private final double[] fpr;
  /** For each index k: a model threshold t with {p > t} = {score >= thresholds[k]}. */
  private final double[] modelThresholds;
  private final double areaUnderROC;
  private final double areaUnderPR;
  private transient SparkSession spark;

  private LogitThresholdMetrics(SparkSession spark, int numBins, long numRows, double pos,
      double neg, double[] thresholds, double[] precision, double[] recall, double[] fpr,
      double[] modelThresholds) {
    this.spark = spark;
    this.numBins = numBins;
    this.numRows = numRows;
    this.weightedPositives = pos;
    this.weightedNegatives = neg;
    this.thresholds = thresholds;
    this.precision = precision;
    this.recall = recall;
    this.fpr = fpr;
    this.modelThresholds = modelThresholds;
    this.areaUnderROC = trapezoid(rocX(), rocY());
    this.areaUnderPR = trapezoid(prX(), prY());
  }

  /**
   * Computes the metrics of scored data.
   *
   * @param scored the data, e.g. a model's {@code transform} output
   * @param probabilityCol a column holding either an ML vector [1 − p, p] (element 1 is used) or a
   *     numeric p = P(label = 1)
   * @param labelCol a numeric column with labels 0 and 1
   * @param weightCol a numeric column of instance weights, or null for weight 1
   * @param numBins 0 for exact curves (a point per distinct score), else down-sample the curves to
   *     about this many bins, exactly as Spark's {@link BinaryClassificationMetrics}
   * @return the metrics
   * @throws IllegalArgumentException if a column is missing or has the wrong type, if the data are
   *     empty, single-class or contain a label other than 0/1, a probability outside [0, 1], a
   *     vector of size ≠ 2 or a negative or non-finite weight
   */
  public static LogitThresholdMetrics of(Dataset<?> scored, String probabilityCol,
      String labelCol, String weightCol, int numBins) {
    Objects.requireNonNull(scored, "scored");
    Objects.requireNonNull(probabilityCol, "probabilityCol");
    Objects.requireNonNull(labelCol, "labelCol");
    if (numBins < 0) {
      throw new IllegalArgumentException("numBins must be >= 0 (0 = exact curves), but is "
          + numBins);
    }
    ThresholdCurves c = ThresholdCurves.of(scored, probabilityCol, labelCol, weightCol, numBins);
    return new LogitThresholdMetrics(scored.sparkSession(), numBins, c.rows(), c.positives(),
        c.negatives(), c.thresholds(), c.precision(), c.recall(), c.fpr(), c.modelThresholds());
  }

  private static double trapezoid(double[] x, double[] y) {
    double area = 0.0;
    for (int i = 0; i + 1 < x.length; i++) {
      area += (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
    }
    return area;
  }

  // ---- Spark's curves (score >= threshold is positive), shaped as
  // BinaryLogisticRegressionSummary.

  /**
   * @return the ROC curve: columns "FPR", "TPR", one row per threshold in descending order, with
   *     (0, 0) prepended and (1, 1) appended, as Spark's
   */
  public Dataset<Row> roc() {
    return frame("FPR", rocX(), "TPR", rocY());
  }

  /**
   * @return the precision-recall curve: columns "recall", "precision", one row per threshold in
   *     descending order, with (0, precision at the highest threshold) prepended, as Spark's
   */
  public Dataset<Row> pr() {
    return frame("recall", prX(), "precision", prY());
  }

  /** @return columns "threshold", "precision" (precision of score &gt;= threshold) */
  public Dataset<Row> precisionByThreshold() {
    return frame("threshold", thresholds, "precision", precision);
  }

  /** @return columns "threshold", "recall" (recall of score &gt;= threshold) */
  public Dataset<Row> recallByThreshold() {
    return frame("threshold", thresholds, "recall", recall);
  }

  /** @return columns "threshold", "F-Measure" with β = 1 */
  public Dataset<Row> fMeasureByThreshold() {
    return fMeasureByThreshold(1.0);
  }

  /**
   * @param beta the F-measure's β (&gt; 0)
   * @return columns "threshold", "F-Measure"
   */
  public Dataset<Row> fMeasureByThreshold(double beta) {
    if (!(beta > 0) || Double.isInfinite(beta)) {
      throw new IllegalArgumentException("beta must be finite and > 0, but is " + beta);
    }
    double[] f = new double[thresholds.length];
    for (int k = 0; k < f.length; k++) {
      f[k] = fMeasure(beta, precision[k], recall[k]);
    }
    return frame("threshold", thresholds, "F-Measure", f);
  }

  /** @return area under the ROC curve (trapezoidal, over the points of {@link #roc()}) */
  public double areaUnderROC() {
    return areaUnderROC;
  }

  /** @return area under the PR curve (trapezoidal, over the points of {@link #pr()}) */
  public double areaUnderPR() {
    return areaUnderPR;
  }

  // ---- Threshold choice.

  /**
   * The model threshold that maximizes a metric: {@code model.setThreshold(t)} (the rule p &gt; t)
   * predicts positive exactly the rows with score &gt;= {@link #bestScoreThreshold(String)}, so
   * {@code metricAt(metric, t)} is the maximum. Ties: see the class documentation.
   *
   * @param metric "f1", "f0.5", "f2" (F-β) or "youden" (TPR − FPR), case-insensitive, or a
   *     constraint or cost target of {@link #choose(String)}
   * @return t in [0, 1); 0 when the optimum predicts every row positive (1 only for a cost
   *     whose optimum predicts no row positive)
   * @throws IllegalArgumentException for a malformed target
   * @throws IllegalStateException naming the best achievable value when a constraint cannot be
   *     met
   */
  public double bestThreshold(String metric) {
    ThresholdChoice c = choose(metric);
    if (!c.feasible()) {
      throw new IllegalStateException(c.infeasibility());
    }
    return c.threshold();
  }

  /**
   * @param target one of {@link ThresholdChoice#FORMS}, e.g. "precision&gt;=0.9", "cost:1,20"
   * @return the threshold for a metric, a constraint or a cost, with the values there (see {@link
   *     ThresholdChoice} for the rules, ties and infeasible constraints)
   */
  public ThresholdChoice choose(String target) {
    ThresholdChoice.Target t = ThresholdChoice.parse(target);
    if (OPTIMIZABLE_METRICS.contains(t.kind())) {
      int k = bestIndex(t.kind());
      return ThresholdChoice.ofMetric(t.kind(), modelThresholds[k], value(t.kind(), k),
          precision[k], recall[k]);
    }
    return ThresholdChoice.choose(t, precision, recall, fpr, modelThresholds, weightedPositives,
        weightedNegatives);
  }

  /**
   * The optimal threshold under Spark's rule (score &gt;= threshold is positive): the row of
   * {@link #fMeasureByThreshold(double)} etc. where the metric is maximal.
   *
   * @param metric as for {@link #bestThreshold(String)}
   * @return a score that occurs in the data (with numBins &gt; 0, the lowest score of a bin)
   */
  public double bestScoreThreshold(String metric) {
    return thresholds[bestIndex(metric)];
  }

  /**
   * A metric of the model's decision rule at threshold t: predicted positive when p &gt; t, every
   * row when t = 0 and none when t = 1, as {@link LogitClassificationModel} with {@code
   * setThreshold(t)}. When nothing is predicted positive, precision is 1 (Spark's convention) and
   * the other metrics are 0.
   *
   * <p>Exact for every t when numBins = 0. With numBins &gt; 0 the counts are known only at bin
   * boundaries: the value is that of the rule score &gt;= s, where s is the smallest bin threshold
   * above t, which equals the rule p &gt; t when no score lies in (t, s) — as for the thresholds
   * {@link #bestThreshold(String)} returns.
   *
   * @param metric one of {@link #METRICS}, case-insensitive
   * @param threshold t in [0, 1]
   * @return the metric's value
   */
  public double metricAt(String metric, double threshold) {
    String m = normalize(metric, METRICS);
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new IllegalArgumentException("threshold must be in [0, 1], but is " + threshold);
    }
    int k = indexFor(threshold);
    if (k < 0) {
      return m.equals("precision") ? 1.0 : 0.0;
    }
    return value(m, k);
  }

  /** The index of the confusion matrix of the model rule at t, or -1 when nothing is positive. */
  private int indexFor(double t) {
    int n = thresholds.length;
    if (t <= 0) {
      return n - 1;
    }
    if (t >= 1) {
      return -1;
    }
    // the last k with thresholds[k] > t (thresholds descending)
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (thresholds[mid] > t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo - 1;
  }

  private int bestIndex(String metric) {
    String m = normalize(metric, OPTIMIZABLE_METRICS);
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < thresholds.length; k++) {
      max = Math.max(max, value(m, k));
    }
    for (int k = 0; k < thresholds.length; k++) {
      if (value(m, k) >= max - TIE_TOLERANCE) {
        return k;
      }
    }
    throw new IllegalStateException("no threshold has a finite " + m);
  }

  private double value(String m, int k) {
    switch (m) {
      case "f1":
        return fMeasure(1.0, precision[k], recall[k]);
      case "f0.5":
        return fMeasure(0.5, precision[k], recall[k]);
      case "f2":
        return fMeasure(2.0, precision[k], recall[k]);
      case "youden":
        return recall[k] - fpr[k];
      case "precision":
        return precision[k];
      case "recall":
        return recall[k];
      case "fpr":
        return fpr[k];
      default:
        throw new IllegalArgumentException("unknown metric " + m);
    }
  }

  /** Spark's F-measure, term for term, so that values agree with its curves bit for bit. */
  private static double fMeasure(double beta, double p, double r) {
    double beta2 = beta * beta;
    if (p + r == 0) {
      return 0.0;
    }
    return (1.0 + beta2) * (p * r) / (beta2 * p + r);
  }

  private static String normalize(String metric, List<String> allowed) {
    String m = metric == null ? "" : metric.trim().toLowerCase(Locale.ROOT);
    if (!allowed.contains(m)) {
      throw new IllegalArgumentException("unknown metric '" + metric + "'; allowed: "
          + String.join(", ", allowed));
    }
    return m;
  }

  // ---- Plain accessors.

  /** @return the numBins these metrics were computed with (0 = exact) */
  public int numBins() {
    return numBins;
  }

  /** @return number of rows evaluated (including rows of weight 0) */
  public long numRows() {
    return numRows;
  }

  /** @return Σw over rows with label 1 */
  public double weightedPositives() {
    return weightedPositives;
  }

  /** @return Σw over rows with label 0 */
  public double weightedNegatives() {
    return weightedNegatives;
  }

  /** @return the number of thresholds (points of the curves, without the added end points) */
  public int numThresholds() {
    return thresholds.length;
  }

  // ---- Frames.

  private double[] rocX() {
    return withEnds(0.0, fpr, 1.0);
  }

  private double[] rocY() {
    return withEnds(0.0, recall, 1.0);
  }

  private double[] prX() {
    return withHead(0.0, recall);
  }

  private double[] prY() {
    return withHead(precision[0], precision);
  }

  private static double[] withHead(double head, double[] a) {
    double[] out = new double[a.length + 1];
    out[0] = head;
    System.arraycopy(a, 0, out, 1, a.length);
    return out;
  }

  private static double[] withEnds(double head, double[] a, double last) {
    double[] out = Arrays.copyOf(withHead(head, a), a.length + 2);
    out[out.length - 1] = last;
    return out;
  }

  private Dataset<Row> frame(String xName, double[] x, String yName, double[] y) {
    List<Row> rows = new ArrayList<>(x.length);
    for (int i = 0; i < x.length; i++) {
      rows.add(RowFactory.create(x[i], y[i]));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField(xName, DataTypes.DoubleType, false, Metadata.empty()),
        new StructField(yName, DataTypes.DoubleType, false, Metadata.empty())});
    return session().createDataFrame(rows, schema);
  }

  private SparkSession session() {
    if (spark == null) {
      spark = SparkSession.active();
    }
    return spark;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "LogitThresholdMetrics: rows=%d, thresholds=%d, numBins=%d, "
            + "areaUnderROC=%.6f, areaUnderPR=%.6f, best f1 threshold=%s", numRows,
        thresholds.length, numBins, areaUnderROC, areaUnderPR, bestThreshold("f1"));
  }
}
