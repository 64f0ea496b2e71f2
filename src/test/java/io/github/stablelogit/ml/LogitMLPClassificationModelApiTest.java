package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.io.ModelFixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.ml.PredictionModel;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.shared.HasFeaturesCol;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LogitMLPClassificationModel} as a Spark {@link ProbabilisticClassificationModel}: Spark's
 * per-row methods against the transformed columns, threshold and thresholds, one Param per name,
 * copies, Java serialization and saved models of every format version.
 */
class LogitMLPClassificationModelApiTest {

  private static SparkSession spark;
  private static Dataset<Row> cancer;
  /** A short fit: both classes are predicted, and it has a summary. */
  private static LogitMLPClassificationModel trained;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitMLPClassificationModelApiTest");
    cancer = SparkTestSupport.breastCancer(spark).coalesce(1).cache();
    trained = new LogitMLPClassifier().setLayers(new int[] {4, 3}).setMaxIter(20).fit(cancer);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** A new model (uid mlpApi_{id}, no param set) with the trained weights. */
  private static LogitMLPClassificationModel network(long id, String calibration) {
    LogitMLPClassificationModel m = new LogitMLPClassificationModel("mlpApi_" + id, 30,
        new int[] {4, 3}, "tanh", trained.weights());
    if ("platt".equals(calibration)) {
      m.setCalibrator(Calibrator.platt(0.7, -0.4));
    } else if ("isotonic".equals(calibration)) {
      m.setCalibrator(Calibrator.isotonic(new double[] {-3, -1, 0, 1, 3},
          new double[] {0.0, 0.2, 0.35, 0.8, 1.0}));
    }
    return m;
  }

  /** Generic Spark code: only sees a ProbabilisticClassificationModel. */
  private static <M extends ProbabilisticClassificationModel<Vector, M>> double[] sparkView(M m,
      Vector x) {
    Vector raw = m.predictRaw(x);
    Vector prob = m.predictProbability(x);
    return new double[] {raw.apply(0), raw.apply(1), prob.apply(0), prob.apply(1), m.predict(x),
        m.numClasses(), m.numFeatures()};
  }

  @Test
  void isASparkProbabilisticClassificationModel() {
    Object m = network(1, "none");
    assertTrue(m instanceof ProbabilisticClassificationModel<?, ?>);
    assertTrue(m instanceof ClassificationModel<?, ?>);
    assertTrue(m instanceof PredictionModel<?, ?>);
    LogitMLPClassificationModel net = (LogitMLPClassificationModel) m;
    assertEquals(2, net.numClasses());
    assertEquals(30, net.numFeatures());
  }

  @ParameterizedTest(name = "calibration {0}")
  @ValueSource(strings = {"none", "platt", "isotonic"})
  void sparksPerRowMethodsGiveTheTransformedColumns(String calibration) {
    LogitMLPClassificationModel m = network(2, calibration).setThreshold(0.4)
        .setLossCol("rowLoss");
    List<Row> rows = m.transform(cancer).select("features", "rawPrediction", "probability",
        "prediction").collectAsList();
    int ones = 0;
    for (Row r : rows) {
      Vector x = r.getAs(0);
      Vector raw = r.getAs(1);
      Vector prob = r.getAs(2);
      double pred = r.getDouble(3);
      ones += (int) pred;
      double[] view = sparkView(m, x);
      assertArrayEquals(new double[] {raw.apply(0), raw.apply(1), prob.apply(0), prob.apply(1),
          pred, 2, 30}, view, 0.0);
      assertEquals(prob.apply(1), m.probabilityOfPositive(x), 0.0);
      assertEquals(prob, m.raw2probability(raw));
      assertEquals(pred, m.raw2prediction(raw), 0.0);
      assertEquals(pred, m.probability2prediction(prob), 0.0);
      double z = m.predictLogit(x);
      double calibrated = m.calibrator() == null ? z : m.calibrator().logit(z);
      assertEquals(calibrated, raw.apply(1), 0.0);
    }
    // Both classes occur, so the comparisons above test the decision rule.
    assertTrue(ones > 0 && ones < rows.size(), "predicted ones: " + ones);
  }

  @Test
  void thresholdsAndThresholdDescribeOneRule() {
    LogitMLPClassificationModel m = network(3, "none");
    assertEquals(0.5, m.getThreshold());
    assertArrayEquals(new double[] {0.5, 0.5}, m.getThresholds());
    assertFalse(m.isSet(m.thresholds()));

    m.setThresholds(new double[] {0.3, 0.9});
    assertEquals(0.75, m.getThreshold(), 1e-16);
    assertEquals(0.75, (Double) m.$(m.threshold()), 1e-16);
    assertArrayEquals(new double[] {0.3, 0.9}, m.getThresholds());
    assertPredictsAbove(m, m.getThreshold());

    m.setThreshold(0.2);
    assertFalse(m.isSet(m.thresholds()));
    assertArrayEquals(new double[] {0.8, 0.2}, m.getThresholds(), 1e-16);
    assertPredictsAbove(m, 0.2);

    for (double[] bad : new double[][] {{0.2, 0.3, 0.5}, {0.5}, {0, 0}, {-0.1, 1},
        {Double.POSITIVE_INFINITY, 1}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> m.setThresholds(bad));
      assertTrue(e.getMessage().contains("thresholds"), e.getMessage());
    }
    assertEquals(0.2, m.getThreshold());
    assertFalse(m.isSet(m.thresholds()));

    // Values that bypass the setters (a ParamMap, as in CrossValidator's grids).
    LogitMLPClassificationModel viaMap = network(3, "none")
        .copy(ParamMap.empty().put(m.thresholds().w(new double[] {1, 3})));
    assertEquals(0.75, viaMap.getThreshold());
    assertPredictsAbove(viaMap, 0.75);
    LogitMLPClassificationModel clash = m.copy(ParamMap.empty()
        .put(m.thresholds().w(new double[] {1, 3})));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> clash.transform(cancer));
    assertTrue(e.getMessage().contains("disagree"), e.getMessage());
  }

  @Test
  void thresholdOfThresholdsIsSparksArgmaxRule() {
    Random rnd = new Random(4);
    double[][] cases = {{0, 1}, {1, 0}, {0.25, 0.75}, {2, 3}, {1e-9, 1}, {1, 1e-9}};
    for (double[] ts : cases) {
      double t = BinaryThresholds.threshold(ts);
      for (int i = 0; i < 2000; i++) {
        double p = i < 2 ? i : rnd.nextDouble();
        double s0 = ts[0] == 0 ? Double.POSITIVE_INFINITY : (1 - p) / ts[0];
        double s1 = ts[1] == 0 ? Double.POSITIVE_INFINITY : p / ts[1];
        // Spark's argmax of p_k / t_k, except at P(y = 1) = 0 exactly with t1 = 0, where the
        // rule "P(y = 1) > 0" predicts 0, as Spark's LogisticRegressionModel does.
        double spark = s1 > s0 && !(p == 0 && ts[1] == 0) ? 1 : 0;
        assertEquals(spark, p > t ? 1 : 0, 0.0, "p " + p + ", thresholds "
            + Arrays.toString(ts));
      }
    }
  }

  private static void assertPredictsAbove(LogitMLPClassificationModel m, double t) {
    for (Row r : m.transform(cancer).select("probability", "prediction").collectAsList()) {
      double p = ((Vector) r.getAs(0)).apply(1);
      assertEquals(p > t ? 1.0 : 0.0, r.getDouble(1), 0.0, "P(y = 1) " + p + ", threshold " + t);
    }
  }

  @Test
  void everyParamHasOneObjectOwnedByTheModel() {
    LogitMLPClassificationModel m = network(5, "none");
    List<String> names = Arrays.stream(m.params()).map(Param::name).toList();
    assertEquals(names.size(), new HashSet<>(names).size(), "duplicates in " + names);
    Set<String> expected = Arrays.stream(new LogitMLPClassifier().params()).map(Param::name)
        .collect(Collectors.toCollection(TreeSet::new));
    expected.add("thresholds");
    assertEquals(expected, new TreeSet<>(names));
    for (Param<?> p : m.params()) {
      assertEquals(m.uid(), p.parent(), p.name());
      assertSame(p, m.getParam(p.name()));
    }
    // The shared accessors and Spark's return the same objects.
    assertSame(((HasFeaturesCol) m).featuresCol(), m.classifierDefs().featuresCol);
    assertSame(m.probabilityCol(), m.classifierDefs().probabilityCol);
    String explained = m.explainParams();
    for (String name : List.of("featuresCol", "threshold", "thresholds", "layers", "loss")) {
      assertTrue(explained.contains(name + ":"), name);
    }
    // Defaults as before: Spark's and this library's are the same values.
    LogitMLPClassifier clf = new LogitMLPClassifier();
    for (Param<?> p : clf.params()) {
      assertEquals(clf.hasDefault(p), m.hasDefault(m.getParam(p.name())), p.name());
      if (clf.hasDefault(p) && !p.name().equals("layers")) {
        assertEquals(clf.getDefault(p).get(), m.getDefault(m.getParam(p.name())).get(), p.name());
      }
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.setFeaturesCol(""));
    assertTrue(e.getMessage().contains("featuresCol"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.setLabelCol(""));
  }

  @Test
  void copiesAndJavaSerializationKeepParamsCalibratorAndSummary() throws Exception {
    LogitMLPClassificationModel fitted = trained.copy(ParamMap.empty());
    fitted.setCalibrator(Calibrator.platt(0.9, 0.1));
    fitted.setThresholds(new double[] {1, 4}).setPredictionCol("p").setLossCol("loss");
    LogitMLPClassificationModel copy = fitted.copy(ParamMap.empty());
    LogitMLPClassificationModel serialized = javaRoundTrip(fitted);
    for (LogitMLPClassificationModel c : List.of(copy, serialized)) {
      assertEquals(fitted.uid(), c.uid());
      assertArrayEquals(new double[] {1, 4}, c.getThresholds());
      assertEquals(0.8, c.getThreshold());
      assertEquals("p", c.getPredictionCol());
      assertEquals("loss", c.getLossCol());
      assertEquals(fitted.calibrator().toString(), c.calibrator().toString());
      assertArrayEquals(fitted.weights().toArray(), c.weights().toArray(), 0.0);
      assertArrayEquals(probabilities(fitted), probabilities(c), 0.0);
      for (Param<?> p : c.params()) {
        assertEquals(c.uid(), p.parent(), p.name());
      }
    }
    assertSame(fitted.summary(), copy.summary());
    assertEquals(fitted.summary().totalIterations(), serialized.summary().totalIterations());
    LogitMLPClassificationModel renamed = fitted.copy(ParamMap.empty()
        .put(fitted.predictionCol().w("q")));
    assertEquals("q", renamed.getPredictionCol());
    assertEquals("p", fitted.getPredictionCol());
  }

  private static double[] probabilities(LogitMLPClassificationModel m) {
    return ModelFixtures.probabilities(m, cancer);
  }

  private static LogitMLPClassificationModel javaRoundTrip(LogitMLPClassificationModel m)
      throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(m);
    }
    try (ObjectInputStream in = new ObjectInputStream(
        new ByteArrayInputStream(bytes.toByteArray()))) {
      return (LogitMLPClassificationModel) in.readObject();
    }
  }

  @Test
  void everyCommittedFormatVersionLoadsAndPredictsAsWhenSaved() throws IOException {
    for (int v = 1; v <= LogitMLPClassificationModelIO.FORMAT_VERSION; v++) {
      LogitMLPClassificationModel m = LogitMLPClassificationModel.load(
          ModelFixtures.modelDir("mlp-model", v).toString());
      double[] expected = Files.readAllLines(ModelFixtures.expectedFile("mlp-model", v)).stream()
          .skip(1).mapToDouble(Double::parseDouble).toArray();
      assertEquals(ModelFixtures.ROWS, expected.length);
      assertArrayEquals(expected, ModelFixtures.probabilities(m, cancer), 1e-15, "format v" + v);
      assertEquals(0.4, m.getThreshold());
      assertFalse(m.isSet(m.thresholds()));
      assertEquals("focal", m.getLoss());
      assertEquals("platt", m.calibrator().kind());
      assertArrayEquals(new int[] {30, 5, 3, 1}, m.layerSizes());
    }
  }

  @Test
  void savedThresholdsComeBack(@TempDir Path dir) throws IOException {
    LogitMLPClassificationModel m = network(6, "isotonic").setThresholds(new double[] {2, 1});
    m.write().save(dir.resolve("m").toString());
    LogitMLPClassificationModel back = LogitMLPClassificationModel.load(
        dir.resolve("m").toString());
    assertArrayEquals(new double[] {2, 1}, back.getThresholds());
    assertEquals(m.getThreshold(), back.getThreshold());
    assertNotEquals(0.5, back.getThreshold());
    List<Row> a = m.transform(cancer).select("probability", "prediction").collectAsList();
    List<Row> b = back.transform(cancer).select("probability", "prediction").collectAsList();
    assertEquals(a, b);
  }
}
