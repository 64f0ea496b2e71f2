package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LogitClassifierCV's posWeights grid (each point's fold-models fitted with that posWeight, the
 * refit at the selected one, saved and loaded), and the exact held-out areas under curves
 * against Spark's BinaryClassificationEvaluator.
 */
class LogitClassifierCVGridSparkTest {

  private static SparkSession spark;
  private static Dataset<Row> cancer;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitClassifierCVGridSparkTest");
    Dataset<Row> raw = SparkTestSupport.breastCancer(spark);
    cancer = raw.withColumn("fold", RowHash.fold(raw.schema(), 3L, 3)).cache();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void posWeightsAreAGridDimensionSelectedRefittedAndSaved() throws Exception {
    double[] pws = {0.5, 4.0};
    LogitClassifierCV cv = new LogitClassifierCV().setFoldCol("fold").setNumFolds(3)
        .setRegParams(0.1, 1e-2).setElasticNetParams(0.0, 0.5).setPosWeights(pws)
        .setMetric("areaUnderPR").setTol(1e-9);
    LogitClassifierCVModel m = cv.fit(cancer);
    assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5, 4.0, 4.0, 4.0, 4.0},
        m.pathPosWeights(), 0.0);
    assertArrayEquals(new double[] {0, 0, 0.5, 0.5, 0, 0, 0.5, 0.5},
        m.pathElasticNetParams(), 0.0);
    int best = m.bestIndex();
    double pw = m.pathPosWeights()[best];
    assertEquals(pw, m.bestModel().getPosWeight());
    double selected = m.bestParams().toList().stream().filter(p -> p.param().name()
        .equals("posWeight")).map(ParamPair::value).map(Double.class::cast).findFirst()
        .orElseThrow();
    assertEquals(pw, selected);
    // The models on all rows with posWeight 4 and 0.5 differ.
    double[] low = m.pathCoefficients()[0];
    double[] high = m.pathCoefficients()[4];
    assertTrue(Math.abs(high[0] - low[0]) > 1e-6 * Math.abs(low[0]), high[0] + " " + low[0]);
    // The refit is the plain fit at the selected params.
    LogitClassificationModel plain = new LogitClassifier().setTol(1e-9).setPosWeight(pw)
        .setRegParam(m.pathRegParams()[best]).setElasticNetParam(m.pathElasticNetParams()[best])
        .fit(cancer);
    assertArrayEquals(plain.coefficients().toArray(), m.bestModel().coefficients().toArray(),
        1e-5);
    String path = dir.resolve("cv").toString();
    m.write().save(path);
    LogitClassifierCVModel loaded = LogitClassifierCVModel.load(path);
    assertArrayEquals(m.pathPosWeights(), loaded.pathPosWeights(), 0.0);
    assertEquals(m.bestParams().toString(), loaded.bestParams().toString());

    IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
        () -> cv.copy(new org.apache.spark.ml.param.ParamMap()).setAutoPosWeight(true)
            .fit(cancer));
    assertTrue(both.getMessage().contains("autoPosWeight"), both.getMessage());
    assertThrows(IllegalArgumentException.class, () -> cv.setPosWeights(1.0, 0.0));
  }

  @Test
  void exactAreasAreSparksWithTiesAndWeights() {
    SplittableRandom rnd = new SplittableRandom(3);
    int n = 400;
    double[] s = new double[n];
    double[] y = new double[n];
    double[] w = new double[n];
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      s[i] = rnd.nextInt(40) / 4.0 - 5;
      y[i] = rnd.nextDouble() < 1 / (1 + Math.exp(-s[i])) ? 1.0 : 0.0;
      w[i] = rnd.nextInt(4) == 0 ? 0.25 : 1 + rnd.nextInt(3);
      rows.add(RowFactory.create(Vectors.dense(-s[i], s[i]), y[i], w[i]));
    }
    StructType schema = new StructType().add("raw", new org.apache.spark.ml.linalg.VectorUDT())
        .add("label", DataTypes.DoubleType).add("w", DataTypes.DoubleType);
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    for (String metric : new String[] {"areaUnderROC", "areaUnderPR"}) {
      double spark = new BinaryClassificationEvaluator().setMetricName(metric)
          .setRawPredictionCol("raw").setWeightCol("w").evaluate(df);
      double ours = HeldOutMetrics.area(s, y, w, "areaUnderROC".equals(metric));
      assertEquals(spark, ours, 1e-12, metric);
    }
  }
}
