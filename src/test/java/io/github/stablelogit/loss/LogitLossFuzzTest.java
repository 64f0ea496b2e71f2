package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random inputs over the whole parameter space: logits from 1e-300 to 1e300 in magnitude,
 * hard and soft labels, weights, γ in [0, 25], α ∈ {−1} ∪ [0, 1], posWeight in [1e-3, 1e6],
 * labelSmoothing in [0, 0.99).
 *
 * <p>Each batch of {@link #BATCH} rows shares one loss and is generated from its own seed, {@link
 * #BASE_SEED} + batch index, so a failure is reproduced by {@code
 * generateBatch(seed)} alone; failures print the seed and the inputs.
 */
class LogitLossFuzzTest {

  static final long BASE_SEED = 0x5EED_0000_0000L;
  static final int BATCHES = 6_250;
  static final int BATCH = 32;
  static final int MAX_REPORTED = 20;

  /** Largest |z| where the finite-difference check applies. */
  static final double FD_MAX_LOGIT = 15.0;
  /** Step of the five-point central difference. */
  static final double FD_STEP = 1e-4;
  static final double FD_ABS_TOL = 1e-7;
  static final double FD_REL_TOL = 1e-5;
  /**
   * Relative error assumed for each computed value when bounding the finite difference's rounding
   * noise: 64 ulps, generous for a kernel that is accurate to a few.
   */
  static final double VALUE_REL_ERR = 64 * Math.ulp(1.0);
  /** At least this share of the moderate-logit rows must be well-conditioned enough to check. */
  static final double MIN_FD_CHECKED_SHARE = 0.8;
  /** Tolerance of the second derivative against differences of the first: absolute part. */
  static final double CURV_FD_ABS_TOL = 1e-7;
  /** Tolerance of the second derivative against differences of the first: relative part. */
  static final double CURV_FD_REL_TOL = 1e-6;

  /** One batch: a loss and its rows. */
  record Batch(long seed, LogitLoss loss, double[] z, double[] y, double[] w) {}

  static Batch generateBatch(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double gamma = switch (rnd.nextInt(5)) {
      case 0 -> 0.0;
      case 1 -> rnd.nextDouble(0.0, 1.0); // γ < 1: (1−p_t)^(γ−1) unbounded
      case 2 -> new double[] {0.25, 0.5, 1.0, 2.0, 5.0}[rnd.nextInt(5)];
      default -> rnd.nextDouble(0.0, 25.0);
    };
    double alpha = rnd.nextInt(3) == 0 ? -1.0 : (rnd.nextInt(4) == 0
        ? new double[] {0.0, 1.0}[rnd.nextInt(2)] : rnd.nextDouble());
    double posWeight = Math.pow(10, rnd.nextDouble(-3, 6));
    double smoothing = rnd.nextInt(3) == 0 ? 0.0 : rnd.nextDouble(0.0, 0.99);
    LogitLoss loss = rnd.nextInt(4) == 0
        ? LogitLoss.bce(posWeight, smoothing)
        : LogitLoss.focal(gamma, alpha, posWeight, smoothing);
    double[] z = new double[BATCH];
    double[] y = new double[BATCH];
    double[] w = new double[BATCH];
    for (int i = 0; i < BATCH; i++) {
      z[i] = logit(rnd);
      y[i] = label(rnd);
      // weights ≤ 2: the batch sum of ≤ 32 losses of ≤ ~1e306 each stays finite
      w[i] = rnd.nextInt(8) == 0 ? 0.0 : rnd.nextDouble(0.0, 2.0);
    }
    return new Batch(seed, loss, z, y, w);
  }

  static double logit(SplittableRandom rnd) {
    double sign = rnd.nextBoolean() ? 1.0 : -1.0;
    return switch (rnd.nextInt(10)) {
      case 0, 1, 2, 3 -> sign * Math.pow(10, rnd.nextDouble(-300, 300)); // log-uniform magnitude
      case 4 -> sign * rnd.nextDouble(0, 800); // around exp's over- and underflow
      default -> rnd.nextDouble(-FD_MAX_LOGIT, FD_MAX_LOGIT); // moderate: finite differences
    };
  }

  static double label(SplittableRandom rnd) {
    return switch (rnd.nextInt(6)) {
      case 0 -> 0.0;
      case 1 -> 1.0;
      case 2 -> Math.pow(10, rnd.nextDouble(-300, 0)); // tiny positive
      case 3 -> 1.0 - Math.pow(10, rnd.nextDouble(-16, 0)); // just below 1
      default -> rnd.nextDouble();
    };
  }

  @Test
  void randomInputsGiveFiniteNonNegativeConsistentResults() {
    List<String> failures = new ArrayList<>();
    long moderate = 0;
    long fdChecked = 0;
    for (int b = 0; b < BATCHES; b++) {
      Batch batch = generateBatch(BASE_SEED + b);
      LogitLoss loss = batch.loss();
      for (int i = 0; i < BATCH; i++) {
        double z = batch.z()[i];
        double y = batch.y()[i];
        double v = loss.value(z, y);
        double d = loss.derivative(z, y);
        if (!(v >= 0 && v < Double.POSITIVE_INFINITY) || !Double.isFinite(d)) {
          failures.add(describe(batch, i) + ": value " + v + ", derivative " + d);
          continue;
        }
        if (Math.abs(z) > FD_MAX_LOGIT) {
          continue;
        }
        moderate++;
        FiniteDifference fd = FiniteDifference.of(loss, z, y);
        if (!fd.conditioned(d)) {
          continue; // the difference's own error bound is too large to judge this row
        }
        fdChecked++;
        if (!fd.agreesWith(d)) {
          failures.add(String.format(Locale.ROOT,
              "%s: derivative %s, finite difference %s (tolerance %.3g)",
              describe(batch, i), d, fd.estimate(), fdTolerance(d)));
        }
      }
      checkBatchKernel(batch, failures);
    }
    System.out.printf(Locale.ROOT, "fuzz: %d rows, %d with |z| <= %s, %d checked by finite"
        + " differences, %d failures%n", (long) BATCHES * BATCH, moderate, FD_MAX_LOGIT, fdChecked,
        failures.size());
    LogitLossReferenceTest.assertNoFailures("fuzz cases", failures);
    double share = (double) fdChecked / moderate;
    assertTrue(share >= MIN_FD_CHECKED_SHARE, String.format(Locale.ROOT,
        "only %d of %d moderate-logit rows were well-conditioned for finite differences",
        fdChecked, moderate));
  }

  static double fdTolerance(double d) {
    return FD_ABS_TOL + FD_REL_TOL * Math.abs(d);
  }

  static double curvatureFdTolerance(double c) {
    return CURV_FD_ABS_TOL + CURV_FD_REL_TOL * Math.abs(c);
  }

  /**
   * The second derivative over the same random inputs: finite everywhere, ≥ 0 where it is one
   * non-negative product (BCE, focal with γ = 0), and at moderate logits consistent with the
   * five-point central difference (Richardson extrapolation of two three-point differences) of
   * {@link LogitLoss#derivative}, within 1e-7 + 1e-6·|ℓ''|. The batch form agrees bit for bit with
   * {@link LogitLoss#valueAndDerivatives} and with {@link LogitLoss#secondDerivative}.
   */
  @Test
  void secondDerivativeIsFiniteAndAgreesWithDifferencesOfTheDerivative() {
    List<String> failures = new ArrayList<>();
    long moderate = 0;
    long fdChecked = 0;
    long negative = 0;
    for (int b = 0; b < BATCHES; b++) {
      Batch batch = generateBatch(BASE_SEED + b);
      LogitLoss loss = batch.loss();
      boolean convex = !loss.isFocal() || loss.gamma() == 0.0;
      for (int i = 0; i < BATCH; i++) {
        double z = batch.z()[i];
        double y = batch.y()[i];
        double c = loss.secondDerivative(z, y);
        if (!Double.isFinite(c) || (convex && !(c >= 0))) {
          failures.add(describe(batch, i) + ": second derivative " + c);
          continue;
        }
        negative += c < 0 ? 1 : 0;
        if (Math.abs(z) > FD_MAX_LOGIT) {
          continue;
        }
        moderate++;
        FiniteDifference fd = FiniteDifference.ofDerivative(loss, z, y);
        double tolerance = curvatureFdTolerance(c);
        if (!fd.conditionedFor(tolerance)) {
          continue;
        }
        fdChecked++;
        if (!fd.within(c, tolerance)) {
          failures.add(String.format(Locale.ROOT,
              "%s: second derivative %s, finite difference %s (tolerance %.3g)",
              describe(batch, i), c, fd.estimate(), tolerance));
        }
      }
      checkCurvatureBatch(batch, failures);
    }
    System.out.printf(Locale.ROOT, "fuzz curvature: %d rows (%d negative), %d with |z| <= %s, %d"
        + " checked by finite differences, %d failures%n", (long) BATCHES * BATCH, negative,
        moderate, FD_MAX_LOGIT, fdChecked, failures.size());
    LogitLossReferenceTest.assertNoFailures("fuzz curvature cases", failures);
    double share = (double) fdChecked / moderate;
    assertTrue(share >= MIN_FD_CHECKED_SHARE, String.format(Locale.ROOT,
        "only %d of %d moderate-logit rows were well-conditioned for finite differences",
        fdChecked, moderate));
  }

  /**
   * Σ|terms| of dℓ/dz, the reference's derivativeScale: α_t m^γ [γ (σ(z)σ(−z)/m) B + (1−y')σ(z) +
   * pw·y'·σ(−z)]. The computed derivative is accurate to a few ulps of it, not of itself (soft
   * labels cancel). Plain doubles suffice at moderate logits, where m ≥ σ(−|z|) is far from 0.
   */
  static double derivativeScale(LogitLoss loss, double z, double y) {
    double a = LabelSmoothing.positive(y, loss.labelSmoothing());
    double b = LabelSmoothing.negative(y, loss.labelSmoothing());
    double s = StableMath.sigmoid(z);
    double sn = StableMath.sigmoid(-z);
    double pw = loss.posWeight();
    double linear = b * s + pw * a * sn;
    if (!loss.isFocal()) {
      return linear;
    }
    double m = a * sn + b * s;
    double bce = pw * a * StableMath.softplus(-z) + b * StableMath.softplus(z);
    double g = loss.gamma();
    double mg = g == 0.0 ? 1.0 : Math.pow(m, g);
    return loss.classWeight(a, b) * mg * (g * (s * sn / m) * bce + linear);
  }

  /**
   * A five-point central difference of the value with an error bound: rounding noise,
   * 1.5·max|f|·{@link #VALUE_REL_ERR}/h, plus truncation error, estimated by the difference
   * between the stencils with steps h and 2h (which is about 15 times the truncation error at h).
   */
  record FiniteDifference(double estimate, double errorBound) {

    static FiniteDifference of(LogitLoss loss, double z, double y) {
      double h = FD_STEP;
      double[] f = new double[9];
      double maxF = 0;
      for (int k = -4; k <= 4; k++) {
        f[k + 4] = loss.value(z + k * h, y);
        maxF = Math.max(maxF, Math.abs(f[k + 4]));
      }
      return fromSamples(f, maxF * VALUE_REL_ERR, h);
    }

    /**
     * The same difference of the derivative, whose rounding error is bounded by {@link
     * LogitLossFuzzTest#VALUE_REL_ERR} times its {@link LogitLossFuzzTest#derivativeScale} rather
     * than its own magnitude.
     */
    static FiniteDifference ofDerivative(LogitLoss loss, double z, double y) {
      double h = FD_STEP;
      double[] f = new double[9];
      double maxErr = 0;
      for (int k = -4; k <= 4; k++) {
        f[k + 4] = loss.derivative(z + k * h, y);
        maxErr = Math.max(maxErr, derivativeScale(loss, z + k * h, y) * VALUE_REL_ERR);
      }
      return fromSamples(f, maxErr, h);
    }

    /** f[k + 4] = f(z + k·h); maxErr bounds the absolute error of each sample. */
    private static FiniteDifference fromSamples(double[] f, double maxErr, double h) {
      double fd = (f[2] - 8 * f[3] + 8 * f[5] - f[6]) / (12 * h);
      double fd2 = (f[0] - 8 * f[2] + 8 * f[6] - f[8]) / (24 * h);
      return new FiniteDifference(fd, 1.5 * maxErr / h + Math.abs(fd - fd2));
    }

    /** Well-conditioned: the difference's error bound is under a quarter of the tolerance. */
    boolean conditionedFor(double tolerance) {
      return errorBound <= 0.25 * tolerance;
    }

    boolean within(double exact, double tolerance) {
      return Math.abs(estimate - exact) <= tolerance;
    }

    /** Well-conditioned for checking the derivative d, see {@link #conditionedFor}. */
    boolean conditioned(double d) {
      return conditionedFor(fdTolerance(d));
    }

    boolean agreesWith(double d) {
      return within(d, fdTolerance(d));
    }
  }

  /** The batch kernel with weights and aliased output agrees with the per-row methods. */
  private static void checkBatchKernel(Batch batch, List<String> failures) {
    LogitLoss loss = batch.loss();
    double[] out = batch.z().clone();
    double sum = loss.valueAndDerivatives(out, batch.y(), batch.w(), out, BATCH);
    double expected = 0;
    double abs = 0;
    for (int i = 0; i < BATCH; i++) {
      double wv = batch.w()[i] * loss.value(batch.z()[i], batch.y()[i]);
      expected += wv;
      abs += Math.abs(wv);
      double wd = batch.w()[i] * loss.derivative(batch.z()[i], batch.y()[i]);
      if (!Double.isFinite(out[i]) || out[i] != wd) {
        failures.add(describe(batch, i) + " w=" + batch.w()[i] + ": batch derivative " + out[i]
            + ", per row times weight " + wd);
      }
    }
    if (!(sum >= 0 && sum < Double.POSITIVE_INFINITY) || Math.abs(sum - expected) > 1e-14 * abs) {
      failures.add(String.format(Locale.ROOT, "seed %d %s: batch sum %s, per-row sum %s",
          batch.seed(), LogitLossTest.describe(loss), sum, expected));
    }
    // With a second weight vector (validation weights): bit for bit two separate calls.
    double[] other = new double[BATCH];
    for (int i = 0; i < BATCH; i++) {
      other[i] = batch.w()[BATCH - 1 - i] * 0.75;
    }
    double[] twoOut = batch.z().clone();
    double[] otherSum = {Double.NaN};
    double twoSum = loss.valueAndDerivatives(twoOut, 0, batch.y(), batch.w(), other, otherSum,
        twoOut, BATCH);
    double separateOther = loss.valueAndDerivatives(batch.z(), 0, batch.y(), other,
        new double[BATCH], BATCH);
    if (Double.doubleToRawLongBits(twoSum) != Double.doubleToRawLongBits(sum)
        || Double.doubleToRawLongBits(otherSum[0]) != Double.doubleToRawLongBits(separateOther)
        || !java.util.Arrays.equals(twoOut, out)) {
      failures.add(String.format(Locale.ROOT, "seed %d %s: with second weights sum %s (alone %s),"
              + " second sum %s (alone %s), derivatives equal %s", batch.seed(),
          LogitLossTest.describe(loss), twoSum, sum, otherSum[0], separateOther,
          java.util.Arrays.equals(twoOut, out)));
    }
  }

  /**
   * The Hessian-pass batch form, weighted and unweighted, curvatures written over a copy of the
   * margins: value and derivatives bit for bit those of valueAndDerivatives, curvatures bit for
   * bit w·secondDerivative.
   */
  private static void checkCurvatureBatch(Batch batch, List<String> failures) {
    LogitLoss loss = batch.loss();
    for (double[] w : new double[][] {batch.w(), null}) {
      double[] expected = new double[BATCH];
      double expectedSum = loss.valueAndDerivatives(batch.z(), 0, batch.y(), w, expected, BATCH);
      double[] derivatives = new double[BATCH];
      double[] curvatures = batch.z().clone();
      double sum = loss.valueDerivativesAndCurvatures(curvatures, 0, batch.y(), w, derivatives,
          curvatures, BATCH);
      if (Double.doubleToRawLongBits(sum) != Double.doubleToRawLongBits(expectedSum)
          || !java.util.Arrays.equals(derivatives, expected)) {
        failures.add(String.format(Locale.ROOT, "seed %d %s%s: sum %s (valueAndDerivatives %s),"
                + " derivatives equal %s", batch.seed(), LogitLossTest.describe(loss),
            w == null ? " unweighted" : "", sum, expectedSum,
            java.util.Arrays.equals(derivatives, expected)));
      }
      for (int i = 0; i < BATCH; i++) {
        double c = loss.secondDerivative(batch.z()[i], batch.y()[i]);
        double wc = w == null ? c : w[i] * c;
        if (Double.compare(curvatures[i], wc) != 0) {
          failures.add(describe(batch, i) + (w == null ? "" : " w=" + w[i])
              + ": batch curvature " + curvatures[i] + ", per row " + wc);
        }
      }
    }
  }

  private static String describe(Batch batch, int i) {
    return String.format(Locale.ROOT, "seed %d row %d %s z=%s y=%s", batch.seed(), i,
        LogitLossTest.describe(batch.loss()), batch.z()[i], batch.y()[i]);
  }
}
