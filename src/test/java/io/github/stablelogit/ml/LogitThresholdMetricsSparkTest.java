package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
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
import org.junit.jupiter.api.TestInstance;
import scala.Tuple2;
import scala.Tuple3;

/**
 * {@link LogitThresholdMetrics} against brute force on the driver (every distinct score as a
 * threshold, weighted counts of score &gt;= t), against Spark's own BinaryClassificationMetrics and
 * BinaryClassificationEvaluator, and against a fitted model's predictions at the chosen threshold.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogitThresholdMetricsSparkTest {

  private static final List<String> BEST = List.of("f1", "f0.5", "f2", "youden");
  private static final List<String> ALL =
      List.of("f1", "f0.5", "f2", "youden", "precision", "recall", "fpr");

  private SparkSession spark;

  @BeforeAll
  void start() {
    spark = SparkTestSupport.newSession("LogitThresholdMetricsSparkTest");
  }

  @AfterAll
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  // ---- Driver-side data and brute force.

  /** Scores, labels and weights held on the driver. */
  record Scored(double[] p, double[] y, double[] w) {

    int n() {
      return p.length;
    }

    /** (probability vector [1-p, p], p, label, weight) in 3 partitions. */
    Dataset<Row> frame(SparkSession spark) {
      List<Row> rows = new ArrayList<>(n());
      for (int i = 0; i < n(); i++) {
        rows.add(RowFactory.create(Vectors.dense(1 - p[i], p[i]), p[i], y[i], w[i]));
      }
      StructType schema = new StructType(new StructField[] {
          new StructField("probability", new VectorUDT(), false, Metadata.empty()),
          new StructField("p", DataTypes.DoubleType, false, Metadata.empty()),
          new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
          new StructField("weight", DataTypes.DoubleType, false, Metadata.empty())});
      return spark.createDataFrame(
          JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, 3), schema);
    }

    Scored withWeights(double[] nw) {
      return new Scored(p, y, nw);
    }
  }

  /**
   * Probabilities rounded to 1/200 (so that scores tie), labels drawn from a logistic model, and
   * weights uniform in [lo, hi] (1 when lo = hi = 1).
   */
  static Scored seeded(long seed, int n, double lo, double hi) {
    Random rnd = new Random(seed);
    double[] p = new double[n];
    double[] y = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      double z = 1.5 * rnd.nextGaussian() - 0.8;
      double score = 1 / (1 + Math.exp(-(z + 0.7 * rnd.nextGaussian())));
      p[i] = Math.round(score * 200) / 200.0;
      y[i] = rnd.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1.0 : 0.0;
      w[i] = lo == hi ? lo : lo + (hi - lo) * rnd.nextDouble();
    }
    return new Scored(p, y, w);
  }

  /** Weighted confusion counts of the rule "score >= t" at every distinct score, descending. */
  static final class Brute {
    final double[] thresholds;
    final double[] tp;
    final double[] fp;
    final double pos;
    final double neg;

    Brute(Scored d, double[] candidateThresholds) {
      thresholds = candidateThresholds;
      tp = new double[thresholds.length];
      fp = new double[thresholds.length];
      double ps = 0;
      double ns = 0;
      for (int i = 0; i < d.n(); i++) {
        if (d.y()[i] == 1.0) {
          ps += d.w()[i];
        } else {
          ns += d.w()[i];
        }
      }
      pos = ps;
      neg = ns;
      for (int k = 0; k < thresholds.length; k++) {
        for (int i = 0; i < d.n(); i++) {
          if (d.p()[i] >= thresholds[k]) {
            if (d.y()[i] == 1.0) {
              tp[k] += d.w()[i];
            } else {
              fp[k] += d.w()[i];
            }
          }
        }
      }
    }

    Brute(Scored d) {
      this(d, distinctDescending(d.p()));
    }

    double value(String metric, int k) {
      return metric(metric, tp[k], fp[k], pos, neg);
    }

    double max(String metric) {
      double m = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < thresholds.length; k++) {
        m = Math.max(m, value(metric, k));
      }
      return m;
    }

    /** The largest threshold whose value is within the tie tolerance of the maximum. */
    double best(String metric) {
      double m = max(metric);
      for (int k = 0; k < thresholds.length; k++) {
        if (value(metric, k) >= m - LogitThresholdMetrics.TIE_TOLERANCE) {
          return thresholds[k];
        }
      }
      throw new AssertionError();
    }
  }

  static double[] distinctDescending(double[] p) {
    TreeSet<Double> set = new TreeSet<>();
    for (double v : p) {
      set.add(v);
    }
    return set.descendingSet().stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** A metric from weighted counts, with Spark's conventions (precision 1 with no positives). */
  static double metric(String metric, double tp, double fp, double pos, double neg) {
    double precision = tp + fp == 0 ? 1.0 : tp / (tp + fp);
    double recall = tp / pos;
    double fpr = fp / neg;
    switch (metric) {
      case "f1":
        return fBeta(1.0, precision, recall);
      case "f0.5":
        return fBeta(0.5, precision, recall);
      case "f2":
        return fBeta(2.0, precision, recall);
      case "youden":
        return recall - fpr;
      case "precision":
        return precision;
      case "recall":
        return recall;
      case "fpr":
        return fpr;
      default:
        throw new AssertionError(metric);
    }
  }

  static double fBeta(double beta, double precision, double recall) {
    double b2 = beta * beta;
    return precision + recall == 0 ? 0.0
        : (1 + b2) * precision * recall / (b2 * precision + recall);
  }

  /** A metric of the rule p > t (every row when t = 0), weighted, on driver data. */
  static double metricOfRule(Scored d, String metric, double t) {
    double tp = 0;
    double fp = 0;
    double pos = 0;
    double neg = 0;
    for (int i = 0; i < d.n(); i++) {
      boolean predicted = t <= 0 || d.p()[i] > t;
      if (d.y()[i] == 1.0) {
        pos += d.w()[i];
        tp += predicted ? d.w()[i] : 0;
      } else {
        neg += d.w()[i];
        fp += predicted ? d.w()[i] : 0;
      }
    }
    return metric(metric, tp, fp, pos, neg);
  }

  static double[][] collect(Dataset<Row> curve) {
    List<Row> rows = curve.collectAsList();
    double[][] out = new double[2][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      out[0][i] = rows.get(i).getDouble(0);
      out[1][i] = rows.get(i).getDouble(1);
    }
    return out;
  }

  static double[][] collectRdd(org.apache.spark.rdd.RDD<Tuple2<Object, Object>> curve) {
    List<Tuple2<Object, Object>> rows = curve.toJavaRDD().collect();
    double[][] out = new double[2][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      out[0][i] = (Double) rows.get(i)._1();
      out[1][i] = (Double) rows.get(i)._2();
    }
    return out;
  }

  static void assertCurvesEqual(double[][] expected, double[][] actual, double tol, String what) {
    assertEquals(expected[0].length, actual[0].length, what + ": length");
    assertArrayEquals(expected[0], actual[0], tol, what + ": x");
    assertArrayEquals(expected[1], actual[1], tol, what + ": y");
  }

  /** Checks all optimizable metrics against brute force, and the model-rule threshold. */
  static void assertBestMatchesBruteForce(LogitThresholdMetrics m, Scored d, Brute brute) {
    for (String metric : BEST) {
      double s = brute.best(metric);
      assertEquals(s, m.bestScoreThreshold(metric), 0.0, metric + ": best Spark threshold");
      double t = m.bestThreshold(metric);
      assertTrue(t >= 0 && t < 1, metric + ": " + t);
      for (int i = 0; i < d.n(); i++) {
        boolean model = t <= 0 || d.p()[i] > t;
        assertEquals(d.p()[i] >= s, model, metric + ": rule p > " + t + " vs p >= " + s
            + " at p = " + d.p()[i]);
      }
      assertEquals(brute.max(metric), m.metricAt(metric, t), 1e-12, metric + ": value");
      assertEquals(brute.max(metric), metricOfRule(d, metric, t), 1e-12, metric + ": rule");
    }
  }

  // ---- Tests.

  @Test
  void bestThresholdsMatchBruteForceOnSeededData() {
    Scored unit = seeded(11, 1500, 1, 1);
    Scored weighted = unit.withWeights(seeded(12, 1500, 0.2, 3.0).w());
    for (Scored d : List.of(unit, weighted)) {
      boolean last = d == weighted;
      Dataset<Row> df = d.frame(spark).cache();
      LogitThresholdMetrics m = LogitThresholdMetrics.of(df, "probability", "label", "weight", 0);
      Brute brute = new Brute(d);
      assertEquals(brute.thresholds.length, m.numThresholds());
      assertEquals(brute.pos, m.weightedPositives(), 1e-9);
      assertEquals(brute.neg, m.weightedNegatives(), 1e-9);
      assertBestMatchesBruteForce(m, d, brute);

      // metricAt follows the model's rule p > t at arbitrary thresholds, scores included.
      List<Double> ts = new ArrayList<>(List.of(0.0, 1.0, 0.123, 0.5, 0.999));
      for (int k = 0; k < brute.thresholds.length; k += 7) {
        ts.add(brute.thresholds[k]);
      }
      for (double t : ts) {
        for (String metric : ALL) {
          assertEquals(metricOfRule(d, metric, t), m.metricAt(metric, t), 1e-12,
              metric + " at " + t);
        }
      }

      if (last) {
        // A plain double probability column gives the same result as the vector column.
        LogitThresholdMetrics fromDouble =
            LogitThresholdMetrics.of(df, "p", "label", "weight", 0);
        for (String metric : BEST) {
          assertEquals(m.bestThreshold(metric), fromDouble.bestThreshold(metric), 0.0);
        }
        assertEquals(m.areaUnderROC(), fromDouble.areaUnderROC(), 1e-12);
      }

      // The frames are Spark's curves, with Spark's column names.
      BinaryClassificationMetrics ref = reference(d, 0);
      assertCurvesEqual(collectRdd(ref.roc()), collect(m.roc()), 1e-12, "roc");
      assertCurvesEqual(collectRdd(ref.pr()), collect(m.pr()), 1e-12, "pr");
      assertCurvesEqual(collectRdd(ref.precisionByThreshold()),
          collect(m.precisionByThreshold()), 1e-12, "precision");
      assertCurvesEqual(collectRdd(ref.recallByThreshold()), collect(m.recallByThreshold()),
          1e-12, "recall");
      assertCurvesEqual(collectRdd(ref.fMeasureByThreshold()), collect(m.fMeasureByThreshold()),
          1e-12, "f1");
      assertCurvesEqual(collectRdd(ref.fMeasureByThreshold(0.5)),
          collect(m.fMeasureByThreshold(0.5)), 1e-12, "f0.5");
      assertEquals(ref.areaUnderROC(), m.areaUnderROC(), 1e-12);
      assertEquals(ref.areaUnderPR(), m.areaUnderPR(), 1e-12);
      ref.unpersist();
      assertEquals(List.of("FPR", "TPR"), Arrays.asList(m.roc().columns()));
      assertEquals(List.of("recall", "precision"), Arrays.asList(m.pr().columns()));
      assertEquals(List.of("threshold", "precision"),
          Arrays.asList(m.precisionByThreshold().columns()));
      assertEquals(List.of("threshold", "recall"),
          Arrays.asList(m.recallByThreshold().columns()));
      assertEquals(List.of("threshold", "F-Measure"),
          Arrays.asList(m.fMeasureByThreshold(2.0).columns()));
      df.unpersist();
    }
  }

  /** A reference BinaryClassificationMetrics on (score, label, weight) triples. */
  private BinaryClassificationMetrics reference(Scored d, int numBins) {
    List<Tuple3<Object, Object, Object>> l = new ArrayList<>();
    for (int i = 0; i < d.n(); i++) {
      l.add(new Tuple3<>(d.p()[i], d.y()[i], d.w()[i]));
    }
    return new BinaryClassificationMetrics(
        JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(l, 3).rdd(), numBins);
  }

  @Test
  void exactTieTakesTheLargestThreshold() {
    // F1 is 0.5 at score >= 0.9 (TP 1, FP 0) and at score >= 0.5 (TP 2, FP 3); below 0.5 elsewhere.
    double[] p = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.4, 0.4, 0.35, 0.3};
    double[] y = {1, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    double[] w = new double[p.length];
    Arrays.fill(w, 1.0);
    Scored d = new Scored(p, y, w);
    LogitThresholdMetrics m = LogitThresholdMetrics.of(d.frame(spark), "p", "label", "weight", 0);
    Brute brute = new Brute(d);
    assertEquals(0.5, brute.value("f1", 0), 1e-15);
    assertEquals(0.5, brute.value("f1", 4), 1e-15);
    assertEquals(0.9, m.bestScoreThreshold("f1"), 0.0);
    assertEquals(0.85, m.bestThreshold("f1"), 1e-15);
    assertEquals(0.5, m.metricAt("f1", m.bestThreshold("f1")), 1e-15);
    assertEquals(0.5, m.metricAt("f1", 0.45), 1e-15);
    assertBestMatchesBruteForce(m, d, brute);
    // The same data with the labels flipped (the scores now rank the classes the wrong way).
    Scored inverted = new Scored(p, Arrays.stream(y).map(v -> 1 - v).toArray(), w);
    LogitThresholdMetrics mi =
        LogitThresholdMetrics.of(inverted.frame(spark), "p", "label", "weight", 0);
    assertBestMatchesBruteForce(mi, inverted, new Brute(inverted));
  }

  @Test
  void weightsMoveTheBestThresholdAsBruteForcePredicts() {
    Scored unit = seeded(21, 1200, 1, 1);
    double[] doubled = new double[unit.n()];
    for (int i = 0; i < doubled.length; i++) {
      doubled[i] = unit.y()[i] == 1.0 ? 2.0 : 1.0;
    }
    Scored heavy = unit.withWeights(doubled);
    LogitThresholdMetrics a =
        LogitThresholdMetrics.of(unit.frame(spark), "probability", "label", "weight", 0);
    LogitThresholdMetrics b =
        LogitThresholdMetrics.of(heavy.frame(spark), "probability", "label", "weight", 0);
    assertBestMatchesBruteForce(a, unit, new Brute(unit));
    assertBestMatchesBruteForce(b, heavy, new Brute(heavy));
    assertNotEquals(a.bestThreshold("f1"), b.bestThreshold("f1"));
    assertTrue(b.bestThreshold("f1") < a.bestThreshold("f1"),
        "heavier positives should lower the F1-optimal threshold");
    // Without the weight column the doubled data are evaluated as unit weights.
    LogitThresholdMetrics c =
        LogitThresholdMetrics.of(heavy.frame(spark), "probability", "label", null, 0);
    assertEquals(a.bestThreshold("f1"), c.bestThreshold("f1"), 0.0);
  }

  @Test
  void integerWeightEqualsReplicatedRows() {
    Scored base = seeded(31, 800, 1, 1);
    Random rnd = new Random(32);
    double[] k = new double[base.n()];
    List<Double> rp = new ArrayList<>();
    List<Double> ry = new ArrayList<>();
    for (int i = 0; i < k.length; i++) {
      k[i] = 1 + rnd.nextInt(3);
      for (int j = 0; j < k[i]; j++) {
        rp.add(base.p()[i]);
        ry.add(base.y()[i]);
      }
    }
    Scored weighted = base.withWeights(k);
    double[] ones = new double[rp.size()];
    Arrays.fill(ones, 1.0);
    Scored replicated = new Scored(rp.stream().mapToDouble(Double::doubleValue).toArray(),
        ry.stream().mapToDouble(Double::doubleValue).toArray(), ones);
    // Exact curves only: with numBins > 0 Spark's bins are chunks of each partition of a range
    // partitioning whose bounds are sampled, so replicated data may be binned differently.
    for (int bins : new int[] {0}) {
      LogitThresholdMetrics a =
          LogitThresholdMetrics.of(weighted.frame(spark), "probability", "label", "weight", bins);
      LogitThresholdMetrics b =
          LogitThresholdMetrics.of(replicated.frame(spark), "probability", "label", null, bins);
      assertCurvesEqual(collect(b.roc()), collect(a.roc()), 1e-12, "roc " + bins);
      assertCurvesEqual(collect(b.pr()), collect(a.pr()), 1e-12, "pr " + bins);
      assertCurvesEqual(collect(b.fMeasureByThreshold()), collect(a.fMeasureByThreshold()),
          1e-12, "f1 " + bins);
      assertCurvesEqual(collect(b.precisionByThreshold()), collect(a.precisionByThreshold()),
          1e-12, "precision " + bins);
      assertEquals(b.areaUnderROC(), a.areaUnderROC(), 1e-12);
      assertEquals(b.areaUnderPR(), a.areaUnderPR(), 1e-12);
      for (String metric : BEST) {
        assertEquals(b.bestThreshold(metric), a.bestThreshold(metric), 0.0, metric);
      }
    }
  }

  @Test
  void areasMatchSparksWeightedEvaluator() {
    Scored d = seeded(41, 2000, 0.1, 4.0);
    Dataset<Row> df = d.frame(spark).cache();
    // numBins 0 is exact. With numBins > 0 Spark's bins depend on a sampled range partitioning
    // (seeded by RDD id), so two runs on the same data may bin differently: compare loosely.
    for (int bins : new int[] {0, 50}) {
      LogitThresholdMetrics m =
          LogitThresholdMetrics.of(df, "probability", "label", "weight", bins);
      BinaryClassificationEvaluator ev = new BinaryClassificationEvaluator()
          .setRawPredictionCol("probability").setLabelCol("label").setWeightCol("weight")
          .setNumBins(bins);
      double tol = bins == 0 ? 1e-9 : 5e-3;
      assertEquals(ev.setMetricName("areaUnderROC").evaluate(df), m.areaUnderROC(), tol);
      assertEquals(ev.setMetricName("areaUnderPR").evaluate(df), m.areaUnderPR(), tol);
    }
    df.unpersist();
  }

  @Test
  void binnedCurvesKeepTheModelRuleExact() {
    Scored d = seeded(51, 3000, 0.5, 2.0);
    LogitThresholdMetrics m =
        LogitThresholdMetrics.of(d.frame(spark), "probability", "label", "weight", 30);
    assertTrue(m.numThresholds() < distinctDescending(d.p()).length, "curves were binned");
    double[] binThresholds = collect(m.precisionByThreshold())[0];
    assertBestMatchesBruteForce(m, d, new Brute(d, binThresholds));
  }

  @Test
  void rejectsBadInput() {
    Scored d = seeded(61, 50, 1, 1);
    Dataset<Row> ok = d.frame(spark);
    IllegalArgumentException e;
    for (double bad : new double[] {0.5, -1.0}) {
      Dataset<Row> df = ok.withColumn("label",
          when(col("p").equalTo(ok.first().getDouble(1)), bad).otherwise(col("label")));
      e = assertThrows(IllegalArgumentException.class,
          () -> LogitThresholdMetrics.of(df, "probability", "label", "weight", 0));
      assertTrue(e.getMessage().contains("labelCol 'label'") && e.getMessage().contains(
          String.valueOf(bad)), e.getMessage());
    }
    Dataset<Row> nullLabel = ok.withColumn("label",
        when(col("p").gt(0.5), (Object) null).otherwise(col("label")));
    e = assertThrows(IllegalArgumentException.class,
        () -> LogitThresholdMetrics.of(nullLabel, "probability", "label", null, 0));
    assertTrue(e.getMessage().contains("labelCol 'label'"), e.getMessage());
    Dataset<Row> negWeight = ok.withColumn("weight", col("weight").minus(2.0));
    e = assertThrows(IllegalArgumentException.class,
        () -> LogitThresholdMetrics.of(negWeight, "probability", "label", "weight", 0));
    assertTrue(e.getMessage().contains("weightCol 'weight'") && e.getMessage().contains("-1.0"),
        e.getMessage());
    Dataset<Row> zeroWeight = ok.withColumn("weight", col("weight").multiply(0.0));
    e = assertThrows(IllegalArgumentException.class,
        () -> LogitThresholdMetrics.of(zeroWeight, "probability", "label", "weight", 0));
    assertTrue(e.getMessage().contains("weightCol 'weight' is 0 in all"), e.getMessage());
    Dataset<Row> badP = ok.withColumn("p", col("p").plus(1.0));
    e = assertThrows(IllegalArgumentException.class,
        () -> LogitThresholdMetrics.of(badP, "p", "label", null, 0));
    assertTrue(e.getMessage().contains("probabilityCol 'p'"), e.getMessage());
    Dataset<Row> single = ok.withColumn("label", col("label").multiply(0.0));
    e = assertThrows(IllegalArgumentException.class,
        () -> LogitThresholdMetrics.of(single, "probability", "label", null, 0));
    assertTrue(e.getMessage().contains("single class"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> LogitThresholdMetrics.of(ok, "nope", "label", null, 0));
    assertThrows(IllegalArgumentException.class,
        () -> LogitThresholdMetrics.of(ok, "probability", "label", null, -1));

    LogitThresholdMetrics m = LogitThresholdMetrics.of(ok, "probability", "label", null, 0);
    e = assertThrows(IllegalArgumentException.class, () -> m.bestThreshold("accuracy"));
    assertTrue(e.getMessage().contains("f1, f0.5, f2, youden"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> m.metricAt("auc", 0.5));
    assertTrue(e.getMessage().contains("f1, f0.5, f2, youden, precision, recall, fpr"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.metricAt("f1", 1.5));
    assertThrows(IllegalArgumentException.class, () -> m.metricAt("f1", Double.NaN));
    assertEquals(m.bestThreshold("f1"), m.bestThreshold(" F1 "), 0.0);
  }

  @Test
  void rejectsProbabilityVectorsOfTheWrongSize() {
    List<Row> rows = List.of(
        RowFactory.create(Vectors.dense(0.2, 0.8), 1.0),
        RowFactory.create(Vectors.dense(0.1, 0.2, 0.7), 0.0));
    StructType schema = new StructType(new StructField[] {
        new StructField("probability", new VectorUDT(), false, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty())});
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LogitThresholdMetrics.of(df, "probability", "label", null, 0));
    assertTrue(e.getMessage().contains("size 3"), e.getMessage());
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    Scored d = seeded(71, 400, 0.5, 1.5);
    LogitThresholdMetrics m =
        LogitThresholdMetrics.of(d.frame(spark), "probability", "label", "weight", 0);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(m);
    }
    LogitThresholdMetrics back;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (LogitThresholdMetrics) in.readObject();
    }
    for (String metric : BEST) {
      assertEquals(m.bestThreshold(metric), back.bestThreshold(metric), 0.0);
      assertEquals(m.metricAt(metric, 0.3), back.metricAt(metric, 0.3), 0.0);
    }
    assertEquals(m.areaUnderROC(), back.areaUnderROC(), 0.0);
    assertCurvesEqual(collect(m.roc()), collect(back.roc()), 0.0, "roc");
  }

  @Test
  void bankMarketingModelAtTheBestThresholdReproducesTheOptimum() {
    // The numeric columns of bank marketing, a quarter of the rows, positives weighted 3.
    String[] numeric = {"age", "duration", "campaign", "pdays", "previous", "emp.var.rate",
        "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed"};
    Dataset<Row> raw = spark.read().option("header", "true").option("sep", ";")
        .csv(SparkTestSupport.sampleData().resolve("bank-additional-full.csv.gz").toString())
        .sample(false, 0.25, 7);
    List<org.apache.spark.sql.Column> cols = new ArrayList<>();
    String[] names = new String[numeric.length];
    for (int j = 0; j < numeric.length; j++) {
      names[j] = "x" + j;
      cols.add(col("`" + numeric[j] + "`").cast(DataTypes.DoubleType).as(names[j]));
    }
    cols.add(when(col("y").equalTo("yes"), 1.0).otherwise(0.0).as("label"));
    cols.add(when(col("y").equalTo("yes"), 3.0).otherwise(1.0).as("weight"));
    Dataset<Row> data = new VectorAssembler().setInputCols(names).setOutputCol("features")
        .transform(raw.select(cols.toArray(new org.apache.spark.sql.Column[0])))
        .select("label", "weight", "features")
        .cache();
    LogitClassificationModel model = new LogitClassifier().setWeightCol("weight")
        .setMaxIter(20).fit(data);
    Dataset<Row> scored = model.transform(data).cache();

    List<Row> rows = scored.select("probability", "label", "weight").collectAsList();
    double[] p = new double[rows.size()];
    double[] y = new double[rows.size()];
    double[] w = new double[rows.size()];
    for (int i = 0; i < p.length; i++) {
      p[i] = ((Vector) rows.get(i).get(0)).apply(1);
      y[i] = rows.get(i).getDouble(1);
      w[i] = rows.get(i).getDouble(2);
    }
    Scored d = new Scored(p, y, w);
    assertTrue(d.n() > 9000 && d.n() < 11000, "rows: " + d.n());
    assertTrue(distinctDescending(p).length > 5000, "distinct scores");

    LogitThresholdMetrics exact =
        LogitThresholdMetrics.of(scored, "probability", "label", "weight", 0);
    assertBestMatchesBruteForce(exact, d, new Brute(d));
    LogitThresholdMetrics binned =
        LogitThresholdMetrics.of(scored, "probability", "label", "weight", 100);
    assertTrue(binned.numThresholds() <= 110, "bins: " + binned.numThresholds());
    assertBestMatchesBruteForce(binned, d,
        new Brute(d, collect(binned.precisionByThreshold())[0]));

    BinaryClassificationEvaluator ev = new BinaryClassificationEvaluator()
        .setRawPredictionCol("probability").setWeightCol("weight").setNumBins(0);
    assertEquals(ev.evaluate(scored), exact.areaUnderROC(), 1e-9);

    // The model, with its threshold set to bestThreshold, predicts exactly the optimum.
    double maxF1 = Arrays.stream(collect(exact.fMeasureByThreshold())[1]).max().getAsDouble();
    assertEquals(maxF1, exact.metricAt("f1", exact.bestThreshold("f1")), 0.0);
    for (LogitThresholdMetrics m : List.of(exact, binned)) {
      for (String metric : m == exact ? List.of("f1", "youden") : List.of("f1")) {
        double t = m.bestThreshold(metric);
        List<Row> pred = model.copy(new org.apache.spark.ml.param.ParamMap())
            .setThreshold(t).transform(data).select("prediction", "label", "weight")
            .collectAsList();
        double tp = 0;
        double fp = 0;
        double pos = 0;
        double neg = 0;
        for (Row r : pred) {
          boolean positive = r.getDouble(0) == 1.0;
          if (r.getDouble(1) == 1.0) {
            pos += r.getDouble(2);
            tp += positive ? r.getDouble(2) : 0;
          } else {
            neg += r.getDouble(2);
            fp += positive ? r.getDouble(2) : 0;
          }
        }
        assertEquals(m.metricAt(metric, t), metric(metric, tp, fp, pos, neg), 1e-12,
            metric + " of the model's predictions at threshold " + t + " (numBins "
                + m.numBins() + ")");
      }
    }
    scored.unpersist();
    data.unpersist();
  }
}
