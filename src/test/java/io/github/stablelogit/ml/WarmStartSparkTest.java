package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link LogitClassifier#setInitialModel}: warm starts reach the same optimum, sooner. */
class WarmStartSparkTest {

  private static SparkSession spark;
  private static Dataset<Row> cancer;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("WarmStartSparkTest");
    cancer = SparkTestSupport.breastCancer(spark).cache();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static LogitClassifier lbfgs(double reg) {
    return new LogitClassifier().setSolver("lbfgs").setRegParam(reg).setTol(1e-10)
        .setMaxIter(1000);
  }

  @Test
  void warmStartFromTheOptimumStopsAtOnceAndFromANeighbourReachesTheSameOptimum() {
    LogitClassificationModel cold = lbfgs(1e-2).fit(cancer);
    LogitClassificationModel again = lbfgs(1e-2).setInitialModel(cold).fit(cancer);
    assertTrue(again.summary().totalIterations() <= 2,
        "from its own optimum: " + again.summary().totalIterations() + " iterations");
    assertArrayEquals(cold.coefficients().toArray(), again.coefficients().toArray(), 1e-6);

    LogitClassificationModel neighbour = lbfgs(2e-2).fit(cancer);
    LogitClassificationModel warm = lbfgs(1e-2).setInitialModel(neighbour).fit(cancer);
    assertArrayEquals(cold.coefficients().toArray(), warm.coefficients().toArray(), 1e-6);
    assertEquals(cold.intercept(), warm.intercept(), 1e-6);
    assertTrue(warm.summary().totalIterations() < cold.summary().totalIterations(),
        warm.summary().totalIterations() + " warm vs " + cold.summary().totalIterations()
            + " cold iterations");
  }

  @Test
  void warmStartSurvivesCopyAndCorrectedProbabilities() {
    LogitClassifier clf = lbfgs(1e-3).setPosWeight(4.0).setCorrectProbabilities(true);
    LogitClassificationModel cold = clf.fit(cancer);
    LogitClassifier copy = clf.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setInitialModel(cold);
    assertEquals(cold, copy.copy(org.apache.spark.ml.param.ParamMap.empty()).getInitialModel());
    LogitClassificationModel warm = copy.fit(cancer);
    assertTrue(warm.summary().totalIterations() <= 2);
    assertEquals(cold.intercept(), warm.intercept(), 1e-6);
  }

  @Test
  void aModelWithAnotherFeatureCountIsRefused() {
    LogitClassificationModel small = new LogitClassificationModel("m", Vectors.dense(1, 2), 0.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> lbfgs(0.0).setInitialModel(small).fit(cancer));
    assertTrue(e.getMessage().contains("initial model has 2 features")
        && e.getMessage().contains("size 30"), e.getMessage());
  }
}
