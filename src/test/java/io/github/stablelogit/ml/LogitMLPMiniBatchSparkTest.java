package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/** {@link LogitMLPClassifier} with Adam on mini-batches ({@code miniBatchFraction} &lt; 1). */
class LogitMLPMiniBatchSparkTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitMLPMiniBatchSparkTest");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static LogitMLPClassifier adam() {
    return new LogitMLPClassifier().setSolver("adam").setLayers(new int[] {6, 4})
        .setActivation("gelu").setRegParam(1e-3).setTol(0.0).setStepSize(0.05);
  }

  @Test
  void partitioningsGiveTheSameIteratesAndRefitsTheSameBits() {
    Dataset<Row> data = LogitMLPClassifierSparkTest.xor(spark, 3, 1500, 1).cache();
    LogitMLPClassifier clf = adam().setMaxIter(25).setMiniBatchFraction(0.3);
    LogitMLPClassificationModel first = clf.fit(data);
    double[] w = first.weights().toArray();
    assertArrayEquals(w, clf.fit(data).weights().toArray(), 0.0);
    double[] history = first.summary().objectiveHistory();
    assertEquals(26, history.length);
    for (int p : new int[] {3, 8}) {
      LogitMLPClassificationModel other = clf.fit(data.repartition(p));
      double[] v = other.weights().toArray();
      for (int j = 0; j < w.length; j++) {
        assertEquals(w[j], v[j], 1e-9 * Math.max(1.0, Math.abs(w[j])),
            p + " partitions, weight " + j);
      }
      double[] h = other.summary().objectiveHistory();
      for (int t = 0; t < history.length; t++) {
        assertEquals(history[t], h[t], 1e-9 * Math.abs(history[t]), p + " partitions, step " + t);
      }
    }
    // The batches differ from the full pass: the objective at the start is another number.
    double fullStart = adam().setMaxIter(0).fit(data).summary().objectiveHistory()[0];
    assertTrue(Math.abs(fullStart - history[0]) > 1e-6, fullStart + " vs " + history[0]);
  }

  @Test
  void fractionOneIsTheFullBatchBitForBit() {
    Dataset<Row> data = LogitMLPClassifierSparkTest.xor(spark, 4, 800, 3).cache();
    LogitMLPClassificationModel full = adam().setMaxIter(10).fit(data);
    LogitMLPClassificationModel one = adam().setMaxIter(10).setMiniBatchFraction(1.0).fit(data);
    assertArrayEquals(full.weights().toArray(), one.weights().toArray(), 0.0);
    assertArrayEquals(full.summary().objectiveHistory(), one.summary().objectiveHistory(), 0.0);
  }

  @Test
  void miniBatchesOfAFifthStillLearnXor(TestReporter reporter) {
    Dataset<Row> train = LogitMLPClassifierSparkTest.xor(spark, 1, 4000, 3).cache();
    Dataset<Row> test = LogitMLPClassifierSparkTest.xor(spark, 2, 4000, 2).cache();
    LogitMLPClassifier clf = new LogitMLPClassifier().setSolver("adam").setLayers(new int[] {16})
        .setStepSize(0.05).setMaxIter(300);
    double full = LogitMLPClassifierSparkTest.accuracy(clf.fit(train).transform(test));
    double batched = LogitMLPClassifierSparkTest.accuracy(
        clf.copy(org.apache.spark.ml.param.ParamMap.empty()).setMiniBatchFraction(0.2)
            .fit(train).transform(test));
    double bayes = test.filter("bayes = label").count() / (double) test.count();
    reporter.publishEntry("held-out accuracy", String.format(Locale.ROOT,
        "full batch %.4f, mini-batches of 0.2 %.4f, Bayes rule %.4f", full, batched, bayes));
    assertTrue(full >= bayes - 0.03, "full batch " + full + ", Bayes " + bayes);
    assertTrue(batched >= full - 0.02, "mini-batches " + batched + ", full batch " + full);
  }

  @Test
  void lbfgsRefusesMiniBatches() {
    Dataset<Row> data = LogitMLPClassifierSparkTest.xor(spark, 4, 100, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LogitMLPClassifier().setMiniBatchFraction(0.5).fit(data));
    assertTrue(e.getMessage().contains("needs solver adam"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new LogitMLPClassifier().setMiniBatchFraction(0.0));
    assertThrows(IllegalArgumentException.class,
        () -> new LogitMLPClassifier().setMiniBatchFraction(1.5));
  }
}
