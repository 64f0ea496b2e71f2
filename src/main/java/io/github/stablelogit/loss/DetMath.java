package io.github.stablelogit.loss;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * exp, log, log1p and pow written from IEEE-754 {@code + − × ÷}, {@link Math#fma}, exact bit
 * operations and constant tables only, so that every result is the same bits in the interpreter,
 * in C1 and C2 code and in any vectorization of the same formula: each of those operations is
 * correctly rounded wherever it runs. {@link Math#exp} and {@link Math#log} are intrinsics whose
 * implementation is the platform's, not the language's; the loss kernel uses these instead.
 *
 * <p>Accuracy over the whole domain, checked against an mpmath reference ({@code
 * DetMathReferenceTest}): all four within 1 ulp; measured maxima exp 0.65 ulp (at a subnormal
 * result), log 0.57, log1p 0.96, pow 0.51. Special cases as {@link Math}: NaN in, NaN out;
 * exp(−∞) = 0, exp(+∞) = +∞; log(±0) = −∞, log(x &lt; 0) = NaN, log(+∞) = +∞.
 *
 * <p><b>Method.</b> exp: x = (k + j/128)·ln 2 + r with |r| ≤ ln 2/256, e^x = 2^k · 2^(j/128) ·
 * e^r, the 128 values 2^(j/128) as double-double, e^r − 1 by its degree-5 Taylor polynomial
 * (truncation &lt; 2⁻⁶⁰ relative). log: x = 2^k·z with z in [0.6875, 1.375), z in one of 128
 * intervals with centre c, log x = k·ln 2 − log(1/c) + log1p(r), r = z·(1/c) − 1 by one fma
 * (|r| ≤ 2⁻⁷), log1p(r) by its degree-8 Taylor polynomial, the leading terms summed in
 * double-double. The two intervals next to 1 use 1/c = 1, so that log x ≈ x − 1 has no
 * cancellation. The tables are computed once at class initialization in {@link BigDecimal}
 * arithmetic (exact, hence the same on every JVM) and rounded to double-double.
 *
 * <p>The loss kernel's log(1 + e^(−|z|)) takes {@link #logOneToTwo} instead of {@link #log}: the
 * same table method on [1, 2] only, without the double-double sums, within 1.5 ulps.
 */
public final class DetMath {

  static final int BITS = 7;
  static final int N = 1 << BITS;
  private static final MathContext MC = new MathContext(60);

  // The tables and constants are package-private for VectorBceKernel, which evaluates the same
  // formulas lane-wise; nothing writes them after class initialization.
  /** 2^(j/N) for j in [0, N), as hi + lo. */
  static final double[] EXP2_HI = new double[N];
  static final double[] EXP2_LO = new double[N];
  /** Per log interval i: 1/c, and −log(1/c) as hi + lo. */
  static final double[] LOG_INVC = new double[N];
  static final double[] LOG_C_HI = new double[N];
  static final double[] LOG_C_LO = new double[N];

  static final double LN2_HI;
  static final double LN2_LO;
  static final double INV_LN2_N;
  static final double LN2_N_HI;
  static final double LN2_N_LO;
  /** Adding and subtracting it rounds a |v| &lt; 2^51 to the nearest integer. */
  static final double SHIFT = 0x1.8p52;
  static final long SHIFT_BITS = Double.doubleToRawLongBits(SHIFT);
  /** Where {@link #expNonPositive} clamps: e^x is 0 in double precision below −745.14. */
  static final double EXP_CLAMP = -746.0;
  static final long LOG_OFF = 0x3fe6000000000000L;
  /** Per interval i of [1, 2] ({@link #logOneToTwo}): 1/c and log c; entry N is u = 2. */
  static final double[] UNIT_INVC = new double[N + 1];
  static final double[] UNIT_LOGC = new double[N + 1];
  static final long ONE_BITS = Double.doubleToRawLongBits(1.0);

  static {
    BigDecimal ln2 = lnNearOne(BigDecimal.valueOf(2));
    // k·LN2_HI is exact for |k| < 2^11: LN2_HI has 42 significant bits.
    LN2_HI = roundToBits(ln2, 42);
    LN2_LO = ln2.subtract(new BigDecimal(LN2_HI)).doubleValue();
    BigDecimal ln2n = ln2.divide(BigDecimal.valueOf(N), MC);
    LN2_N_HI = ln2n.doubleValue();
    LN2_N_LO = ln2n.subtract(new BigDecimal(LN2_N_HI)).doubleValue();
    INV_LN2_N = BigDecimal.valueOf(N).divide(ln2, MC).doubleValue();
    BigDecimal root = BigDecimal.valueOf(2);
    for (int i = 0; i < BITS; i++) {
      root = root.sqrt(MC);
    }
    BigDecimal t = BigDecimal.ONE;
    for (int j = 0; j < N; j++) {
      EXP2_HI[j] = t.doubleValue();
      EXP2_LO[j] = t.subtract(new BigDecimal(EXP2_HI[j])).doubleValue();
      t = t.multiply(root, MC);
    }
    for (int i = 0; i < N; i++) {
      double a = Double.longBitsToDouble(LOG_OFF + ((long) i << (52 - BITS)));
      double b = Double.longBitsToDouble(LOG_OFF + ((long) (i + 1) << (52 - BITS)));
      double invc = a == 1.0 || b == 1.0 ? 1.0 : 2.0 / (a + b);
      BigDecimal logc = lnNearOne(new BigDecimal(invc)).negate();
      LOG_INVC[i] = invc;
      LOG_C_HI[i] = logc.doubleValue();
      LOG_C_LO[i] = logc.subtract(new BigDecimal(LOG_C_HI[i])).doubleValue();
    }
    for (int i = 0; i <= N; i++) {
      // Interval i is [1 + i/N, 1 + (i + 1)/N), c its centre; 1/c = 1 on the first (no
      // cancellation next to 1), 1/2 for u = 2.
      double invc = i == 0 ? 1.0 : i == N ? 0.5 : 2.0 / (2.0 + (2 * i + 1) / (double) N);
      UNIT_INVC[i] = invc;
      UNIT_LOGC[i] = lnNearOne(new BigDecimal(invc)).negate().doubleValue();
    }
  }

  private DetMath() {}

  /**
   * e^x, within 1 ulp.
   *
   * @param x any double
   * @return e^x; +∞ above 709.78…, 0 below −745.13…
   */
  public static double exp(double x) {
    return expTail(x, 0.0);
  }

  /**
   * The natural logarithm, within 1 ulp.
   *
   * @param x any double
   * @return log x; −∞ at ±0, NaN below 0
   */
  public static double log(double x) {
    return logPart(x, false);
  }

  /**
   * log(1 + x), within 1 ulp.
   *
   * @param x any double
   * @return log1p(x); −∞ at −1, NaN below −1
   */
  public static double log1p(double x) {
    if (Math.abs(x) < 0x1p-10) {
      // Taylor to degree 6: truncation |x|⁶/7 ≤ 2⁻⁶² relative; keeps the sign of ±0.
      return x + x * x * (-0.5 + x * (1.0 / 3 + x * (-0.25 + x * (0.2 + x * (-1.0 / 6)))));
    }
    double u = 1.0 + x;
    if (!(u < Double.POSITIVE_INFINITY) || u <= 0.0) {
      return log(u);
    }
    // u = fl(1 + x) is off by δ = (u − 1) − x, exactly representable, and log(1 + x) = log(u) −
    // δ/u up to δ²/u² ≤ 2⁻¹⁰⁶.
    return log(u) - ((u - 1.0) - x) / u;
  }

  /**
   * x^y for x &gt; 0 as e^(y·log x) with log x carried in double-double, within 1 ulp; for the
   * focal factor m^γ with m in (0, 1] and a finite γ ≥ 0.
   *
   * @param x a positive finite double
   * @param y a finite double
   * @return x^y (1 for y = 0)
   */
  public static double pow(double x, double y) {
    if (y == 0.0) {
      return 1.0;
    }
    double hi = logPart(x, false);
    double lo = logPart(x, true);
    double p = y * hi;
    double pe = Math.fma(y, hi, -p) + y * lo;
    return expTail(p, pe);
  }

  /**
   * e^x for x ≤ 0 (or −∞; NaN gives NaN) without a branch, for the loss kernel: the arithmetic of
   * {@link #exp}, so the same bits, with the argument clamped at −746 (where e^x is 0 in double
   * precision) instead of tested.
   *
   * @param x a non-positive double
   * @return e^x
   */
  static double expNonPositive(double x) {
    return expCore(Math.max(x, EXP_CLAMP), 0.0);
  }

  /**
   * log u for u in [1, 2], without a branch and without {@link #log}'s double-double sums: the
   * loss kernel's log(1 + e^(−|z|)), where a few ulps are far inside its 1e-12, for about 2 ns a
   * row less than {@link #log}. u is in one of N intervals of width 1/N with centre c (the first
   * with 1/c = 1, so log u = u − 1 − … has no cancellation next to 1; u = 2 an interval of its
   * own), log u = log c + log1p(r) with r = u·(1/c) − 1 by one fma (|r| ≤ 1/N) and log1p(r) by its
   * degree-8 Taylor polynomial (truncation &lt; 2⁻⁵⁹ relative), log c rounded to a double from
   * {@link BigDecimal}. Within 1.5 ulps against the mpmath reference ({@code
   * DetMathReferenceTest}: 1.001 at most over 4,000 arguments).
   *
   * @param u a double in [1, 2]; any other argument gives a meaningless result (NaN for NaN), not
   *     an exception
   * @return log u
   */
  static double logOneToTwo(double u) {
    int i = unitInterval(u);
    return unitLog(UNIT_LOGC[i], Math.fma(u, UNIT_INVC[i], -1.0));
  }

  /**
   * The interval of u in {@link #logOneToTwo}'s table, in [0, N] for every argument (N for u = 2
   * and beyond, or NaN).
   */
  static int unitInterval(double u) {
    return (int) Math.min((Double.doubleToRawLongBits(u) - ONE_BITS) >>> (52 - BITS), N);
  }

  /** log c + log1p(r) of {@link #logOneToTwo}, r = u·(1/c) − 1. */
  static double unitLog(double logc, double r) {
    double r2 = r * r;
    double p = r2 * (-0.5 + r * (1.0 / 3 + r * (-0.25 + r * (0.2 + r * (-1.0 / 6
        + r * (1.0 / 7 + r * -0.125))))));
    return logc + (r + p);
  }

  /** e^(x + tail), |tail| ≤ ulp(x). */
  private static double expTail(double x, double tail) {
    if (!(Math.abs(x) < 708.0)) {
      if (x != x || x == Double.POSITIVE_INFINITY) {
        return x;
      }
      if (x > 709.8) {
        return Double.POSITIVE_INFINITY;
      }
      if (x < -745.2) {
        return 0.0;
      }
    }
    return expCore(x, tail);
  }

  /** e^(x + tail) for x in [−746, 709.8], |tail| ≤ ulp(x); no branch. */
  private static double expCore(double x, double tail) {
    double shifted = expShifted(x);
    int k = expK(shifted);
    double r = expReduced(x, shifted, tail);
    int j = k & (N - 1);
    int top = k >> BITS;
    double y = expScaled(r, EXP2_HI[j], EXP2_LO[j]);
    // y·2^top in two steps, 2^(top >> 1) then 2^(top − (top >> 1)), both normal for top in
    // [−1078, 1024]: the first product is exact, so the result is rounded once, also when it is
    // subnormal or overflows.
    int half = top >> 1;
    return y * Double.longBitsToDouble((long) (half + 1023) << 52)
        * Double.longBitsToDouble((long) (top - half + 1023) << 52);
  }

  /**
   * The first step of {@link #expCore}: x·N/ln 2 + 0x1.8p52, whose bits differ from {@link
   * #SHIFT}'s by k = round(x·N/ln 2) ({@link #expK}); exact, the sum lying in [2^52, 2^53).
   */
  static double expShifted(double x) {
    return x * INV_LN2_N + SHIFT;
  }

  /** k = round(x·N/ln 2) from {@link #expShifted}; e^x = 2^(k/N)·e^r. */
  static int expK(double shifted) {
    return (int) (Double.doubleToRawLongBits(shifted) - SHIFT_BITS);
  }

  /**
   * r = x − k·ln2/N + tail, k from {@link #expShifted}: the first fma is exact (|r| &lt; 2⁻⁸, and x
   * and k·LN2_N_HI have no bits below 2⁻⁶¹ when k ≠ 0), the second adds the low part of ln2/N.
   */
  static double expReduced(double x, double shifted, double tail) {
    double kd = shifted - SHIFT;
    double r = Math.fma(kd, -LN2_N_HI, x);
    return Math.fma(kd, -LN2_N_LO, r) + tail;
  }

  /** 2^(j/N)·e^r from the table entry 2^(j/N) = hi + lo, e^r − 1 by its degree-5 polynomial. */
  static double expScaled(double r, double hi, double lo) {
    double r2 = r * r;
    double p = r + r2 * (0.5 + r * (1.0 / 6) + r2 * (1.0 / 24 + r * (1.0 / 120)));
    return hi + Math.fma(hi, p, lo);
  }

  /**
   * e[k] = {@link #expNonPositive}(−|z[k]|) for k &lt; len, the same bits, in three passes over
   * the rows: the reduction, which reads no table; the table entries and the powers of two; the
   * polynomial and the product. Without the table reads in them, the first and the last pass are
   * loops C2 vectorizes, as long as every array is read and written from index 0: C2 in JDK 17
   * vectorized loops whose arrays start at different offsets in part or not at all (with z
   * read from an offset, a BCE row took 7.0–7.7 ns instead of 6.3–6.5, README "Passes that read
   * from index 0"). The results are the same bits in every tier, as every operation is correctly
   * rounded wherever it runs. 2^top is applied as 2^(top + 60) (normal for every top of x ≥ −746,
   * so the product is exact) and then 2⁻⁶⁰, which rounds once, as {@link #expCore}'s two steps do
   * ({@code KernelLanesTest} compares the two).
   *
   * @param z the arguments' negated magnitudes are the exponents; may be {@code e} itself
   * @param len how many
   * @param e the results (len)
   * @param r scratch of at least len
   * @param scale scratch of at least len
   * @param hi scratch of at least len
   * @param lo scratch of at least len
   */
  static void expNonPositive(double[] z, int len, double[] e, double[] r, double[] scale,
      double[] hi, double[] lo) {
    for (int k = 0; k < len; k++) {
      double x = Math.max(-Math.abs(z[k]), EXP_CLAMP);
      double shifted = expShifted(x);
      r[k] = expReduced(x, shifted, 0.0);
      scale[k] = shifted;
    }
    for (int k = 0; k < len; k++) {
      int kk = expK(scale[k]);
      int j = kk & (N - 1);
      hi[k] = EXP2_HI[j];
      lo[k] = EXP2_LO[j];
      scale[k] = Double.longBitsToDouble((long) ((kk >> BITS) + 60 + 1023) << 52);
    }
    for (int k = 0; k < len; k++) {
      e[k] = expScaled(r[k], hi[k], lo[k]) * scale[k] * 0x1p-60;
    }
  }

  /** log x (tail false), or the double-double tail of the computed log x (tail true). */
  private static double logPart(double x, boolean tail) {
    long ix = Double.doubleToRawLongBits(x);
    if (ix < 0x0010000000000000L || ix >= 0x7ff0000000000000L) {
      // Zero, subnormal, negative, ∞ or NaN.
      if (x == 0.0) {
        return tail ? 0.0 : Double.NEGATIVE_INFINITY;
      }
      if (!(x > 0.0) || x == Double.POSITIVE_INFINITY) {
        return tail ? 0.0 : (x > 0.0 ? x : Double.NaN);
      }
      return logCore(Double.doubleToRawLongBits(x * 0x1p52), -52, tail);
    }
    return logCore(ix, 0, tail);
  }

  /** log of the positive normal double with bits ix, times 2^kAdjust; no branch. */
  private static double logCore(long ix, int kAdjust, boolean tail) {
    long tmp = ix - LOG_OFF;
    int i = (int) (tmp >>> (52 - BITS)) & (N - 1);
    int k = (int) (tmp >> 52) + kAdjust;
    double z = Double.longBitsToDouble(ix - (tmp & (0xfffL << 52)));
    double invc = LOG_INVC[i];
    double logc = LOG_C_HI[i];
    double logcTail = LOG_C_LO[i];
    double r = Math.fma(z, invc, -1.0);
    double kd = k;
    // k·ln 2 + log c + r, each addition's rounding error kept (|k·LN2_HI| ≥ |log c| when k ≠ 0).
    double kl = kd * LN2_HI;
    double t1 = kl + logc;
    double e1 = (kl - t1) + logc;
    double t2 = t1 + r;
    double e2 = (t1 - t2) + r;
    double ar = -0.5 * r;
    double ar2 = ar * r;
    double e3 = Math.fma(ar, r, -ar2);
    double hi = t2 + ar2;
    double e4 = (t2 - hi) + ar2;
    double r3 = ar2 * r;
    double p = r3 * (-2.0 / 3 + r * (0.5 + r * (-2.0 / 5 + r * (1.0 / 3
        + r * (-2.0 / 7 + r * 0.25)))));
    double lo = kd * LN2_LO + logcTail + e1 + e2 + e3 + e4 + p;
    double y = hi + lo;
    return tail ? (hi - y) + lo : y;
  }

  /** The double nearest v with at most {@code bits} significant bits. */
  private static double roundToBits(BigDecimal v, int bits) {
    double d = v.doubleValue();
    long mask = -1L << (52 - bits + 1);
    long b = Double.doubleToRawLongBits(d);
    long rounded = (b + (1L << (52 - bits))) & mask;
    return Double.longBitsToDouble(rounded);
  }

  /** ln v for v in [0.5, 2] by 2·atanh((v − 1)/(v + 1)), to 60 digits. */
  private static BigDecimal lnNearOne(BigDecimal v) {
    BigDecimal s = v.subtract(BigDecimal.ONE).divide(v.add(BigDecimal.ONE), MC);
    BigDecimal s2 = s.multiply(s, MC);
    BigDecimal term = s;
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal eps = new BigDecimal("1e-58");
    for (int n = 1; term.abs().compareTo(eps) > 0; n += 2) {
      sum = sum.add(term.divide(BigDecimal.valueOf(n), MC), MC);
      term = term.multiply(s2, MC);
    }
    return sum.multiply(BigDecimal.valueOf(2), MC);
  }
}
