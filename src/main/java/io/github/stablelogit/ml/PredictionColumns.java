package io.github.stablelogit.ml;

import static io.github.stablelogit.ml.SchemaChecks.col;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import io.github.stablelogit.loss.StableMath;
import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The output columns every model of this library adds, from its logit z, written once:
 * rawPrediction = [−z, z], probability = [σ(−z), σ(z)] (each without cancellation), prediction = 1
 * when σ(z) &gt; threshold, and the per-row loss column when the label is present; a column whose
 * name is "" is not produced. Null and wrongly sized feature vectors fail with the column named.
 */
final class PredictionColumns {

  private PredictionColumns() {}

  /** The logit of one feature vector (already checked: not null, the right size). */
  @FunctionalInterface
  interface Logit extends Serializable {
    double of(Vector features);
  }

  /**
   * Weighted threshold metrics of a model on labeled data, from its probability column alone.
   *
   * @param scorer a copy of the model, whose output columns this changes
   */
  static <M extends org.apache.spark.ml.Model<M> & ClassifierParams<M>> LogitThresholdMetrics
      thresholdMetrics(M scorer, Dataset<?> data, int numBins) {
    scorer.setPredictionCol("").setRawPredictionCol("").setLossCol("")
        .setProbabilityCol("_threshold_probability");
    return LogitThresholdMetrics.of(scorer.transform(data), "_threshold_probability",
        scorer.getLabelCol(), scorer.getWeightCol(), numBins);
  }

  /**
   * Brier score, ECE and reliability curve of a model's probabilities on labeled data, with
   * {@link CalibrationMetrics#DEFAULT_BINS} equal-mass bins.
   *
   * @param scorer a copy of the model, whose output columns this changes
   */
  static <M extends org.apache.spark.ml.Model<M> & ClassifierParams<M>> CalibrationMetrics
      calibrationMetrics(M scorer, Dataset<?> data) {
    scorer.setPredictionCol("").setRawPredictionCol("").setLossCol("")
        .setProbabilityCol("_calibration_probability");
    return CalibrationMetrics.of(scorer.transform(data), "_calibration_probability",
        scorer.getLabelCol(), scorer.getWeightCol(), CalibrationMetrics.DEFAULT_BINS);
  }

  /** @return the output schema of a model with these params on {@code schema} */
  static StructType schema(ClassifierParams<?> p, StructType schema) {
    SchemaChecks.requireVector(schema, p.getFeaturesCol(), "featuresCol");
    StructType out = SchemaChecks.appendPredictionColumns(schema, p);
    if (producesLoss(p, schema)) {
      out = SchemaChecks.append(out, p.getLossCol(), DataTypes.DoubleType);
    }
    return out;
  }

  private static boolean producesLoss(ClassifierParams<?> p, StructType schema) {
    if (p.getLossCol().isEmpty()
        || !java.util.Arrays.asList(schema.fieldNames()).contains(p.getLabelCol())) {
      return false;
    }
    SchemaChecks.requireNumeric(schema, p.getLabelCol(), "labelCol");
    return true;
  }

  /**
   * @param p the model's params
   * @param uid the model's uid (names the temporary logit column)
   * @param dataset input rows
   * @param d the model's number of features
   * @param logit the model's logit
   * @return the rows with the output columns
   */
  static Dataset<Row> transform(ClassifierParams<?> p, String uid, Dataset<?> dataset, int d,
      Logit logit) {
    final String featuresCol = p.getFeaturesCol();
    UserDefinedFunction marginUdf = udf((UDF1<Vector, Double>) v -> {
      if (v == null) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "featuresCol '%s' is null "
            + "in a row of partition %d; drop those rows (e.g. dataset.na().drop(new String[] "
            + "{\"%s\"})) or impute the features before transform.", featuresCol,
            org.apache.spark.TaskContext.getPartitionId(), featuresCol));
      }
      LogitClassificationModel.checkSize(v.size(), d, featuresCol);
      return logit.of(v);
    }, DataTypes.DoubleType);
    String tmp = "_logit_margin_" + uid;
    Dataset<Row> out = dataset.toDF().withColumn(tmp, marginUdf.apply(col(featuresCol)));
    Column z = col(tmp);
    if (!p.getRawPredictionCol().isEmpty()) {
      UserDefinedFunction raw = udf((UDF1<Double, Vector>) m -> Vectors.dense(-m, m),
          new VectorUDT());
      out = out.withColumn(p.getRawPredictionCol(), raw.apply(z));
    }
    if (!p.getProbabilityCol().isEmpty()) {
      UserDefinedFunction prob = udf((UDF1<Double, Vector>) m ->
          Vectors.dense(StableMath.sigmoid(-m), StableMath.sigmoid(m)), new VectorUDT());
      out = out.withColumn(p.getProbabilityCol(), prob.apply(z));
    }
    if (!p.getPredictionCol().isEmpty()) {
      out = out.withColumn(p.getPredictionCol(),
          when(z.gt(LogitClassificationModel.rawThreshold(p.getThreshold())), 1.0)
              .otherwise(0.0));
    }
    if (producesLoss(p, dataset.schema())) {
      final io.github.stablelogit.loss.LogitLoss loss = p.logitLoss();
      final String labelCol = p.getLabelCol();
      UserDefinedFunction rowLoss = udf((org.apache.spark.sql.api.java.UDF2<Double, Double, Double>)
          (m, y) -> {
            if (y == null || !(y >= 0 && y <= 1)) {
              throw new IllegalArgumentException("labelCol '" + labelCol + "' must be in [0, 1] "
                  + "to compute the loss, but is " + y);
            }
            return loss.value(m, y);
          }, DataTypes.DoubleType);
      out = out.withColumn(p.getLossCol(),
          rowLoss.apply(z, col(labelCol).cast(DataTypes.DoubleType)));
    }
    return out.drop(tmp);
  }
}
