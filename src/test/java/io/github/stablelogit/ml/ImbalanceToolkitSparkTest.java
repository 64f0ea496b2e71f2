package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.loss.StableMath;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
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

/** autoPosWeight, probability correction, validation and early stopping, lossCol, diagnostics. */
class ImbalanceToolkitSparkTest {

  private static SparkSession spark;
  private static Dataset<Row> bank;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("imbalance-toolkit");
    bank = SparkTestSupport.bankMarketing(spark).cache();
    bank.count();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static double auc(Dataset<Row> scored) {
    return new BinaryClassificationEvaluator().setNumBins(0).evaluate(scored);
  }

  private static double recall(Dataset<Row> scored) {
    long tp = scored.filter("label = 1 AND prediction = 1").count();
    long p = scored.filter("label = 1").count();
    return (double) tp / p;
  }

  @Test
  void autoPosWeightRaisesRecallOnBankMarketingAtEqualAuc() {
    LogitClassifier base = new LogitClassifier().setRegParam(1e-3).setMaxIter(200);
    LogitClassificationModel plain = base.fit(bank);
    LogitClassificationModel balanced = base.copy(new org.apache.spark.ml.param.ParamMap())
        .setAutoPosWeight(true).fit(bank);
    double pos = bank.filter("label = 1").count();
    double neg = bank.count() - pos;
    assertEquals(neg / pos, balanced.summary().posWeightUsed(), 1e-9 * neg / pos);
    assertEquals(neg / pos, balanced.getPosWeight(), 1e-9 * neg / pos);
    Dataset<Row> a = plain.transform(bank);
    Dataset<Row> b = balanced.transform(bank);
    double recallPlain = recall(a);
    double recallBalanced = recall(b);
    assertTrue(recallBalanced > recallPlain + 0.2,
        "recall " + recallPlain + " -> " + recallBalanced);
    assertEquals(auc(a), auc(b), 0.01);
  }

  private static double f1(Dataset<Row> scored) {
    double tp = scored.filter("label = 1 AND prediction = 1").count();
    double fp = scored.filter("label = 0 AND prediction = 1").count();
    double fn = scored.filter("label = 1 AND prediction = 0").count();
    return 2 * tp / (2 * tp + fp + fn);
  }

  @Test
  void tunedThresholdFromTheSummaryBeatsTheDefaultOnF1() {
    LogitClassificationModel m = new LogitClassifier().setRegParam(1e-3).fit(bank);
    double t = m.summary().thresholdMetrics().bestThreshold("f1");
    assertTrue(t > 0 && t < 0.5, "best F1 threshold " + t);
    double atDefault = f1(m.transform(bank));
    double atBest = f1(m.setThreshold(t).transform(bank));
    assertTrue(atBest > atDefault + 0.05, "F1 " + atDefault + " -> " + atBest);
    assertEquals(m.summary().thresholdMetrics().metricAt("f1", t), atBest, 0.01);
  }

  @Test
  void summaryGivesExactThresholdMetricsOnRequest() {
    LogitClassificationModel m = new LogitClassifier().setRegParam(1e-3).fit(bank);
    LogitThresholdMetrics exact = m.summary().thresholdMetrics(0);
    LogitThresholdMetrics binned = m.summary().thresholdMetrics();
    assertEquals(0, exact.numBins());
    assertEquals(1000, binned.numBins());
    assertTrue(exact == m.summary().thresholdMetrics(0), "computed once per numBins");
    assertTrue(binned == m.summary().thresholdMetrics(1000), "the default is 1000 bins");
    assertThrows(IllegalArgumentException.class, () -> m.summary().thresholdMetrics(-1));

    // Brute force over every distinct score s, positive iff score >= s (Spark's rule).
    Column p = org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64")
        .getItem(1);
    List<Row> scored = m.transform(bank).select(p.alias("p"), col("label")).collectAsList();
    double[][] rows = scored.stream().map(r -> new double[] {r.getDouble(0), r.getDouble(1)})
        .sorted((a, b) -> Double.compare(b[0], a[0])).toArray(double[][]::new);
    double positives = java.util.Arrays.stream(rows).mapToDouble(r -> r[1]).sum();
    double tp = 0;
    double bestF1 = 0;
    double bestScore = Double.NaN;
    for (int i = 0; i < rows.length; i++) {
      tp += rows[i][1];
      if (i + 1 < rows.length && rows[i + 1][0] == rows[i][0]) {
        continue; // the cut-off s admits every row with this score
      }
      double f1 = 2 * tp / (i + 1 + positives);
      if (f1 > bestF1) {
        bestF1 = f1;
        bestScore = rows[i][0];
      }
    }
    assertEquals(bestScore, exact.bestScoreThreshold("f1"), 0.0);
    double t = exact.bestThreshold("f1");
    assertEquals(bestF1, exact.metricAt("f1", t), 1e-12);
    assertEquals(bestF1, f1(m.setThreshold(t).transform(bank)), 1e-12);
    // Bins only restrict the candidates: the binned optimum cannot beat the exact one.
    double binnedBest = f1(m.setThreshold(binned.bestThreshold("f1")).transform(bank));
    assertTrue(binnedBest <= bestF1 + 1e-12, binnedBest + " vs exact " + bestF1);
  }

  @Test
  void autoPosWeightOnSingleClassFailsClearly() {
    Dataset<Row> ones = bank.filter("label = 1");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LogitClassifier().setAutoPosWeight(true).setLabelSmoothing(0.1).fit(ones));
    assertTrue(e.getMessage().contains("autoPosWeight"), e.getMessage());
  }

  /** Labels drawn from a logistic model, so the unweighted fit is well specified. */
  private static Dataset<Row> logistic(int n, long seed, double intercept) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double x1 = rnd.nextGaussian();
      double x2 = rnd.nextGaussian();
      double p = StableMath.sigmoid(1.5 * x1 - x2 + intercept);
      rows.add(RowFactory.create(rnd.nextDouble() < p ? 1.0 : 0.0, Vectors.dense(x1, x2),
          rnd.nextDouble() < 0.3));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty()),
        new StructField("isVal", DataTypes.BooleanType, false, Metadata.empty())});
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  private static double meanProbability(Dataset<Row> scored) {
    return scored.select("probability").collectAsList().stream()
        .mapToDouble(r -> ((Vector) r.get(0)).apply(1)).average().orElseThrow();
  }

  @Test
  void correctProbabilitiesRestoresTheBaseRateAndKeepsRankings() {
    Dataset<Row> data = logistic(20000, 7, -2.5).cache();
    double baseRate = data.filter("label = 1").count() / (double) data.count();
    LogitClassificationModel weighted = new LogitClassifier().setPosWeight(5.0).fit(data);
    LogitClassificationModel corrected = new LogitClassifier().setPosWeight(5.0)
        .setCorrectProbabilities(true).fit(data);
    assertEquals(weighted.intercept() - Math.log(5.0), corrected.intercept(), 1e-12);
    double skewed = meanProbability(weighted.transform(data));
    double restored = meanProbability(corrected.transform(data));
    assertTrue(skewed > baseRate + 0.1, "weighted mean probability " + skewed + " vs " + baseRate);
    assertEquals(baseRate, restored, 0.01, "corrected mean probability");
    assertEquals(auc(weighted.transform(data)), auc(corrected.transform(data)), 1e-12);
    // calibration = prior is the same correction.
    LogitClassificationModel prior = new LogitClassifier().setPosWeight(5.0)
        .setCalibration("prior").fit(data);
    assertEquals(corrected.intercept(), prior.intercept(), 0.0);
    assertEquals(baseRate, meanProbability(prior.transform(data)), 0.01);
    assertEquals(auc(corrected.transform(data)), auc(prior.transform(data)), 1e-12);
    assertEquals(auc(weighted.transform(data)), auc(prior.transform(data)), 1e-12);
    assertEquals(null, prior.calibrator());
  }

  @Test
  void plattOnAlreadyCalibratedScoresIsTheIdentity() {
    // A correctly specified BCE model's logits are calibrated: Platt's a = 1, b = 0 up to noise.
    // With about 12,000 validation rows the standard errors of a and b are about 0.03.
    Dataset<Row> data = logistic(40000, 8, -1.0).cache();
    LogitClassificationModel m = new LogitClassifier().setValidationIndicatorCol("isVal")
        .setCalibration("platt").fit(data);
    Calibrator c = m.calibrator();
    assertEquals("platt", c.kind());
    assertEquals(1.0, c.plattSlope(), 0.1, c.toString());
    assertEquals(0.0, c.plattIntercept(), 0.1, c.toString());
    // Logits twice too steep: Platt halves them (a = 1/2, b = 0 up to noise).
    double[] beta = m.coefficients().toArray();
    for (int j = 0; j < beta.length; j++) {
      beta[j] *= 2;
    }
    LogitClassificationModel steep =
        new LogitClassificationModel("steep", Vectors.dense(beta), 2 * m.intercept());
    Calibrator half = Calibrator.fit(new LogitClassifier().setValidationIndicatorCol("isVal")
        .setCalibration("platt"), steep, data, 1);
    assertEquals(0.5, half.plattSlope(), 0.05, half.toString());
    assertEquals(0.0, half.plattIntercept(), 0.1, half.toString());
    // transform applies it: the calibrated probability is sigma(a z + b).
    Vector x = Vectors.dense(0.3, -1.2);
    double z = m.margin(x);
    assertEquals(StableMath.sigmoid(c.plattSlope() * z + c.plattIntercept()),
        m.predictProbability(x), 1e-15);
    Row r = m.transform(data.limit(1)).select("features", "probability", "rawPrediction").first();
    double zr = m.margin((Vector) r.get(0));
    double cz = c.plattSlope() * zr + c.plattIntercept();
    assertEquals(StableMath.sigmoid(cz), ((Vector) r.get(1)).apply(1), 1e-15);
    assertEquals(cz, ((Vector) r.get(2)).apply(1), 1e-12);
  }

  @Test
  void validationLossIsRecordedAndEarlyStoppingReturnsTheBestIterate() {
    // Few noisy rows, many useless features, no regularization: the fit overfits.
    SplittableRandom rnd = new SplittableRandom(11);
    List<Row> rows = new ArrayList<>();
    int d = 60;
    for (int i = 0; i < 400; i++) {
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        x[j] = rnd.nextGaussian();
      }
      double p = StableMath.sigmoid(0.8 * x[0]);
      rows.add(RowFactory.create(rnd.nextDouble() < p ? 1.0 : 0.0, Vectors.dense(x), i % 2 == 0));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty()),
        new StructField("isVal", DataTypes.BooleanType, false, Metadata.empty())});
    Dataset<Row> data = spark.createDataFrame(rows, schema).repartition(2).cache();
    List<LogitIteration> seen = new ArrayList<>();
    LogitClassifier clf = new LogitClassifier().setValidationIndicatorCol("isVal")
        .setEarlyStoppingRounds(5).setMaxIter(200).setTol(1e-12)
        .addIterationListener(seen::add);
    LogitClassificationModel m = clf.fit(data);
    LogitTrainingSummary s = m.summary();
    double[] val = s.validationLossHistory();
    assertTrue(s.stoppedEarly(), s.convergenceReason());
    assertEquals(val.length, seen.size());
    int best = 0;
    for (int i = 1; i < val.length; i++) {
      if (val[i] < val[best]) {
        best = i;
      }
    }
    assertEquals(best, s.bestIteration());
    assertEquals(s.totalIterations() - 5, s.bestIteration());
    assertEquals(200, s.numRows(), 0);
    assertEquals(200, s.numValidationRows());
    // The returned coefficients are the best iterate's: recompute its validation loss with lossCol.
    double recomputed = m.setLossCol("loss").transform(data.filter("isVal"))
        .agg(org.apache.spark.sql.functions.avg("loss")).first().getDouble(0);
    assertEquals(val[best], recomputed, 1e-9 * val[best]);
  }

  @Test
  void lossColHoldsEachRowsLoss() {
    Dataset<Row> data = logistic(500, 3, 0.0);
    LogitClassificationModel m = new LogitClassifier().setLoss("focal").setFocalGamma(0.5)
        .setPosWeight(2.0).fit(data).setLossCol("rowLoss");
    LogitLoss loss = LogitLoss.focal(0.5, 0.25, 2.0, 0.0);
    for (Row r : m.transform(data).select("label", "rawPrediction", "rowLoss").collectAsList()) {
      double z = ((Vector) r.get(1)).apply(1);
      assertEquals(loss.value(z, r.getDouble(0)), r.getDouble(2), 1e-15);
    }
    assertFalse(java.util.Arrays.asList(m.transform(data.drop("label")).columns())
        .contains("rowLoss"));
  }

  @Test
  void singleClassPredictionsAreWarnedAbout() {
    SplittableRandom rnd = new SplittableRandom(5);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      double x = rnd.nextGaussian();
      rows.add(RowFactory.create(rnd.nextDouble() < StableMath.sigmoid(0.3 * x - 4.5) ? 1.0 : 0.0,
          Vectors.dense(x), false));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty()),
        new StructField("isVal", DataTypes.BooleanType, false, Metadata.empty())});
    Dataset<Row> rare = spark.createDataFrame(rows, schema);
    LogitTrainingSummary plain = new LogitClassifier().fit(rare).summary();
    assertEquals(0.0, plain.predictedPositiveFraction());
    assertEquals(1, plain.warnings().size());
    assertTrue(plain.warnings().get(0).contains("autoPosWeight"), plain.warnings().get(0));
    LogitTrainingSummary balanced = new LogitClassifier().setAutoPosWeight(true).fit(rare)
        .summary();
    assertTrue(balanced.warnings().isEmpty(), balanced.warnings().toString());
    assertTrue(balanced.predictedPositiveFraction() > 0.1);
  }

  @Test
  void earlyStoppingWithoutValidationColumnIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LogitClassifier().setEarlyStoppingRounds(3).fit(bank));
    assertTrue(e.getMessage().contains("validationIndicatorCol"), e.getMessage());
  }
}
