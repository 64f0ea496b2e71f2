package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Unit tests of {@link LabelSmoothing}. */
class LabelSmoothingTest {

  @Test
  void checkedAcceptsZeroUpToJustBelowOneAndRejectsTheRest() {
    assertEquals(0.0, LabelSmoothing.checked(0.0));
    assertEquals(0.1, LabelSmoothing.checked(0.1));
    assertEquals(Math.nextDown(1.0), LabelSmoothing.checked(Math.nextDown(1.0)));
    for (double eps : new double[] {-Double.MIN_VALUE, -0.1, 1.0, 1.5, Double.NaN,
        Double.POSITIVE_INFINITY}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> LabelSmoothing.checked(eps));
      assertEquals("labelSmoothing must be in [0, 1), but was " + eps, e.getMessage());
    }
  }

  @Test
  void withoutSmoothingTheLabelIsUnchanged() {
    for (double y : new double[] {0.0, 1.0, 0.3, 1e-300, Math.nextDown(1.0)}) {
      assertEquals(y, LabelSmoothing.positive(y, 0.0), 0.0);
      assertEquals(1.0 - y, LabelSmoothing.negative(y, 0.0), 0.0);
    }
  }

  @Test
  void hardLabelsBecomeHalfEpsilonFromTheEnds() {
    double eps = 0.2;
    assertEquals(0.1, LabelSmoothing.positive(0.0, eps), 0.0);
    assertEquals(0.9, LabelSmoothing.positive(1.0, eps), 0.0);
    assertEquals(0.9, LabelSmoothing.negative(0.0, eps), 0.0);
    assertEquals(0.1, LabelSmoothing.negative(1.0, eps), 0.0);
    // y = 1/2 is a fixed point for every ε.
    assertEquals(0.5, LabelSmoothing.positive(0.5, 0.7), 0.0);
    assertEquals(0.5, LabelSmoothing.negative(0.5, 0.7), 0.0);
  }

  @Test
  void theComplementIsOneMinusTheSmoothedLabelWithoutItsCancellation() {
    for (double eps : new double[] {0.0, 1e-12, 0.1, 0.5, 0.99}) {
      for (double y : new double[] {0.0, 0.25, 0.5, 0.999, 1.0}) {
        double sum = LabelSmoothing.positive(y, eps) + LabelSmoothing.negative(y, eps);
        assertEquals(1.0, sum, 2 * Math.ulp(1.0), "eps=" + eps + " y=" + y);
      }
    }
    // 1 − y' for y just below 1: exact here, where 1 − fl(y') would keep no correct digit.
    double y = 1.0 - 0x1.0p-40;
    assertEquals(0x1.0p-40, LabelSmoothing.negative(y, 0.0), 0.0);
    double eps = 0x1.0p-60;
    double exact = 0x1.0p-40 * (1 - eps) + 0.5 * eps;
    assertEquals(exact, LabelSmoothing.negative(y, eps), Math.ulp(exact));
  }

  @Test
  void positiveWeightIsTheSumOfTheSmoothedLabels() {
    double[] y = {0.0, 1.0, 1.0, 0.3, 0.75};
    double[] w = {2.0, 0.5, 1.0, 3.0, 0.25};
    double eps = 0.15;
    double labelWeight = 0;
    double weight = 0;
    double expected = 0;
    for (int i = 0; i < y.length; i++) {
      labelWeight += w[i] * y[i];
      weight += w[i];
      expected += w[i] * LabelSmoothing.positive(y[i], eps);
    }
    assertEquals(expected, LabelSmoothing.positiveWeight(labelWeight, weight, eps), 1e-15);
    assertEquals(labelWeight, LabelSmoothing.positiveWeight(labelWeight, weight, 0.0), 0.0);
  }
}
