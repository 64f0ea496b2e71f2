package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@link LogitLossEvaluator}'s metric names brier and ece, and applyPosWeight. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReliabilityEvaluatorSparkTest {

  private SparkSession spark;
  private Dataset<Row> scored;
  private LogitClassificationModel model;

  @BeforeAll
  void start() {
    spark = SparkTestSupport.newSession("ReliabilityEvaluatorSparkTest");
    Dataset<Row> data = SparkTestSupport.breastCancer(spark).cache();
    model = new LogitClassifier().setRegParam(1e-2).setPosWeight(3.0).fit(data);
    scored = model.transform(data).cache();
  }

  @AfterAll
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void brierAndEceAreTheCalibrationMetrics() {
    CalibrationMetrics c = model.calibrationMetrics(scored.select("label", "features"));
    LogitLossEvaluator ev = new LogitLossEvaluator().setMetricName("Brier");
    assertEquals(c.brier(), ev.evaluate(scored), 1e-15);
    assertEquals(c.ece(), ev.setMetricName("ece").evaluate(scored), 1e-15);
    assertFalse(ev.isLargerBetter());
    assertTrue(c.brier() > 0 && c.ece() > 0);
  }

  @Test
  void applyPosWeightChoosesBetweenTheWeightedAndThePlainLoss() {
    LogitLoss weighted = LogitLoss.bce(3.0, 0.0);
    LogitLoss plain = LogitLoss.bce(1.0, 0.0);
    double sumW = 0;
    double sumP = 0;
    List<Row> rows = scored.select("rawPrediction", "label").collectAsList();
    for (Row r : rows) {
      double z = ((Vector) r.get(0)).apply(1);
      double y = ((Number) r.get(1)).doubleValue();
      sumW += weighted.value(z, y);
      sumP += plain.value(z, y);
    }
    LogitLossEvaluator ev = new LogitLossEvaluator().setPosWeight(3.0);
    assertTrue(ev.getApplyPosWeight());
    assertEquals(sumW / rows.size(), ev.evaluate(scored), 1e-12);
    assertEquals(sumP / rows.size(), ev.setApplyPosWeight(false).evaluate(scored), 1e-12);
    assertTrue(sumW > sumP * 1.01);
  }
}
