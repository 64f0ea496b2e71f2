package io.github.stablelogit.optim;

import io.github.stablelogit.loss.DetMath;

/**
 * The hidden activations' functions, built like {@link DetMath} from IEEE-754 {@code + − × ÷},
 * {@link Math#fma}, {@link Math#abs} and {@link DetMath#exp} only, so that every result is the
 * same bits in the interpreter, in C1 and C2 code (unlike {@link Math#tanh} or commons-math's
 * erfc, whose results depend on intrinsics or on {@link Math#exp}). The coefficients were fitted
 * offline with mpmath by {@code src/test/resources/reference/generate_activation_reference.py},
 * which also writes the reference the accuracy test reads ({@code MlpMathReferenceTest}).
 *
 * <p><b>tanh.</b> For |u| &lt; ln2/2, tanh u = u + u·s·P(s), s = u², P of degree 8 (fit error
 * 3e-18, about 0.02 ulp of the result); above, tanh|u| = (1 − e)/(1 + e) with e = exp(−2|u|) ≤
 * 1/2, where 1 − e is exact, and sech² u = 4e/(1 + e)² without the cancellation of 1 − tanh².
 *
 * <p><b>Φ.</b> Φ(x) = erfc(−x/√2)/2, erfc(z) = t·exp(G(t) − z²) for z ≥ 0 with t = 2/(2 + z) and
 * G a Chebyshev series of 28 terms on t in [1/15, 1] (z ≤ 28, beyond which Φ is 0 or 1 in double
 * precision); z² = x²/2 is carried exactly (two-product) into the exponent, so the tails are
 * accurate to a few ulp down to the underflow of Φ near x = −38.5. Measured maxima against the
 * mpmath reference: tanh 1.84 ulp, sech² 3.07, GELU 5.35, its derivative 4.51 (of the sum of
 * its terms' magnitudes).
 */
final class MlpMath {

  /** ln 2 / 2: above it e = exp(−2|u|) ≤ 1/2, so 1 − e is exact (Sterbenz). */
  static final double TANH_SPLIT = 0x1.62e42fefa39efp-2;

  /** P(s), lowest degree first: tanh u = u + u·s·P(s) for |u| &lt; TANH_SPLIT. */
  private static final double[] TANH_POLY = {-0x1.5555555555555p-2, 0x1.111111111107ap-3,
      -0x1.ba1ba1b9fae1fp-5, 0x1.664f486cd243dp-6, -0x1.226e2dff57ab0p-7, 0x1.d6d106710009bp-9,
      -0x1.7d539795d6ddbp-10, 0x1.301a924d2dcdbp-11, -0x1.9467c499751cep-13};

  /** Lower end of the t range of the erfc fit: t = 2/(2 + z), z ≤ 28. */
  private static final double T_MIN = 2.0 / 30.0;

  /** Chebyshev coefficients of G(t) = log(erfc(z)/t) + z², in v = 2(t − T_MIN)/(1 − T_MIN) − 1. */
  private static final double[] ERFC_G = {-0x1.3966d938b4a5bp-1, 0x1.36957f4add92ap-1,
      0x1.cd1ddea710bc6p-7, -0x1.1046fd347dc99p-7, -0x1.223f74c0940cap-11, 0x1.316003da62961p-12,
      0x1.11efc721e0956p-16, -0x1.d6168a483acb1p-17, -0x1.415c20d19859fp-25,
      0x1.896e13b506ba4p-21, -0x1.e95a28ec2a55bp-25, -0x1.31c5b257d52d1p-25,
      0x1.d660288134475p-28, 0x1.62b089c7900b7p-30, -0x1.2ea6961221f4cp-31,
      -0x1.5f2252475cbbdp-38, 0x1.1f0e86a99d671p-35, -0x1.31d0eda0a7c29p-38,
      -0x1.5765f7e2d5a88p-40, 0x1.ea7465bf9bad9p-42, -0x1.d23dbb3df890bp-49,
      -0x1.9fee3531b4d42p-46, 0x1.346b01410ce63p-48, 0x1.b4382cc8ac2e5p-52,
      -0x1.49a1e861eedb0p-52, 0x1.915e849682cbap-55, 0x1.a9b311f88591fp-59,
      -0x1.ace0aca613390p-59};

  /** 1/√2 rounded. */
  private static final double SQRT_HALF = 0x1.6a09e667f3bcdp-1;
  /** 1/√(2π) rounded. */
  private static final double INV_SQRT_2PI = 0x1.9884533d43651p-2;
  /** Below it Φ(x) &lt; 2⁻¹⁰⁷⁵ rounds to 0; above the upper bound 1 − Φ(x) &lt; 2⁻⁵⁴. */
  private static final double CDF_ZERO = -38.5;
  private static final double CDF_ONE = 8.5;

  private MlpMath() {}

  /**
   * @param u any double
   * @return tanh u, within a few ulp (see the class comment)
   */
  static double tanh(double u) {
    double a = Math.abs(u);
    if (a < TANH_SPLIT) {
      double s = u * u;
      // |u·s·P(s)| < |u|: the sign is u's (copySign keeps tanh(−0) = −0).
      return Math.copySign(Math.fma(u * s, tanhPoly(s), u), u);
    }
    double e = DetMath.exp(-2.0 * a);
    return Math.copySign((1.0 - e) / (1.0 + e), u);
  }

  /**
   * tanh u into {@code act[i]}, its derivative sech² u returned; the two from one exp.
   *
   * @param u any double
   * @param act where tanh u goes
   * @param i its index
   * @return sech² u
   */
  static double tanhInto(double u, double[] act, int i) {
    double a = Math.abs(u);
    if (a < TANH_SPLIT) {
      double s = u * u;
      double t = Math.copySign(Math.fma(u * s, tanhPoly(s), u), u);
      act[i] = t;
      return Math.fma(-t, t, 1.0);
    }
    double e = DetMath.exp(-2.0 * a);
    double q = 1.0 + e;
    act[i] = Math.copySign((1.0 - e) / q, u);
    return 4.0 * e / (q * q);
  }

  /**
   * @param u any double
   * @return sech² u = 1 − tanh² u
   */
  static double tanhDerivative(double u) {
    double a = Math.abs(u);
    if (a < TANH_SPLIT) {
      double s = u * u;
      double t = Math.fma(u * s, tanhPoly(s), u);
      return Math.fma(-t, t, 1.0);
    }
    double e = DetMath.exp(-2.0 * a);
    double q = 1.0 + e;
    return 4.0 * e / (q * q);
  }

  private static double tanhPoly(double s) {
    double[] c = TANH_POLY;
    double p = c[8];
    for (int k = 7; k >= 0; k--) {
      p = Math.fma(p, s, c[k]);
    }
    return p;
  }

  /**
   * The standard normal distribution function.
   *
   * @param x any double
   * @return Φ(x), accurate in both tails
   */
  static double cdf(double x) {
    if (x != x) {
      return x;
    }
    if (x <= CDF_ZERO) {
      return 0.0;
    }
    if (x >= CDF_ONE) {
      return 1.0;
    }
    double half = 0.5 * erfcHalfSquare(x);
    return x <= 0 ? half : 1.0 - half;
  }

  /**
   * erfc(|x|/√2) = t·exp(G(t) − x²/2), with x² as an exact double-double; for |x| &lt; 39.6.
   */
  private static double erfcHalfSquare(double x) {
    double ax = Math.abs(x);
    double t = 2.0 / (2.0 + ax * SQRT_HALF);
    double v = 2.0 * (t - T_MIN) / (1.0 - T_MIN) - 1.0;
    double[] c = ERFC_G;
    double b1 = 0.0;
    double b2 = 0.0;
    for (int k = c.length - 1; k >= 1; k--) {
      double b0 = Math.fma(2.0 * v, b1, c[k] - b2);
      b2 = b1;
      b1 = b0;
    }
    double g = Math.fma(v, b1, c[0] - b2);
    return t * expMinusHalfSquare(x, g);
  }

  /** exp(g − x²/2), x² carried exactly: the rounding of the exponent adds no error. */
  private static double expMinusHalfSquare(double x, double g) {
    double hi = x * x;
    double lo = Math.fma(x, x, -hi);
    double h = -0.5 * hi;
    double s = g + h;
    // s + err = g − hi/2 exactly (two-sum); e^(err − lo/2) = 1 + err − lo/2 to 2⁻¹⁰⁰.
    double bv = s - g;
    double err = (g - (s - bv)) + (h - bv);
    return DetMath.exp(s) * (1.0 + (err - 0.5 * lo));
  }

  /**
   * @param x any double
   * @return the normal density φ(x)
   */
  static double pdf(double x) {
    return INV_SQRT_2PI * expMinusHalfSquare(x, 0.0);
  }

  /**
   * @param x any double
   * @return GELU x·Φ(x)
   */
  static double gelu(double x) {
    // Below CDF_ZERO the product underflows (and −∞·0 would be NaN).
    return x <= CDF_ZERO ? -0.0 : x * cdf(x);
  }

  /**
   * @param x any double
   * @return Φ(x) + x·φ(x), the derivative of x·Φ(x)
   */
  static double geluDerivative(double x) {
    if (!(Math.abs(x) < CDF_ONE * 5)) {
      return x != x ? x : x > 0 ? 1.0 : 0.0;
    }
    return cdf(x) + x * pdf(x);
  }
}
