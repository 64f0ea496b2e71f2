package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.rand;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
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
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calibration param (platt, isotonic) against brute force, its persistence, the reliability
 * metrics against driver-side sums, and calibration of focal loss on bank marketing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CalibrationSparkTest {

  private static final Logger LOG = LoggerFactory.getLogger(CalibrationSparkTest.class);

  private SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  void start() {
    spark = SparkTestSupport.newSession("CalibrationSparkTest");
  }

  @AfterAll
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /**
   * Rows (label, features [x], weight, isVal): x rounded to 1/4 so that logits tie, labels from a
   * logistic model, weights 1..3, a third of the rows validation rows.
   */
  private Dataset<Row> small(long seed, int n) {
    Random rnd = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double x = Math.round(rnd.nextGaussian() * 4) / 4.0;
      double y = rnd.nextDouble() < 1 / (1 + Math.exp(-(1.5 * x - 0.5))) ? 1.0 : 0.0;
      rows.add(RowFactory.create(y, Vectors.dense(x), 1.0 + rnd.nextInt(3), i % 3 == 0));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty()),
        new StructField("weight", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("isVal", DataTypes.BooleanType, false, Metadata.empty())});
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  /**
   * Weighted pool-adjacent-violators, written out: rows sorted by score, equal scores pooled
   * first, then adjacent blocks merged while their means decrease. Returns the fitted value of
   * each row.
   */
  static double[] bruteForcePav(double[] score, double[] y, double[] w) {
    Integer[] order = new Integer[score.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
    List<double[]> blocks = new ArrayList<>(); // {sum w*y, sum w, first index, last index}
    for (int k = 0; k < order.length; k++) {
      int i = order[k];
      double[] last = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
      if (last != null && score[order[(int) last[3]]] == score[i]) {
        last[0] += w[i] * y[i];
        last[1] += w[i];
        last[3] = k;
      } else {
        blocks.add(new double[] {w[i] * y[i], w[i], k, k});
      }
    }
    List<double[]> stack = new ArrayList<>();
    for (double[] b : blocks) {
      stack.add(b);
      while (stack.size() > 1) {
        double[] top = stack.get(stack.size() - 1);
        double[] below = stack.get(stack.size() - 2);
        if (below[0] / below[1] <= top[0] / top[1]) {
          break;
        }
        below[0] += top[0];
        below[1] += top[1];
        below[3] = top[3];
        stack.remove(stack.size() - 1);
      }
    }
    double[] fitted = new double[score.length];
    for (double[] b : stack) {
      for (int k = (int) b[2]; k <= (int) b[3]; k++) {
        fitted[order[k]] = b[0] / b[1];
      }
    }
    return fitted;
  }

  @Test
  void isotonicIsTheWeightedPavOfTheValidationRowsMonotoneAndWithinTheUnitInterval() {
    for (long seed : new long[] {1, 2, 3}) {
      Dataset<Row> data = small(seed, 150 + (int) seed * 40).cache();
      LogitClassificationModel m = new LogitClassifier().setWeightCol("weight")
          .setValidationIndicatorCol("isVal").setCalibration("isotonic").fit(data);
      assertEquals("isotonic", m.calibrator().kind());
      List<Row> val = data.filter("isVal").collectAsList();
      double[] z = new double[val.size()];
      double[] y = new double[val.size()];
      double[] w = new double[val.size()];
      for (int i = 0; i < z.length; i++) {
        z[i] = m.margin((Vector) val.get(i).get(1));
        y[i] = val.get(i).getDouble(0);
        w[i] = val.get(i).getDouble(2);
      }
      double[] expected = bruteForcePav(z, y, w);
      for (int i = 0; i < z.length; i++) {
        double e = Math.min(Math.max(expected[i], Calibrator.ISOTONIC_EPSILON),
            1 - Calibrator.ISOTONIC_EPSILON);
        double got = m.predictProbability((Vector) val.get(i).get(1));
        assertEquals(e, got, 1e-12, "seed " + seed + ", z = " + z[i]);
      }
      // Monotone and in [0, 1] on a grid well beyond the fitted logits.
      double prev = -1;
      for (double x = -10; x <= 10; x += 0.01) {
        double p = m.predictProbability(Vectors.dense(x));
        assertTrue(p >= 0 && p <= 1 && p >= prev, "x = " + x + ": " + p + " after " + prev);
        prev = p;
      }
    }
  }

  @Test
  void plattAndIsotonicAreRefusedWithoutValidationRows() {
    Dataset<Row> data = small(4, 90);
    for (String kind : List.of("platt", "isotonic")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new LogitClassifier().setCalibration(kind).fit(data));
      assertTrue(e.getMessage().contains("calibration = " + kind + " is fitted on validation "
          + "rows") && e.getMessage().contains("set validationIndicatorCol"), e.getMessage());
      Dataset<Row> none = data.withColumn("never", col("isVal").and(col("isVal").equalTo(false)));
      e = assertThrows(IllegalArgumentException.class, () -> new LogitClassifier()
          .setCalibration(kind).setValidationIndicatorCol("never").fit(none));
      assertTrue(e.getMessage().contains("validationIndicatorCol 'never' is true in none"),
          e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LogitClassifier().setCalibration("beta"));
    assertTrue(e.getMessage().contains("calibration must be one of [none, prior, platt, "
        + "isotonic], but was 'beta'"), e.getMessage());
    assertEquals("platt", new LogitClassifier().setCalibration(" Platt ").getCalibration());
  }

  @Test
  void calibratedModelsSurviveSaveAndLoadAloneAndInAPipeline() throws Exception {
    Dataset<Row> data = small(5, 300).cache();
    for (String kind : List.of("platt", "isotonic")) {
      LogitClassifier clf = new LogitClassifier().setWeightCol("weight")
          .setValidationIndicatorCol("isVal").setCalibration(kind).setThreshold(0.3);
      LogitClassificationModel m = clf.fit(data);
      String dir = tmp.resolve("model-" + kind).toString();
      m.write().save(dir);
      LogitClassificationModel loaded = LogitClassificationModel.load(dir);
      assertEquals(kind, loaded.getCalibration());
      assertEquals(m.calibrator().toString(), loaded.calibrator().toString());
      assertArrayEquals(m.calibrator().isotonicValues(), loaded.calibrator().isotonicValues());
      assertArrayEquals(column(m.transform(data)), column(loaded.transform(data)), 0.0);

      Pipeline pipe = new Pipeline().setStages(new PipelineStage[] {
          new StandardScaler().setInputCol("features").setOutputCol("scaled"),
          clf.copy(org.apache.spark.ml.param.ParamMap.empty()).setFeaturesCol("scaled")});
      PipelineModel pm = pipe.fit(data);
      String pdir = tmp.resolve("pipeline-" + kind).toString();
      pm.write().save(pdir);
      PipelineModel pl = PipelineModel.load(pdir);
      assertArrayEquals(column(pm.transform(data)), column(pl.transform(data)), 0.0);
      LogitClassificationModel inner = (LogitClassificationModel) pl.stages()[1];
      assertEquals(kind, inner.calibrator().kind());
      // Java serialization keeps it too.
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
        out.writeObject(m);
      }
      try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
          new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
        LogitClassificationModel back = (LogitClassificationModel) in.readObject();
        assertEquals(m.calibrator().toString(), back.calibrator().toString());
      }
    }
  }

  /** probability[1], rawPrediction[1] and prediction of each row, in order. */
  private static double[] column(Dataset<Row> scored) {
    List<Row> rows = scored.select("probability", "rawPrediction", "prediction").collectAsList();
    double[] out = new double[3 * rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      out[3 * i] = ((Vector) rows.get(i).get(0)).apply(1);
      out[3 * i + 1] = ((Vector) rows.get(i).get(1)).apply(1);
      out[3 * i + 2] = rows.get(i).getDouble(2);
    }
    return out;
  }

  @Test
  void reliabilityMetricsMatchDriverSums() {
    Dataset<Row> data = small(6, 600).cache();
    LogitClassificationModel m = new LogitClassifier().setWeightCol("weight").fit(data);
    CalibrationMetrics cm = m.calibrationMetrics(data);
    List<Row> rows = m.transform(data).select("probability", "label", "weight").collectAsList();
    int n = rows.size();
    double[][] pyw = new double[n][];
    double total = 0;
    double squares = 0;
    for (int i = 0; i < n; i++) {
      double p = ((Vector) rows.get(i).get(0)).apply(1);
      pyw[i] = new double[] {p, rows.get(i).getDouble(1), rows.get(i).getDouble(2)};
      total += pyw[i][2];
      squares += pyw[i][2] * (p - pyw[i][1]) * (p - pyw[i][1]);
    }
    assertEquals(squares / total, cm.brier(), 1e-12);
    // Equal-mass bins by hand: groups of equal p are whole, placed by their weight midpoint.
    Arrays.sort(pyw, (a, b) -> Double.compare(a[0], b[0]));
    int bins = CalibrationMetrics.DEFAULT_BINS;
    double[][] acc = new double[bins][3];
    double below = 0;
    for (int i = 0; i < n;) {
      int j = i;
      double gw = 0;
      while (j < n && pyw[j][0] == pyw[i][0]) {
        gw += pyw[j++][2];
      }
      int b = (int) Math.min(bins - 1, Math.floor(bins * (below + gw / 2) / total));
      for (int k = i; k < j; k++) {
        acc[b][0] += pyw[k][2];
        acc[b][1] += pyw[k][2] * pyw[k][0];
        acc[b][2] += pyw[k][2] * pyw[k][1];
      }
      below += gw;
      i = j;
    }
    double ece = 0;
    List<Double> mp = new ArrayList<>();
    for (double[] a : acc) {
      if (a[0] > 0) {
        ece += a[0] / total * Math.abs(a[1] / a[0] - a[2] / a[0]);
        mp.add(a[1] / a[0]);
      }
    }
    assertEquals(ece, cm.ece(), 1e-12);
    assertArrayEquals(mp.stream().mapToDouble(Double::doubleValue).toArray(),
        cm.meanPredicted(), 1e-12);
    assertEquals(n, Arrays.stream(cm.binCounts()).sum());
    assertEquals(total, Arrays.stream(cm.binWeights()).sum(), 1e-9);
    assertEquals(cm.meanPredicted().length, cm.reliabilityCurve().count());
    // The training summary reports the same metrics on its training rows (here: all rows).
    assertEquals(cm.ece(), m.summary().calibrationMetrics().ece(), 1e-15);
    // A constant prediction at the base rate is calibrated: ECE 0, Brier pi(1 - pi).
    double pi = Arrays.stream(pyw).mapToDouble(r -> r[1] * r[2]).sum() / total;
    Dataset<Row> constant = data.withColumn("p", org.apache.spark.sql.functions.lit(pi));
    CalibrationMetrics flat = CalibrationMetrics.of(constant, "p", "label", "weight", 10);
    assertEquals(0.0, flat.ece(), 1e-12);
    assertEquals(pi * (1 - pi), flat.brier(), 1e-12);
    assertEquals(1, flat.meanPredicted().length);
  }

  @Test
  void bankMarketingFocalLossIsMiscalibratedAndPlattOrIsotonicRepairIt() {
    // The full feature set as a user would fit it: the 9 numeric columns and the 10 categorical
    // ones one-hot encoded, the encoding fitted on the training rows. Held-out split: 50 %
    // training, 25 % validation (fits the calibrators), 25 % test.
    Dataset<Row> read = SparkTestSupport.bankMarketingRaw(spark).withColumn("u", rand(17))
        .withColumn("isVal", col("u").geq(0.5).and(col("u").lt(0.75))).cache();
    PipelineModel encoding = SparkTestSupport.bankMarketingEncoding()
        .fit(read.filter(col("u").lt(0.5)));
    Dataset<Row> all = encoding.transform(read).select("label", "features", "u", "isVal").cache();
    Dataset<Row> fit = all.filter(col("u").lt(0.75));
    Dataset<Row> test = all.filter(col("u").geq(0.75));
    LogitClassifier base = new LogitClassifier().setValidationIndicatorCol("isVal")
        .setRegParam(1e-4).setMaxIter(200);
    LogitClassificationModel bce = base.copy(org.apache.spark.ml.param.ParamMap.empty()).fit(fit);
    LogitClassifier focal = base.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setLoss("focal").setFocalGamma(2.0).setFocalAlpha(0.25);
    LogitClassificationModel raw = focal.fit(fit);
    LogitClassificationModel platt = focal.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setCalibration("platt").fit(fit);
    LogitClassificationModel iso = focal.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setCalibration("isotonic").fit(fit);
    double eceBce = bce.calibrationMetrics(test).ece();
    double eceFocal = raw.calibrationMetrics(test).ece();
    double ecePlatt = platt.calibrationMetrics(test).ece();
    double eceIso = iso.calibrationMetrics(test).ece();
    LOG.info(String.format(java.util.Locale.ROOT, "bank marketing test rows %d: ECE bce %.4f, "
        + "focal %.4f, focal+platt %.4f, focal+isotonic %.4f; Brier bce %.4f, focal %.4f, "
        + "platt %.4f, isotonic %.4f", test.count(), eceBce, eceFocal, ecePlatt, eceIso,
        bce.calibrationMetrics(test).brier(), raw.calibrationMetrics(test).brier(),
        platt.calibrationMetrics(test).brier(), iso.calibrationMetrics(test).brier()));
    String all4 = eceBce + " " + eceFocal + " " + ecePlatt + " " + eceIso;
    // The bounds: focal loss well above BCE, isotonic within 0.01 and Platt within 0.02.
    assertTrue(eceFocal > 2 * eceBce && eceFocal > 0.05, all4);
    assertTrue(eceIso <= 0.01, all4);
    assertTrue(ecePlatt <= 0.02, all4);
    // Platt is monotone increasing (a > 0): the ranking, hence AUC, is the focal model's.
    assertTrue(platt.calibrator().plattSlope() > 0);
    BinaryClassificationEvaluator auc = new BinaryClassificationEvaluator().setNumBins(0);
    assertEquals(auc.evaluate(raw.transform(test)), auc.evaluate(platt.transform(test)), 1e-12);
    assertNull(raw.calibrator());
  }
}
