package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link LogitLoss} against high-precision references.
 *
 * <p>{@code reference/logit_loss_reference.csv} holds, for a grid of logits (0 up to ±1e300),
 * hard and soft labels and loss parameters, the value and derivative evaluated analytically with
 * mpmath at 50 significant digits and rounded to the nearest double, plus the derivative scale: the
 * sum of the absolute values of the derivative's additive terms before they cancel. It is written
 * by {@code src/test/resources/reference/generate_logit_loss_reference.py}; this test needs no
 * Python.
 *
 * <p>{@code reference/torch_1_13_reference.csv} holds what PyTorch 1.13 (float64) computes for a
 * subset of the same inputs, written by {@code generate_torch_comparison.py} in the same folder.
 */
class LogitLossReferenceTest {

  static final String REFERENCE = "/reference/logit_loss_reference.csv";
  static final String TORCH_REFERENCE = "/reference/torch_1_13_reference.csv";
  static final String HEADER =
      "kind,gamma,alpha,posWeight,labelSmoothing,z,y,value,derivative,derivativeScale";

  /** Relative tolerance for values and derivatives. */
  static final double REL_TOL = 1e-12;
  /** Absolute floor: results this small may be subnormal, where relative accuracy is impossible. */
  static final double ABS_TOL = 1e-300;
  /** How many failing rows an assertion message lists. */
  static final int MAX_REPORTED = 20;

  /** One line of a reference file. */
  record Row(
      int line,
      String kind,
      double gamma,
      double alpha,
      double posWeight,
      double labelSmoothing,
      double z,
      double y,
      double value,
      double derivative,
      double derivativeScale) {

    boolean isBce() {
      return kind.equals("bce") || kind.equals("torch_bce");
    }

    LogitLoss loss() {
      return isBce()
          ? LogitLoss.bce(posWeight, labelSmoothing)
          : LogitLoss.focal(gamma, alpha, posWeight, labelSmoothing);
    }

    /** Hard label and no smoothing: every term of the derivative has the same sign. */
    boolean hardLabel() {
      return (y == 0.0 || y == 1.0) && labelSmoothing == 0.0;
    }

    /** The inputs, independent of the kind prefix, for joining the two files. */
    String inputKey() {
      return String.join(",", isBce() ? "bce" : "focal",
          bits(gamma), bits(alpha), bits(posWeight), bits(labelSmoothing), bits(z), bits(y));
    }

    String describe() {
      return String.format(Locale.ROOT, "line %d: %s z=%s y=%s", line, params(), z, y);
    }

    String params() {
      return isBce()
          ? String.format(Locale.ROOT, "bce(posWeight=%s, labelSmoothing=%s)",
              posWeight, labelSmoothing)
          : String.format(Locale.ROOT, "focal(gamma=%s, alpha=%s, posWeight=%s, labelSmoothing=%s)",
              gamma, alpha, posWeight, labelSmoothing);
    }

    private static String bits(double d) {
      return Long.toHexString(Double.doubleToLongBits(d));
    }
  }

  private static List<Row> reference;

  @BeforeAll
  static void load() {
    reference = read(REFERENCE);
  }

  static List<Row> read(String resource) {
    return ReferenceCsv.read(resource, HEADER, 9).stream().map(l -> {
      double[] d = l.values();
      return new Row(l.lineNo(), l.kind(), d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]);
    }).toList();
  }

  // ----------------------------------------------------------------- tolerance rules

  /** A value is right if within {@link #REL_TOL} relative or {@link #ABS_TOL} absolute. */
  static boolean valueOk(double got, double ref) {
    double err = Math.abs(got - ref);
    return Double.isFinite(got) && (err <= REL_TOL * Math.abs(ref) || err <= ABS_TOL);
  }

  /**
   * The derivative tolerance is the condition-number-honest form.
   *
   * <p>The derivative is a sum of terms of both signs, e.g. (1−y')σ(z) − pw·y'·σ(−z) for BCE. Each
   * term can be computed to a few ulps, but for soft labels (0 &lt; y' &lt; 1) the terms cancel
   * near the derivative's root, and there no double algorithm can be accurate relative to the tiny
   * result: the best achievable error is a few ulps of the terms. So:
   *
   * <ul>
   *   <li>soft labels (including hard labels with labelSmoothing &gt; 0): |got − ref| ≤ 1e-12 ·
   *       max(|ref|, derivativeScale) + 1e-300, with derivativeScale = Σ |terms| from the
   * reference;   <li>hard labels with labelSmoothing = 0, where all terms share one sign and
   * nothing cancels:       |got − ref| ≤ 1e-12 · |ref| + 1e-300, relative accuracy all the way down
   * to underflow.
   * </ul>
   */
  static double derivativeTolerance(Row row) {
    double scale = row.hardLabel()
        ? Math.abs(row.derivative())
        : Math.max(Math.abs(row.derivative()), row.derivativeScale());
    return REL_TOL * scale + ABS_TOL;
  }

  static boolean derivativeOk(double got, Row row) {
    return Double.isFinite(got) && Math.abs(got - row.derivative()) <= derivativeTolerance(row);
  }

  // ----------------------------------------------------------------- tests

  @Test
  void referenceFileCoversTheSaturatedGrid() {
    assertTrue(reference.size() > 20_000, "reference has only " + reference.size() + " rows");
    for (String kind : new String[] {"bce", "focal"}) {
      for (double z : new double[] {0.0, 36.7, -36.7, 745.0, -745.0, 1e300, -1e300}) {
        for (double y : new double[] {0.0, 1.0}) {
          assertTrue(
              reference.stream()
                  .anyMatch(r -> r.kind().equals(kind) && r.z() == z && r.y() == y),
              "no " + kind + " row for z=" + z + " y=" + y);
        }
      }
    }
  }

  @Test
  void valuesMatchTheReference() {
    List<String> failures = new ArrayList<>();
    for (Row row : reference) {
      double got = row.loss().value(row.z(), row.y());
      if (!valueOk(got, row.value())) {
        failures.add(String.format(Locale.ROOT, "%s: value got %s, reference %s (rel err %.3g)",
            row.describe(), got, row.value(), relErr(got, row.value())));
      }
    }
    assertNoFailures("values", failures);
  }

  @Test
  void derivativesMatchTheReference() {
    List<String> failures = new ArrayList<>();
    for (Row row : reference) {
      double got = row.loss().derivative(row.z(), row.y());
      if (!derivativeOk(got, row)) {
        failures.add(derivativeFailure(row, got));
      }
    }
    assertNoFailures("derivatives", failures);
  }

  /** The batch kernel on all rows of one parameter set at once, derivatives written in place. */
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
      double sum = rows.get(0).loss().valueAndDerivatives(margins, labels, null, margins, n);
      if (Double.isNaN(sum) || sum < 0) {
        failures.add(rows.get(0).params() + ": batch sum " + sum);
      }
      for (int i = 0; i < n; i++) {
        if (!derivativeOk(margins[i], rows.get(i))) {
          failures.add("batch " + derivativeFailure(rows.get(i), margins[i]));
        }
      }
    }
    assertNoFailures("batch derivatives", failures);
  }

  /**
   * Documents where PyTorch 1.13 (float64) is wrong, judged only by the data: a PyTorch result is
   * wrong when it fails the same tolerance rule as LogitLoss does against the mpmath reference.
   * Asserts that the comparison file shows such failures (else it documents nothing) and that on
   * every one of those rows LogitLoss is right.
   */
  @Test
  void pytorch113FailuresAreRowsWhereLogitLossIsRight() {
    List<Row> torch = read(TORCH_REFERENCE);
    Map<String, Row> refByInputs = new HashMap<>();
    for (Row row : reference) {
      refByInputs.put(row.inputKey(), row);
    }
    Map<String, Integer> categories = new LinkedHashMap<>();
    List<String> examples = new ArrayList<>();
    List<String> logitLossWrong = new ArrayList<>();
    int torchWrongRows = 0;
    for (Row t : torch) {
      Row ref = refByInputs.get(t.inputKey());
      assertNotNull(ref, TORCH_REFERENCE + " " + t.describe() + " has no reference row");
      String valueProblem = torchProblem(t.value(), ref.value(), valueOk(t.value(), ref.value()));
      String derivProblem =
          torchProblem(t.derivative(), ref.derivative(), derivativeOk(t.derivative(), ref));
      if (valueProblem == null && derivProblem == null) {
        continue;
      }
      torchWrongRows++;
      if (valueProblem != null) {
        categories.merge(t.kind() + " value " + valueProblem, 1, Integer::sum);
      }
      if (derivProblem != null) {
        categories.merge(t.kind() + " derivative " + derivProblem, 1, Integer::sum);
      }
      if (examples.size() < MAX_REPORTED) {
        examples.add(String.format(Locale.ROOT,
            "%s z=%s y=%s: torch value %s, derivative %s; mpmath %s, %s",
            t.kind(), t.z(), t.y(), t.value(), t.derivative(), ref.value(), ref.derivative()));
      }
      LogitLoss loss = ref.loss();
      double v = loss.value(ref.z(), ref.y());
      double d = loss.derivative(ref.z(), ref.y());
      if (!valueOk(v, ref.value()) || !derivativeOk(d, ref)) {
        logitLossWrong.add(String.format(Locale.ROOT, "%s: LogitLoss %s, %s; mpmath %s, %s",
            ref.describe(), v, d, ref.value(), ref.derivative()));
      }
    }
    System.out.printf(Locale.ROOT, "PyTorch 1.13 is wrong on %d of %d compared rows:%n%s%n"
            + "examples:%n  %s%n", torchWrongRows, torch.size(),
        categories.entrySet().stream().map(e -> "  " + e.getKey() + ": " + e.getValue())
            .collect(Collectors.joining("\n")),
        String.join("\n  ", examples));
    assertFalse(torchWrongRows == 0,
        TORCH_REFERENCE + " shows no PyTorch failure; it no longer documents anything");
    assertNoFailures("rows where PyTorch is wrong, LogitLoss too", logitLossWrong);
  }

  // ----------------------------------------------------------------- helpers

  /** Null if PyTorch's result is acceptable, else what is wrong with it. */
  private static String torchProblem(double got, double ref, boolean ok) {
    if (ok) {
      return null;
    }
    if (Double.isNaN(got)) {
      return "NaN where the reference is finite";
    }
    if (Double.isInfinite(got)) {
      return "infinite where the reference is finite";
    }
    if (got == 0.0 && ref != 0.0) {
      return "0 where the reference is not";
    }
    return "inaccurate beyond 1e-12";
  }

  private static String derivativeFailure(Row row, double got) {
    return String.format(Locale.ROOT,
        "%s: derivative got %s, reference %s, error %.3g > tolerance %.3g (%s label, scale %s)",
        row.describe(), got, row.derivative(), Math.abs(got - row.derivative()),
        derivativeTolerance(row), row.hardLabel() ? "hard" : "soft", row.derivativeScale());
  }

  private static double relErr(double got, double ref) {
    return ref == 0 ? Math.abs(got) : Math.abs(got - ref) / Math.abs(ref);
  }

  static void assertNoFailures(String what, List<String> failures) {
    if (!failures.isEmpty()) {
      fail(failures.size() + " failing " + what + " (first " + Math.min(MAX_REPORTED,
          failures.size()) + "):\n  " + String.join("\n  ",
          failures.subList(0, Math.min(MAX_REPORTED, failures.size()))));
    }
  }
}
