package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LogitClassifierCV against Spark's CrossValidator, λ_max, fold determinism and bad input. */
class LogitClassifierCVSparkTest {

  static final double[] GRID = {1e-3, 0.1, 1e-2};
  static final int FOLDS = 3;

  private static SparkSession spark;
  /** Breast cancer with an integer column "fold" in [0, 3). */
  private static Dataset<Row> cancer;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitClassifierCVSparkTest");
    Dataset<Row> raw = SparkTestSupport.breastCancer(spark);
    cancer = raw.withColumn("fold", RowHash.fold(raw.schema(), 3L, FOLDS)).cache();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static LogitClassifier tight(LogitClassifier c) {
    return c.setTol(1e-11).setMaxIter(2000);
  }

  private static LogitClassifierCV cv() {
    LogitClassifierCV cv = new LogitClassifierCV().setTol(1e-11).setMaxIter(2000);
    return cv.setFoldCol("fold").setNumFolds(FOLDS).setRegParams(GRID);
  }

  /** CrossValidator over LogitClassifier with the same folds and grid: avgMetrics by regParam. */
  private static Map<Double, Double> crossValidator(Evaluator evaluator) {
    LogitClassifier clf = tight(new LogitClassifier());
    ParamMap[] grid = new ParamGridBuilder().addGrid(clf.regParam(), GRID).build();
    CrossValidatorModel m = new CrossValidator().setEstimator((Estimator<?>) clf)
        .setEstimatorParamMaps(grid).setEvaluator(evaluator).setNumFolds(FOLDS)
        .setFoldCol("fold").fit(cancer);
    double[] avg = m.avgMetrics();
    return java.util.stream.IntStream.range(0, grid.length).boxed().collect(Collectors.toMap(
        i -> (Double) grid[i].apply(clf.regParam()), i -> avg[i]));
  }

  private static void assertSameAsCrossValidator(LogitClassifierCVModel model,
      Map<Double, Double> expected, boolean largerIsBetter) {
    double[] lambdas = model.pathRegParams();
    double[] avg = model.avgMetrics();
    assertEquals(GRID.length, lambdas.length);
    for (int p = 0; p < lambdas.length; p++) {
      assertEquals(expected.get(lambdas[p]), avg[p], 1e-6, "regParam " + lambdas[p]);
    }
    double best = expected.entrySet().stream().sorted((a, b) -> largerIsBetter
        ? Double.compare(b.getValue(), a.getValue()) : Double.compare(a.getValue(), b.getValue()))
        .findFirst().orElseThrow().getKey();
    assertEquals(best, model.bestModel().getRegParam());
    assertEquals(best, model.bestParams().toList().stream()
        .filter(pp -> pp.param().name().equals("regParam")).findFirst().orElseThrow().value());
    LogitClassificationModel plain = tight(new LogitClassifier()).setRegParam(best).fit(cancer);
    assertArrayEquals(plain.coefficients().toArray(), model.bestModel().coefficients().toArray(),
        1e-6);
    assertEquals(plain.intercept(), model.bestModel().intercept(), 1e-6);
  }

  @Test
  void lossMetricEqualsCrossValidatorWithTheSameFoldsAndGrid() {
    LogitClassifierCVModel model = cv().fit(cancer);
    assertSameAsCrossValidator(model, crossValidator(new LogitLossEvaluator()), false);
    // Descending path; the fold-models and the model on all rows all converged.
    assertArrayEquals(new double[] {0.1, 1e-2, 1e-3}, model.pathRegParams(), 0.0);
    assertEquals(FOLDS, model.foldMetrics()[0].length);
    assertEquals(31, model.pathCoefficients()[0].length);
    assertTrue(model.pathTable().contains("loss (mean ± sd)"), model.pathTable());
  }

  @Test
  void areaUnderRocEqualsCrossValidatorWithTheSameFoldsAndGrid() {
    LogitClassifierCVModel model = cv().setMetric("areaUnderROC").fit(cancer);
    assertSameAsCrossValidator(model,
        crossValidator(new BinaryClassificationEvaluator().setMetricName("areaUnderROC")), true);
  }

  @Test
  void atLambdaMaxEveryPenalizedCoefficientIsZeroWithL1AndJustBelowItNot() {
    LogitClassifierCVModel model = new LogitClassifierCV().setElasticNetParams(1.0)
        .setNumRegParams(3).setNumFolds(FOLDS).fit(cancer.drop("fold"));
    double lambdaMax = model.pathRegParams()[0];
    assertTrue(lambdaMax > 0);
    double[] atMax = model.pathCoefficients()[0];
    for (int j = 0; j < atMax.length - 1; j++) {
      assertEquals(0.0, atMax[j], 0.0, "coefficient " + j + " on the path at lambda_max");
    }
    assertEquals(0, model.pathNumNonZeros()[0]);
    LogitClassifier l1 = new LogitClassifier().setElasticNetParam(1.0);
    double[] plainAtMax = l1.setRegParam(lambdaMax).fit(cancer).coefficients().toArray();
    assertEquals(0, Arrays.stream(plainAtMax).filter(v -> v != 0.0).count(),
        Arrays.toString(plainAtMax));
    double[] below = l1.setRegParam(0.98 * lambdaMax).fit(cancer).coefficients().toArray();
    assertTrue(Arrays.stream(below).anyMatch(v -> v != 0.0), "below lambda_max: all zero");
    // The path is log-spaced from lambda_max down to 1e-3 of it (rows > features).
    assertEquals(1e-3 * lambdaMax, model.pathRegParams()[2], 1e-12 * lambdaMax);
  }

  @Test
  void foldsDoNotDependOnPartitioningAndRefitsAreBitIdentical() {
    Dataset<Row> data = cancer.drop("fold");
    LogitClassifierCV cv = new LogitClassifierCV().setRegParams(0.1, 1e-3).setNumFolds(FOLDS)
        .setSeed(5L);
    double[] reference = null;
    for (int partitions : new int[] {1, 3, 8}) {
      Dataset<Row> parts = data.repartition(partitions);
      List<String> folds = parts.withColumn("f", RowHash.fold(data.schema(), 5L, FOLDS))
          .select(col("features").cast("string"), col("label"), col("f")).collectAsList()
          .stream().map(Row::toString).sorted().collect(Collectors.toList());
      List<String> single = data.coalesce(1)
          .withColumn("f", RowHash.fold(data.schema(), 5L, FOLDS))
          .select(col("features").cast("string"), col("label"), col("f")).collectAsList()
          .stream().map(Row::toString).sorted().collect(Collectors.toList());
      assertEquals(single, folds, partitions + " partitions");
      LogitClassifierCVModel a = cv.fit(parts);
      LogitClassifierCVModel b = cv.fit(parts);
      assertArrayEquals(a.bestModel().coefficients().toArray(),
          b.bestModel().coefficients().toArray(), 0.0);
      assertEquals(a.bestModel().intercept(), b.bestModel().intercept(), 0.0);
      assertArrayEquals(a.avgMetrics(), b.avgMetrics(), 0.0);
      if (reference == null) {
        reference = a.avgMetrics();
      } else {
        assertArrayEquals(reference, a.avgMetrics(), 1e-9, partitions + " partitions");
      }
    }
  }

  @Test
  void oneStandardErrorPicksTheLargestRegParamWithinOneStandardErrorOfTheBest() {
    LogitClassifierCVModel m = cv().setSelectionRule("oneStandardError").fit(cancer);
    double[] avg = m.avgMetrics();
    double[] sd = m.stdMetrics();
    double[] lambdas = m.pathRegParams();
    int best = 0;
    for (int p = 1; p < avg.length; p++) {
      best = avg[p] < avg[best] ? p : best;
    }
    double bound = avg[best] + sd[best] / Math.sqrt(FOLDS);
    double expected = lambdas[best];
    for (int p = 0; p < avg.length; p++) {
      if (avg[p] <= bound) {
        expected = Math.max(expected, lambdas[p]);
      }
    }
    assertEquals(expected, m.bestModel().getRegParam());
  }

  @Test
  void savesAndLoadsAloneAndInsideAPipeline() throws Exception {
    LogitClassifierCV cv = cv();
    LogitClassifierCVModel m = cv.fit(cancer);
    String path = dir.resolve("cv-model").toString();
    m.write().save(path);
    LogitClassifierCVModel loaded = LogitClassifierCVModel.load(path);
    assertArrayEquals(m.avgMetrics(), loaded.avgMetrics(), 0.0);
    assertArrayEquals(m.pathRegParams(), loaded.pathRegParams(), 0.0);
    assertEquals(m.bestIndex(), loaded.bestIndex());
    assertArrayEquals(m.pathIterations()[1], loaded.pathIterations()[1]);
    assertEquals("fold", loaded.getFoldCol());
    assertArrayEquals(m.bestModel().coefficients().toArray(),
        loaded.bestModel().coefficients().toArray(), 0.0);
    assertEquals(m.transform(cancer).select("probability").collectAsList(),
        loaded.transform(cancer).select("probability").collectAsList());

    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {cv}).fit(cancer);
    String pp = dir.resolve("pipeline").toString();
    pm.write().save(pp);
    LogitClassifierCVModel stage =
        assertInstanceOf(LogitClassifierCVModel.class, PipelineModel.load(pp).stages()[0]);
    assertArrayEquals(m.avgMetrics(), stage.avgMetrics(), 0.0);

    String ep = dir.resolve("estimator").toString();
    cv.write().save(ep);
    LogitClassifierCV again = LogitClassifierCV.load(ep);
    assertArrayEquals(GRID, again.getRegParams(), 0.0);
  }

  @Test
  void badInputIsRefusedWithClearErrors() {
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
        () -> cv().fit(cancer.withColumn("fold", lit(1))));
    assertTrue(one.getMessage().contains("foldCol 'fold' has a single value"), one.getMessage());

    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
        () -> cv().setNumFolds(2).fit(cancer));
    assertTrue(range.getMessage().contains("[0, numFolds = 2)"), range.getMessage());
    IllegalArgumentException nulls = assertThrows(IllegalArgumentException.class,
        () -> cv().fit(cancer.withColumn("fold", when(col("fold").equalTo(2), lit(null))
            .otherwise(col("fold")))));
    assertTrue(nulls.getMessage().contains("foldCol 'fold' must hold fold ids")
        && nulls.getMessage().contains("the fold id is null"), nulls.getMessage());

    Dataset<Row> four = cancer.drop("fold").filter(col("label").equalTo(1.0)).limit(2)
        .union(cancer.drop("fold").filter(col("label").equalTo(0.0)).limit(2));
    IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
        () -> new LogitClassifierCV().setNumFolds(5).fit(four));
    assertTrue(few.getMessage().contains("4 rows and 5 folds"), few.getMessage());

    Dataset<Row> onlyPositive = cancer.withColumn("label",
        when(col("fold").equalTo(0), lit(1.0)).otherwise(col("label")));
    IllegalArgumentException single = assertThrows(IllegalArgumentException.class,
        () -> cv().fit(onlyPositive));
    assertTrue(single.getMessage().contains("fold 0 of the rows in foldCol 'fold'")
        && single.getMessage().contains("both classes"), single.getMessage());

    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> cv().setRegParams());
    assertTrue(empty.getMessage().startsWith("regParams must be a non-empty array"),
        empty.getMessage());
    assertThrows(IllegalArgumentException.class, () -> cv().setElasticNetParams());
    assertThrows(IllegalArgumentException.class, () -> cv().setElasticNetParams(1.5));

    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> cv().fit(cancer.withColumn("fold", col("fold").cast("double"))));
    assertTrue(type.getMessage().contains("must be an integer column"), type.getMessage());
  }
}
