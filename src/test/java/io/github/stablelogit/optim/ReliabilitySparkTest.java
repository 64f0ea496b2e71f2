package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.StableMath;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.TaskContext;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Faults change nothing: retried tasks, extreme inputs, repeated runs. */
class ReliabilitySparkTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    // local[2, 4]: two threads, and a failed task is retried up to 4 times, as on a cluster.
    spark = SparkSession.builder().master("local[2, 4]").appName("reliability")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @AfterEach
  void clearHook() {
    BlockAggregator.beforeBlockHook = null;
  }

  private static Dataset<Row> data(int n, int d, long seed, double scale) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[d];
      double z = 0.3;
      for (int j = 0; j < d; j++) {
        x[j] = rnd.nextGaussian();
        z += (j % 3 - 1) * x[j];
      }
      double y = rnd.nextDouble() < StableMath.sigmoid(z) ? 1.0 : 0.0;
      for (int j = 0; j < d; j++) {
        x[j] *= scale;
      }
      rows.add(RowFactory.create(y, Vectors.dense(x)));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty())});
    return spark.createDataFrame(rows, schema).repartition(4).cache();
  }

  private static LogitClassifier classifier() {
    return new LogitClassifier().setLoss("focal").setPosWeight(2.0).setRegParam(1e-3)
        .setTol(1e-9).setMaxBlockSizeInMB(0.01);
  }

  @Test
  void tasksFailingOnTheirFirstAttemptAreRetriedAndGiveTheSameBits() {
    Dataset<Row> df = data(3000, 8, 1, 1.0);
    LogitClassificationModel undisturbed = classifier().fit(df);
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger injected = new AtomicInteger();
    BlockAggregator.beforeBlockHook = block -> {
      TaskContext tc = TaskContext.get();
      // Fail the first attempt of every fifth block-aggregation task start, in several evaluations.
      if (tc.attemptNumber() == 0 && calls.incrementAndGet() % 5 == 0) {
        injected.incrementAndGet();
        throw new IllegalStateException("injected fault");
      }
    };
    LogitClassificationModel retried = classifier().fit(df);
    BlockAggregator.beforeBlockHook = null;
    assertTrue(injected.get() >= 3, "faults injected: " + injected.get());
    assertArrayEquals(undisturbed.coefficients().toArray(), retried.coefficients().toArray(), 0.0);
    assertEquals(undisturbed.intercept(), retried.intercept(), 0.0);
    assertEquals(undisturbed.summary().totalIterations(), retried.summary().totalIterations());
  }

  @Test
  void networkTasksFailingOnTheirFirstAttemptAreRetriedAndGiveTheSameBits() {
    Dataset<Row> df = data(1500, 6, 3, 1.0);
    io.github.stablelogit.ml.LogitMLPClassifier clf = new io.github.stablelogit.ml
        .LogitMLPClassifier().setLayers(new int[] {5}).setLoss("focal").setMaxIter(20)
        .setMaxBlockSizeInMB(0.01);
    double[] undisturbed = clf.fit(df).weights().toArray();
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger injected = new AtomicInteger();
    BlockAggregator.beforeBlockHook = block -> {
      if (TaskContext.get().attemptNumber() == 0 && calls.incrementAndGet() % 5 == 0) {
        injected.incrementAndGet();
        throw new IllegalStateException("injected fault");
      }
    };
    double[] retried = clf.fit(df).weights().toArray();
    BlockAggregator.beforeBlockHook = null;
    assertTrue(injected.get() >= 3, "faults injected: " + injected.get());
    assertArrayEquals(undisturbed, retried, 0.0);
  }

  @Test
  void repeatedFitsAreBitIdentical() {
    Dataset<Row> df = data(2000, 5, 2, 1.0);
    LogitClassificationModel a = classifier().fit(df);
    LogitClassificationModel b = classifier().fit(df);
    assertArrayEquals(a.coefficients().toArray(), b.coefficients().toArray(), 0.0);
    assertEquals(a.intercept(), b.intercept(), 0.0);
  }

  @Test
  void separableDataWithoutRegularizationGivesFiniteCoefficients() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      double x = (i % 2 == 0 ? 1 : -1) * (1 + i / 100.0);
      rows.add(RowFactory.create(x > 0 ? 1.0 : 0.0, Vectors.dense(x, i % 7)));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty())});
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    LogitClassificationModel m = new LogitClassifier().setMaxIter(200).fit(df);
    for (double c : m.coefficients().toArray()) {
      assertTrue(Double.isFinite(c), m.coefficients().toString());
    }
    assertTrue(Double.isFinite(m.intercept()));
    assertEquals(0, m.transform(df).filter("prediction != label").count());
  }

  @Test
  void featureScaleOnlyRescalesTheCoefficients() {
    LogitClassificationModel unit = classifier().fit(data(2000, 5, 3, 1.0));
    LogitClassificationModel huge = classifier().fit(data(2000, 5, 3, 1e100));
    double[] a = unit.coefficients().toArray();
    double[] b = huge.coefficients().toArray();
    for (int j = 0; j < a.length; j++) {
      assertEquals(a[j], b[j] * 1e100, 1e-7 * Math.abs(a[j]), "coefficient " + j);
    }
    assertEquals(unit.intercept(), huge.intercept(), 1e-7 * Math.abs(unit.intercept()));
  }

  @Test
  void featuresTooLargeForDoublePrecisionStopWithAClearMessage() {
    Dataset<Row> df = data(500, 3, 4, 1e160);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> classifier().fit(df));
    assertTrue(e.getMessage().contains("too large") && e.getMessage().contains("Rescale"),
        e.getMessage());
  }

  @Test
  void extremePosWeightAndGammaGiveFiniteModels() {
    Dataset<Row> df = SparkTestSupport.breastCancer(spark);
    Dataset<Row> assembled = df;
    for (LogitClassifier c : List.of(
        new LogitClassifier().setPosWeight(1e6),
        new LogitClassifier().setLoss("focal").setFocalGamma(20.0),
        new LogitClassifier().setLoss("focal").setFocalGamma(0.3).setPosWeight(1e6)
            .setRegParam(0.0))) {
      LogitClassificationModel m = c.setMaxIter(100).fit(assembled);
      for (double v : m.coefficients().toArray()) {
        assertTrue(Double.isFinite(v), c.extractParamMap() + " -> " + m.coefficients());
      }
      assertTrue(Double.isFinite(m.intercept()));
      for (Row r : m.transform(assembled).select("probability").collectAsList()) {
        double p = ((Vector) r.get(0)).apply(1);
        assertTrue(p >= 0 && p <= 1, "probability " + p);
      }
    }
  }
}
