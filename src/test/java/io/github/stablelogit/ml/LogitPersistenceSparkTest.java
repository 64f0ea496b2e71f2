package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving and loading the estimator and the model on their own. */
class LogitPersistenceSparkTest {

  private static SparkSession spark;
  private static Dataset<Row> cancer;
  private static LogitClassificationModel model;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitPersistenceSparkTest");
    cancer = SparkTestSupport.breastCancer(spark).cache();
    model = new LogitClassifier().setLoss("focal").setPosWeight(2.0).setRegParam(0.01)
        .setThreshold(0.4).setMaxIter(20).fit(cancer);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** An estimator with every param set to a value other than its default. */
  static LogitClassifier everyParamChanged() {
    return new LogitClassifier()
        .setFeaturesCol("f").setLabelCol("l").setWeightCol("w").setPredictionCol("p")
        .setRawPredictionCol("r").setProbabilityCol("prob").setThreshold(0.3).setMaxIter(7)
        .setTol(1e-4).setRegParam(0.2).setElasticNetParam(0.3).setFitIntercept(false)
        .setStandardization(false).setAggregationDepth(3).setMaxBlockSizeInMB(2.5)
        .setLoss("focal").setPosWeight(2.5).setFocalGamma(1.5).setFocalAlpha(-1.0)
        .setLabelSmoothing(0.05).setAutoPosWeight(true).setCorrectProbabilities(true)
        .setValidationIndicatorCol("isVal").setEarlyStoppingRounds(4).setLossCol("rowLoss")
        .setPrecision("float").setSolver("newton").setCalibration("isotonic");
  }

  @Test
  void estimatorKeepsEveryParamThroughSaveAndLoad() throws IOException {
    LogitClassifier clf = everyParamChanged();
    LogitClassifier defaults = new LogitClassifier();
    for (Param<?> p : clf.params()) {
      assertTrue(clf.isSet(p), p.name() + " is not set by the fixture");
      if (defaults.hasDefault(defaults.getParam(p.name()))) {
        assertNotEquals(defaults.getOrDefault(defaults.getParam(p.name())), clf.getOrDefault(p),
            p.name() + " must differ from its default for this test to see it");
      }
    }
    String path = dir.resolve("estimator").toString();
    clf.write().save(path);
    LogitClassifier loaded = LogitClassifier.load(path);
    assertSame(LogitClassifier.class, loaded.getClass());
    assertEquals(clf.uid(), loaded.uid());
    assertEquals(clf.params().length, loaded.params().length);
    for (Param<?> p : clf.params()) {
      Param<Object> q = loaded.getParam(p.name());
      assertEquals(loaded.uid(), q.parent());
      assertTrue(loaded.isSet(q), p.name() + " lost its value");
      assertEquals(clf.getOrDefault(p), loaded.getOrDefault(q), p.name());
    }
    // A default-only estimator loads with nothing set and the same defaults.
    String defaultsPath = dir.resolve("defaults").toString();
    defaults.write().save(defaultsPath);
    LogitClassifier loadedDefaults = LogitClassifier.load(defaultsPath);
    for (Param<?> p : defaults.params()) {
      Param<Object> q = loadedDefaults.getParam(p.name());
      assertFalse(loadedDefaults.isSet(q), p.name());
      assertEquals(defaults.hasDefault(p), loadedDefaults.hasDefault(q), p.name());
      if (defaults.hasDefault(p)) {
        assertEquals(defaults.getOrDefault(p), loadedDefaults.getOrDefault(q), p.name());
      }
    }
  }

  @Test
  void modelRoundTripsExactly() throws IOException {
    String path = dir.resolve("model").toString();
    model.write().save(path);
    LogitClassificationModel loaded = LogitClassificationModel.load(path);
    assertSame(LogitClassificationModel.class, loaded.getClass());
    assertEquals(model.uid(), loaded.uid());
    assertArrayEquals(model.coefficients().toArray(), loaded.coefficients().toArray(), 0.0);
    assertEquals(model.intercept(), loaded.intercept(), 0.0);
    for (Param<?> p : model.params()) {
      Param<Object> q = loaded.getParam(p.name());
      assertEquals(model.isDefined(p), loaded.isDefined(q), p.name());
      if (model.isDefined(p)) {
        assertEquals(model.getOrDefault(p), loaded.getOrDefault(q), p.name());
      }
    }
    assertEquals("focal", loaded.getLoss());
    assertEquals(0.4, loaded.getThreshold());
    assertFalse(loaded.hasSummary());
    assertThrows(IllegalStateException.class, loaded::summary);
    assertEquals(collectOutputs(model.transform(cancer)), collectOutputs(loaded.transform(cancer)));
  }

  /** rawPrediction, probability and prediction of every row, in order. */
  static List<List<Object>> collectOutputs(Dataset<Row> transformed) {
    return transformed.select("rawPrediction", "probability", "prediction").collectAsList()
        .stream().map(r -> List.<Object>of(r.get(0), r.get(1), r.get(2))).toList();
  }

  @Test
  void savingTwiceWithoutOverwriteFails() throws IOException {
    String path = dir.resolve("twice").toString();
    model.write().save(path);
    IOException e = assertThrows(IOException.class, () -> model.write().save(path));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    LogitClassificationModel other = model.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setThreshold(0.9);
    other.write().overwrite().save(path);
    assertEquals(0.9, LogitClassificationModel.load(path).getThreshold());

    String estPath = dir.resolve("estimator-twice").toString();
    new LogitClassifier().write().save(estPath);
    assertThrows(IOException.class, () -> new LogitClassifier().write().save(estPath));
  }

  @Test
  void missingDataDirectoryFailsNamingThePath() throws IOException {
    Path path = dir.resolve("no-data");
    model.write().save(path.toString());
    deleteRecursively(path.resolve("data"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LogitClassificationModel.load(path.toString()));
    assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
  }

  @Test
  void readersRefuseTheOtherClass() throws IOException {
    String modelPath = dir.resolve("as-estimator").toString();
    model.write().save(modelPath);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LogitClassifier.load(modelPath));
    assertTrue(e.getMessage().contains(modelPath), e.getMessage());
    String estPath = dir.resolve("as-model").toString();
    new LogitClassifier().write().save(estPath);
    IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
        () -> LogitClassificationModel.load(estPath));
    assertTrue(e2.getMessage().contains(estPath), e2.getMessage());
  }

  private static void deleteRecursively(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
