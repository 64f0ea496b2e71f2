package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.ml.LogitThresholdMetrics;
import io.github.stablelogit.ml.ThresholdChoice;
import java.util.Locale;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code --tune-threshold}: the decision threshold that maximizes F1, F0.5, F2 or Youden's J, the
 * recall at a least precision, the precision at a least recall, or that minimizes a cost, on the
 * validation rows (or, without any, on the training rows), found by {@link
 * LogitThresholdMetrics#choose(String)} on exact curves (one point per distinct score) up to
 * {@link #EXACT_ROWS} rows and on {@link #BINS} score bins above.
 */
final class Tuning {

  /** The threshold before tuning: the classifier's default. */
  static final double DEFAULT_THRESHOLD = 0.5;

  /** Up to this many rows the curves have a point per distinct score. */
  static final long EXACT_ROWS = 1_000_000L;

  /** Score bins of the curves above {@link #EXACT_ROWS} rows. */
  static final int BINS = 10_000;

  /** The metrics column of the held-out rows at the default threshold (table header). */
  static final String TEST_AT_DEFAULT = "test @0.5";

  /** Its key in the metrics JSON. */
  static final String TEST_AT_DEFAULT_JSON = "test_at_default_threshold";

  final String metric;
  final String source;
  final long rows;
  final int bins;
  final double threshold;
  final double value;
  final double valueAtDefault;
  final double precision;
  final double recall;

  private Tuning(String metric, String source, long rows, int bins, double threshold,
      double value, double valueAtDefault, double precision, double recall) {
    this.metric = metric;
    this.source = source;
    this.rows = rows;
    this.bins = bins;
    this.threshold = threshold;
    this.value = value;
    this.valueAtDefault = valueAtDefault;
    this.precision = precision;
    this.recall = recall;
  }

  /**
   * @param pm the fitted pipeline
   * @param rows the rows to tune on (input columns)
   * @param source "validation" or "training", for messages
   * @param metric a canonical target of {@link ThresholdChoice}
   * @param weight the weight column, or null
   * @param label the input's label column, for messages
   * @param hint appended to a failure message, or ""
   * @param expectedRows about how many rows {@code rows} has (chooses exact or binned curves)
   * @return the tuned threshold and the metric's values
   * @throws UsageException when the rows cannot be evaluated (e.g. a single class) or a
   *     constraint cannot be met on them
   */
  static Tuning run(PipelineModel pm, Dataset<Row> rows, String source, String metric,
      String weight, String label, String hint, long expectedRows) {
    int bins = expectedRows <= EXACT_ROWS ? 0 : BINS;
    LogitThresholdMetrics tm;
    try {
      tm = LogitThresholdMetrics.of(pm.transform(rows), "probability", Columns.LABEL, weight,
          bins);
    } catch (IllegalArgumentException e) {
      String why = Errors.oneLine(e.getMessage())
          .replace("labelCol '" + Columns.LABEL + "'", "label column '" + label + "'");
      throw new UsageException(String.format(Locale.ROOT, "--tune-threshold %s cannot tune on "
          + "the %s rows: %s%s", metric, source, why, hint), e);
    }
    ThresholdChoice c = tm.choose(metric);
    if (!c.feasible()) {
      throw new UsageException(String.format(Locale.ROOT, "--tune-threshold %s on the %,d %s "
          + "rows: %s; ask for less%s", metric, tm.numRows(), source, c.infeasibility(), hint));
    }
    double t = c.threshold();
    return new Tuning(metric, source, tm.numRows(), bins, t, c.value(),
        c.valueAt(tm, DEFAULT_THRESHOLD), c.precision(), c.recall());
  }

  /** @return e.g. "threshold: 0.1834, tuned for F1 on 2,512 validation rows (F1 0.47; ...)" */
  String describe() {
    String name = displayName(metric);
    return String.format(Locale.ROOT, "threshold: %.4f, tuned for %s on %,d %s rows (%s %.4f "
            + "there; %.4f at threshold %s)%s", threshold, name, rows, source, name, value,
        valueAtDefault, DEFAULT_THRESHOLD, bins > 0 ? String.format(Locale.ROOT,
            " [scores in %,d bins]", bins) : "");
  }

  void toJson(ObjectNode n) {
    n.put("metric", metric);
    n.put("source", source);
    n.put("rows", rows);
    n.put("bins", bins);
    Json.putDouble(n, "threshold", threshold);
    Json.putDouble(n, "value", value);
    n.put("default_threshold", DEFAULT_THRESHOLD);
    Json.putDouble(n, "value_at_default", valueAtDefault);
    Json.putDouble(n, "precision", precision);
    Json.putDouble(n, "recall", recall);
  }

  static String displayName(String metric) {
    if (metric.startsWith("precision>=")) {
      return "recall at " + metric;
    }
    if (metric.startsWith("recall>=")) {
      return "precision at " + metric;
    }
    if (metric.startsWith("cost:")) {
      return "cost " + metric.substring("cost:".length()).replace(",", " (FP), ") + " (FN)";
    }
    return metric.equals("youden") ? "Youden's J" : metric.toUpperCase(Locale.ROOT);
  }
}
