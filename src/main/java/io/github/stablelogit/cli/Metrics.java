package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.loss.StableMath;
import io.github.stablelogit.ml.CalibrationMetrics;
import io.github.stablelogit.ml.LogitLossEvaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Binary classification metrics of a fitted pipeline's output: size and positive rate, AUC-ROC and
 * AUC-PR (Spark's BinaryClassificationEvaluator on the margin), the weighted mean BCE, focal and
 * training loss of the margins (the library's {@link LogitLossEvaluator}), and precision, recall,
 * F1, accuracy and the confusion matrix at the model's threshold. With a weight column every sum
 * is weighted.
 */
final class Metrics {

  /** Reference losses, independent of the training loss, so models can be compared. */
  static final LogitLoss BCE = LogitLoss.bce(1.0, 0.0);
  static final double FOCAL_GAMMA = 2.0;
  static final double FOCAL_ALPHA = 0.25;
  static final LogitLoss FOCAL = LogitLoss.focal(FOCAL_GAMMA, FOCAL_ALPHA, 1.0, 0.0);

  private Metrics() {}

  /** The metrics of one dataset. */
  record Result(long rows, Double weightSum, double positiveRate, double aucRoc, double aucPr,
      double meanBce, double meanFocal, double meanTrainingLoss, String trainingLoss,
      double threshold, double tp, double fp, double tn, double fn, double brier, double ece) {

    double precision() {
      return tp / (tp + fp);
    }

    double recall() {
      return tp / (tp + fn);
    }

    double f1() {
      return 2 * tp / (2 * tp + fp + fn);
    }

    double accuracy() {
      return (tp + tn) / (tp + tn + fp + fn);
    }

    void toJson(ObjectNode n) {
      n.put("rows", rows);
      if (weightSum != null) {
        n.put("weight_sum", weightSum);
      }
      Json.putNumber(n, "positive_rate", positiveRate);
      Json.putNumber(n, "auc_roc", aucRoc);
      Json.putNumber(n, "auc_pr", aucPr);
      Json.putNumber(n, "mean_bce", meanBce);
      Json.putNumber(n, "mean_focal_loss", meanFocal);
      n.put("focal_gamma", FOCAL_GAMMA);
      n.put("focal_alpha", FOCAL_ALPHA);
      Json.putNumber(n, "mean_training_loss", meanTrainingLoss);
      n.put("training_loss", trainingLoss);
      Json.putNumber(n, "brier", brier);
      Json.putNumber(n, "ece", ece);
      Json.putNumber(n, "threshold", threshold);
      Json.putNumber(n, "precision", precision());
      Json.putNumber(n, "recall", recall());
      Json.putNumber(n, "f1", f1());
      Json.putNumber(n, "accuracy", accuracy());
      ObjectNode cm = n.putObject("confusion_matrix");
      Json.putNumber(cm, "tp", tp);
      Json.putNumber(cm, "fp", fp);
      Json.putNumber(cm, "fn", fn);
      Json.putNumber(cm, "tn", tn);
    }
  }

  /**
   * @param predictions a fitted pipeline's output: {@link Columns#LABEL}, rawPrediction, prediction
   * @param weightCol weight column, or null for all 1
   * @param trainingLoss the model's own loss, also averaged
   * @param threshold the model's threshold (only reported; prediction already applies it)
   * @return the metrics
   */
  static Result compute(Dataset<Row> predictions, String weightCol, LogitLoss trainingLoss,
      double threshold) {
    UserDefinedFunction marginOf = udf((UDF1<Vector, Double>) v -> v.apply(1),
        DataTypes.DoubleType);
    Column w = weightCol == null ? lit(1.0)
        : col(Columns.quote(weightCol)).cast(DataTypes.DoubleType);
    Dataset<Row> scored = predictions.select(
        col(Columns.LABEL).alias("y"),
        marginOf.apply(col("rawPrediction")).alias("z"),
        col("prediction").alias("p"),
        w.alias("w"),
        udf((UDF1<Vector, Double>) v -> StableMath.sigmoid(v.apply(1)), DataTypes.DoubleType)
            .apply(col("rawPrediction")).alias("q")).persist();
    try {
      Column y = col("y");
      Column wt = col("w");
      Column pos = y.equalTo(1.0);
      Column neg = y.notEqual(1.0);
      Column hit = col("p").equalTo(1.0);
      Column miss = col("p").notEqual(1.0);
      Row r = scored.agg(count(lit(1)), sum(wt), sum(wt.multiply(y)),
          sum(when(pos.and(hit), wt).otherwise(0.0)), sum(when(neg.and(hit), wt)
              .otherwise(0.0)),
          sum(when(neg.and(miss), wt).otherwise(0.0)),
          sum(when(pos.and(miss), wt).otherwise(0.0))).first();
      long rows = r.getLong(0);
      double ws = r.isNullAt(1) ? 0.0 : r.getDouble(1);
      boolean any = rows > 0 && ws > 0;
      String weight = weightCol == null ? null : "w";
      BinaryClassificationEvaluator ev = new BinaryClassificationEvaluator()
          .setLabelCol("y").setRawPredictionCol("z");
      if (weight != null) {
        ev.setWeightCol(weight);
      }
      double roc = rows == 0 ? Double.NaN : ev.setMetricName("areaUnderROC").evaluate(scored);
      double pr = rows == 0 ? Double.NaN : ev.setMetricName("areaUnderPR").evaluate(scored);
      return new Result(rows, weightCol == null ? null : ws, d(r, 2) / ws, roc, pr,
          any ? meanLoss(scored, weight, BCE) : Double.NaN,
          any ? meanLoss(scored, weight, FOCAL) : Double.NaN,
          any ? meanLoss(scored, weight, trainingLoss) : Double.NaN,
          trainingLoss.toString(), threshold, d(r, 3), d(r, 4), d(r, 5), d(r, 6),
          reliability(scored, weight, "brier", d(r, 3) + d(r, 6), d(r, 4) + d(r, 5)),
          reliability(scored, weight, "ece", d(r, 3) + d(r, 6), d(r, 4) + d(r, 5)));
    } finally {
      scored.unpersist(false);
    }
  }

  /**
   * Brier score or ECE of the probabilities ({@link LogitLossEvaluator}, equal-mass bins), NaN
   * unless both classes have weight.
   */
  private static double reliability(Dataset<Row> scored, String weight, String metric,
      double positives, double negatives) {
    if (!(positives > 0 && negatives > 0)) {
      return Double.NaN;
    }
    return new LogitLossEvaluator().setMetricName(metric).setLabelCol("y")
        .setProbabilityCol("q").setWeightCol(weight).evaluate(scored);
  }

  /**
   * The weighted mean loss of the margins, by the library's {@link LogitLossEvaluator}.
   *
   * @param scored columns y (label), z (margin) and, if weighted, w
   * @param weight "w", or null for all 1
   * @param loss the loss
   * @return Σwℓ(z, y) / Σw
   */
  static double meanLoss(Dataset<Row> scored, String weight, LogitLoss loss) {
    LogitLossEvaluator ev = new LogitLossEvaluator()
        .setMetricName(loss.isFocal() ? "focal" : "bce")
        .setLabelCol("y").setRawPredictionCol("z")
        .setPosWeight(loss.posWeight()).setLabelSmoothing(loss.labelSmoothing());
    if (loss.isFocal()) {
      ev.setFocalGamma(loss.gamma()).setFocalAlpha(loss.alpha());
    }
    if (weight != null) {
      ev.setWeightCol(weight);
    }
    try {
      return ev.evaluate(scored);
    } catch (IllegalArgumentException e) {
      throw new UsageException("cannot compute the metrics: " + Errors.oneLine(e.getMessage()), e);
    }
  }

  private static double d(Row r, int i) {
    return r.isNullAt(i) ? 0.0 : r.getDouble(i);
  }

  /**
   * A readable table, one column per dataset (e.g. train, test).
   *
   * @param columns dataset name → metrics, in display order
   * @return the table, lines separated by '\n'
   */
  static String table(Map<String, Result> columns) {
    List<String[]> rows = new ArrayList<>();
    List<String> names = new ArrayList<>(columns.keySet());
    List<Result> rs = new ArrayList<>(columns.values());
    String[] head = new String[names.size() + 1];
    head[0] = "metric";
    for (int i = 0; i < names.size(); i++) {
      head[i + 1] = names.get(i);
    }
    rows.add(head);
    row(rows, rs, "rows", r -> String.format(Locale.ROOT, "%,d", r.rows()));
    if (rs.stream().anyMatch(r -> r.weightSum() != null)) {
      row(rows, rs, "weight sum", r -> r.weightSum() == null ? "-" : num(r.weightSum(), 6));
    }
    row(rows, rs, "positive rate", r -> num(r.positiveRate(), 4));
    row(rows, rs, "AUC-ROC", r -> num(r.aucRoc(), 4));
    row(rows, rs, "AUC-PR", r -> num(r.aucPr(), 4));
    row(rows, rs, "mean BCE", r -> num(r.meanBce(), 5));
    row(rows, rs, "mean focal loss (g=2, a=0.25)", r -> num(r.meanFocal(), 5));
    row(rows, rs, "mean training loss", r -> num(r.meanTrainingLoss(), 5));
    row(rows, rs, "Brier score", r -> num(r.brier(), 5));
    row(rows, rs, "ECE (" + CalibrationMetrics.DEFAULT_BINS + " equal-mass bins)",
        r -> num(r.ece(), 5));
    row(rows, rs, "threshold", r -> num(r.threshold(), 4));
    row(rows, rs, "precision", r -> num(r.precision(), 4));
    row(rows, rs, "recall", r -> num(r.recall(), 4));
    row(rows, rs, "F1", r -> num(r.f1(), 4));
    row(rows, rs, "accuracy", r -> num(r.accuracy(), 4));
    row(rows, rs, "true positives", r -> countText(r.tp()));
    row(rows, rs, "false positives", r -> countText(r.fp()));
    row(rows, rs, "false negatives", r -> countText(r.fn()));
    row(rows, rs, "true negatives", r -> countText(r.tn()));
    int[] width = new int[head.length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < rows.size(); k++) {
      String[] r = rows.get(k);
      StringBuilder line = new StringBuilder();
      line.append(pad(r[0], width[0], false));
      for (int i = 1; i < r.length; i++) {
        line.append("  ").append(pad(r[i], width[i], true));
      }
      sb.append(line.toString().stripTrailing()).append('\n');
      if (k == 0) {
        int total = line.length();
        sb.append("-".repeat(total)).append('\n');
      }
    }
    return sb.toString();
  }

  private static void row(List<String[]> rows, List<Result> rs, String name,
      Function<Result, String> f) {
    String[] r = new String[rs.size() + 1];
    r[0] = name;
    for (int i = 0; i < rs.size(); i++) {
      r[i + 1] = f.apply(rs.get(i));
    }
    rows.add(r);
  }

  private static String num(double v, int digits) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + digits + "f", v);
  }

  private static String countText(double v) {
    return v == Math.rint(v) ? String.format(Locale.ROOT, "%,d", (long) v)
        : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String pad(String s, int w, boolean right) {
    String fill = " ".repeat(Math.max(0, w - s.length()));
    return right ? fill + s : s + fill;
  }
}
