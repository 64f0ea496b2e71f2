package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Unit tests of {@link ProbabilityLoss}: PyTorch's {@code BCELoss} clamp at the ends of [0, 1],
 * subnormal probabilities, soft and smoothed labels, posWeight and the focal factor (γ &lt; 1
 * included), against formulas written out here.
 */
class ProbabilityLossTest {

  private static final LogitLoss BCE = LogitLoss.bce(1.0, 0.0);

  /**
   * −[pw·y'·max(log p, −100) + q·max(log(1−p), −100)], written out; q = 1 − y' is passed as
   * (1−y)(1−ε) + ε/2, as accurate as the loss's own complement (1 − y' could be off by ulps).
   */
  private static double clampedBce(double p, double yp, double q, double pw) {
    double pos = yp == 0 ? 0.0 : pw * yp * Math.max(Math.log(p), -100.0);
    double neg = q == 0 ? 0.0 : q * Math.max(Math.log1p(-p), -100.0);
    return -(pos + neg);
  }

  @Test
  void certainAndWrongCostsTheClampOf100TimesTheTermsWeight() {
    assertEquals(100.0, ProbabilityLoss.value(BCE, 0.0, 1.0), 0.0);
    assertEquals(100.0, ProbabilityLoss.value(BCE, 1.0, 0.0), 0.0);
    assertEquals(300.0, ProbabilityLoss.value(LogitLoss.bce(3.0, 0.0), 0.0, 1.0), 0.0);
    // posWeight weights the positive term only.
    assertEquals(100.0, ProbabilityLoss.value(LogitLoss.bce(3.0, 0.0), 1.0, 0.0), 0.0);
    assertEquals(-ProbabilityLoss.LOG_CLAMP, ProbabilityLoss.value(BCE, 0.0, 1.0), 0.0);
  }

  @Test
  void certainAndRightCostsNothing() {
    assertEquals(0.0, ProbabilityLoss.value(BCE, 1.0, 1.0), 0.0);
    assertEquals(0.0, ProbabilityLoss.value(BCE, 0.0, 0.0), 0.0);
    LogitLoss focal = LogitLoss.focal(0.5, 0.25, 2.0, 0.0);
    assertEquals(0.0, ProbabilityLoss.value(focal, 1.0, 1.0), 0.0);
    assertEquals(0.0, ProbabilityLoss.value(focal, 0.0, 0.0), 0.0);
  }

  @Test
  void subnormalAndTinyProbabilitiesAreClampedOnlyBelowMinus100() {
    // log(MIN_VALUE) ≈ −744.4 and log(1e-300) ≈ −690.8: both clamped.
    assertEquals(100.0, ProbabilityLoss.value(BCE, Double.MIN_VALUE, 1.0), 0.0);
    assertEquals(100.0, ProbabilityLoss.value(BCE, 1e-310, 1.0), 0.0);
    assertEquals(100.0, ProbabilityLoss.value(BCE, 1e-300, 1.0), 0.0);
    // e^−100 ≈ 3.72e-44: just above it the log is kept, just below it is clamped.
    assertEquals(-Math.log(3.8e-44), ProbabilityLoss.value(BCE, 3.8e-44, 1.0), 0.0);
    assertTrue(ProbabilityLoss.value(BCE, 3.8e-44, 1.0) < 100.0);
    assertEquals(100.0, ProbabilityLoss.value(BCE, 3.6e-44, 1.0), 0.0);
    // The negative term of a subnormal p is log1p(−p) = −p, not a rounded-away 0.
    assertEquals(Double.MIN_VALUE, ProbabilityLoss.value(BCE, Double.MIN_VALUE, 0.0), 0.0);
    assertEquals(1e-20, ProbabilityLoss.value(BCE, 1e-20, 0.0), 1e-36);
  }

  @Test
  void softAndSmoothedLabelsWeightBothTerms() {
    for (double pw : new double[] {1.0, 3.0, 0.01}) {
      for (double eps : new double[] {0.0, 0.1}) {
        LogitLoss loss = LogitLoss.bce(pw, eps);
        for (double y : new double[] {0.0, 0.3, 0.5, 1.0}) {
          double yp = y * (1 - eps) + eps / 2;
          double q = (1 - y) * (1 - eps) + eps / 2;
          for (double p : new double[] {0.0, 1e-300, 0.2, 0.5, 0.9, 1.0}) {
            double expected = clampedBce(p, yp, q, pw);
            assertEquals(expected, ProbabilityLoss.value(loss, p, y),
                4 * Math.ulp(expected), loss + " p=" + p + " y=" + y);
          }
        }
      }
    }
    // Smoothing a hard label makes a certain, right probability cost ε/2 · 100.
    assertEquals(5.0, ProbabilityLoss.value(LogitLoss.bce(1.0, 0.1), 1.0, 1.0), 1e-13);
  }

  @Test
  void focalScalesTheClampedBceByAlphaTAndTheMissProbabilityToTheGamma() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (double gamma : new double[] {0.0, 0.25, 0.5, 1.0, 2.0, 3.5}) {
      for (double alpha : new double[] {-1.0, 0.0, 0.25, 1.0}) {
        for (double eps : new double[] {0.0, 0.1}) {
          LogitLoss loss = LogitLoss.focal(gamma, alpha, 2.0, eps);
          for (int i = 0; i < 200; i++) {
            double p = i < 4 ? new double[] {0.0, 1.0, 1e-300, 0.5}[i] : rnd.nextDouble();
            double y = i % 3 == 0 ? rnd.nextInt(2) : rnd.nextDouble();
            double yp = y * (1 - eps) + eps / 2;
            double q = (1 - y) * (1 - eps) + eps / 2;
            double alphaT = alpha < 0 ? 1.0 : alpha * yp + (1 - alpha) * q;
            double miss = yp * (1 - p) + q * p;
            double expected = alphaT * Math.pow(miss, gamma) * clampedBce(p, yp, q, 2.0);
            double got = ProbabilityLoss.value(loss, p, y);
            assertTrue(got >= 0 && Double.isFinite(got), loss + " p=" + p + " y=" + y);
            assertEquals(expected, got, 1e-13 * expected + 1e-300,
                loss + " p=" + p + " y=" + y);
          }
        }
      }
    }
  }

  @Test
  void focalWithGammaBelowOneStaysFiniteWhereTheMissProbabilityVanishes() {
    // γ < 1: d(m^γ)/dm is unbounded as m → 0, but the value m^γ·B is not.
    LogitLoss loss = LogitLoss.focal(0.25, 0.25, 1.0, 0.0);
    assertEquals(0.0, ProbabilityLoss.value(loss, 1.0, 1.0), 0.0);
    double p = 1.0 - 0x1.0p-50;
    double b = -Math.log(p);
    double expected = 0.25 * Math.pow(0x1.0p-50, 0.25) * b;
    assertEquals(expected, ProbabilityLoss.value(loss, p, 1.0), 1e-14 * expected);
    // Certain and wrong: m = 1, so the loss is α_t · 100.
    assertEquals(75.0, ProbabilityLoss.value(loss, 1.0, 0.0), 0.0);
  }

  @Test
  void focalWithGammaZeroAndNoAlphaIsTheClampedBce() {
    LogitLoss focal = LogitLoss.focal(0.0, -1.0, 3.0, 0.1);
    LogitLoss bce = LogitLoss.bce(3.0, 0.1);
    for (double p : new double[] {0.0, Double.MIN_VALUE, 0.3, 1.0}) {
      for (double y : new double[] {0.0, 0.6, 1.0}) {
        assertEquals(ProbabilityLoss.value(bce, p, y), ProbabilityLoss.value(focal, p, y), 0.0);
      }
    }
  }
}
