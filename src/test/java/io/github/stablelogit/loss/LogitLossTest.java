package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Unit tests of {@link LogitLoss} and {@link StableMath}: calculus, invariants and contracts. */
class LogitLossTest {

  /** Step of the five-point central difference. */
  static final double FD_STEP = 1e-4;
  /** Absolute part of the finite-difference tolerance. */
  static final double FD_ABS_TOL = 1e-7;
  /** Relative part of the finite-difference tolerance. */
  static final double FD_REL_TOL = 1e-5;
  /** Largest |z| at which the finite difference is checked. */
  static final double FD_MAX_LOGIT = 15.0;
  /** Ulps allowed where two formulas of the same quantity may round differently. */
  static final double ULPS = 4;

  static final double[] LABELS = {0.0, 1.0, 0.5, 0.3, 0.999, 1e-9, 0.75};
  static final double[] SMOOTHINGS = {0.0, 0.1};
  static final double[] POS_WEIGHTS = {1.0, 3.0, 0.01, 1e6};
  static final double[] GAMMAS = {0.0, 0.25, 0.5, 1.0, 2.0, 5.0};
  static final double[] ALPHAS = {-1.0, 0.0, 0.25, 1.0};
  /** Logits from 0 to saturation, both signs. */
  static final double[] LOGITS = logits();

  private static double[] logits() {
    double[] mags = {0.0, 1e-300, 1e-10, 0.5, 1, 3, 10, 20, 30, 36.7, 40, 50, 100, 700, 745, 800,
        1e5, 1e150, 1e300};
    double[] z = new double[2 * mags.length];
    for (int i = 0; i < mags.length; i++) {
      z[2 * i] = mags[i];
      z[2 * i + 1] = -mags[i];
    }
    return z;
  }

  /** Every loss configuration used by the grid tests. */
  static Stream<LogitLoss> losses() {
    List<LogitLoss> out = new ArrayList<>();
    for (double pw : POS_WEIGHTS) {
      for (double eps : SMOOTHINGS) {
        out.add(LogitLoss.bce(pw, eps));
        for (double gamma : GAMMAS) {
          for (double alpha : ALPHAS) {
            out.add(LogitLoss.focal(gamma, alpha, pw, eps));
          }
        }
      }
    }
    return out.stream();
  }

  /** Five-point central difference of the value, error O(h^4). */
  static double centralDifference(LogitLoss loss, double z, double y, double h) {
    double fm2 = loss.value(z - 2 * h, y);
    double fm1 = loss.value(z - h, y);
    double fp1 = loss.value(z + h, y);
    double fp2 = loss.value(z + 2 * h, y);
    return (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * h);
  }

  static String describe(LogitLoss loss) {
    return loss.isFocal()
        ? String.format(Locale.ROOT, "focal(gamma=%s, alpha=%s, posWeight=%s, labelSmoothing=%s)",
            loss.gamma(), loss.alpha(), loss.posWeight(), loss.labelSmoothing())
        : String.format(Locale.ROOT, "bce(posWeight=%s, labelSmoothing=%s)",
            loss.posWeight(), loss.labelSmoothing());
  }

  static boolean withinUlps(double got, double expected, double ulps) {
    return Math.abs(got - expected) <= ulps * Math.ulp(expected);
  }

  // ----------------------------------------------------------------- calculus

  @ParameterizedTest(name = "{0}")
  @MethodSource("losses")
  void derivativeMatchesFiniteDifferenceAtModerateLogits(LogitLoss loss) {
    List<String> failures = new ArrayList<>();
    for (double z = -FD_MAX_LOGIT; z <= FD_MAX_LOGIT; z += 0.37) {
      for (double y : LABELS) {
        double d = loss.derivative(z, y);
        double fd = centralDifference(loss, z, y, FD_STEP);
        double tol = FD_ABS_TOL + FD_REL_TOL * Math.abs(d);
        if (!(Math.abs(d - fd) <= tol)) {
          failures.add(String.format(Locale.ROOT, "z=%s y=%s: derivative %s, finite difference %s",
              z, y, d, fd));
        }
      }
    }
    LogitLossReferenceTest.assertNoFailures(describe(loss) + " finite differences", failures);
  }

  // ----------------------------------------------------------------- invariants

  @Test
  void plainBceIsSoftplus() {
    LogitLoss bce = LogitLoss.bce(1.0, 0.0);
    for (double z : LOGITS) {
      String at = "z=" + z;
      assertTrue(withinUlps(bce.value(z, 1.0), StableMath.softplus(-z), ULPS), at);
      assertTrue(withinUlps(bce.value(z, 1.0), -StableMath.logSigmoid(z), ULPS), at);
      assertTrue(withinUlps(bce.value(z, 0.0), StableMath.softplus(z), ULPS), at);
      assertTrue(withinUlps(bce.value(z, 0.0), -StableMath.logSigmoid(-z), ULPS), at);
      assertTrue(withinUlps(bce.derivative(z, 1.0), -StableMath.sigmoid(-z), ULPS), at);
      assertTrue(withinUlps(bce.derivative(z, 0.0), StableMath.sigmoid(z), ULPS), at);
      // soft label: y·softplus(−z) + (1−y)·softplus(z), derivative σ(z) − y
      double y = 0.25;
      double expected = y * StableMath.softplus(-z) + (1 - y) * StableMath.softplus(z);
      assertTrue(withinUlps(bce.value(z, y), expected, ULPS), at);
    }
  }

  @Test
  void stableMathAtTheExtremes() {
    assertEquals(0.5, StableMath.sigmoid(0.0));
    assertEquals(1.0, StableMath.sigmoid(1e300));
    assertEquals(0.0, StableMath.sigmoid(-1e300));
    assertTrue(StableMath.sigmoid(-745.0) > 0, "σ(−745) is subnormal, not 0");
    assertEquals(1e300, StableMath.softplus(1e300));
    assertEquals(0.0, StableMath.softplus(-1e300));
    assertEquals(Math.log(2), StableMath.softplus(0.0));
    assertEquals(-1e300, StableMath.logSigmoid(-1e300));
    assertEquals(4.248354255291589e-18, StableMath.softplus(-40.0), 4e-34);
    assertEquals(4.248354255291589e-18, StableMath.sigmoid(-40.0), 4e-34);
    for (double z : LOGITS) {
      assertTrue(Double.isFinite(StableMath.softplus(z)) && StableMath.softplus(z) >= 0, "z=" + z);
      assertTrue(StableMath.logSigmoid(z) <= 0, "z=" + z);
      double s = StableMath.sigmoid(z);
      assertTrue(s >= 0 && s <= 1, "z=" + z);
    }
  }

  @Test
  void focalWithGammaZeroAndNegativeAlphaIsExactlyBce() {
    for (double pw : POS_WEIGHTS) {
      for (double eps : SMOOTHINGS) {
        LogitLoss bce = LogitLoss.bce(pw, eps);
        for (double alpha : new double[] {-1.0, -0.25, -1e9}) {
          LogitLoss focal = LogitLoss.focal(0.0, alpha, pw, eps);
          for (double z : LOGITS) {
            for (double y : LABELS) {
              String at = describe(focal) + " z=" + z + " y=" + y;
              assertTrue(focal.value(z, y) == bce.value(z, y), at);
              assertTrue(focal.derivative(z, y) == bce.derivative(z, y), at);
            }
          }
        }
      }
    }
  }

  @Test
  void focalWithGammaZeroAndHalfAlphaIsHalfBceForHardLabels() {
    for (double pw : POS_WEIGHTS) {
      LogitLoss bce = LogitLoss.bce(pw, 0.0);
      LogitLoss focal = LogitLoss.focal(0.0, 0.5, pw, 0.0);
      for (double z : LOGITS) {
        for (double y : new double[] {0.0, 1.0}) {
          String at = describe(focal) + " z=" + z + " y=" + y;
          assertTrue(halfOf(focal.value(z, y), bce.value(z, y)), at);
          assertTrue(halfOf(focal.derivative(z, y), bce.derivative(z, y)), at);
        }
      }
    }
  }

  /** got == 0.5·x; halving a subnormal rounds, so there one subnormal step is allowed. */
  private static boolean halfOf(double got, double x) {
    double half = 0.5 * x;
    return got == half
        || (Math.abs(x) < Double.MIN_NORMAL && Math.abs(got - half) <= Double.MIN_VALUE);
  }

  @Test
  void derivativesAreFiniteAtHugeLogitsForGammaBelowOne() {
    List<String> failures = new ArrayList<>();
    for (double gamma : new double[] {0.25, 0.5}) {
      for (double alpha : ALPHAS) {
        for (double pw : POS_WEIGHTS) {
          for (double eps : SMOOTHINGS) {
            LogitLoss loss = LogitLoss.focal(gamma, alpha, pw, eps);
            for (double z : new double[] {1e300, -1e300}) {
              for (double y : LABELS) {
                double v = loss.value(z, y);
                double d = loss.derivative(z, y);
                if (!Double.isFinite(v) || !Double.isFinite(d)) {
                  failures.add(describe(loss) + " z=" + z + " y=" + y + ": value " + v
                      + ", derivative " + d);
                }
              }
            }
          }
        }
      }
    }
    LogitLossReferenceTest.assertNoFailures("non-finite results", failures);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("losses")
  void valueIsNonNegativeAndEverythingFinite(LogitLoss loss) {
    for (double z : LOGITS) {
      for (double y : LABELS) {
        double v = loss.value(z, y);
        double d = loss.derivative(z, y);
        String at = "z=" + z + " y=" + y + ": value " + v + ", derivative " + d;
        assertTrue(v >= 0 && v < Double.POSITIVE_INFINITY, at);
        assertTrue(Double.isFinite(d), at);
      }
    }
  }

  // ----------------------------------------------------------------- second derivative

  /**
   * Finite (never NaN, never ±∞) at the extremes of every parameter: γ from 1e-300 to 1e300 (where
   * the focal bracket would overflow but m^γ is 0), γ just below 1, labels and smoothing down to
   * subnormals, logits across exp's subnormal range and out to ±1e300. pw ≤ 1e6 keeps the true
   * curvature itself within double range.
   */
  @Test
  void secondDerivativeIsFiniteAtTheExtremesOfEveryParameter() {
    double[] gammas = {0.0, 1e-300, 1e-3, 0.25, 0.999, 1.0, 1.5, 25.0, 1e10, 1e100, 1e300};
    double[] alphas = {-1e300, 0.0, 0.5, 1.0};
    double[] posWeights = {1e-300, 1e-6, 1.0, 1e6};
    double[] smoothings = {0.0, Double.MIN_VALUE, 1e-300, 0.5, 0.999};
    double[] labels = {0.0, 1.0, Double.MIN_VALUE, 1e-300, 0.5, 0.3, 1.0 - 0x1.0p-53};
    double[] mags = {0.0, Double.MIN_VALUE, 1e-300, 1e-8, 0.5, 3.0, 36.7, 708.3, 708.5, 709.5,
        720.0, 744.4, 745.2, 800.0, 1e10, 1e300, Double.MAX_VALUE};
    List<String> failures = new ArrayList<>();
    for (double pw : posWeights) {
      for (double eps : smoothings) {
        List<LogitLoss> losses = new ArrayList<>();
        losses.add(LogitLoss.bce(pw, eps));
        for (double gamma : gammas) {
          for (double alpha : alphas) {
            losses.add(LogitLoss.focal(gamma, alpha, pw, eps));
          }
        }
        for (LogitLoss loss : losses) {
          for (double mag : mags) {
            for (double z : new double[] {mag, -mag}) {
              for (double y : labels) {
                double c = loss.secondDerivative(z, y);
                boolean convex = !loss.isFocal() || loss.gamma() == 0.0;
                if (!Double.isFinite(c) || (convex && !(c >= 0))) {
                  failures.add(describe(loss) + " z=" + z + " y=" + y + ": " + c);
                }
              }
            }
          }
        }
      }
    }
    LogitLossReferenceTest.assertNoFailures("second derivatives at the extremes", failures);
  }

  @Test
  void secondDerivativeOfBceIsTheWeightedLogisticDensity() {
    for (double pw : POS_WEIGHTS) {
      for (double y : LABELS) {
        LogitLoss bce = LogitLoss.bce(pw, 0.0);
        // at z = 0, σσ' = 1/4 exactly; y' = y without smoothing
        assertEquals((pw * y + (1 - y)) * 0.25, bce.secondDerivative(0.0, y),
            1e-15 * (pw * y + (1 - y)), describe(bce) + " y=" + y);
        // γ = 0, α < 0: focal is BCE, operation for operation
        LogitLoss focal = LogitLoss.focal(0.0, -1.0, pw, 0.1);
        for (double z : LOGITS) {
          assertEquals(LogitLoss.bce(pw, 0.1).secondDerivative(z, y),
              focal.secondDerivative(z, y), 0.0, describe(focal) + " z=" + z + " y=" + y);
        }
      }
    }
  }

  // ----------------------------------------------------------------- batch kernel

  static Stream<Arguments> batchCases() {
    return Stream.of(
        Arguments.of(LogitLoss.bce(1.0, 0.0)),
        Arguments.of(LogitLoss.bce(3.0, 0.1)),
        Arguments.of(LogitLoss.focal(2.0, 0.25, 1.0, 0.0)),
        Arguments.of(LogitLoss.focal(0.5, -1.0, 3.0, 0.1)),
        Arguments.of(LogitLoss.focal(0.25, 1.0, 0.01, 0.0)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("batchCases")
  void batchEqualsPerRowTimesWeight(LogitLoss loss) {
    SplittableRandom rnd = new SplittableRandom(42);
    int n = 257;
    double[] z = new double[n + 3];
    double[] y = new double[n + 3];
    double[] w = new double[n + 3];
    for (int i = 0; i < z.length; i++) {
      z[i] = i % 17 == 0 ? LOGITS[i % LOGITS.length] : rnd.nextDouble(-40, 40);
      y[i] = i % 3 == 0 ? rnd.nextInt(2) : rnd.nextDouble();
      w[i] = i % 11 == 0 ? 0.0 : rnd.nextDouble(0, 5);
    }
    for (double[] weights : new double[][] {null, w}) {
      for (boolean alias : new boolean[] {false, true}) {
        double[] margins = z.clone();
        double[] out = alias ? margins : new double[n + 3];
        double sentinel = -12345.0;
        out[n] = sentinel;
        double sum = loss.valueAndDerivatives(margins, y, weights, out, n);
        double expectedSum = 0;
        double absSum = 0;
        for (int i = 0; i < n; i++) {
          double wi = weights == null ? 1.0 : weights[i];
          double expectedD = wi * loss.derivative(z[i], y[i]);
          assertTrue(out[i] == expectedD, String.format(Locale.ROOT,
              "weights %s, alias %s, row %d (z=%s y=%s w=%s): batch %s, per row %s",
              weights == null ? "null" : "given", alias, i, z[i], y[i], wi, out[i], expectedD));
          double v = wi * loss.value(z[i], y[i]);
          expectedSum += v;
          absSum += Math.abs(v);
        }
        assertEquals(sentinel, out[n], "wrote past n");
        assertEquals(expectedSum, sum, 1e-14 * absSum,
            "weights " + (weights == null ? "null" : "given") + ", alias " + alias);
      }
    }
  }

  @Test
  void batchOfZeroRowsIsZero() {
    LogitLoss loss = LogitLoss.focal(2.0, 0.25, 1.0, 0.0);
    assertEquals(0.0,
        loss.valueAndDerivatives(new double[0], new double[0], null, new double[0], 0));
  }

  // ----------------------------------------------------------------- object contracts

  @ParameterizedTest(name = "{0}")
  @MethodSource("batchCases")
  void serializationRoundTripGivesIdenticalResults(LogitLoss loss)
      throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(loss);
    }
    LogitLoss copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (LogitLoss) in.readObject();
    }
    assertNotNull(copy);
    assertEquals(loss.isFocal(), copy.isFocal());
    assertEquals(loss.gamma(), copy.gamma());
    assertEquals(loss.alpha(), copy.alpha());
    assertEquals(loss.posWeight(), copy.posWeight());
    assertEquals(loss.labelSmoothing(), copy.labelSmoothing());
    for (double z : LOGITS) {
      for (double y : LABELS) {
        assertEquals(loss.value(z, y), copy.value(z, y), 0.0, "z=" + z + " y=" + y);
        assertEquals(loss.derivative(z, y), copy.derivative(z, y), 0.0, "z=" + z + " y=" + y);
      }
    }
  }

  @Test
  void accessorsReturnTheParameters() {
    LogitLoss bce = LogitLoss.bce(3.0, 0.1);
    assertFalse(bce.isFocal());
    assertEquals(3.0, bce.posWeight());
    assertEquals(0.1, bce.labelSmoothing());
    LogitLoss focal = LogitLoss.focal(0.5, 0.25, 2.0, 0.05);
    assertTrue(focal.isFocal());
    assertEquals(0.5, focal.gamma());
    assertEquals(0.25, focal.alpha());
    assertEquals(2.0, focal.posWeight());
    assertEquals(0.05, focal.labelSmoothing());
  }

  @Test
  void factoriesAcceptTheEdgesOfTheRanges() {
    LogitLoss tinyPw = assertDoesNotThrow(() -> LogitLoss.bce(Double.MIN_VALUE, 0.0));
    assertEquals(Double.MIN_VALUE, tinyPw.posWeight());
    // pw → 0: only the negative term is left, softplus(z) for a soft label's negative part.
    assertEquals(0.5 * StableMath.softplus(1.0), tinyPw.value(1.0, 0.5), 1e-15);

    double almostOne = Math.nextDown(1.0);
    LogitLoss strongest = assertDoesNotThrow(() -> LogitLoss.bce(1e6, almostOne));
    assertEquals(almostOne, strongest.labelSmoothing());
    assertEquals(1e6, strongest.posWeight());
    // ε → 1 maps every label to 1/2: y' = 1/2 up to 2⁻⁵³ whatever y.
    double halfBce = 1e6 * 0.5 * StableMath.softplus(-2.0) + 0.5 * StableMath.softplus(2.0);
    assertEquals(halfBce, strongest.value(2.0, 0.0), 1e-9 * halfBce);
    assertEquals(halfBce, strongest.value(2.0, 1.0), 1e-9 * halfBce);

    LogitLoss gammaZero = assertDoesNotThrow(() -> LogitLoss.focal(0.0, 1.0, 1.0, 0.0));
    assertEquals(0.0, gammaZero.gamma());
    assertEquals(1.0, gammaZero.alpha());
    // α = 1 weights positives only: a negative row costs nothing, a positive row its BCE.
    assertEquals(0.0, gammaZero.value(3.0, 0.0), 0.0);
    assertEquals(StableMath.softplus(-3.0), gammaZero.value(3.0, 1.0), 1e-15);

    LogitLoss bigGamma = assertDoesNotThrow(() -> LogitLoss.focal(25.0, 0.0, 1.0, 0.0));
    assertEquals(25.0, bigGamma.gamma());
    assertEquals(0.0, bigGamma.alpha());
    // α = 0 weights negatives only; m = σ(z) = 1/2 at z = 0.
    assertEquals(0.0, bigGamma.value(0.0, 1.0), 0.0);
    assertEquals(Math.pow(0.5, 25) * Math.log(2), bigGamma.value(0.0, 0.0), 1e-22);
    assertTrue(Double.isFinite(bigGamma.derivative(-1e300, 0.0)));

    for (double alpha : new double[] {-1.0, -1e-300}) {
      LogitLoss noAlpha = assertDoesNotThrow(() -> LogitLoss.focal(2.0, alpha, 1.0, 0.0));
      assertEquals(alpha, noAlpha.alpha());
      // α < 0 means α_t = 1: (1 − σ(1))² · softplus(−1) for a positive row at z = 1.
      double expected = Math.pow(StableMath.sigmoid(-1.0), 2) * StableMath.softplus(-1.0);
      assertEquals(expected, noAlpha.value(1.0, 1.0), 1e-15);
    }
  }

  @Test
  void ofMapsTheLossNameAndParametersToTheFactories() {
    assertEquals(List.of("bce", "focal"), LogitLoss.SUPPORTED);
    assertEquals(LogitLoss.bce(3.0, 0.1), LogitLoss.of("bce", 2.0, 0.25, 3.0, 0.1));
    assertEquals(LogitLoss.focal(2.0, 0.25, 3.0, 0.1), LogitLoss.of("focal", 2.0, 0.25, 3.0, 0.1));
    // Case and surrounding blanks do not matter; BCE ignores the focal parameters.
    assertEquals(LogitLoss.bce(1.0, 0.0), LogitLoss.of(" BCE ", Double.NaN, 7.0, 1.0, 0.0));
    assertEquals(LogitLoss.focal(0.5, -1.0, 1.0, 0.0), LogitLoss.of("Focal", 0.5, -1.0, 1.0, 0.0));
    losses().forEach(loss -> assertEquals(loss, LogitLoss.of(loss.name(), loss.gamma(),
        loss.alpha(), loss.posWeight(), loss.labelSmoothing())));
    assertEquals("focal", LogitLoss.checkName(" FOCAL"));
  }

  @Test
  void ofRejectsUnknownNamesAndInvalidParameters() {
    for (String name : new String[] {"x", "", "logistic", "bce2", null}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LogitLoss.of(name, 2.0, 0.25, 1.0, 0.0));
      assertEquals("loss must be one of [bce, focal], but was '" + name + "'", e.getMessage());
    }
    assertRejected("gamma", () -> LogitLoss.of("focal", -1.0, 0.25, 1.0, 0.0));
    assertRejected("posWeight", () -> LogitLoss.of("bce", 2.0, 0.25, 0.0, 0.0));
    assertRejected("labelSmoothing", () -> LogitLoss.of("bce", 2.0, 0.25, 1.0, 1.0));
  }

  @Test
  void factoriesRejectInvalidArgumentsNamingTheParameter() {
    for (double pw : new double[] {0.0, -0.0, -1.0, Double.NaN, Double.NEGATIVE_INFINITY}) {
      assertRejected("posWeight", () -> LogitLoss.bce(pw, 0.0));
      assertRejected("posWeight", () -> LogitLoss.focal(2.0, 0.25, pw, 0.0));
    }
    for (double eps : new double[] {-0.1, -Double.MIN_VALUE, 1.0, 1.5, Double.NaN}) {
      assertRejected("labelSmoothing", () -> LogitLoss.bce(1.0, eps));
      assertRejected("labelSmoothing", () -> LogitLoss.focal(2.0, 0.25, 1.0, eps));
    }
    for (double gamma : new double[] {-0.5, -Double.MIN_VALUE, Double.NaN}) {
      assertRejected("gamma", () -> LogitLoss.focal(gamma, 0.25, 1.0, 0.0));
    }
    for (double alpha : new double[] {1.5, Math.nextUp(1.0), Double.NaN}) {
      assertRejected("alpha", () -> LogitLoss.focal(2.0, alpha, 1.0, 0.0));
    }
  }

  /** The message must name the parameter (case-insensitively, e.g. "focalGamma" names gamma). */
  private static void assertRejected(String parameter, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run,
        "expected IllegalArgumentException for a bad " + parameter);
    String message = String.valueOf(e.getMessage());
    assertTrue(message.toLowerCase(Locale.ROOT).contains(parameter.toLowerCase(Locale.ROOT)),
        "message should name " + parameter + ": " + message);
  }

  @FunctionalInterface
  interface Executable {
    void run();
  }
}
