package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Unit tests of {@link CompensatedSum}: sums plain double gets wrong, independence of the order of
 * terms and merges on ill-conditioned data, and the overflow and non-finite behaviour.
 */
class CompensatedSumTest {

  /** The exact sum, correctly rounded to double. */
  private static double exact(double[] xs) {
    BigDecimal s = BigDecimal.ZERO;
    for (double x : xs) {
      s = s.add(new BigDecimal(x));
    }
    return s.doubleValue();
  }

  private static double compensated(double[] xs) {
    double[] s = CompensatedSum.zeros(1);
    for (double x : xs) {
      CompensatedSum.add(s, 0, x);
    }
    return CompensatedSum.value(s, 0);
  }

  private static double plain(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return s;
  }

  @Test
  void sumsThatPlainDoubleGetsWrongAreExact() {
    double[][] cases = {
        {1e16, 1.0, -1e16},
        {1.0, 1e100, 1.0, -1e100},
        {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1},
        tinyAfterOne(),
    };
    for (double[] xs : cases) {
      double exact = exact(xs);
      assertNotEquals(exact, plain(xs), "plain double is already exact: a weak case");
      assertEquals(exact, compensated(xs), 0.0);
    }
  }

  /** 1 followed by 10,000 terms of 2⁻⁶⁰, each lost entirely by a plain running sum. */
  private static double[] tinyAfterOne() {
    double[] xs = new double[10_001];
    xs[0] = 1.0;
    for (int i = 1; i < xs.length; i++) {
      xs[i] = 0x1.0p-60;
    }
    return xs;
  }

  /**
   * Terms over 80 binades with both signs, and pairs of large terms that cancel exactly: the plain
   * sum depends on the order; the compensated one, in any order of additions and merges, is the
   * exact sum rounded.
   */
  @Test
  void orderAndMergeTreeDoNotChangeTheBitsOnIllConditionedData() {
    SplittableRandom rnd = new SplittableRandom(20240607);
    for (int trial = 0; trial < 20; trial++) {
      int n = 2000;
      double[] xs = new double[n];
      for (int i = 0; i < n; i++) {
        xs[i] = (rnd.nextBoolean() ? 1 : -1) * Math.scalb(1.0 + rnd.nextDouble(), rnd.nextInt(-40,
            40));
      }
      for (int i = 0; i < 50; i++) {
        double big = Math.scalb(1.0 + rnd.nextDouble(), rnd.nextInt(50, 60));
        xs[rnd.nextInt(n)] = big;
        xs[rnd.nextInt(n)] = -big;
      }
      double expected = exact(xs);
      List<Double> plainResults = new ArrayList<>();
      for (int shuffle = 0; shuffle < 10; shuffle++) {
        shuffle(xs, rnd);
        plainResults.add(plain(xs));
        assertEquals(expected, compensated(xs), 0.0, "trial " + trial);
        assertEquals(expected, mergedInRandomGroups(xs, rnd), 0.0, "trial " + trial);
      }
      if (trial == 0) {
        assertTrue(plainResults.stream().distinct().count() > 1, "plain sum: " + plainResults);
      }
    }
  }

  /** Sums random runs of xs into separate accumulators, then merges those in a random order. */
  private static double mergedInRandomGroups(double[] xs, SplittableRandom rnd) {
    List<double[]> parts = new ArrayList<>();
    int i = 0;
    while (i < xs.length) {
      int len = Math.min(xs.length - i, 1 + rnd.nextInt(300));
      double[] s = CompensatedSum.zeros(2);
      for (int j = i; j < i + len; j++) {
        CompensatedSum.add(s, 1, xs[j]);
      }
      parts.add(s);
      i += len;
    }
    while (parts.size() > 1) {
      double[] a = parts.remove(rnd.nextInt(parts.size()));
      double[] b = parts.get(rnd.nextInt(parts.size()));
      CompensatedSum.merge(b, a);
    }
    assertEquals(0.0, CompensatedSum.value(parts.get(0), 0), 0.0, "sum 0 is untouched");
    return CompensatedSum.value(parts.get(0), 1);
  }

  private static void shuffle(double[] xs, SplittableRandom rnd) {
    for (int i = xs.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      double t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
  }

  @Test
  void sumsAreIndependentAndAddAllAddsComponentwise() {
    double[] s = CompensatedSum.zeros(3);
    assertEquals(6, s.length);
    CompensatedSum.addAll(s, new double[] {1e16, 2.0, -3.0}, 3);
    CompensatedSum.addAll(s, new double[] {1.0, 0x1.0p-60, 0.5}, 2);
    CompensatedSum.add(s, 0, -1e16);
    assertEquals(1.0, CompensatedSum.value(s, 0), 0.0);
    assertEquals(2.0 + 0x1.0p-60, CompensatedSum.value(s, 1), 0.0);
    assertEquals(-3.0, CompensatedSum.value(s, 2), 0.0);
    double[] empty = CompensatedSum.zeros(3);
    CompensatedSum.merge(s, empty);
    assertEquals(1.0, CompensatedSum.value(s, 0), 0.0);
    CompensatedSum.merge(empty, s);
    assertEquals(2.0 + 0x1.0p-60, CompensatedSum.value(empty, 1), 0.0);
  }

  /**
   * Overflow reads as ∞, the value of the plain sum, where a bare two-sum's error term is
   * (MAX − (∞ − ∞)) = NaN; non-finite terms propagate as in IEEE arithmetic.
   */
  @Test
  void overflowGivesInfinityAndNonFiniteTermsPropagateAsInIeeeArithmetic() {
    double max = Double.MAX_VALUE;
    double a = max;
    double s = a + max;
    double bb = s - a;
    assertTrue(Double.isNaN((a - (s - bb)) + (max - bb)), "the unguarded error term is NaN");

    double[] sum = CompensatedSum.zeros(1);
    CompensatedSum.add(sum, 0, max);
    CompensatedSum.add(sum, 0, max);
    assertEquals(Double.POSITIVE_INFINITY, CompensatedSum.value(sum, 0));
    CompensatedSum.add(sum, 0, -max);
    assertEquals(Double.POSITIVE_INFINITY, CompensatedSum.value(sum, 0), "∞ is sticky");
    double[] other = CompensatedSum.zeros(1);
    CompensatedSum.add(other, 0, 1.0);
    CompensatedSum.add(other, 0, 1e-30);
    CompensatedSum.merge(other, sum);
    assertEquals(Double.POSITIVE_INFINITY, CompensatedSum.value(other, 0), "merging keeps ∞");
    CompensatedSum.add(sum, 0, Double.NEGATIVE_INFINITY);
    assertTrue(Double.isNaN(CompensatedSum.value(sum, 0)), "∞ − ∞ is NaN");

    double[] negative = CompensatedSum.zeros(1);
    CompensatedSum.add(negative, 0, -max);
    CompensatedSum.add(negative, 0, -max);
    assertEquals(Double.NEGATIVE_INFINITY, CompensatedSum.value(negative, 0));

    double[] nan = CompensatedSum.zeros(1);
    CompensatedSum.add(nan, 0, 1.0);
    CompensatedSum.add(nan, 0, Double.NaN);
    CompensatedSum.add(nan, 0, 1.0);
    assertTrue(Double.isNaN(CompensatedSum.value(nan, 0)));
  }

  @Test
  void finiteSumsNearTheOverflowThresholdStayFiniteAndExact() {
    double max = Double.MAX_VALUE;
    double[][] cases = {
        {max, -max, 1.0},
        {max, Math.ulp(max) / 4, -max},
        {-max, 1.7e308, 1e-300},
        {max / 2, max / 2, -max, 3.0},
        {max, -Math.ulp(max) / 2, -Math.ulp(max) / 4},
    };
    for (double[] xs : cases) {
      double v = compensated(xs);
      assertTrue(Double.isFinite(v), "finite terms with a finite sum: " + v);
      assertEquals(exact(xs), v, 0.0);
    }
  }
}
