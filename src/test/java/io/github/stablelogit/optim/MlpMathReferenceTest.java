package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.ReferenceCsv;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link MlpMath} (the activations' tanh, sech², GELU and its derivative) against {@code
 * reference/activation_reference.csv}: arguments from 2⁻³⁰ to 19 (tanh) or 38 (GELU) in
 * magnitude, both signs, uniform in the exponent, plus uniform draws on [−10, 10] and the split
 * points; the exact values from mpmath at 200 bits ({@code generate_activation_reference.py}, the
 * same script that fitted the coefficients). The error is in units of {@link Math#ulp} of the
 * correctly rounded value.
 *
 * <p>Measured maxima over the committed rows: tanh 1.84 ulp, sech² 3.07 ulp, GELU 5.35 ulp (at
 * small x, where x·Φ(x) inherits Φ's error: t, G(t), exp and two products each round once), the
 * GELU derivative Φ(x) + xφ(x) 4.51 ulp of Φ(x) + |xφ(x)| (the sum of the magnitudes of its
 * terms: near its root x ≈ −0.75 the derivative itself is a cancellation). Results in the
 * subnormal range (GELU below x ≈ −37.5) are within {@link #SUBNORMAL_UNITS} units of the
 * smallest subnormal. Asserted: tanh ≤ 2 ulp, sech² ≤ 4, GELU ≤ 6, its derivative ≤ 5.
 */
class MlpMathReferenceTest {

  static final String REFERENCE = "/reference/activation_reference.csv";

  static final Map<String, Double> MAX_ULPS = Map.of("tanh", 2.0, "tanh_d", 4.0, "gelu", 6.0,
      "gelu_d", 5.0);

  /** Subnormal results: the bound on the error in units of the smallest subnormal. */
  static final double SUBNORMAL_UNITS = 16;

  static final Map<String, DoubleUnaryOperator> FUNCTIONS = Map.of(
      "tanh", MlpMath::tanh,
      "tanh_d", MlpMath::tanhDerivative,
      "gelu", MlpMath::gelu,
      "gelu_d", MlpMath::geluDerivative);

  @Test
  void everyFunctionIsWithinItsUlpBound() {
    List<ReferenceCsv.Line> lines = ReferenceCsv.read(REFERENCE, "fn,x,ref,frac", 3);
    Map<String, Double> worst = new HashMap<>();
    Map<String, String> worstAt = new HashMap<>();
    Map<String, Integer> count = new HashMap<>();
    for (ReferenceCsv.Line l : lines) {
      double x = l.values()[0];
      double ref = l.values()[1];
      double frac = l.values()[2];
      double got = FUNCTIONS.get(l.kind()).applyAsDouble(x);
      // The GELU derivative, a sum of terms of both signs, in ulps of the sum of their magnitudes.
      double scale = l.kind().equals("gelu_d")
          ? MlpMath.cdf(x) + Math.abs(x * MlpMath.pdf(x)) : Math.abs(ref);
      double err;
      if (ref == 0.0) {
        err = got == 0.0 ? 0.0 : Double.POSITIVE_INFINITY;
      } else if (Math.abs(ref) < Double.MIN_NORMAL) {
        // A subnormal result (GELU's far left tail): within SUBNORMAL_UNITS of the grid, or fail.
        err = Math.abs(got - ref) <= SUBNORMAL_UNITS * Double.MIN_VALUE ? 0.0
            : Double.POSITIVE_INFINITY;
      } else {
        // The exact value is ref + frac·ulp(ref); the error in units of ulp(scale).
        err = Math.abs((got - ref) / Math.ulp(ref) - frac) * Math.ulp(ref) / Math.ulp(scale);
      }
      if (Double.isNaN(err)) {
        err = Double.POSITIVE_INFINITY;
      }
      count.merge(l.kind(), 1, Integer::sum);
      if (err > worst.getOrDefault(l.kind(), -1.0)) {
        worst.put(l.kind(), err);
        worstAt.put(l.kind(), String.format(Locale.ROOT, "line %d x=%s: got %s, want %s",
            l.lineNo(), x, got, ref));
      }
    }
    StringBuilder report = new StringBuilder();
    worst.forEach((fn, e) -> report.append(String.format(Locale.ROOT,
        "%s: %d rows, max %.3f ulp at %s%n", fn, count.get(fn), e, worstAt.get(fn))));
    assertEquals(MAX_ULPS.keySet(), worst.keySet(), report.toString());
    MAX_ULPS.forEach((fn, bound) ->
        assertTrue(worst.get(fn) <= bound, fn + " exceeds " + bound + " ulp:\n" + report));
    System.out.print(report);
  }

  @Test
  void theChunkSweepGivesTheBitsOfTheScalarFunctions() {
    SplittableRandom r = new SplittableRandom(3);
    int n = 2000;
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = i % 50 == 0 ? 45.0 * (r.nextDouble() - 0.5) * 2 : 3 * r.nextGaussian();
    }
    x[0] = 0.0;
    x[1] = -0.0;
    x[2] = MlpMath.TANH_SPLIT;
    x[3] = -MlpMath.TANH_SPLIT;
    for (MlpActivation a : MlpActivation.values()) {
      double[] pre = x.clone();
      double[] act = new double[n];
      a.forward(pre, act, n);
      for (int i = 0; i < n; i++) {
        assertEquals(Double.doubleToRawLongBits(a.apply(x[i])), Double.doubleToRawLongBits(act[i]),
            a + " at " + x[i]);
        assertEquals(Double.doubleToRawLongBits(a.derivative(x[i])),
            Double.doubleToRawLongBits(pre[i]), a + "' at " + x[i]);
      }
    }
  }

  @Test
  void specialValues() {
    double inf = Double.POSITIVE_INFINITY;
    assertEquals(1.0, MlpMath.tanh(inf));
    assertEquals(-1.0, MlpMath.tanh(-inf));
    assertEquals(0.0, MlpMath.tanhDerivative(inf));
    assertTrue(Double.isNaN(MlpMath.tanh(Double.NaN)));
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(MlpMath.tanh(-0.0)));
    assertEquals(1.0, MlpMath.cdf(inf));
    assertEquals(0.0, MlpMath.cdf(-inf));
    assertEquals(inf, MlpMath.gelu(inf));
    assertEquals(0.0, MlpMath.gelu(-inf), 0.0);
    assertEquals(1.0, MlpMath.geluDerivative(inf));
    assertEquals(0.0, MlpMath.geluDerivative(-inf));
    assertTrue(Double.isNaN(MlpMath.gelu(Double.NaN)));
    assertTrue(Double.isNaN(MlpMath.geluDerivative(Double.NaN)));
  }
}
