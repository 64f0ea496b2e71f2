package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link LogitMLPClassifier} end to end on Spark. */
class LogitMLPClassifierSparkTest {

  private static final StructType SCHEMA = new StructType(new StructField[] {
      new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
      new StructField("features", new VectorUDT(), false, Metadata.empty())});

  private static final StructType XOR_SCHEMA = SCHEMA.add("bayes", DataTypes.DoubleType, false);

  private static SparkSession spark;
  private static Dataset<Row> cancer;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitMLPClassifierSparkTest");
    cancer = SparkTestSupport.breastCancer(spark).cache();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /**
   * XOR of the signs of two uniform features on [−1, 1]², each label flipped with probability
   * 0.1: the Bayes classifier is the XOR itself, with accuracy 0.9 in expectation; a linear rule
   * does no better than chance (0.5, or the larger class share of a sample).
   */
  static Dataset<Row> xor(long seed, int n, int partitions) {
    return xor(spark, seed, n, partitions);
  }

  /** {@link #xor(long, int, int)} in the given session. */
  static Dataset<Row> xor(SparkSession spark, long seed, int n, int partitions) {
    Random rnd = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double a = 2 * rnd.nextDouble() - 1;
      double b = 2 * rnd.nextDouble() - 1;
      double bayes = (a > 0) != (b > 0) ? 1.0 : 0.0;
      double y = rnd.nextDouble() < 0.1 ? 1.0 - bayes : bayes;
      rows.add(RowFactory.create(y, Vectors.dense(a, b), bayes));
    }
    return spark.createDataFrame(rows, XOR_SCHEMA).repartition(partitions);
  }

  static double accuracy(Dataset<Row> scored) {
    return scored.filter("prediction = label").count() / (double) scored.count();
  }

  @ParameterizedTest(name = "loss {0}")
  @ValueSource(strings = {"bce", "focal"})
  void withoutHiddenLayersTheFitIsTheLinearOptimum(String loss) {
    LogitClassificationModel linear = new LogitClassifier().setLoss(loss).setRegParam(0.01)
        .setSolver("lbfgs").setTol(1e-12).setMaxIter(2000).fit(cancer);
    LogitMLPClassificationModel mlp = new LogitMLPClassifier().setLoss(loss).setRegParam(0.01)
        .setLayers(new int[0]).setTol(1e-12).setMaxIter(2000).fit(cancer);
    double[] w = mlp.layerWeights(0).toArray();
    double[] beta = linear.coefficients().toArray();
    double scale = 1.0;
    for (double b : beta) {
      scale = Math.max(scale, Math.abs(b));
    }
    for (int j = 0; j < beta.length; j++) {
      assertEquals(beta[j], w[j], 1e-6 * scale, "coefficient " + j);
    }
    assertEquals(linear.intercept(), mlp.layerBiases(0).apply(0), 1e-6 * scale);
  }

  @Test
  void learnsXorToTheBayesRateWhereTheLinearModelIsAtChance(TestReporter reporter) {
    Dataset<Row> train = xor(1, 4000, 3).cache();
    Dataset<Row> test = xor(2, 4000, 2).cache();
    LogitMLPClassificationModel mlp = new LogitMLPClassifier().setLayers(new int[] {16})
        .setMaxIter(500).fit(train);
    double mlpAccuracy = accuracy(mlp.transform(test));
    double linearAccuracy = accuracy(new LogitClassifier().fit(train).transform(test));
    // The Bayes rule's accuracy on this test sample (0.9 in expectation).
    double bayes = test.filter("bayes = label").count() / (double) test.count();
    reporter.publishEntry("held-out accuracy", String.format(java.util.Locale.ROOT,
        "network %.4f, linear %.4f, Bayes rule %.4f", mlpAccuracy, linearAccuracy, bayes));
    assertTrue(mlpAccuracy >= bayes - 0.02, "network accuracy " + mlpAccuracy + ", Bayes "
        + bayes);
    assertTrue(linearAccuracy < 0.6, "linear accuracy " + linearAccuracy);
  }

  @Test
  void calibratesOnValidationRowsAndKeepsTheCalibratorWhenSaved(@TempDir Path dir)
      throws Exception {
    Dataset<Row> train = xor(5, 4000, 3)
        .withColumn("val", org.apache.spark.sql.functions.rand(7).lt(0.3)).cache();
    Dataset<Row> test = xor(6, 4000, 2).cache();
    LogitMLPClassifier focal = new LogitMLPClassifier().setLayers(new int[] {16}).setMaxIter(300)
        .setLoss("focal").setFocalGamma(2.0).setFocalAlpha(0.25);
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> focal.copy(ParamMap.empty()).setCalibration("isotonic").fit(train));
    assertTrue(refused.getMessage().contains("validation"), refused.getMessage());
    focal.setValidationIndicatorCol("val");
    LogitMLPClassificationModel raw = focal.fit(train);
    LogitMLPClassificationModel iso = focal.copy(ParamMap.empty()).setCalibration("isotonic")
        .fit(train);
    assertEquals("isotonic", iso.calibrator().kind());
    // Calibrated probability = σ(c(z)) with c monotone in the network's logit z.
    List<Row> scored = iso.transform(test).select("features", "probability", "prediction")
        .collectAsList();
    for (Row r : scored) {
      Vector x = r.getAs(0);
      double p = ((Vector) r.getAs(1)).apply(1);
      assertEquals(iso.probabilityOfPositive(x), p, 0.0);
      assertEquals(p > 0.5 ? 1.0 : 0.0, r.getDouble(2), 0.0);
    }
    double before = raw.calibrationMetrics(test).ece();
    double after = iso.calibrationMetrics(test).ece();
    assertTrue(after <= 0.5 * before, "held-out ECE: focal " + before + ", with isotonic "
        + after);
    iso.write().save(dir.resolve("iso").toString());
    LogitMLPClassificationModel back = LogitMLPClassificationModel.load(
        dir.resolve("iso").toString());
    assertEquals(iso.calibrator().toString(), back.calibrator().toString());
    for (Row r : scored) {
      Vector x = r.getAs(0);
      assertEquals(iso.probabilityOfPositive(x), back.probabilityOfPositive(x), 0.0);
    }
  }

  @Test
  void refitsAreBitIdenticalAndPartitioningsAgree() {
    Dataset<Row> data = xor(3, 1500, 1).cache();
    LogitMLPClassifier clf = new LogitMLPClassifier().setLayers(new int[] {6, 4})
        .setActivation("gelu").setMaxIter(15).setTol(0.0).setRegParam(1e-3);
    double[] first = clf.fit(data).weights().toArray();
    assertArrayEquals(first, clf.fit(data).weights().toArray());
    for (int p : new int[] {3, 8}) {
      double[] other = clf.fit(data.repartition(p)).weights().toArray();
      for (int j = 0; j < first.length; j++) {
        assertEquals(first[j], other[j], 1e-9 * Math.max(1.0, Math.abs(first[j])),
            p + " partitions, weight " + j);
      }
    }
  }

  @Test
  void sparseInputGivesTheDenseFit() {
    Dataset<Row> dense = cancer.limit(200).cache();
    List<Row> rows = new ArrayList<>();
    for (Row r : dense.select("label", "features").collectAsList()) {
      rows.add(RowFactory.create(((Number) r.get(0)).doubleValue(),
          ((Vector) r.get(1)).toSparse()));
    }
    Dataset<Row> sparse = spark.createDataFrame(rows, SCHEMA);
    LogitMLPClassifier clf = new LogitMLPClassifier().setLayers(new int[] {4}).setMaxIter(10)
        .setTol(0.0).setRegParam(0.01);
    double[] a = clf.fit(dense.select("label", "features")).weights().toArray();
    double[] b = clf.fit(sparse).weights().toArray();
    for (int j = 0; j < a.length; j++) {
      assertEquals(a[j], b[j], 1e-9 * Math.max(1.0, Math.abs(a[j])), "weight " + j);
    }
  }

  @Test
  void persistsAloneInPipelinesAndCrossValidators(@TempDir Path dir) throws Exception {
    LogitMLPClassifier clf = new LogitMLPClassifier().setLayers(new int[] {5})
        .setActivation("relu").setMaxIter(20).setLossCol("loss");
    LogitMLPClassificationModel model = clf.fit(cancer);
    model.write().save(dir.resolve("m").toString());
    LogitMLPClassificationModel loaded = LogitMLPClassificationModel.load(
        dir.resolve("m").toString());
    assertArrayEquals(model.weights().toArray(), loaded.weights().toArray());
    List<Row> a = model.transform(cancer).select("probability", "loss").collectAsList();
    List<Row> b = loaded.transform(cancer).select("probability", "loss").collectAsList();
    assertEquals(a, b);
    assertThrows(Exception.class, () -> model.write().save(dir.resolve("m").toString()));

    clf.write().save(dir.resolve("est").toString());
    LogitMLPClassifier est = LogitMLPClassifier.load(dir.resolve("est").toString());
    assertArrayEquals(clf.getLayers(), est.getLayers());
    assertEquals("relu", est.getActivation());

    PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {clf}).fit(cancer);
    pm.write().save(dir.resolve("p").toString());
    PipelineModel pl = PipelineModel.load(dir.resolve("p").toString());
    assertEquals(pm.transform(cancer).select("probability").collectAsList(),
        pl.transform(cancer).select("probability").collectAsList());

    ParamMap[] grid = new ParamGridBuilder().addGrid(clf.regParam(), new double[] {0.0, 0.1})
        .build();
    CrossValidatorModel cv = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid)
        .setEvaluator(new BinaryClassificationEvaluator()).setNumFolds(2).setSeed(7).fit(cancer);
    cv.write().save(dir.resolve("cv").toString());
    CrossValidatorModel cl = CrossValidatorModel.load(dir.resolve("cv").toString());
    assertArrayEquals(((LogitMLPClassificationModel) cv.bestModel()).weights().toArray(),
        ((LogitMLPClassificationModel) cl.bestModel()).weights().toArray());
    assertTrue(Files.exists(dir.resolve("cv")));
  }

  /**
   * Adam at a step size of 30 on breast cancer: without warm-up the first full-size steps, taken
   * on moment estimates of one or two gradients, throw the tanh units into saturation; the
   * objective rises to more than 5 times its start and ends above it. The same peak step size
   * after a 30-iteration linear warm-up with clipping stays finite and its smoothed objective
   * (means of 10 iterations) falls, ending below the start.
   */
  @Test
  void adamWarmUpIsStableWhereNoWarmUpDiverges() {
    LogitMLPClassifier clf = new LogitMLPClassifier().setLayers(new int[] {16}).setSolver("adam")
        .setStepSize(30.0).setMaxIter(60).setTol(0.0).setStandardization(true);
    double[] cold = objectives(clf);
    double[] warm = objectives(clf.copy(ParamMap.empty()).setWarmupIters(30).setMaxGradNorm(1.0));
    double start = cold[0];
    double coldWorst = 0.0;
    for (double f : cold) {
      coldWorst = Math.max(coldWorst, Double.isFinite(f) ? f : Double.POSITIVE_INFINITY);
    }
    assertTrue(coldWorst > 5 * start, "without warm-up the objective reaches " + coldWorst);
    assertTrue(cold[cold.length - 1] > start, "without warm-up it ends at "
        + cold[cold.length - 1]);
    for (double f : warm) {
      assertTrue(Double.isFinite(f));
    }
    double head = mean(warm, 0, 10);
    double tail = mean(warm, warm.length - 10, warm.length);
    assertTrue(tail < head && warm[warm.length - 1] < start,
        "smoothed objective " + head + " -> " + tail);
  }

  @Test
  void warmStartsFromAModelAndRefusesWrongShapes(@TempDir Path dir) throws Exception {
    LogitMLPClassificationModel model = new LogitMLPClassifier().setLayers(new int[] {3})
        .setMaxIter(10).fit(cancer);
    LogitMLPClassificationModel again = new LogitMLPClassifier().setInitialModel(model)
        .setMaxIter(0).fit(cancer);
    assertArrayEquals(new int[] {3}, again.getLayers());
    double[] a = model.weights().toArray();
    double[] b = again.weights().toArray();
    for (int j = 0; j < a.length; j++) {
      assertEquals(a[j], b[j], 1e-12 * Math.max(1.0, Math.abs(a[j])), "weight " + j);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LogitMLPClassifier().setLayers(new int[] {4}).setInitialWeights(model.weights())
            .fit(cancer));
    assertTrue(e.getMessage().contains("initialWeights"), e.getMessage());

    // Java-serializable, as every model of the library; a saved network is not a linear model.
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(model);
    }
    LogitMLPClassificationModel copy;
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (LogitMLPClassificationModel) in.readObject();
    }
    assertArrayEquals(a, copy.weights().toArray());
    model.write().save(dir.resolve("m").toString());
    assertThrows(Exception.class, () -> LogitClassificationModel.load(dir.resolve("m").toString()));
  }

  private static double[] objectives(LogitMLPClassifier clf) {
    try {
      return clf.fit(cancer).summary().objectiveHistory();
    } catch (NonFiniteObjectiveException e) {
      return new double[] {0.7, Double.POSITIVE_INFINITY};
    }
  }

  private static double mean(double[] a, int from, int to) {
    double s = 0.0;
    for (int i = from; i < to; i++) {
      s += a[i];
    }
    return s / (to - from);
  }
}
