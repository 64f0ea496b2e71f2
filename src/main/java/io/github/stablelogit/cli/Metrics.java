package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.loss.LogitLoss;
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
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;

/**
 * Binary classification metrics of a fitted pipeline's output: size and positive rate, AUC-ROC and
 * AUC-PR (Spark's BinaryClassificationEvaluator on the margin), the weighted mean BCE and focal loss
 * of the margins (computed with {@link LogitLoss}), and precision, recall, F1, accuracy and the
 * confusion matrix at the model's threshold. With a weight column every sum is weighted.
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
      double threshold, double tp, double fp, double tn, double fn) {

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
      put(n, "positive_rate", positiveRate);
      put(n, "auc_roc", aucRoc);
      put(n, "auc_pr", aucPr);
      put(n, "mean_bce", meanBce);
      put(n, "mean_focal_loss", meanFocal);
      n.put("focal_gamma", FOCAL_GAMMA);
      n.put("focal_alpha", FOCAL_ALPHA);
      put(n, "mean_training_loss", meanTrainingLoss);
      n.put("training_loss", trainingLoss);
      put(n, "threshold", threshold);
      put(n, "precision", precision());
      put(n, "recall", recall());
      put(n, "f1", f1());
      put(n, "accuracy", accuracy());
      ObjectNode cm = n.putObject("confusion_matrix");
      put(cm, "tp", tp);
      put(cm, "fp", fp);
      put(cm, "fn", fn);
      put(cm, "tn", tn);
    }
  }

  /** Puts a double as a double (null when not finite). */
  static void putDouble(ObjectNode n, String key, double v) {
    if (Double.isFinite(v)) {
      n.put(key, v);
    } else {
      n.putNull(key);
    }
  }

  /** Puts a number, as an integer when it is one, and null for NaN. */
  static void put(ObjectNode n, String key, double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      n.putNull(key);
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      n.put(key, (long) v);
    } else {
      n.put(key, v);
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
        w.alias("w")).persist();
    try {
      UserDefinedFunction bce = lossUdf(BCE);
      UserDefinedFunction focal = lossUdf(FOCAL);
      UserDefinedFunction own = lossUdf(trainingLoss);
      Column y = col("y");
      Column z = col("z");
      Column p = col("p");
      Column wt = col("w");
      Column pos = y.equalTo(1.0);
      Column neg = y.notEqual(1.0);
      Column hit = p.equalTo(1.0);
      Column miss = p.notEqual(1.0);
      Row r = scored.agg(count(lit(1)), sum(wt), sum(wt.multiply(y)),
          sum(wt.multiply(bce.apply(z, y))), sum(wt.multiply(focal.apply(z, y))),
          sum(wt.multiply(own.apply(z, y))),
          sum(when(pos.and(hit), wt).otherwise(0.0)), sum(when(neg.and(hit), wt)
              .otherwise(0.0)),
          sum(when(neg.and(miss), wt).otherwise(0.0)),
          sum(when(pos.and(miss), wt).otherwise(0.0))).first();
      long rows = r.getLong(0);
      double ws = r.isNullAt(1) ? 0.0 : r.getDouble(1);
      BinaryClassificationEvaluator ev = new BinaryClassificationEvaluator()
          .setLabelCol("y").setRawPredictionCol("z");
      if (weightCol != null) {
        ev.setWeightCol("w");
      }
      double roc = rows == 0 ? Double.NaN : ev.setMetricName("areaUnderROC").evaluate(scored);
      double pr = rows == 0 ? Double.NaN : ev.setMetricName("areaUnderPR").evaluate(scored);
      return new Result(rows, weightCol == null ? null : ws, d(r, 2) / ws, roc, pr,
          d(r, 3) / ws, d(r, 4) / ws, d(r, 5) / ws, trainingLoss.toString(), threshold, d(r, 6),
          d(r, 7), d(r, 8), d(r, 9));
    } finally {
      scored.unpersist(false);
    }
  }

  private static double d(Row r, int i) {
    return r.isNullAt(i) ? 0.0 : r.getDouble(i);
  }

  private static UserDefinedFunction lossUdf(LogitLoss loss) {
    return udf((UDF2<Double, Double, Double>) (z, y) -> loss.value(z, y), DataTypes.DoubleType);
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
