package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Column names are taken literally: "label.y" is one column, as in data read from CSV headers such
 * as bank marketing's "emp.var.rate", not field "y" of a struct "label". Every column param of the
 * estimator, the model, the loss evaluator and the threshold metrics is exercised with such names,
 * and the results must equal those with plain names.
 */
class ColumnNamesSparkTest {

  private static SparkSession spark;
  /** label, weight, features, isVal — plain names. */
  private static Dataset<Row> plain;
  /** The same rows with dotted (and one back-ticked) names. */
  private static Dataset<Row> dotted;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("column-names");
    plain = SparkTestSupport.breastCancer(spark)
        .withColumn("weight", lit(0.5).plus(rand(7L)))
        .withColumn("isVal", rand(11L).lt(0.2))
        .repartition(3).cache();
    plain.count();
    dotted = plain.select(col("label").as("label.y"), col("weight").as("w.`odd`"),
        col("features").as("x.features"), col("isVal").as("is.val"));
  }

  @AfterAll
  static void stop() {
    plain.unpersist();
    spark.stop();
  }

  private static LogitClassifier classifier() {
    return new LogitClassifier().setRegParam(0.01).setPosWeight(2.0).setEarlyStoppingRounds(5);
  }

  @Test
  void fitTransformEvaluateWithDottedNames() {
    LogitClassificationModel a = classifier().setWeightCol("weight")
        .setValidationIndicatorCol("isVal").fit(plain);
    LogitClassificationModel b = classifier().setFeaturesCol("x.features").setLabelCol("label.y")
        .setWeightCol("w.`odd`").setValidationIndicatorCol("is.val").fit(dotted);
    assertArrayEquals(a.coefficients().toArray(), b.coefficients().toArray(), 0.0);
    assertEquals(a.intercept(), b.intercept(), 0.0);
    assertEquals(a.summary().validationLossHistory().length,
        b.summary().validationLossHistory().length);

    a.setLossCol("loss");
    b.setRawPredictionCol("raw.z").setProbabilityCol("p.prob").setPredictionCol("pred.y")
        .setLossCol("row.loss");
    List<Row> ra = a.transform(plain).select("rawPrediction", "probability", "prediction", "loss")
        .collectAsList();
    Dataset<Row> scored = b.transform(dotted);
    List<Row> rb = scored.select(col("`raw.z`"), col("`p.prob`"), col("`pred.y`"),
        col("`row.loss`")).collectAsList();
    assertEquals(ra.size(), rb.size());
    for (int i = 0; i < ra.size(); i++) {
      assertArrayEquals(((Vector) ra.get(i).get(1)).toArray(),
          ((Vector) rb.get(i).get(1)).toArray(), 0.0);
      assertEquals(ra.get(i).getDouble(2), rb.get(i).getDouble(2), 0.0);
      assertEquals(ra.get(i).getDouble(3), rb.get(i).getDouble(3), 0.0);
    }

    LogitLossEvaluator evA = new LogitLossEvaluator().setWeightCol("weight").setPosWeight(2.0);
    LogitLossEvaluator evB = new LogitLossEvaluator().setLabelCol("label.y")
        .setWeightCol("w.`odd`").setRawPredictionCol("raw.z").setPosWeight(2.0);
    double la = evA.evaluate(a.transform(plain));
    double lb = evB.evaluate(scored);
    assertTrue(Double.isFinite(la) && la > 0, "loss " + la);
    assertEquals(la, lb, 0.0);
    evB.setInput("probability").setProbabilityCol("p.prob");
    assertEquals(evA.setInput("probability").evaluate(a.transform(plain)), evB.evaluate(scored),
        1e-12);

    LogitThresholdMetrics ma = a.thresholdMetrics(plain);
    LogitThresholdMetrics mb = b.thresholdMetrics(dotted);
    assertEquals(ma.bestThreshold("f1"), mb.bestThreshold("f1"), 0.0);
    // the area is summed over a shuffle, whose order may differ between two runs: rounding only
    assertEquals(ma.areaUnderROC(), mb.areaUnderROC(), 1e-12);
  }
}
