package io.github.stablelogit.loss;

import static io.github.stablelogit.loss.LogitLossReferenceTest.ABS_TOL;
import static io.github.stablelogit.loss.LogitLossReferenceTest.REL_TOL;
import static io.github.stablelogit.loss.LogitLossReferenceTest.assertNoFailures;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link LogitLoss#secondDerivative} and the curvatures of {@link
 * LogitLoss#valueDerivativesAndCurvatures} against high-precision references.
 *
 * <p>{@code reference/logit_loss_curvature_reference.csv} holds, for logits 0, ±1e-300 … ±1e300
 * (with the exp underflow edge ±709 … ±746), hard and soft labels and loss parameters, d²ℓ/dz²
 * evaluated analytically with mpmath at 50 significant digits and rounded to the nearest double,
 * plus the curvature scale: the sum of the absolute values of its additive terms. It is written by
 * {@code src/test/resources/reference/generate_logit_loss_curvature_reference.py}; this test needs
 * no Python.
 */
class LogitLossCurvatureReferenceTest {

  static final String REFERENCE = "/reference/logit_loss_curvature_reference.csv";
  static final String HEADER =
      "kind,gamma,alpha,posWeight,labelSmoothing,z,y,curvature,curvatureScale";

  /** One line of the reference file. */
  record Row(int line, String kind, double gamma, double alpha, double posWeight,
      double labelSmoothing, double z, double y, double curvature, double scale) {

    boolean isBce() {
      return kind.equals("bce");
    }

    LogitLoss loss() {
      return isBce()
          ? LogitLoss.bce(posWeight, labelSmoothing)
          : LogitLoss.focal(gamma, alpha, posWeight, labelSmoothing);
    }

    /**
     * BCE and focal with γ = 0: ℓ'' = α_t (pw·y' + 1 − y')σ(z)σ(−z) is one non-negative product,
     * so nothing cancels, for hard and soft labels alike. For γ &gt; 0 the terms have both signs
     * even for hard labels (focal loss is not convex).
     */
    boolean noCancellation() {
      return isBce() || gamma == 0.0;
    }

    String params() {
      return LogitLossTest.describe(loss());
    }

    String describe() {
      return String.format(Locale.ROOT, "line %d: %s z=%s y=%s", line, params(), z, y);
    }
  }

  private static List<Row> reference;

  @BeforeAll
  static void load() {
    reference = ReferenceCsv.read(REFERENCE, HEADER, 8).stream().map(l -> {
      double[] d = l.values();
      return new Row(l.lineNo(), l.kind(), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]);
    }).toList();
  }

  /**
   * The curvature tolerance, the rule {@link LogitLossReferenceTest#derivativeTolerance} applies to
   * the derivative: 1e-12 · |ref| + 1e-300 where nothing cancels ({@link Row#noCancellation}), else
   * 1e-12 · max(|ref|, curvatureScale) + 1e-300 — near a root of ℓ'' no double algorithm can be
   * accurate relative to the tiny result, only to the terms that form it.
   */
  static double tolerance(Row row) {
    return REL_TOL * errorScale(row) + ABS_TOL;
  }

  /** What the error is measured relative to. */
  static double errorScale(Row row) {
    return row.noCancellation()
        ? Math.abs(row.curvature())
        : Math.max(Math.abs(row.curvature()), row.scale());
  }

  static boolean curvatureOk(double got, Row row) {
    return Double.isFinite(got) && Math.abs(got - row.curvature()) <= tolerance(row);
  }

  @Test
  void referenceFileCoversTheSaturatedGridAndNonConvexity() {
    assertTrue(reference.size() > 30_000, "reference has only " + reference.size() + " rows");
    for (String kind : new String[] {"bce", "focal"}) {
      for (double z : new double[] {0.0, 36.7, -36.7, 709.0, -709.0, 745.0, -745.0, 1e300,
          -1e300}) {
        for (double y : new double[] {0.0, 1.0}) {
          for (double gamma : kind.equals("bce") ? new double[] {0.0}
              : new double[] {0.0, 0.25, 0.5, 1.0, 2.0, 5.0}) {
            assertTrue(reference.stream().anyMatch(r -> r.kind().equals(kind) && r.z() == z
                    && r.y() == y && r.gamma() == gamma),
                "no " + kind + " row for gamma=" + gamma + " z=" + z + " y=" + y);
          }
        }
      }
    }
    long negative = reference.stream().filter(r -> r.curvature() < 0).count();
    assertTrue(negative > 0, "no negative (focal) curvature in the reference");
    assertTrue(reference.stream().filter(r -> r.curvature() < 0).allMatch(r -> !r.noCancellation()),
        "a BCE or gamma = 0 reference curvature is negative");
  }

  @Test
  void secondDerivativesMatchTheReference() {
    List<String> failures = new ArrayList<>();
    double worstExact = 0;
    double worstScaled = 0;
    for (Row row : reference) {
      double got = row.loss().secondDerivative(row.z(), row.y());
      if (!curvatureOk(got, row)) {
        failures.add(failure(row, got));
      }
      double err = Math.abs(got - row.curvature());
      if (row.noCancellation() && Math.abs(row.curvature()) > ABS_TOL) {
        worstExact = Math.max(worstExact, err / Math.abs(row.curvature()));
      } else if (!row.noCancellation() && errorScale(row) > ABS_TOL) {
        worstScaled = Math.max(worstScaled, err / errorScale(row));
      }
    }
    System.out.printf(Locale.ROOT, "curvature reference: %d rows; max relative error %.3g (BCE"
            + " and gamma = 0, |ref| > 1e-300); max error / max(|ref|, scale) %.3g (gamma > 0)%n",
        reference.size(), worstExact, worstScaled);
    assertNoFailures("second derivatives", failures);
  }

  /**
   * The batch kernel on all rows of one parameter set at once, curvatures written in place over the
   * margins: they match the reference, and the value and derivatives are bit for bit those of
   * {@link LogitLoss#valueAndDerivatives}.
   */
  @Test
  void batchKernelMatchesTheReference() {
    Map<String, List<Row>> byParams = new LinkedHashMap<>();
    for (Row row : reference) {
      byParams.computeIfAbsent(row.params(), k -> new ArrayList<>()).add(row);
    }
    List<String> failures = new ArrayList<>();
    for (List<Row> rows : byParams.values()) {
      int n = rows.size();
      double[] margins = new double[n];
      double[] labels = new double[n];
      for (int i = 0; i < n; i++) {
        margins[i] = rows.get(i).z();
        labels[i] = rows.get(i).y();
      }
      LogitLoss loss = rows.get(0).loss();
      double[] expected = new double[n];
      double expectedSum = loss.valueAndDerivatives(margins, labels, null, expected, n);
      double[] derivatives = new double[n];
      double sum = loss.valueDerivativesAndCurvatures(margins, 0, labels, null, derivatives,
          margins, n);
      if (Double.doubleToRawLongBits(sum) != Double.doubleToRawLongBits(expectedSum)
          || !java.util.Arrays.equals(derivatives, expected)) {
        failures.add(rows.get(0).params() + ": value or derivatives differ from"
            + " valueAndDerivatives");
      }
      for (int i = 0; i < n; i++) {
        if (!curvatureOk(margins[i], rows.get(i))) {
          failures.add("batch " + failure(rows.get(i), margins[i]));
        }
      }
    }
    assertNoFailures("batch curvatures", failures);
  }

  @Test
  void bceAndGammaZeroCurvaturesAreNonNegative() {
    List<String> failures = new ArrayList<>();
    for (Row row : reference) {
      double got = row.loss().secondDerivative(row.z(), row.y());
      if (row.noCancellation() && !(got >= 0)) {
        failures.add(row.describe() + ": curvature " + got);
      }
    }
    assertNoFailures("negative convex curvatures", failures);
  }

  private static String failure(Row row, double got) {
    return String.format(Locale.ROOT,
        "%s: curvature got %s, reference %s, error %.3g > tolerance %.3g (scale %s)",
        row.describe(), got, row.curvature(), Math.abs(got - row.curvature()), tolerance(row),
        row.scale());
  }
}
