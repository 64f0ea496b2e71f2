package io.github.stablelogit.loss;

/**
 * The arithmetic of {@link LogitLoss} for one row: the value, first and second derivative in the
 * overflow- and cancellation-free forms of the class documentation of {@link LogitLoss} ({@link
 * #row}), and the pieces of it that the batch loops ({@link KernelChunks}, {@link
 * VectorBceKernel}) run over many rows at a time with the same operations, so the same bits.
 *
 * <p>Owns the numerical thresholds of those forms (when m^γ is formed in log space, when the focal
 * curvature is 0 in double precision). Static only, so it is never part of a serialized loss:
 * every method reads the parameters of the {@link LogitLoss} it is given.
 */
final class LogitLossKernel {

  /** Below this, m is re-derived in log space: log(m) of a subnormal m has lost precision. */
  private static final double TINY = 0x1.0p-900;

  /** exp(−|z|) at or above this is a normal number (|z| &lt; 708). */
  static final double MIN_NORMAL_E = 0x1.0p-1020;

  /**
   * γ|r| at or above which the focal curvature is 0 in double precision, m^γ ≤ exp(−γ|r|/2) being
   * 0 there; the bracket's polynomial in γ|r| (≲ 1e100 · posWeight) stays finite below it.
   */
  static final double HUGE_GAMMA_R = 1e50;

  /** exp(x) for x below this is subnormal or zero. */
  private static final double EXP_UNDERFLOW = -700.0;

  private LogitLossKernel() {}

  /**
   * m at or above which m^γ is a normal number (γ log m &gt; {@link #EXP_UNDERFLOW}) and m ≥
   * {@link #TINY}; +∞ for γ = 0.
   *
   * @param gamma γ ≥ 0
   * @return the floor of the direct (non-logarithmic) evaluation of m^γ
   */
  static double directPowFloor(double gamma) {
    return gamma > 0
        ? Math.max(TINY, 2.0 * DetMath.exp(EXP_UNDERFLOW / gamma)) : Double.POSITIVE_INFINITY;
  }

  /**
   * Unweighted loss of one row; writes dℓ/dz into d[i] and, unless c is null, d²ℓ/dz² into c[i].
   * Reads z before writing, so d and c may alias the margins. The value and dℓ/dz are computed by
   * the same operations whether or not c is null, so they are bit-identical either way.
   */
  static double row(LogitLoss loss, double z, double y, double[] d, double[] c, int i) {
    // One exp, one log and one division serve softplus(±z) and σ(±z), the exp and log of DetMath
    // (same bits in every JIT tier). log1p(e) comes from log u, u in [1, 2], as in DetMath.log1p,
    // sharing its division: u = fl(1 + e) is off by δ = (u − 1) − e, computed exactly, and
    // log(1 + e) = log(u) − δ/u up to δ²/u² ≤ 2⁻¹⁰⁶, so the result is as accurate as log u (a
    // few ulps: DetMath.logOneToTwo).
    double e = DetMath.expNonPositive(-Math.abs(z));
    double u = 1.0 + e;
    double inv = 1.0 / u;
    double l1p = DetMath.logOneToTwo(u) - ((u - 1.0) - e) * inv;
    return afterLog(loss, z, y, e, inv, l1p, d, c, i);
  }

  /**
   * {@link #row} from e = e^(−|z|), 1/(1 + e) and l1p = log(1 + e) on.
   */
  static double afterLog(LogitLoss loss, double z, double y, double e, double inv,
      double l1p, double[] d, double[] c, int i) {
    double eps = loss.labelSmoothing();
    double gamma = loss.gamma();
    // y' and 1 − y', each formed without subtracting from 1 after smoothing.
    double yp = LabelSmoothing.positive(y, eps);
    double q = LabelSmoothing.negative(y, eps);
    double ei = e * inv;
    double sigPos = ifNegative(z, ei, inv); // σ(z)
    double sigNeg = ifNegative(z, inv, ei); // σ(−z)
    double pwy = loss.posWeight() * yp;

    // B = pw·y'·softplus(−z) + (1−y')·softplus(z). Both softplus terms are finite for finite z, so
    // a zero coefficient contributes exactly 0 and needs no (unpredictable) branch.
    double b = pwy * (Math.max(-z, 0.0) + l1p) + q * (Math.max(z, 0.0) + l1p);
    // B' = (1−y')σ(z) − pw·y'·σ(−z)
    double db = q * sigPos - pwy * sigNeg;
    // B'' = (pw·y' + 1 − y')·σ(z)σ(−z): two non-negative factors, nothing cancels.
    double ddb = c != null ? (q + pwy) * (sigPos * sigNeg) : 0.0;
    if (!loss.isFocal()) {
      d[i] = db;
      if (c != null) {
        c[i] = ddb;
      }
      return b;
    }

    double alphaT = loss.classWeight(yp, q);
    if (gamma == 0.0) {
      d[i] = alphaT * db;
      if (c != null) {
        c[i] = alphaT * ddb;
      }
      return alphaT * b;
    }
    // m = 1 − p_t as a sum of non-negative terms; r = m'/m without dividing by a vanishing m.
    double m = yp * sigNeg + q * sigPos;
    double r;
    if (e >= MIN_NORMAL_E) {
      r = focalRatio(z, y, yp, q, eps, e, ei);
    } else {
      double denom = (yp > 0 ? yp / sigPos : 0.0) + (q > 0 ? q / sigNeg : 0.0);
      r = (1.0 - 2.0 * y) * (1.0 - eps) / denom;
      if (denom == Double.POSITIVE_INFINITY && e > 0) {
        // 1/σ of a subnormal σ (708 < |z| < 745) overflowed, which would make r 0 instead of
        // ≈ (1−2y')e/y' — negligible in dℓ/dz, but r·B is the leading term of ℓ''. The one-division
        // form cannot be 0/0 here: the coefficient of the overflowing term is > 0.
        r = focalRatio(z, y, yp, q, eps, e, ei);
      }
    }
    double bracket = gamma * r * b + db;
    double curvBracket = c != null ? curvatureBracket(gamma, r, b, db, ddb, sigNeg - sigPos) : 0.0;
    if (m >= loss.directPowFloor()) {
      // m^γ is a normal number: no logarithm needed.
      double p = powM(gamma, m);
      d[i] = alphaT * (p * bracket);
      if (c != null) {
        c[i] = alphaT * (p * curvBracket);
      }
      return alphaT * (p * b);
    }
    double logM = m >= TINY ? DetMath.log(m) : logMissProbability(z, yp, q);
    d[i] = alphaT * timesPowM(gamma, m, logM, bracket);
    if (c != null) {
      c[i] = alphaT * timesPowM(gamma, m, logM, curvBracket);
    }
    return alphaT * timesPowM(gamma, m, logM, b);
  }

  /**
   * r = m'/m of a focal row, (1 − 2y)(1 − ε) / (y'/σ(z) + (1−y')/σ(−z)), with σ(±z) written
   * through e = e^(−|z|) and ei = e/(1 + e): one division.
   */
  static double focalRatio(double z, double y, double yp, double q, double eps, double e,
      double ei) {
    double cy = (1.0 - 2.0 * y) * (1.0 - eps);
    return cy * ei / (ifNegative(z, q, yp) * e + ifNegative(z, yp, q));
  }

  /**
   * {@code z < 0 ? negative : otherwise} by the sign bit of z and bit masks, without a branch
   * (which random logits would mispredict half the time); the bits of either argument, exactly.
   * For z = −0 it takes {@code negative}: every caller passes two values that are equal at z = ±0.
   */
  static double ifNegative(double z, double negative, double otherwise) {
    long mask = Double.doubleToRawLongBits(z) >> 63;
    return Double.longBitsToDouble(Double.doubleToRawLongBits(negative) & mask
        | Double.doubleToRawLongBits(otherwise) & ~mask);
  }

  /**
   * The focal curvature divided by α_t m^γ, for γ &gt; 0:
   *
   * <pre>
   *   ℓ''/(α_t m^γ) = γ r ((γ−1) r B + (σ(−z) − σ(z)) B + 2B') + B''.
   * </pre>
   *
   * Every power of m is combined into the common factor m^γ before anything is evaluated: the
   * terms γ(γ−1)m^(γ−2)m'², γm^(γ−1)m'' and γm^(γ−1)m' become m^γ times γ(γ−1)r², γr(σ(−z) − σ(z))
   * and γr, with r = m'/m bounded by |1−2y'| ≤ 1 (m'' = m'(σ(−z) − σ(z))). So for 0 &lt; γ &lt; 1,
   * where m^(γ−2) is unbounded as m → 0, nothing here is ∞ or ∞·0.
   *
   * <p>The bracket could overflow only for a huge γ|r|; but m^γ ≤ exp(−γ|r|/2) (from |r| ≤
   * (1−m)/m ≤ −log(m)/m when m ≥ 1/2, and m^γ ≤ 2^−γ ≤ 2^−γ|r| when m &lt; 1/2), so there the true
   * curvature is exp(−huge) times a polynomial in γ|r|: 0 in double precision, returned as such
   * instead of ∞·0. With r = 0 (σ(z)σ(−z) underflowed) the bracket is B'' even if B overflowed.
   */
  static double curvatureBracket(double gamma, double r, double b, double db, double ddb,
      double sigDiff) {
    double gr = gamma * r;
    if (gr == 0.0) {
      return ddb;
    }
    if (!(Math.abs(gr) < HUGE_GAMMA_R)) {
      return 0.0;
    }
    // (γ−1)r + σ(−z) − σ(z) may cancel; its error is a few ulps of (|γ−1||r| + 1), within the
    // scale of the terms it is formed from.
    double t = (gamma - 1.0) * r + sigDiff;
    return gr * (t * b + 2.0 * db) + ddb;
  }

  /** m^γ for m ≥ {@link #TINY}, with exact or cheaper forms for common γ. */
  static double powM(double gamma, double m) {
    if (gamma == 2.0) {
      return m * m;
    } else if (gamma == 1.0) {
      return m;
    } else if (gamma == 0.5) {
      return Math.sqrt(m);
    }
    return DetMath.pow(m, gamma);
  }

  /** m^γ · x, formed in log space when m^γ alone would underflow. */
  private static double timesPowM(double gamma, double m, double logM, double x) {
    if (x == 0.0) {
      return 0.0;
    }
    double logPow = gamma * logM;
    if (logPow > EXP_UNDERFLOW) {
      double p = m < TINY ? DetMath.exp(logPow) : powM(gamma, m);
      return p * x;
    }
    return Math.copySign(DetMath.exp(logPow + DetMath.log(Math.abs(x))), x);
  }

  /** log(y'·σ(−z) + (1−y')·σ(z)) by log-sum-exp, for when m itself is (near) subnormal. */
  private static double logMissProbability(double z, double yp, double q) {
    double a = yp > 0 ? DetMath.log(yp) - StableMath.softplus(z) : Double.NEGATIVE_INFINITY;
    double c = q > 0 ? DetMath.log(q) - StableMath.softplus(-z) : Double.NEGATIVE_INFINITY;
    double hi = Math.max(a, c);
    double lo = Math.min(a, c);
    return lo == Double.NEGATIVE_INFINITY ? hi : hi + DetMath.log1p(DetMath.exp(lo - hi));
  }
}
