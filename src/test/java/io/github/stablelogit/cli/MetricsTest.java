package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The job's metrics on a small scored dataset against a plain-Java computation from the textbook
 * formulas (losses from σ(z) directly, AUC-ROC by counting pairs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {

  private static final int ROWS = 80;
  private static final double THRESHOLD = 0.4;

  private SparkSession spark;
  private final double[] z = new double[ROWS];
  private final double[] y = new double[ROWS];
  private final double[] w = new double[ROWS];
  private Dataset<Row> scored;

  @BeforeAll
  void setUp() {
    spark = SparkTestSupport.newSession("MetricsTest");
    Random rnd = new Random(11);
    List<Row> rows = new ArrayList<>();
    double cut = Math.log(THRESHOLD / (1 - THRESHOLD));
    for (int i = 0; i < ROWS; i++) {
      z[i] = 6 * rnd.nextDouble() - 3;
      y[i] = rnd.nextDouble() < 1 / (1 + Math.exp(-1.5 * z[i])) ? 1 : 0;
      w[i] = 0.5 + 2 * rnd.nextDouble();
      rows.add(RowFactory.create(y[i], Vectors.dense(-z[i], z[i]), z[i] > cut ? 1.0 : 0.0,
          w[i]));
    }
    StructType schema = new StructType().add(Columns.LABEL, DataTypes.DoubleType)
        .add("rawPrediction", new VectorUDT()).add("prediction", DataTypes.DoubleType)
        .add("w", DataTypes.DoubleType);
    scored = spark.createDataFrame(rows, schema).repartition(3);
  }

  @AfterAll
  void tearDown() {
    spark.stop();
  }

  /** −α_t (1−p_t)^γ [pw·y'·log σ(z) + (1−y')·log(1−σ(z))], smoothed y' (α &lt; 0: α_t = 1). */
  private static double loss(double z, double y, double gamma, double alpha, double pw,
      double eps) {
    double s = 1 / (1 + Math.exp(-z));
    double ys = y * (1 - eps) + eps / 2;
    double pt = s * ys + (1 - s) * (1 - ys);
    double at = alpha < 0 ? 1 : alpha * ys + (1 - alpha) * (1 - ys);
    return -at * Math.pow(1 - pt, gamma) * (pw * ys * Math.log(s) + (1 - ys) * Math.log(1 - s));
  }

  private double mean(boolean weighted, double gamma, double alpha, double pw, double eps) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < ROWS; i++) {
      double wi = weighted ? w[i] : 1;
      num += wi * loss(z[i], y[i], gamma, alpha, pw, eps);
      den += wi;
    }
    return num / den;
  }

  private double aucRoc(boolean weighted) {
    double num = 0;
    double pos = 0;
    double neg = 0;
    for (int i = 0; i < ROWS; i++) {
      double wi = weighted ? w[i] : 1;
      if (y[i] == 1) {
        pos += wi;
      } else {
        neg += wi;
      }
      for (int j = 0; j < ROWS; j++) {
        if (y[i] == 1 && y[j] == 0) {
          double wj = weighted ? w[j] : 1;
          num += wi * wj * (z[i] > z[j] ? 1 : z[i] == z[j] ? 0.5 : 0);
        }
      }
    }
    return num / (pos * neg);
  }

  private static void close(double expected, double actual, String what) {
    assertEquals(expected, actual, 1e-12 * Math.max(1, Math.abs(expected)), what);
  }

  @Test
  void weightedAndUnweightedMetricsMatchThePlainComputation() {
    LogitLoss training = LogitLoss.focal(1.5, 0.6, 2.0, 0.1);
    for (boolean weighted : new boolean[] {false, true}) {
      Metrics.Result r = Metrics.compute(scored, weighted ? "w" : null, training, THRESHOLD);
      String what = weighted ? "weighted" : "unweighted";
      double tp = 0;
      double fp = 0;
      double tn = 0;
      double fn = 0;
      double ws = 0;
      double positives = 0;
      double cut = Math.log(THRESHOLD / (1 - THRESHOLD));
      for (int i = 0; i < ROWS; i++) {
        double wi = weighted ? w[i] : 1;
        boolean predicted = z[i] > cut;
        tp += predicted && y[i] == 1 ? wi : 0;
        fp += predicted && y[i] == 0 ? wi : 0;
        tn += !predicted && y[i] == 0 ? wi : 0;
        fn += !predicted && y[i] == 1 ? wi : 0;
        ws += wi;
        positives += y[i] * wi;
      }
      assertEquals(ROWS, r.rows(), what);
      if (weighted) {
        close(ws, r.weightSum(), what + " weight sum");
      } else {
        assertNull(r.weightSum(), what);
      }
      close(positives / ws, r.positiveRate(), what + " positive rate");
      close(mean(weighted, 0, -1, 1, 0), r.meanBce(), what + " mean BCE");
      close(mean(weighted, 2, 0.25, 1, 0), r.meanFocal(), what + " mean focal");
      close(mean(weighted, 1.5, 0.6, 2.0, 0.1), r.meanTrainingLoss(), what + " training loss");
      assertEquals(training.toString(), r.trainingLoss());
      close(aucRoc(weighted), r.aucRoc(), what + " AUC-ROC");
      close(tp, r.tp(), what + " tp");
      close(fp, r.fp(), what + " fp");
      close(tn, r.tn(), what + " tn");
      close(fn, r.fn(), what + " fn");
      close(tp / (tp + fp), r.precision(), what + " precision");
      close(tp / (tp + fn), r.recall(), what + " recall");
      assertEquals(THRESHOLD, r.threshold());
    }
  }

  @Test
  void noRowsGiveNotANumber() {
    Metrics.Result r = Metrics.compute(scored.limit(0), null, Metrics.BCE, 0.5);
    assertEquals(0, r.rows());
    assertEquals(Double.NaN, r.meanBce());
    assertEquals(Double.NaN, r.aucRoc());
  }
}
