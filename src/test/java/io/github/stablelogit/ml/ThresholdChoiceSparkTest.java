package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.LogitThresholdMetricsSparkTest.Scored;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Constraint and cost thresholds ({@link ThresholdChoice}) against brute force on the driver: every
 * rule "score &gt;= s" over the distinct scores s (and, for costs, the rule that predicts nothing),
 * weighted counts, the largest threshold among ties.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThresholdChoiceSparkTest {

  private SparkSession spark;

  @BeforeAll
  void start() {
    spark = SparkTestSupport.newSession("ThresholdChoiceSparkTest");
  }

  @AfterAll
  void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** Weighted TP and FP of "score &gt;= s" (s = +inf: nothing predicted positive). */
  private static double[] counts(Scored d, double s) {
    double tp = 0;
    double fp = 0;
    for (int i = 0; i < d.n(); i++) {
      if (d.p()[i] >= s) {
        if (d.y()[i] == 1.0) {
          tp += d.w()[i];
        } else {
          fp += d.w()[i];
        }
      }
    }
    return new double[] {tp, fp};
  }

  /**
   * The brute-force optimum: {score rule s, objective, feasible}; the objective is recall,
   * precision or minus the cost.
   */
  private static double[] brute(Scored d, String kind, double a, double b) {
    double pos = 0;
    double neg = 0;
    for (int i = 0; i < d.n(); i++) {
      pos += d.y()[i] == 1.0 ? d.w()[i] : 0;
      neg += d.y()[i] == 1.0 ? 0 : d.w()[i];
    }
    double[] scores = LogitThresholdMetricsSparkTest.distinctDescending(d.p());
    int n = scores.length + (kind.equals("cost") ? 1 : 0);
    double[] s = new double[n];
    double[] goal = new double[n];
    boolean[] ok = new boolean[n];
    for (int k = 0; k < n; k++) {
      // For costs the first candidate predicts nothing.
      s[k] = kind.equals("cost") ? (k == 0 ? Double.POSITIVE_INFINITY : scores[k - 1]) : scores[k];
      double[] c = counts(d, s[k]);
      double precision = c[0] + c[1] == 0 ? 1.0 : c[0] / (c[0] + c[1]);
      double recall = c[0] / pos;
      double tol = LogitThresholdMetrics.TIE_TOLERANCE;
      switch (kind) {
        case "precision":
          ok[k] = precision >= a - tol;
          goal[k] = recall;
          break;
        case "recall":
          ok[k] = recall >= a - tol;
          goal[k] = precision;
          break;
        default:
          ok[k] = true;
          goal[k] = -(a * c[1] + b * (pos - c[0]));
      }
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < n; k++) {
      max = ok[k] ? Math.max(max, goal[k]) : max;
    }
    double tieTol = LogitThresholdMetrics.TIE_TOLERANCE * (kind.equals("cost") ? a * neg + b * pos
        : 1.0);
    for (int k = 0; k < n; k++) {
      if (ok[k] && goal[k] >= max - tieTol) {
        return new double[] {s[k], goal[k], 1};
      }
    }
    return new double[] {Double.NaN, Double.NaN, 0};
  }

  /** The choice's threshold selects, under the model rule p &gt; t, the brute-force rows. */
  private static void assertMatches(Scored d, LogitThresholdMetrics m, String target,
      String kind, double a, double b) {
    double[] expected = brute(d, kind, a, b);
    ThresholdChoice c = m.choose(target);
    assertTrue(c.feasible(), target);
    double t = c.threshold();
    for (int i = 0; i < d.n(); i++) {
      boolean model = t <= 0 || (t < 1 && d.p()[i] > t);
      assertEquals(d.p()[i] >= expected[0], model, target + ": p > " + t + " vs p >= "
          + expected[0] + " at p = " + d.p()[i]);
    }
    double scale = kind.equals("cost") ? Math.abs(expected[1]) + 1 : 1;
    double value = kind.equals("cost") ? -c.value() : c.value();
    assertEquals(expected[1], value, 1e-9 * scale, target + ": value");
    assertEquals(c.value(), c.valueAt(m, t), 1e-9 * scale, target + ": valueAt");
    assertEquals(t, m.bestThreshold(target), 0.0);
  }

  @Test
  void constraintsAndCostsMatchBruteForceOnWeightedData() {
    Scored unit = LogitThresholdMetricsSparkTest.seeded(41, 1200, 1, 1);
    Scored weighted = unit.withWeights(LogitThresholdMetricsSparkTest.seeded(42, 1200, 0.2, 3).w());
    for (Scored d : List.of(unit, weighted)) {
      LogitThresholdMetrics m =
          LogitThresholdMetrics.of(d.frame(spark), "probability", "label", "weight", 0);
      for (double p : new double[] {0.3, 0.5, 0.7, 0.85}) {
        assertMatches(d, m, "precision>=" + p, "precision", p, 0);
      }
      for (double r : new double[] {0.1, 0.5, 0.8, 0.95, 1.0}) {
        assertMatches(d, m, "recall >= " + r, "recall", r, 0);
      }
      for (double[] c : new double[][] {{1, 1}, {1, 20}, {20, 1}, {0, 1}, {1, 0}, {1e6, 1}}) {
        assertMatches(d, m, "cost:" + c[0] + "," + c[1], "cost", c[0], c[1]);
      }
    }
  }

  @Test
  void exactBoundsAndTiesFollowTheDocumentedConvention() {
    // score >= 0.9: TP 1 FP 0; >= 0.8: TP 1 FP 1; >= 0.7: TP 2 FP 1; >= 0.6: TP 3 FP 1;
    // >= 0.5: TP 3 FP 2; >= 0.4: TP 4 FP 3 (every row).
    double[] p = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.4};
    double[] y = {1, 0, 1, 1, 0, 1, 0};
    double[] w = {1, 1, 1, 1, 1, 1, 1};
    Scored d = new Scored(p, y, w);
    LogitThresholdMetrics m = LogitThresholdMetrics.of(d.frame(spark), "p", "label", "weight", 0);
    // precision 0.75 exactly at >= 0.6: met, recall 3/4.
    ThresholdChoice c = m.choose("precision>=0.75");
    assertEquals(0.55, c.threshold(), 1e-15);
    assertEquals(0.75, c.recall(), 1e-15);
    assertEquals(0.75, c.precision(), 1e-15);
    // recall 0.75 is reached at >= 0.6 and >= 0.5; precision is higher at the larger threshold.
    assertEquals(0.55, m.choose("recall>=0.75").threshold(), 1e-15);
    assertEquals(0.75, m.choose("recall>=0.75").value(), 1e-15);
    // Equal costs: FP + FN is 4 with nothing predicted, then 3, 4, 3, 2, 3, 3: the least at >= 0.6.
    ThresholdChoice cost = m.choose("cost:1,1");
    assertEquals(2.0, cost.value(), 1e-15);
    assertEquals(0.55, cost.threshold(), 1e-15);
    // An expensive false positive: only the top row (a positive) is predicted positive.
    assertEquals(0.85, m.choose("cost:1000,1").threshold(), 1e-15);
    assertEquals(3.0, m.choose("cost:1000,1").value(), 0.0);
    // A very expensive false negative: every row positive (threshold 0) costs the 3 negatives.
    assertEquals(0.0, m.choose("cost:1,1000").threshold(), 0.0);
    assertEquals(3.0, m.choose("cost:1,1000").value(), 0.0);
  }

  @Test
  void infeasibleConstraintIsReportedWithTheBestAchievable() {
    // The best precision is 2/3 (score >= 0.9 holds one positive, two negatives tie above).
    double[] p = {0.95, 0.95, 0.95, 0.5, 0.5, 0.2};
    double[] y = {1, 1, 0, 0, 1, 0};
    double[] w = {1, 1, 1, 2, 1, 1};
    Scored d = new Scored(p, y, w);
    LogitThresholdMetrics m = LogitThresholdMetrics.of(d.frame(spark), "p", "label", "weight", 0);
    ThresholdChoice c = m.choose("precision>=0.9");
    assertFalse(c.feasible());
    assertEquals(2.0 / 3, c.bestAchievable(), 1e-15);
    assertEquals(2.0 / 3, c.precision(), 1e-15);
    assertEquals(2.0 / 3, c.recall(), 1e-15);
    assertEquals(0.725, c.threshold(), 1e-15);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> m.bestThreshold("precision>=0.9"));
    assertTrue(e.getMessage().contains("precision>=0.9 cannot be met: the highest precision at "
        + "any threshold is 0.666667"), e.getMessage());
    assertTrue(m.choose("precision>=0.6").feasible());
    // An expensive false positive: predicting nothing (threshold 1) costs the 3 positives.
    ThresholdChoice none = m.choose("cost:1000,1");
    assertEquals(1.0, none.threshold(), 0.0);
    assertEquals(3.0, none.value(), 0.0);
    assertEquals(0.0, none.recall(), 0.0);
    // Recall 1 is always feasible; here score >= 0.5 reaches it with precision 1/2 (every row:
    // 3/7).
    assertEquals(0.35, m.choose("recall>=1").threshold(), 1e-15);
    assertEquals(0.5, m.choose("recall>=1").value(), 1e-15);
  }

  @Test
  void malformedTargetsAreRefusedNamingTheForms() {
    assertEquals("precision>=0.9", ThresholdChoice.canonical(" Precision >= 0.90 "));
    assertEquals("cost:1,20", ThresholdChoice.canonical("COST:1.0, 20"));
    assertEquals("f0.5", ThresholdChoice.canonical("F0.5"));
    for (String bad : new String[] {"accuracy", "precision>=0", "precision>=1.5", "recall>=x",
        "recall>", "cost:1", "cost:0,0", "cost:-1,2", "cost:1,2,3", "cost:NaN,1", "cost:1,inf",
        "precision>=NaN", ""}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ThresholdChoice.canonical(bad), bad);
      assertTrue(e.getMessage().contains(ThresholdChoice.FORMS), e.getMessage());
    }
  }
}
