package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.SparkTestSupport.LocalData;
import io.github.stablelogit.optim.BlockPacker;
import io.github.stablelogit.optim.InstanceBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The estimator's contract: parameters, input validation, and layout-independent results. */
class LogitClassifierSparkTest {

  /** Fits on different partitionings or block sizes must agree to this relative precision. */
  static final double LAYOUT_REL_TOL = 1e-9;
  /** Gradient tolerance of the layout fits: tight enough that the optimum, not the path, shows. */
  static final double LAYOUT_FIT_TOL = 1e-12;
  static final int LAYOUT_MAX_ITER = 1000;
  /** Blocks of a handful of rows (1 KiB). */
  static final double TINY_BLOCK_MB = 0.001;
  static final double LARGE_BLOCK_MB = 64.0;
  static final long SPARSE_SEED = 7L;
  static final int SPARSE_ROWS = 1000;
  static final int SPARSE_FEATURES = 100;
  static final int SPARSE_NNZ_PER_ROW = 6;
  /** The single-class smoothed fit must land on its closed-form optimum to this precision. */
  static final double CLOSED_FORM_TOL = 1e-9;

  /**
   * Every declared param, sorted: the 20 of the original estimator, the 5 of the imbalance
   * toolkit (autoPosWeight, correctProbabilities, earlyStoppingRounds, lossCol,
   * validationIndicatorCol), solver and calibration.
   */
  static final List<String> ALL_PARAM_NAMES = List.of("aggregationDepth", "autoPosWeight",
      "calibration", "correctProbabilities", "earlyStoppingRounds", "elasticNetParam",
      "featuresCol", "fitIntercept", "focalAlpha", "focalGamma", "labelCol", "labelSmoothing",
      "loss", "lossCol",
      "maxBlockSizeInMB", "maxIter", "posWeight", "precision", "predictionCol", "probabilityCol",
      "rawPredictionCol", "regParam", "solver", "standardization", "threshold", "tol",
      "validationIndicatorCol", "weightCol");

  private static SparkSession spark;
  private static Dataset<Row> cancer;
  private static LocalData cancerLocal;
  private static LocalData sparseLocal;
  private static LogitClassificationModel cancerModel;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitClassifierSparkTest");
    cancer = SparkTestSupport.breastCancer(spark).cache();
    cancerLocal = SparkTestSupport.collect(cancer);
    sparseLocal = SparkTestSupport.sparseLogistic(SPARSE_SEED, SPARSE_ROWS, SPARSE_FEATURES,
        SPARSE_NNZ_PER_ROW);
    cancerModel = new LogitClassifier().setRegParam(0.01).fit(cancer);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  // ---------------------------------------------------------------- params

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({"posWeight, 0", "focalGamma, -1", "focalAlpha, 1.5", "labelSmoothing, 1.0",
      "loss, hinge", "threshold, 2", "regParam, -1", "elasticNetParam, 2", "aggregationDepth, 1",
      "posWeight, NaN", "tol, -1e-3", "maxIter, -1", "maxBlockSizeInMB, -1",
      "earlyStoppingRounds, -1", "tol, Infinity", "regParam, Infinity",
      "maxBlockSizeInMB, Infinity", "posWeight, Infinity", "focalGamma, Infinity",
      "focalAlpha, -Infinity", "tol, NaN", "regParam, NaN"})
  void settersRejectInvalidValuesNamingTheParam(String name, String value) {
    LogitClassifier clf = new LogitClassifier();
    Object before = clf.getOrDefault(clf.getParam(name));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> set(clf, name, value));
    assertTrue(e.getMessage().contains(name), e.getMessage());
    assertTrue(e.getMessage().contains(value.equals("hinge") ? "hinge" : name), e.getMessage());
    assertEquals(before, clf.getOrDefault(clf.getParam(name)), "rejected value must not stick");
    assertFalse(clf.isSet(clf.getParam(name)));
    // The ParamMap route (CrossValidator, copy) rejects the same values through the validators.
    IllegalArgumentException viaMap = assertThrows(IllegalArgumentException.class,
        () -> ParamMap.empty().put(paramPair(clf, name, value)));
    assertTrue(viaMap.getMessage().contains(name), viaMap.getMessage());
  }

  private static void set(LogitClassifier clf, String name, String v) {
    switch (name) {
      case "posWeight" -> clf.setPosWeight(Double.parseDouble(v));
      case "focalGamma" -> clf.setFocalGamma(Double.parseDouble(v));
      case "focalAlpha" -> clf.setFocalAlpha(Double.parseDouble(v));
      case "labelSmoothing" -> clf.setLabelSmoothing(Double.parseDouble(v));
      case "loss" -> clf.setLoss(v);
      case "threshold" -> clf.setThreshold(Double.parseDouble(v));
      case "regParam" -> clf.setRegParam(Double.parseDouble(v));
      case "elasticNetParam" -> clf.setElasticNetParam(Double.parseDouble(v));
      case "aggregationDepth" -> clf.setAggregationDepth(Integer.parseInt(v));
      case "tol" -> clf.setTol(Double.parseDouble(v));
      case "maxIter" -> clf.setMaxIter(Integer.parseInt(v));
      case "maxBlockSizeInMB" -> clf.setMaxBlockSizeInMB(Double.parseDouble(v));
      case "earlyStoppingRounds" -> clf.setEarlyStoppingRounds(Integer.parseInt(v));
      default -> throw new IllegalArgumentException("no setter case for " + name);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static org.apache.spark.ml.param.ParamPair<?> paramPair(LogitClassifier clf,
      String name, String v) {
    Param p = clf.getParam(name);
    Object value = p instanceof org.apache.spark.ml.param.IntParam ? (Object) Integer.parseInt(v)
        : p instanceof org.apache.spark.ml.param.DoubleParam ? (Object) Double.parseDouble(v)
        : v;
    return p.w(value);
  }

  @Test
  void acceptsBoundaryValues() {
    LogitClassifier clf = new LogitClassifier().setFocalGamma(0.0).setFocalAlpha(-1.0)
        .setFocalAlpha(1.0).setLabelSmoothing(0.0).setThreshold(0.0).setThreshold(1.0)
        .setElasticNetParam(1.0).setAggregationDepth(2).setLoss(" FOCAL ").setPosWeight(1e-300);
    assertEquals("focal", clf.getLoss(), "loss names are trimmed and lower-cased");
    assertEquals(1e-300, clf.getPosWeight());
  }

  @Test
  void paramsAreExactlyTheDeclaredOnesOwnedByTheInstance() {
    LogitClassifier clf = new LogitClassifier();
    List<String> names = Arrays.stream(clf.params()).map(Param::name).toList();
    assertEquals(ALL_PARAM_NAMES, names);
    for (Param<?> p : clf.params()) {
      assertEquals(clf.uid(), p.parent(), p.name());
      assertTrue(clf.hasParam(p.name()));
    }
    LogitClassificationModel model = cancerModel;
    assertEquals(ALL_PARAM_NAMES, Arrays.stream(model.params()).map(Param::name).toList());
    for (Param<?> p : model.params()) {
      assertEquals(model.uid(), p.parent(), p.name());
    }
    assertTrue(clf.uid().startsWith("logitClassifier"), clf.uid());
    assertFalse(clf.explainParams().isEmpty());
  }

  @Test
  void defaultsFollowSparkLogisticRegression() {
    LogitClassifier clf = new LogitClassifier();
    org.apache.spark.ml.classification.LogisticRegression lr =
        new org.apache.spark.ml.classification.LogisticRegression();
    assertEquals(lr.getMaxIter(), clf.getMaxIter());
    assertEquals(lr.getTol(), clf.getTol());
    assertEquals(lr.getRegParam(), clf.getRegParam());
    assertEquals(lr.getElasticNetParam(), clf.getElasticNetParam());
    assertEquals(lr.getThreshold(), clf.getThreshold());
    assertEquals(lr.getFitIntercept(), clf.getFitIntercept());
    assertEquals(lr.getStandardization(), clf.getStandardization());
    assertEquals(lr.getAggregationDepth(), clf.getAggregationDepth());
    assertEquals(lr.getFeaturesCol(), clf.getFeaturesCol());
    assertEquals(lr.getLabelCol(), clf.getLabelCol());
    assertEquals(lr.getPredictionCol(), clf.getPredictionCol());
    assertEquals(lr.getRawPredictionCol(), clf.getRawPredictionCol());
    assertEquals(lr.getProbabilityCol(), clf.getProbabilityCol());
    assertEquals("bce", clf.getLoss());
    assertEquals(1.0, clf.getPosWeight());
    assertEquals(0.0, clf.getLabelSmoothing());
    assertEquals(null, clf.getWeightCol());
  }

  @Test
  void copyOverridesValuesAndKeepsTheType() {
    LogitClassifier clf = new LogitClassifier().setRegParam(0.3).setLoss("focal");
    ParamMap extra = ParamMap.empty().put(clf.regParam().w(0.7)).put(clf.focalGamma().w(0.5));
    LogitClassifier copy = clf.copy(extra);
    assertNotSame(clf, copy);
    assertSame(LogitClassifier.class, copy.getClass());
    assertEquals(clf.uid(), copy.uid());
    assertEquals(0.7, copy.getRegParam());
    assertEquals(0.5, copy.getFocalGamma());
    assertEquals("focal", copy.getLoss(), "values not in the map are carried over");
    assertEquals(0.3, clf.getRegParam(), "the original is unchanged");
    assertEquals(2.0, clf.getFocalGamma());
    for (Param<?> p : copy.params()) {
      assertEquals(copy.uid(), p.parent());
    }

    LogitClassificationModel m = cancerModel;
    LogitClassificationModel mc = m.copy(ParamMap.empty().put(m.threshold().w(0.8)));
    assertSame(LogitClassificationModel.class, mc.getClass());
    assertEquals(0.8, mc.getThreshold());
    assertEquals(0.5, m.getThreshold());
    assertEquals(m.coefficients(), mc.coefficients());
    assertEquals(m.intercept(), mc.intercept());
    assertEquals(m.uid(), mc.uid());
    assertSame(m.parent(), mc.parent());
    assertTrue(mc.hasSummary());
  }

  @Test
  void modelTransformSchemaAddsTheThreeOutputColumns() {
    StructType in = cancer.schema();
    StructType out = cancerModel.transformSchema(in);
    assertEquals(in.size() + 3, out.size());
    assertTrue(out.apply("rawPrediction").dataType() instanceof VectorUDT);
    assertTrue(out.apply("probability").dataType() instanceof VectorUDT);
    assertEquals(DataTypes.DoubleType, out.apply("prediction").dataType());
    StructType actual = cancerModel.transform(cancer).schema();
    assertEquals(Arrays.asList(out.fieldNames()), Arrays.asList(actual.fieldNames()),
        "transform produces the declared columns");
    for (StructField f : out.fields()) {
      assertEquals(f.dataType(), actual.apply(f.name()).dataType(), f.name());
    }
    // An output column set to "" is not produced; an existing one is refused.
    LogitClassificationModel noRaw = cancerModel.copy(ParamMap.empty())
        .setRawPredictionCol("");
    assertEquals(in.size() + 2, noRaw.transformSchema(in).size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> cancerModel.copy(ParamMap.empty()).setPredictionCol("label").transformSchema(in));
    assertTrue(e.getMessage().contains("label"), e.getMessage());
  }

  @Test
  void transformMatchesTheCoefficientsAndThreshold() {
    List<Row> rows = cancerModel.transform(cancer).select("features", "rawPrediction",
        "probability", "prediction").collectAsList();
    for (Row r : rows) {
      Vector x = r.getAs(0);
      double z = x.dot(cancerModel.coefficients()) + cancerModel.intercept();
      Vector raw = r.getAs(1);
      Vector prob = r.getAs(2);
      assertEquals(-z, raw.apply(0));
      assertEquals(z, raw.apply(1));
      assertEquals(1.0, prob.apply(0) + prob.apply(1), 1e-15);
      assertEquals(1.0 / (1.0 + Math.exp(-z)), prob.apply(1), 1e-15);
      assertEquals(prob.apply(1) > 0.5 ? 1.0 : 0.0, r.getDouble(3));
      assertEquals(cancerModel.predict(x), r.getDouble(3));
    }
  }

  @Test
  void higherThresholdPredictsFewerPositives() {
    LogitClassificationModel m = cancerModel.copy(ParamMap.empty());
    long low = m.setThreshold(0.1).transform(cancer).filter(col("prediction").equalTo(1.0))
        .count();
    long high = m.setThreshold(0.9).transform(cancer).filter(col("prediction").equalTo(1.0))
        .count();
    long between = m.transform(cancer).filter(probabilityOfOne().gt(0.1)
        .and(probabilityOfOne().leq(0.9))).count();
    assertTrue(high < low, "threshold 0.9: " + high + " positives, 0.1: " + low);
    assertEquals(low - high, between, "exactly the rows with P in (0.1, 0.9] change");
    assertEquals(0, m.setThreshold(1.0).transform(cancer)
        .filter(col("prediction").equalTo(1.0)).count());
    assertEquals(cancer.count(), m.setThreshold(0.0).transform(cancer)
        .filter(col("prediction").equalTo(1.0)).count());
  }

  private static org.apache.spark.sql.Column probabilityOfOne() {
    return org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64").getItem(1);
  }

  // ---------------------------------------------------------------- bad input

  private static final StructType SMALL_SCHEMA = new StructType(new StructField[] {
      new StructField("label", DataTypes.DoubleType, true, Metadata.empty()),
      new StructField("wt", DataTypes.DoubleType, true, Metadata.empty()),
      new StructField("features", new VectorUDT(), true, Metadata.empty())});

  /** Six rows, two features, both classes, not separable; {@code edit} may change one row. */
  private static Dataset<Row> small(Function<List<Object[]>, List<Object[]>> edit) {
    List<Object[]> rows = new ArrayList<>(List.of(
        new Object[] {0.0, 1.0, Vectors.dense(0.1, 1.0)},
        new Object[] {0.0, 1.0, Vectors.dense(0.4, -1.0)},
        new Object[] {1.0, 1.0, Vectors.dense(0.3, 0.5)},
        new Object[] {1.0, 2.0, Vectors.dense(0.9, 2.0)},
        new Object[] {0.0, 1.0, Vectors.dense(0.8, -0.5)},
        new Object[] {1.0, 0.5, Vectors.dense(0.2, 0.0)}));
    List<Row> out = new ArrayList<>();
    for (Object[] r : edit.apply(rows)) {
      out.add(RowFactory.create(r));
    }
    return spark.createDataFrame(out, SMALL_SCHEMA);
  }

  private static IllegalArgumentException fitFails(ClassifierParams<?> clf, Dataset<Row> df) {
    return assertThrows(IllegalArgumentException.class,
        () -> ((org.apache.spark.ml.Estimator<?>) clf).fit(df));
  }

  /** Every estimator of the library: the bad-input guarantees hold for each. */
  static Stream<ClassifierParams<?>> estimators() {
    return Stream.of(new LogitClassifier(), new LogitMLPClassifier());
  }

  private static void assertMentions(Exception e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }
  }

  /**
   * The stopping rule, as documented for tol: the fit stops at the first iteration whose gradient
   * norm is ≤ tol·|objective| (relative to the objective, as Spark's optimizer; the mean loss is
   * below 1 here, so max(1, |objective|) would stop earlier), and not before.
   */
  @ParameterizedTest(name = "tol {0}")
  @ValueSource(doubles = {1e-4, 1e-6, 1e-9})
  void stopsAtTheFirstIterationWithGradientBelowTolTimesObjective(double tol) {
    LogitTrainingSummary s = new LogitClassifier().setRegParam(0.01).setTol(tol).fit(cancer)
        .summary();
    double[] f = s.objectiveHistory();
    double[] g = s.gradientNormHistory();
    int last = f.length - 1;
    assertTrue(s.converged(), s.convergenceReason());
    assertTrue(Math.abs(f[last]) < 1, "objective " + f[last]);
    assertTrue(g[last] <= tol * Math.abs(f[last]),
        "final gradient norm " + g[last] + " > tol x |objective| " + tol * Math.abs(f[last]));
    for (int k = 0; k < last; k++) {
      assertTrue(g[k] > tol * Math.abs(f[k]), "iteration " + k + " already met the test: |g| "
          + g[k] + ", tol x |f| " + tol * Math.abs(f[k]));
    }
  }

  /**
   * Every Param's validator is the one its setter uses: for each settable value the two routes
   * (setter, ParamMap) agree on accepting or rejecting it.
   */
  @Test
  void settersAndParamMapsAcceptExactlyTheSameValues() {
    double[] doubles = {Double.NEGATIVE_INFINITY, -1, -0.0, 0, 1e-300, 0.5, 1, 1.5, 2, 1e300,
        Double.POSITIVE_INFINITY, Double.NaN};
    LogitClassifier clf = new LogitClassifier();
    for (Param<?> p : clf.params()) {
      if (!(p instanceof org.apache.spark.ml.param.DoubleParam)) {
        continue;
      }
      for (double v : doubles) {
        boolean viaMap = accepts(() -> ParamMap.empty().put(paramPair(clf, p.name(),
            Double.toString(v))));
        boolean viaSetter = accepts(() -> set(new LogitClassifier(), p.name(),
            Double.toString(v)));
        assertEquals(viaMap, viaSetter, p.name() + " = " + v);
      }
    }
    // A ParamMap with tol = Infinity used to be accepted and "converged" at iteration 0.
    assertThrows(IllegalArgumentException.class,
        () -> clf.fit(cancer, ParamMap.empty().put(clf.tol().w(Double.POSITIVE_INFINITY))));
  }

  private static boolean accepts(Runnable r) {
    try {
      r.run();
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The stop reason is the true one: breast cancer at tol 1e-14 cannot converge in 26 L-BFGS
   * iterations, and the summary says maxIter was reached (it used to say "no iteration ran").
   */
  @Test
  void maxIterStopIsReportedAsSuch() {
    LogitTrainingSummary s = new LogitClassifier().setSolver("lbfgs").setRegParam(0.01)
        .setTol(1e-14).setMaxIter(26).fit(cancer).summary();
    assertFalse(s.converged());
    assertEquals(26, s.totalIterations());
    assertTrue(s.convergenceReason().startsWith("maxIter 26 reached"), s.convergenceReason());
  }

  @Test
  void earlyStoppingWithoutAnyValidationRowIsRefused() {
    Dataset<Row> noneMarked = cancer.withColumn("isVal", org.apache.spark.sql.functions.lit(false));
    IllegalArgumentException e = fitFails(new LogitClassifier().setValidationIndicatorCol("isVal")
        .setEarlyStoppingRounds(3), noneMarked);
    assertMentions(e, "earlyStoppingRounds = 3", "validationIndicatorCol 'isVal'",
        "none of the 569 rows", "set earlyStoppingRounds to 0");
  }

  @Test
  void nullFeaturesAtTransformGiveTheUsualMessage() {
    StructType schema = new StructType(new StructField[] {
        new StructField("features", new VectorUDT(), true, Metadata.empty())});
    Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create((Object) null)), schema);
    Exception e = assertThrows(Exception.class,
        () -> cancerModel.transform(df).select("probability").collectAsList());
    Throwable root = e;
    while (root.getCause() != null && !(root instanceof IllegalArgumentException)) {
      root = root.getCause();
    }
    assertTrue(root instanceof IllegalArgumentException, "no IllegalArgumentException in " + e);
    assertMentions((Exception) root, "featuresCol 'features' is null", "partition 0",
        "drop those rows");
  }

  /**
   * The estimator, a fitted model and its summary are Java-serializable (Spark's models can be
   * broadcast and captured in closures; LocalClusterSparkTest does that on executor JVMs), and
   * come back with the same params, coefficients and history.
   */
  @Test
  void estimatorModelAndSummaryAreJavaSerializable() throws Exception {
    LogitClassifier clf = new LogitClassifier().setLoss("focal").setPosWeight(3.0);
    LogitClassifier clf2 = roundTrip(clf);
    assertEquals(clf.uid(), clf2.uid());
    assertEquals("focal", clf2.getLoss());
    assertEquals(3.0, clf2.getPosWeight());
    clf2.setTol(1e-3);
    assertEquals(1e-3, clf2.getTol(), "params of the copy are usable");
    assertThrows(IllegalArgumentException.class, () -> clf2.setTol(Double.POSITIVE_INFINITY));

    LogitClassificationModel m2 = roundTrip(cancerModel);
    assertEquals(cancerModel.coefficients(), m2.coefficients());
    assertEquals(cancerModel.intercept(), m2.intercept());
    assertEquals(cancerModel.getThreshold(), m2.getThreshold());
    assertArrayEquals(cancerModel.summary().objectiveHistory(), m2.summary().objectiveHistory());
    assertEquals(cancerModel.summary().iterations(), m2.summary().iterations());
    assertEquals(cancerModel.summary().convergenceReason(), m2.summary().convergenceReason());
    Vector x = Vectors.dense(cancerLocal.x()[0]);
    assertEquals(cancerModel.predictProbability(x), m2.predictProbability(x), 0.0);
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Test
  void smallDataFitsWhenValid() {
    LogitClassificationModel m = new LogitClassifier().setWeightCol("wt").setRegParam(0.1)
        .fit(small(r -> r));
    assertTrue(m.summary().converged());
    assertEquals(6, m.summary().numRows());
    assertEquals(6.5, m.summary().weightSum());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("estimators")
  void nanFeatureIsRejectedNamingColumnAndValue(ClassifierParams<?> clf) {
    Dataset<Row> df = small(r -> {
      r.set(3, new Object[] {1.0, 1.0, Vectors.dense(0.9, Double.NaN)});
      return r;
    });
    assertMentions(fitFails(clf, df), "featuresCol 'features'", "NaN",
        "features[1]");
  }

  /**
   * A sparse vector struct that no sparse vector's constructor would accept (here made by changing
   * a vector's own index array after it was built): the rows are read without decoding them into
   * vectors, so the packer makes the constructor's checks itself.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("estimators")
  void malformedSparseVectorIsRejected(ClassifierParams<?> clf) {
    org.apache.spark.ml.linalg.SparseVector bad = (org.apache.spark.ml.linalg.SparseVector)
        Vectors.sparse(2, new int[] {0, 1}, new double[] {0.9, 2.0});
    bad.indices()[0] = 1;
    Dataset<Row> df = small(r -> {
      r.set(3, new Object[] {1.0, 1.0, bad});
      return r;
    });
    assertMentions(fitFails(clf, df), "featuresCol 'features' holds malformed sparse vectors in 1 "
        + "rows", "features: index 1 follows 1 (size 2)", "Vectors.sparse");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("estimators")
  void labelOutsideZeroOneIsRejected(ClassifierParams<?> clf) {
    Dataset<Row> df = small(r -> {
      r.set(2, new Object[] {2.0, 1.0, Vectors.dense(0.3, 0.5)});
      return r;
    });
    assertMentions(fitFails(clf, df), "labelCol 'label'", "label = 2.0");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("estimators")
  void negativeWeightIsRejected(ClassifierParams<?> clf) {
    Dataset<Row> df = small(r -> {
      r.set(1, new Object[] {0.0, -1.5, Vectors.dense(0.4, -1.0)});
      return r;
    });
    assertMentions(fitFails(clf.setWeightCol("wt"), df), "weightCol 'wt'",
        "wt = -1.5");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("estimators")
  void emptyDatasetIsRejected(ClassifierParams<?> clf) {
    assertMentions(fitFails(clf, small(r -> List.of())), "empty");
    assertMentions(fitFails(clf, cancer.filter(lit(false))), "empty");
  }

  @Test
  void singleClassIsRejectedUnlessSmoothed() {
    Dataset<Row> ones = small(r -> r).withColumn("label", lit(1.0));
    assertMentions(fitFails(new LogitClassifier(), ones), "labelCol 'label'", "single class",
        "labelSmoothing");

    // With ε = 0.1 every smoothed label is 0.95: the optimum is β = 0, b = logit(0.95) = log 19.
    LogitClassificationModel m = new LogitClassifier().setLabelSmoothing(0.1).setTol(1e-12)
        .fit(ones);
    assertTrue(m.summary().converged(), m.summary().convergenceReason());
    assertTrue(Double.isFinite(m.intercept()));
    assertEquals(Math.log(19.0), m.intercept(), CLOSED_FORM_TOL);
    for (double c : m.coefficients().toArray()) {
      assertTrue(Double.isFinite(c));
      assertEquals(0.0, c, CLOSED_FORM_TOL);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("estimators")
  void missingFeaturesColumnIsRejected(ClassifierParams<?> clf) {
    assertMentions(fitFails(clf.setFeaturesCol("nope"), small(r -> r)),
        "featuresCol 'nope' does not exist", "features");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("estimators")
  void stringLabelIsRejected(ClassifierParams<?> clf) {
    Dataset<Row> df = small(r -> r).withColumn("label", col("label").cast("string"));
    assertMentions(fitFails(clf, df), "labelCol 'label'", "numeric",
        "string");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("estimators")
  void nonVectorFeaturesAreRejected(ClassifierParams<?> clf) {
    Dataset<Row> df = small(r -> r).withColumn("x", lit(1.0));
    assertMentions(fitFails(clf.setFeaturesCol("x"), df), "featuresCol 'x'",
        "VectorAssembler");
  }

  // ---------------------------------------------------------------- determinism and layout

  private static LogitClassifier layoutClassifier() {
    return new LogitClassifier().setRegParam(0.1).setTol(LAYOUT_FIT_TOL)
        .setMaxIter(LAYOUT_MAX_ITER);
  }

  /** Blocks the packer makes from these rows (one partition) with the given size limit. */
  private static List<InstanceBlock> pack(LocalData data, boolean sparse, double mb) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < data.rows(); i++) {
      Vector v = Vectors.dense(data.x()[i]);
      rows.add(RowFactory.create(sparse ? v.toSparse() : v, data.y()[i], 1.0));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    Iterator<InstanceBlock> it = new BlockPacker("features", "label", null, mb, false)
        .pack(0, rows.iterator());
    it.forEachRemaining(blocks::add);
    return blocks;
  }

  @Test
  void testDataExerciseDenseSparseAndTinyBlocks() {
    // Guards the layout tests below: they only mean something if these layouts really occur.
    List<InstanceBlock> dense = pack(cancerLocal, false, LARGE_BLOCK_MB);
    assertEquals(1, dense.size());
    assertFalse(dense.get(0).isSparse());
    List<InstanceBlock> tiny = pack(cancerLocal, false, TINY_BLOCK_MB);
    assertTrue(tiny.size() > 100, tiny.size() + " blocks");
    List<InstanceBlock> sparse = pack(sparseLocal, true, LARGE_BLOCK_MB);
    assertTrue(sparse.stream().allMatch(InstanceBlock::isSparse));
    assertTrue(pack(sparseLocal, true, TINY_BLOCK_MB).size() > 50);
    double ones = Arrays.stream(sparseLocal.y()).sum();
    assertTrue(ones > 0.2 * SPARSE_ROWS && ones < 0.8 * SPARSE_ROWS, ones + " positives");
  }

  @Test
  void denseResultDoesNotDependOnPartitioningOrBlockSize() {
    assertLayoutIndependent("dense", cancerLocal, false);
  }

  @Test
  void sparseResultDoesNotDependOnPartitioningOrBlockSize() {
    double[] fromSparse = assertLayoutIndependent("sparse", sparseLocal, true);
    // The same rows given as DenseVectors: the packer stores the same non-zeros.
    double[] fromDense = fitLayout(sparseLocal.toFrame(spark, 1, false), 0);
    LogitReference.assertClose("sparse vs dense vectors", fromDense, fromSparse,
        LAYOUT_REL_TOL);
  }

  private static double[] fitLayout(Dataset<Row> df, double blockMb) {
    try {
      return LogitReference.flatten(layoutClassifier().setMaxBlockSizeInMB(blockMb).fit(df));
    } finally {
      df.unpersist();
    }
  }

  /** @return the coefficients fitted on one partition, the reference of the comparisons */
  private static double[] assertLayoutIndependent(String what, LocalData data, boolean sparse) {
    Dataset<Row> one = data.toFrame(spark, 1, sparse);
    LogitClassificationModel first = layoutClassifier().fit(one);
    assertTrue(first.summary().converged(), first.summary().convergenceReason());
    double[] reference = LogitReference.flatten(first);
    one.unpersist();

    StringBuilder report = new StringBuilder();
    for (int partitions : new int[] {3, 8}) {
      Dataset<Row> df = data.toFrame(spark, partitions, sparse);
      assertEquals(partitions, df.rdd().getNumPartitions());
      double[] coef = LogitReference.flatten(layoutClassifier().fit(df));
      if (partitions == 3) {
        // Bit-identical on a second fit of the same cached, partitioned data.
        double[] refit = LogitReference.flatten(layoutClassifier().fit(df));
        assertArrayEquals(coef, refit, 0.0, what + ": refit on " + partitions + " partitions");
      }
      df.unpersist();
      report.append(String.format(Locale.ROOT, " %d partitions %.1e;", partitions,
          LogitReference.assertClose(what + ", " + partitions + " vs 1 partitions", coef,
              reference, LAYOUT_REL_TOL)));
    }
    for (double mb : new double[] {TINY_BLOCK_MB, LARGE_BLOCK_MB}) {
      double[] coef = fitLayout(data.toFrame(spark, 2, sparse), mb);
      report.append(String.format(Locale.ROOT, " %s MB blocks %.1e;", mb,
          LogitReference.assertClose(what + ", maxBlockSizeInMB " + mb, coef, reference,
              LAYOUT_REL_TOL)));
    }
    System.out.println("[numbers] layout independence (" + what + "), max rel diff vs 1 "
        + "partition:" + report);
    return reference;
  }
}
