package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.rand;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

/**
 * On real data the network ranks held-out rows at least as well as {@link LogitClassifier}. Each
 * set's settings (layers, activation, regParam, early stopping) were chosen once by the AUC on
 * the validation rows (a seeded 20 % of the training rows), never on the held-out rows; the test
 * fixes them and fits both models on the same training rows.
 */
class LogitMLPHeldOutAucSparkTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("LogitMLPHeldOutAucSparkTest");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static double auc(Dataset<Row> scored) {
    return new BinaryClassificationEvaluator().setRawPredictionCol("rawPrediction")
        .evaluate(scored);
  }

  /**
   * Fits the linear model on the training rows that are not validation rows, and the network on
   * all of them with early stopping on the validation rows; asserts the network's held-out AUC is
   * at least the linear one's.
   */
  private static void assertNetworkRanksAtLeastAsWell(String set, Dataset<Row> train,
      Dataset<Row> test, LogitClassifier linear, LogitMLPClassifier network,
      TestReporter reporter) {
    LogitClassificationModel lin = linear.fit(train.filter("not val").drop("val"));
    LogitMLPClassificationModel net = network.setValidationIndicatorCol("val").fit(train);
    double linearAuc = auc(lin.transform(test));
    double networkAuc = auc(net.transform(test));
    String line = String.format(Locale.ROOT, "%s held-out AUC: network %.4f (%d iterations, "
        + "best %d), linear %.4f", set, networkAuc, net.summary().totalIterations(),
        net.summary().bestIteration(), linearAuc);
    reporter.publishEntry(set, line);
    assertTrue(networkAuc >= linearAuc, line);
  }

  /**
   * a9a (UCI Adult, LIBSVM's split: 32,561 training rows, 16,281 test rows). Chosen on the
   * validation rows: a narrow relu layer [8] with regParam 1e-2 (validation AUC 0.9036; [16]
   * tanh at 1e-3 reached only 0.8914, it overfits the one-hot features), stopped after 20
   * iterations without a better validation loss; the linear model at regParam 1e-4 (0.9011, 1e-3
   * gives 0.9010).
   */
  @Test
  void a9aNetworkAtLeastTheLinearModel(TestReporter reporter) {
    Dataset<Row> train = SparkTestSupport.a9a(spark, false).repartition(4)
        .withColumn("val", rand(7).lt(0.2)).cache();
    Dataset<Row> test = SparkTestSupport.a9a(spark, true).cache();
    assertNetworkRanksAtLeastAsWell("a9a", train, test,
        new LogitClassifier().setRegParam(1e-4).setMaxIter(200),
        new LogitMLPClassifier().setLayers(new int[] {8}).setActivation("relu")
            .setRegParam(1e-2).setMaxIter(200).setEarlyStoppingRounds(20), reporter);
  }

  /**
   * Bank marketing without duration (9 numeric columns, 10 categorical ones one-hot; the encoding
   * uses no labels), a seeded 75/25 split. Chosen on the validation rows: the same [8] relu
   * network with regParam 1e-2 (validation AUC 0.7875; [16] tanh at 1e-2: 0.7844, [8] tanh at
   * 3e-2: 0.7808), stopped after 20 iterations without a better validation loss; the linear
   * model at regParam 1e-4 (0.7856; 1e-3: 0.7829).
   */
  @Test
  void bankMarketingNetworkAtLeastTheLinearModel(TestReporter reporter) {
    Dataset<Row> raw = SparkTestSupport.bankMarketingRaw(spark);
    Dataset<Row> encoded = SparkTestSupport.bankMarketingEncoding().fit(raw).transform(raw)
        .select("label", "features");
    Dataset<Row>[] split = encoded.randomSplit(new double[] {0.75, 0.25}, 42);
    Dataset<Row> train = split[0].repartition(4).withColumn("val", rand(7).lt(0.2)).cache();
    Dataset<Row> test = split[1].cache();
    assertNetworkRanksAtLeastAsWell("bank marketing", train, test,
        new LogitClassifier().setRegParam(1e-4).setMaxIter(200),
        new LogitMLPClassifier().setLayers(new int[] {8}).setActivation("relu")
            .setRegParam(1e-2).setMaxIter(200).setEarlyStoppingRounds(20), reporter);
  }
}
