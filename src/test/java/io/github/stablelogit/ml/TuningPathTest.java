package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The selection's warning at the low end of a path. */
class TuningPathTest {

  /** A path of three folds per point, each point's fold metrics all equal to its mean. */
  private static TuningPath path(double[] regParams, double[] alphas, double[] means,
      String metric) {
    double[][] folds = new double[means.length][];
    for (int p = 0; p < means.length; p++) {
      folds[p] = new double[] {means[p], means[p], means[p]};
    }
    double[] posWeights = new double[means.length];
    Arrays.fill(posWeights, 1.0);
    return new TuningPath(regParams, alphas, posWeights, folds, new double[means.length][1],
        new int[means.length][4], metric);
  }

  @Test
  void warnsWhenTheBestIsTheSmallestRegParamOfItsPath() {
    TuningPath p = path(new double[] {1.0, 0.1, 0.01}, new double[] {0.5, 0.5, 0.5},
        new double[] {0.50, 0.40, 0.30}, "loss");
    int best = p.select("best");
    assertEquals(2, best);
    String warning = p.smallestRegParamWarning(best);
    assertNotNull(warning);
    assertTrue(warning.contains("0.0100000") && warning.contains("regParamMinRatio")
        && warning.contains("elasticNetParam 0.5") && warning.contains("loss"), warning);
  }

  @Test
  void silentInsideTheGridAtZeroAndForOnePoint() {
    TuningPath inside = path(new double[] {1.0, 0.1, 0.01}, new double[] {0, 0, 0},
        new double[] {0.50, 0.30, 0.40}, "loss");
    assertNull(inside.smallestRegParamWarning(inside.select("best")));
    TuningPath zero = path(new double[] {0.1, 0.0}, new double[] {0, 0},
        new double[] {0.50, 0.40}, "loss");
    assertNull(zero.smallestRegParamWarning(zero.select("best")));
    TuningPath single = path(new double[] {0.1}, new double[] {0}, new double[] {0.5}, "loss");
    assertNull(single.smallestRegParamWarning(0));
  }

  @Test
  void eachElasticNetPathIsJudgedOnItsOwn() {
    // Two paths (a = 0 then a = 1), areas under curves: larger is better. The best point is the
    // a = 1 path's smallest regParam, larger than a = 0's smallest: still its path's low end.
    TuningPath p = path(new double[] {1.0, 0.01, 1.0, 0.1}, new double[] {0, 0, 1, 1},
        new double[] {0.70, 0.80, 0.75, 0.90}, "areaUnderROC");
    int best = p.select("best");
    assertEquals(3, best);
    assertNotNull(p.smallestRegParamWarning(best));
    assertNull(p.smallestRegParamWarning(2), "a = 1's larger regParam is inside");
  }
}
