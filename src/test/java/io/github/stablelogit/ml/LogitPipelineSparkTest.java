package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
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

/** The classifier inside Spark's ML plumbing: Pipeline, evaluators, CrossValidator, persistence. */
class LogitPipelineSparkTest {

  /** Training-set AUC on breast cancer any reasonable linear model exceeds. */
  static final double MIN_TRAIN_AUC = 0.95;
  static final int CV_FOLDS = 2;
  static final long CV_SEED = 11L;

  private static SparkSession spark;
  private static Dataset<Row> raw;
  private static Dataset<Row> cancer;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitPipelineSparkTest");
    raw = SparkTestSupport.breastCancerRaw(spark).cache();
    cancer = SparkTestSupport.breastCancer(spark).cache();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void pipelineFitsSavesLoadsAndPredictsIdentically() throws IOException {
    VectorAssembler assembler = new VectorAssembler()
        .setInputCols(SparkTestSupport.breastCancerFeatureNames(spark)).setOutputCol("features");
    LogitClassifier clf = new LogitClassifier().setLoss("focal").setPosWeight(3.0)
        .setRegParam(1e-3).setMaxIter(200);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {assembler, clf});
    PipelineModel fitted = pipeline.fit(raw);
    LogitClassificationModel stage = (LogitClassificationModel) fitted.stages()[1];
    assertEquals("focal", stage.getLoss());
    assertEquals(3.0, stage.getPosWeight());

    String path = dir.resolve("pipeline-model").toString();
    fitted.write().overwrite().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    LogitClassificationModel loadedStage =
        assertInstanceOf(LogitClassificationModel.class, loaded.stages()[1]);
    assertArrayEquals(stage.coefficients().toArray(), loadedStage.coefficients().toArray(), 0.0);
    assertEquals(stage.intercept(), loadedStage.intercept(), 0.0);
    assertEquals(1e-3, loadedStage.getRegParam());
    assertEquals(LogitPersistenceSparkTest.collectOutputs(fitted.transform(raw)),
        LogitPersistenceSparkTest.collectOutputs(loaded.transform(raw)));

    // The unfitted pipeline round-trips too, with the estimator's params.
    String pipelinePath = dir.resolve("pipeline").toString();
    pipeline.write().save(pipelinePath);
    LogitClassifier loadedClf =
        assertInstanceOf(LogitClassifier.class, Pipeline.load(pipelinePath).getStages()[1]);
    assertEquals(clf.uid(), loadedClf.uid());
    assertEquals(3.0, loadedClf.getPosWeight());
    assertEquals("focal", loadedClf.getLoss());
    assertEquals(200, loadedClf.getMaxIter());
  }

  @Test
  void binaryClassificationEvaluatorReadsTheModelOutput() {
    LogitClassificationModel model = new LogitClassifier().setRegParam(0.01).fit(cancer);
    Dataset<Row> scored = model.transform(cancer);
    double auc = new BinaryClassificationEvaluator().evaluate(scored);
    double aucFromProbability = new BinaryClassificationEvaluator()
        .setRawPredictionCol("probability").evaluate(scored);
    System.out.printf(Locale.ROOT, "[numbers] breast cancer training AUC %.5f%n", auc);
    assertTrue(auc > MIN_TRAIN_AUC, "AUC " + auc);
    assertTrue(auc <= 1.0);
    // probability = σ(rawPrediction): the same ranking, so the same AUC.
    assertEquals(auc, aucFromProbability, 1e-12);
  }

  @Test
  void crossValidatorTunesFocalParamsAndItsModelRoundTrips() throws IOException {
    LogitClassifier clf = new LogitClassifier().setLoss("focal").setRegParam(1e-3)
        .setMaxIter(50);
    ParamMap[] grid = new ParamGridBuilder()
        .addGrid(clf.focalGamma(), new double[] {0.0, 2.0})
        .addGrid(clf.posWeight(), new double[] {1.0, 3.0})
        .build();
    assertEquals(4, grid.length);
    CrossValidator cv = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid)
        .setEvaluator(new BinaryClassificationEvaluator()).setNumFolds(CV_FOLDS).setSeed(CV_SEED);
    CrossValidatorModel cvModel = cv.fit(cancer);
    double[] metrics = cvModel.avgMetrics();
    System.out.println("[numbers] CrossValidator avg AUC per grid point: "
        + Arrays.toString(metrics));
    assertEquals(grid.length, metrics.length);
    for (double m : metrics) {
      assertTrue(m > 0.9 && m <= 1.0, "AUC " + m);
    }
    assertTrue(Arrays.stream(metrics).distinct().count() > 1,
        "every grid point gave the same AUC: the grid params did not reach the fits");
    int best = 0;
    for (int i = 1; i < metrics.length; i++) {
      if (metrics[i] > metrics[best]) {
        best = i;
      }
    }
    LogitClassificationModel bestModel =
        assertInstanceOf(LogitClassificationModel.class, cvModel.bestModel());
    assertEquals((Double) grid[best].apply(clf.focalGamma()), bestModel.getFocalGamma());
    assertEquals((Double) grid[best].apply(clf.posWeight()), bestModel.getPosWeight());
    assertEquals("focal", bestModel.getLoss());

    String path = dir.resolve("cv-model").toString();
    cvModel.write().save(path);
    CrossValidatorModel loaded = CrossValidatorModel.load(path);
    assertArrayEquals(metrics, loaded.avgMetrics(), 0.0);
    LogitClassificationModel loadedBest =
        assertInstanceOf(LogitClassificationModel.class, loaded.bestModel());
    assertArrayEquals(bestModel.coefficients().toArray(), loadedBest.coefficients().toArray(),
        0.0);
    assertEquals(LogitPersistenceSparkTest.collectOutputs(cvModel.transform(cancer)),
        LogitPersistenceSparkTest.collectOutputs(loaded.transform(cancer)));
    assertInstanceOf(LogitClassifier.class, loaded.getEstimator());
  }
}
