package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.loss.StableMath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** {@link LogitLossEvaluator} against plain-Java references, Spark models and CrossValidator. */
class LogitLossEvaluatorSparkTest {

  /** Columns of the frames built here; the evaluator reads whichever its params name. */
  private static final StructType SCHEMA = new StructType()
      .add("z", DataTypes.DoubleType, true)
      .add("rawPrediction", new VectorUDT(), true)
      .add("p", DataTypes.DoubleType, true)
      .add("probability", new VectorUDT(), true)
      .add("label", DataTypes.DoubleType, true)
      .add("weight", DataTypes.DoubleType, true);

  private static SparkSession spark;
  private static JavaSparkContext jsc;
  private static Dataset<Row> breastCancer;

  @TempDir
  Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = SparkTestSupport.newSession("LogitLossEvaluatorSparkTest");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    breastCancer = SparkTestSupport.breastCancer(spark).cache();
    breastCancer.count();
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  // ---- frames and references

  /**
   * A frame of logits: z, [−z, z], σ(z), [σ(−z), σ(z)], label, weight; in 2 partitions, in order.
   */
  private static Dataset<Row> logitFrame(double[] z, double[] y, double[] w) {
    List<Row> rows = new ArrayList<>(z.length);
    for (int i = 0; i < z.length; i++) {
      rows.add(RowFactory.create(z[i], Vectors.dense(-z[i], z[i]), StableMath.sigmoid(z[i]),
          Vectors.dense(StableMath.sigmoid(-z[i]), StableMath.sigmoid(z[i])), y[i], w[i]));
    }
    return spark.createDataFrame(jsc.parallelize(rows, 2), SCHEMA);
  }

  /** A frame of probabilities p (and [1 − p, p]); z and rawPrediction are null. */
  private static Dataset<Row> probabilityFrame(double[] p, double[] y, double[] w) {
    List<Row> rows = new ArrayList<>(p.length);
    for (int i = 0; i < p.length; i++) {
      rows.add(RowFactory.create(null, null, p[i], Vectors.dense(1.0 - p[i], p[i]), y[i], w[i]));
    }
    return spark.createDataFrame(jsc.parallelize(rows, 2), SCHEMA);
  }

  /** Seeded logits over [−30, 30] plus saturated, tiny and zero ones; hard and soft labels. */
  private static double[][] randomData(long seed, int n) {
    Random rnd = new Random(seed);
    double[] special = {-745, 745, -1e3, 1e3, 0.0, 1e-300, -1e-300, 36.7, -40, 40};
    double[] z = new double[n];
    double[] y = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = i % 10 == 0 ? special[(i / 10) % special.length] : -30 + 60 * rnd.nextDouble();
      y[i] = i % 7 == 0 ? (i % 2 == 0 ? 0.3 : 0.85) : (rnd.nextBoolean() ? 1.0 : 0.0);
      w[i] = i % 13 == 0 ? 0.0 : 0.1 + 2.9 * rnd.nextDouble();
    }
    return new double[][] {z, y, w};
  }

  private static double[] ones(int n) {
    double[] w = new double[n];
    Arrays.fill(w, 1.0);
    return w;
  }

  /** Σ w·LogitLoss.value / Σ w, plainly. */
  private static double logitMean(LogitLoss loss, double[] z, double[] y, double[] w) {
    double s = 0;
    double sw = 0;
    for (int i = 0; i < z.length; i++) {
      s += w[i] * loss.value(z[i], y[i]);
      sw += w[i];
    }
    return s / sw;
  }

  /**
   * PyTorch BCELoss (log terms clamped at −100) with pos_weight, smoothing and the focal factor.
   */
  private static double torchStyleLoss(double p, double y, double pw, double eps, boolean focal,
      double gamma, double alpha) {
    double ys = y * (1 - eps) + eps / 2;
    double ce = -(pw * ys * Math.max(Math.log(p), -100)
        + (1 - ys) * Math.max(Math.log1p(-p), -100));
    if (!focal) {
      return ce;
    }
    double pt = p * ys + (1 - p) * (1 - ys);
    double at = alpha >= 0 ? alpha * ys + (1 - alpha) * (1 - ys) : 1.0;
    return at * Math.pow(1 - pt, gamma) * ce;
  }

  private static void assertRelative(double expected, double actual, double tol, String what) {
    assertTrue(Double.isFinite(actual), what + ": not finite: " + actual);
    assertTrue(Math.abs(actual - expected) <= tol * Math.abs(expected),
        what + ": expected " + expected + " but was " + actual + " (relative error "
            + Math.abs(actual - expected) / Math.abs(expected) + ")");
  }

  private static IllegalArgumentException assertRejects(Executable e, String... fragments) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    for (String f : fragments) {
      assertTrue(ex.getMessage().contains(f), "message lacks '" + f + "': " + ex.getMessage());
    }
    return ex;
  }

  // ---- semantics on logits

  @Test
  void bceOnLogitsEqualsTheMeanOfLogitLossOverCollectedRows() {
    double[][] d = randomData(11, 400);
    double[] z = d[0];
    double[] y = d[1];
    double[] w = d[2];
    Dataset<Row> df = logitFrame(z, y, w);
    LogitLoss bce = LogitLoss.bce(1.0, 0.0);

    // Reference from the collected rows, exactly as Spark holds them.
    List<Row> rows = df.collectAsList();
    double[] cz = new double[rows.size()];
    double[] cy = new double[rows.size()];
    double[] cw = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      cz[i] = ((Vector) rows.get(i).getAs("rawPrediction")).apply(1);
      cy[i] = rows.get(i).getDouble(rows.get(i).fieldIndex("label"));
      cw[i] = rows.get(i).getDouble(rows.get(i).fieldIndex("weight"));
    }

    LogitLossEvaluator ev = new LogitLossEvaluator();
    double unweighted = ev.evaluate(df);
    assertRelative(logitMean(bce, cz, cy, ones(cz.length)), unweighted, 1e-12, "unweighted");

    double weighted = new LogitLossEvaluator().setWeightCol("weight").evaluate(df);
    assertRelative(logitMean(bce, cz, cy, cw), weighted, 1e-12, "weighted");
    assertNotEquals(unweighted, weighted);

    // posWeight and label smoothing are those of LogitLoss.
    double smoothed = new LogitLossEvaluator().setWeightCol("weight").setPosWeight(3.5)
        .setLabelSmoothing(0.1).evaluate(df);
    assertRelative(logitMean(LogitLoss.bce(3.5, 0.1), cz, cy, cw), smoothed, 1e-12, "pw, eps");
  }

  @Test
  void focalOnLogitsEqualsLogitLossAndReducesToBceAtGammaZeroWithoutAlpha() {
    double[][] d = randomData(12, 300);
    Dataset<Row> df = logitFrame(d[0], d[1], d[2]);

    double focalDefault = new LogitLossEvaluator().setMetricName("focal").setWeightCol("weight")
        .evaluate(df);
    assertRelative(logitMean(LogitLoss.focal(2.0, 0.25, 1.0, 0.0), d[0], d[1], d[2]),
        focalDefault, 1e-12, "focal defaults");

    double focalCustom = new LogitLossEvaluator().setMetricName("FOCAL").setWeightCol("weight")
        .setFocalGamma(0.5).setFocalAlpha(0.75).setPosWeight(3.0).setLabelSmoothing(0.1)
        .evaluate(df);
    assertRelative(logitMean(LogitLoss.focal(0.5, 0.75, 3.0, 0.1), d[0], d[1], d[2]),
        focalCustom, 1e-12, "focal custom");

    for (String input : new String[] {"rawPrediction", "probability"}) {
      double bce = new LogitLossEvaluator().setInput(input).setWeightCol("weight").setPosWeight(2.0)
          .evaluate(df);
      double focal = new LogitLossEvaluator().setInput(input).setWeightCol("weight")
          .setPosWeight(2.0).setMetricName("focal").setFocalGamma(0.0).setFocalAlpha(-1.0)
          .evaluate(df);
      assertEquals(bce, focal, 0.0, input + ": focal(gamma 0, alpha < 0) must be bce");
    }
  }

  @Test
  void sumIsTheMeanTimesTheWeightSum() {
    double[][] d = randomData(13, 200);
    Dataset<Row> df = logitFrame(d[0], d[1], d[2]);
    double sumW = Arrays.stream(d[2]).sum();
    for (String metric : new String[] {"bce", "focal"}) {
      LogitLossEvaluator ev = new LogitLossEvaluator().setMetricName(metric).setWeightCol("weight");
      double mean = ev.evaluate(df);
      double sum = ev.copy(ParamMap.empty()).setReduction("sum").evaluate(df);
      assertRelative(mean * sumW, sum, 1e-12, metric + " weighted sum");
      double unweightedMean = new LogitLossEvaluator().setMetricName(metric).evaluate(df);
      double unweightedSum = new LogitLossEvaluator().setMetricName(metric).setReduction("Sum")
          .evaluate(df);
      assertRelative(unweightedMean * d[0].length, unweightedSum, 1e-12, metric + " sum");
    }
  }

  @Test
  void numericAndVectorColumnsGiveTheSameResult() {
    double[][] d = randomData(14, 150);
    Dataset<Row> df = logitFrame(d[0], d[1], d[2]);
    for (String metric : new String[] {"bce", "focal"}) {
      LogitLossEvaluator ev = new LogitLossEvaluator().setMetricName(metric).setWeightCol("weight");
      assertEquals(ev.evaluate(df), ev.copy(ParamMap.empty()).setRawPredictionCol("z").evaluate(df),
          0.0, metric + " on logits");
      LogitLossEvaluator pe = ev.copy(ParamMap.empty()).setInput("probability");
      assertEquals(pe.evaluate(df), pe.copy(ParamMap.empty()).setProbabilityCol("p").evaluate(df),
          0.0, metric + " on probabilities");
    }
    // Integer labels and float weights are cast.
    Dataset<Row> cast = df.withColumn("label", df.col("label").cast("int"))
        .withColumn("weight", df.col("weight").cast("float"));
    double[] intLabels = Arrays.stream(d[1]).map(v -> (int) v).toArray();
    double[] floatWeights = Arrays.stream(d[2]).map(v -> (float) v).toArray();
    assertRelative(logitMean(LogitLoss.bce(1, 0), d[0], intLabels, floatWeights),
        new LogitLossEvaluator().setWeightCol("weight").evaluate(cast), 1e-12, "cast columns");
  }

  @Test
  void extremeFiniteLogitsGiveFiniteExactLosses() {
    double[] z = {1e300, -1e300, 1e300, -1e300, 50, -50, -1e300};
    double[] y = {0, 1, 1, 0, 1, 0, 1};
    double[] w = {1, 2, 0.5, 3, 1, 1, 0};
    Dataset<Row> df = logitFrame(z, y, w);
    for (LogitLoss loss : new LogitLoss[] {LogitLoss.bce(1, 0), LogitLoss.focal(2, 0.25, 1, 0),
        LogitLoss.focal(0.5, -1, 4, 0.05)}) {
      LogitLossEvaluator ev = new LogitLossEvaluator().setWeightCol("weight")
          .setMetricName(loss.isFocal() ? "focal" : "bce").setFocalGamma(loss.gamma())
          .setFocalAlpha(loss.isFocal() ? loss.alpha() : 0.25).setPosWeight(loss.posWeight())
          .setLabelSmoothing(loss.labelSmoothing());
      assertRelative(logitMean(loss, z, y, w), ev.evaluate(df), 1e-12, loss.toString());
    }
  }

  // ---- semantics on probabilities

  @Test
  void probabilitiesZeroAndOneGiveTheClampedLossOf100() {
    // Wrong hard labels at p = 0 and p = 1: each row costs exactly 100, never ∞ or NaN.
    Dataset<Row> wrong = probabilityFrame(new double[] {0.0, 1.0, 0.0, 1.0},
        new double[] {1.0, 0.0, 1.0, 0.0}, new double[] {1, 1, 1, 1});
    for (String col : new String[] {"probability", "p"}) {
      LogitLossEvaluator ev = new LogitLossEvaluator().setInput("probability")
          .setProbabilityCol(col);
      assertEquals(100.0, ev.evaluate(wrong), 0.0, col);
      assertEquals(400.0, ev.copy(ParamMap.empty()).setReduction("sum").evaluate(wrong), 0.0, col);
      assertEquals(200.0, ev.copy(ParamMap.empty()).setPosWeight(2.0).setReduction("sum")
          .evaluate(probabilityFrame(new double[] {0.0}, new double[] {1.0}, new double[] {1})),
          0.0, col + ", posWeight 2");
      // focal: alpha_t (1 - p_t)^gamma = 0.25 for y = 1 and 0.75 for y = 0, (1 - p_t) = 1.
      assertEquals(50.0, ev.copy(ParamMap.empty()).setMetricName("focal").evaluate(wrong), 0.0,
          col + ", focal");
    }
    // Right hard labels at p = 0 and 1 cost nothing.
    Dataset<Row> right = probabilityFrame(new double[] {0.0, 1.0}, new double[] {0.0, 1.0},
        new double[] {1, 1});
    assertEquals(0.0, new LogitLossEvaluator().setInput("probability").evaluate(right), 0.0);
    assertEquals(0.0, new LogitLossEvaluator().setInput("probability").setMetricName("focal")
        .evaluate(right), 0.0);
  }

  @Test
  void probabilityInputMatchesTheTorchFormulaAndTheLogitInputForModerateLogits() {
    Random rnd = new Random(21);
    int n = 300;
    double[] z = new double[n];
    double[] y = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = -8 + 16 * rnd.nextDouble();
      y[i] = i % 5 == 0 ? 0.4 : (rnd.nextBoolean() ? 1.0 : 0.0);
      w[i] = 0.5 + rnd.nextDouble();
    }
    Dataset<Row> df = logitFrame(z, y, w);
    double[][] settings = { // focal?, gamma, alpha, posWeight, smoothing
        {0, 2, 0.25, 1, 0}, {0, 2, 0.25, 2.5, 0.1}, {1, 2, 0.25, 1, 0}, {1, 0.5, -1, 3, 0.05}};
    for (double[] s : settings) {
      boolean focal = s[0] == 1;
      LogitLossEvaluator logits = new LogitLossEvaluator().setWeightCol("weight")
          .setMetricName(focal ? "focal" : "bce").setFocalGamma(s[1]).setFocalAlpha(s[2])
          .setPosWeight(s[3]).setLabelSmoothing(s[4]);
      LogitLossEvaluator probs = logits.copy(ParamMap.empty()).setInput("probability");
      double fromLogits = logits.evaluate(df);
      double fromProbs = probs.evaluate(df);
      assertRelative(fromLogits, fromProbs, 1e-9, "probability vs logit " + Arrays.toString(s));

      double num = 0;
      double den = 0;
      for (int i = 0; i < n; i++) {
        num += w[i] * torchStyleLoss(StableMath.sigmoid(z[i]), y[i], s[3], s[4], focal, s[1], s[2]);
        den += w[i];
      }
      assertRelative(num / den, fromProbs, 1e-12, "torch formula " + Arrays.toString(s));
    }
  }

  /**
   * The reason to prefer logits: at z = 50 on a correct label, σ(z) is exactly 1.0 in double, so
   * the probability input loses the loss log(1 + e^−50) ≈ 1.9e-22 entirely, and on a wrong label it
   * reports the clamp's 100 instead of ≈ z.
   */
  @Test
  void logitsKeepTheLossOfConfidentRowsThatProbabilitiesRoundAway() {
    LogitClassificationModel model =
        new LogitClassificationModel("zFifty", Vectors.dense(1.0), 0.0);
    Dataset<Row> data = spark.createDataFrame(List.of(RowFactory.create(1.0,
        Vectors.dense(50.0))), new StructType().add("label", DataTypes.DoubleType)
        .add("features", new VectorUDT()));
    Dataset<Row> scored = model.transform(data);

    double fromLogit = new LogitLossEvaluator().evaluate(scored);
    double exact = Math.log1p(Math.exp(-50));
    assertRelative(exact, fromLogit, 1e-12, "logit input at z = 50");
    assertEquals(1.9287e-22, fromLogit, 1e-26);

    assertEquals(0.0, new LogitLossEvaluator().setInput("probability").evaluate(scored), 0.0);

    // A wrong label 0 at z = 40 (σ(40) is 1.0 too): ≈ 40 from the logit, the clamp's 100 from p.
    Dataset<Row> wrong = logitFrame(new double[] {40.0}, new double[] {0.0}, new double[] {1.0});
    assertRelative(40.0 + Math.log1p(Math.exp(-40)), new LogitLossEvaluator().evaluate(wrong),
        1e-15, "logit input at z = 40, label 0");
    assertEquals(100.0, new LogitLossEvaluator().setInput("probability").evaluate(wrong), 0.0);
  }

  // ---- on real models

  @Test
  void evaluatesTheOutputOfLogitClassificationModelAndSparkLogisticRegressionModel() {
    LogitClassificationModel ours = new LogitClassifier().setMaxIter(20).setRegParam(1e-2)
        .fit(breastCancer);
    LogisticRegressionModel sparkLr = new LogisticRegression().setMaxIter(20).setRegParam(1e-2)
        .fit(breastCancer);
    for (Dataset<Row> scored : List.of(ours.transform(breastCancer),
        sparkLr.transform(breastCancer))) {
      List<Row> rows = scored.select("label", "rawPrediction", "probability").collectAsList();
      int n = rows.size();
      double[] y = new double[n];
      double[] z = new double[n];
      double[] p = new double[n];
      for (int i = 0; i < n; i++) {
        y[i] = ((Number) rows.get(i).get(0)).doubleValue(); // the CSV's label is an integer
        z[i] = ((Vector) rows.get(i).get(1)).apply(1);
        p[i] = ((Vector) rows.get(i).get(2)).apply(1);
      }
      assertEquals(569, n);
      LogitLossEvaluator bce = new LogitLossEvaluator();
      assertRelative(logitMean(LogitLoss.bce(1, 0), z, y, ones(n)), bce.evaluate(scored), 1e-12,
          "bce on logits");
      LogitLossEvaluator focal = new LogitLossEvaluator().setMetricName("focal");
      assertRelative(logitMean(LogitLoss.focal(2, 0.25, 1, 0), z, y, ones(n)),
          focal.evaluate(scored), 1e-12, "focal on logits");
      double torch = 0;
      for (int i = 0; i < n; i++) {
        torch += torchStyleLoss(p[i], y[i], 1, 0, false, 0, -1);
      }
      assertRelative(torch / n, bce.copy(ParamMap.empty()).setInput("probability")
          .evaluate(scored), 1e-12, "bce on probabilities");
    }
  }

  @Test
  void crossValidatorPicksTheParamMapWithTheLowestAverageLoss() {
    LogitClassifier clf = new LogitClassifier().setLoss("focal").setMaxIter(15);
    ParamMap[] grid = new ParamGridBuilder()
        .addGrid(clf.regParam(), new double[] {1.0, 1e-3, 0.1})
        .build();
    LogitLossEvaluator ev = new LogitLossEvaluator().setMetricName("focal");
    CrossValidatorModel cv = new CrossValidator().setEstimator(clf).setEvaluator(ev)
        .setEstimatorParamMaps(grid).setNumFolds(2).setSeed(7L).setParallelism(1)
        .fit(breastCancer);

    double[] avg = cv.avgMetrics();
    assertEquals(grid.length, avg.length);
    int argmin = 0;
    int argmax = 0;
    for (int i = 1; i < avg.length; i++) {
      argmin = avg[i] < avg[argmin] ? i : argmin;
      argmax = avg[i] > avg[argmax] ? i : argmax;
    }
    assertNotEquals(argmin, argmax, "the grid must separate the metrics: " + Arrays.toString(avg));
    double chosen = ((LogitClassificationModel) cv.bestModel()).getRegParam();
    assertEquals((Double) grid[argmin].apply(clf.regParam()), chosen, 0.0,
        "avgMetrics " + Arrays.toString(avg));
    assertTrue(Arrays.stream(avg).allMatch(Double::isFinite));
  }

  // ---- Spark integration, params and persistence

  @Test
  void evaluateRunsExactlyOneSparkJob() throws Exception {
    double[][] d = randomData(15, 100);
    Dataset<Row> df = logitFrame(d[0], d[1], d[2]);
    String group = "logitLossEvaluatorOneJob";
    AtomicInteger jobs = new AtomicInteger();
    SparkListener listener = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        if (e.properties() != null
            && group.equals(e.properties().getProperty("spark.jobGroup.id"))) {
          jobs.incrementAndGet();
        }
      }
    };
    spark.sparkContext().addSparkListener(listener);
    try {
      spark.sparkContext().setJobGroup(group, "one evaluation", false);
      new LogitLossEvaluator().setWeightCol("weight").setMetricName("focal").evaluate(df);
      new LogitLossEvaluator().setInput("probability").evaluate(df);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertEquals(2, jobs.get(), "jobs for two evaluations");
    } finally {
      spark.sparkContext().clearJobGroup();
      spark.sparkContext().removeSparkListener(listener);
    }
  }

  @Test
  void paramsHaveSparkDefaultsAndAreFoundByReflection() {
    LogitLossEvaluator ev = new LogitLossEvaluator();
    assertFalse(ev.isLargerBetter());
    assertEquals("bce", ev.getMetricName());
    assertEquals("label", ev.getLabelCol());
    assertEquals(null, ev.getWeightCol());
    assertFalse(ev.isDefined(ev.weightCol()));
    assertEquals("rawPrediction", ev.getRawPredictionCol());
    assertEquals("probability", ev.getProbabilityCol());
    assertEquals("rawPrediction", ev.getInput());
    assertEquals(1.0, ev.getPosWeight());
    assertEquals(2.0, ev.getFocalGamma());
    assertEquals(0.25, ev.getFocalAlpha());
    assertEquals(0.0, ev.getLabelSmoothing());
    assertEquals("mean", ev.getReduction());
    assertEquals(List.of("applyPosWeight", "focalAlpha", "focalGamma", "input", "labelCol",
            "labelSmoothing",
            "metricName", "posWeight", "probabilityCol", "rawPredictionCol", "reduction",
            "weightCol"),
        Arrays.stream(ev.params()).map(Param::name).sorted().toList());
    assertTrue(new LogitLossEvaluator("fixedUid").metricName().parent().equals("fixedUid"));

    LogitLossEvaluator copy = ev.copy(ParamMap.empty().put(ev.metricName(), "focal"));
    assertEquals(ev.uid(), copy.uid());
    assertEquals("focal", copy.getMetricName());
    assertEquals("bce", ev.getMetricName());
    assertEquals(LogitLoss.focal(2, 0.25, 1, 0), copy.logitLoss());
    assertEquals("rawPrediction", new LogitLossEvaluator().setInput("RAWPREDICTION").getInput());
  }

  @Test
  void invalidParamsAreRejectedWithTheParamNameAndRange() {
    LogitLossEvaluator ev = new LogitLossEvaluator();
    assertRejects(() -> ev.setMetricName("auc"), "metricName", "bce", "focal", "auc");
    assertRejects(() -> ev.setMetricName(null), "metricName");
    assertRejects(() -> ev.setInput("logit"), "input", "rawPrediction", "probability");
    assertRejects(() -> ev.setReduction("median"), "reduction", "mean", "sum");
    for (double bad : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertRejects(() -> ev.setPosWeight(bad), "posWeight", "> 0");
    }
    for (double bad : new double[] {-0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertRejects(() -> ev.setFocalGamma(bad), "focalGamma", ">= 0");
    }
    for (double bad : new double[] {1.5, Double.NaN, Double.NEGATIVE_INFINITY}) {
      assertRejects(() -> ev.setFocalAlpha(bad), "focalAlpha", "[0, 1]");
    }
    for (double bad : new double[] {1.0, -0.1, Double.NaN}) {
      assertRejects(() -> ev.setLabelSmoothing(bad), "labelSmoothing", "[0, 1)");
    }
    assertRejects(() -> ev.setLabelCol(""), "labelCol");
    assertRejects(() -> ev.setRawPredictionCol(null), "rawPredictionCol");
    assertRejects(() -> ev.setProbabilityCol(""), "probabilityCol");
    // Nothing was changed by the rejected calls.
    assertEquals(new LogitLossEvaluator().logitLoss(), ev.logitLoss());
    // Values set through a ParamMap (as CrossValidator does) meet Spark's validators.
    assertRejects(() -> ParamMap.empty().put(ev.posWeight(), -1.0), "posWeight");
    assertRejects(() -> ParamMap.empty().put(ev.metricName(), "auc"), "metricName");
    assertRejects(() -> ParamMap.empty().put(ev.labelSmoothing(), 1.0), "labelSmoothing");
    assertRejects(() -> ParamMap.empty().put(ev.focalAlpha(), 2.0), "focalAlpha");
    assertEquals(-3.0, ev.setFocalAlpha(-3.0).getFocalAlpha());
    assertEquals(0.0, ev.setFocalGamma(0.0).getFocalGamma());
  }

  @Test
  void saveAndLoadKeepTheParams() throws Exception {
    LogitLossEvaluator ev = new LogitLossEvaluator("evalUid").setMetricName("focal")
        .setLabelCol("y").setWeightCol("w").setRawPredictionCol("raw").setProbabilityCol("prob")
        .setInput("probability").setPosWeight(2.5).setFocalGamma(0.5).setFocalAlpha(-1.0)
        .setLabelSmoothing(0.1).setReduction("sum");
    String path = tmp.resolve("evaluator").toString();
    ev.write().save(path);
    LogitLossEvaluator back = LogitLossEvaluator.load(path);
    assertEquals("evalUid", back.uid());
    for (Param<?> p : ev.params()) {
      assertEquals(ev.getOrDefault(p), back.getOrDefault(p), p.name());
      assertEquals(ev.isSet(p), back.isSet(p), p.name());
    }
    assertEquals(ev.logitLoss(), back.logitLoss());

    LogitLossEvaluator defaults = new LogitLossEvaluator();
    String path2 = tmp.resolve("defaults").toString();
    defaults.write().save(path2);
    LogitLossEvaluator back2 = LogitLossEvaluator.read().load(path2);
    assertFalse(back2.isDefined(back2.weightCol()));
    assertEquals("rawPrediction", back2.getInput());
    assertRejects(() -> LogitClassifier.load(path2), "LogitClassifier");

    // A CrossValidator holding the evaluator round-trips too.
    LogitClassifier clf = new LogitClassifier();
    CrossValidator cv = new CrossValidator().setEstimator(clf).setEvaluator(ev)
        .setEstimatorParamMaps(new ParamGridBuilder()
            .addGrid(clf.regParam(), new double[] {0.1, 0.01}).build());
    String path3 = tmp.resolve("cv").toString();
    cv.write().save(path3);
    LogitLossEvaluator fromCv = assertInstanceOf(LogitLossEvaluator.class,
        CrossValidator.load(path3).getEvaluator());
    assertEquals("evalUid", fromCv.uid());
    assertEquals(0.5, fromCv.getFocalGamma());
    assertEquals("w", fromCv.getWeightCol());
  }

  // ---- bad input

  @Test
  void invalidValuesAreReportedWithTheColumnAndTheFirstBadValue() {
    // Partition 0 holds rows 0-4, partition 1 rows 5-9; "first" means the lowest position.
    double[] p = {0.5, 0.2, 0.7, 1.5, 0.1, -0.25, 0.3, Double.NaN, 0.9, 0.4};
    double[] y = {1, 0, 1, 1, 0, 2.0, 1, 0, -1, 1};
    double[] w = {1, 1, 1, 1, Double.NaN, -2.0, 1, 1, 1, 1};
    Dataset<Row> df = probabilityFrame(p, y, w);
    LogitLossEvaluator ev = new LogitLossEvaluator().setInput("probability");
    assertRejects(() -> ev.evaluate(df), "probabilityCol 'probability'", "3 of 10",
        "first invalid value: 1.5", "labelCol 'label'", "2 of 10", "first invalid value: 2.0");
    assertRejects(() -> ev.copy(ParamMap.empty()).setProbabilityCol("p").setWeightCol("weight")
        .evaluate(df), "probabilityCol 'p'", "weightCol 'weight'", "first invalid value: NaN");
    // The weight check alone, on valid probabilities and labels.
    Dataset<Row> badWeights = probabilityFrame(new double[] {0.5, 0.5, 0.5, 0.5},
        new double[] {1, 0, 1, 0}, new double[] {1, 1, -2.0, Double.NaN});
    IllegalArgumentException e = assertRejects(() -> ev.copy(ParamMap.empty())
        .setWeightCol("weight").evaluate(badWeights), "weightCol 'weight'", "2 of 4",
        "first invalid value: -2.0");
    assertFalse(e.getMessage().contains("labelCol"), e.getMessage());
  }

  @Test
  void invalidLogitsAndVectorsAreRejected() {
    double[] z = {0.5, Double.NaN, Double.POSITIVE_INFINITY, 1.0};
    Dataset<Row> df = logitFrame(z, new double[] {1, 0, 1, 0}, new double[] {1, 1, 1, 1});
    assertRejects(() -> new LogitLossEvaluator().evaluate(df), "rawPredictionCol 'rawPrediction'",
        "finite", "2 of 4", "first invalid value: NaN");
    assertRejects(() -> new LogitLossEvaluator().setRawPredictionCol("z").evaluate(df),
        "rawPredictionCol 'z'", "first invalid value: NaN");

    StructType schema = new StructType().add("raw", new VectorUDT()).add("label",
        DataTypes.DoubleType);
    Dataset<Row> threeClasses = spark.createDataFrame(List.of(
        RowFactory.create(Vectors.dense(0.1, 0.2, 0.7), 1.0)), schema);
    assertRejects(() -> new LogitLossEvaluator().setRawPredictionCol("raw")
        .evaluate(threeClasses), "rawPredictionCol 'raw'", "a vector of size 3");
    assertRejects(() -> new LogitLossEvaluator().setInput("probability").setProbabilityCol("raw")
        .evaluate(threeClasses), "probabilityCol 'raw'", "a vector of size 3");
    // Raw vectors that are not [-z, z] (e.g. vote counts) are not logits.
    Dataset<Row> votes = spark.createDataFrame(List.of(
        RowFactory.create(Vectors.dense(3.0, 7.0), 1.0)), schema);
    assertRejects(() -> new LogitLossEvaluator().setRawPredictionCol("raw").evaluate(votes),
        "[3.0,7.0]", "[-z, z]");
    Dataset<Row> nulls = spark.createDataFrame(List.of(RowFactory.create(null, 1.0),
        RowFactory.create(Vectors.dense(-1, 1), null)), schema);
    assertRejects(() -> new LogitLossEvaluator().setRawPredictionCol("raw").evaluate(nulls),
        "rawPredictionCol 'raw'", "first invalid value: null", "labelCol 'label'");
  }

  @Test
  void emptyDataZeroWeightsAndWrongColumnsAreRejected() {
    double[][] d = randomData(16, 20);
    Dataset<Row> df = logitFrame(d[0], d[1], d[2]);
    assertRejects(() -> new LogitLossEvaluator().evaluate(df.limit(0)), "empty");
    assertRejects(() -> new LogitLossEvaluator().setInput("probability")
        .evaluate(df.filter("label > 5")), "empty");

    Dataset<Row> zeroWeights = logitFrame(d[0], d[1], new double[20]);
    assertRejects(() -> new LogitLossEvaluator().setWeightCol("weight").evaluate(zeroWeights),
        "total weight", "weightCol 'weight'");
    assertEquals(0.0, new LogitLossEvaluator().setWeightCol("weight").setReduction("sum")
        .evaluate(zeroWeights), 0.0);

    assertRejects(() -> new LogitLossEvaluator().setLabelCol("nope").evaluate(df),
        "labelCol 'nope' does not exist");
    assertRejects(() -> new LogitLossEvaluator().setWeightCol("nope").evaluate(df),
        "weightCol 'nope' does not exist");
    assertRejects(() -> new LogitLossEvaluator().setInput("probability").setProbabilityCol("nope")
        .evaluate(df), "probabilityCol 'nope' does not exist");
    Dataset<Row> strings = df.withColumn("s", df.col("z").cast("string"));
    assertRejects(() -> new LogitLossEvaluator().setRawPredictionCol("s").evaluate(strings),
        "rawPredictionCol 's'", "string");
    assertRejects(() -> new LogitLossEvaluator().setLabelCol("s").evaluate(strings),
        "labelCol 's'", "numeric");
  }
}
