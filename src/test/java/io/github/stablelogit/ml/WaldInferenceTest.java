package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.StableMath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link WaldInference} against statsmodels' {@code GLM(family=Binomial, freq_weights)}
 * (src/test/resources/reference/generate_glm_inference_reference.py): at statsmodels' estimates,
 * the inverse of the weighted Hessian sum gives its covariance, standard errors, z- and p-values.
 * (The estimates of our own fits are compared in the estimator's tests.)
 */
class WaldInferenceTest {

  /** statsmodels' numbers agree with an independent Newton fit to about 1e-11 relative. */
  private static final double REL_TOL = 1e-9;
  private static final String[] FEATURES =
      {"mean_texture", "mean_smoothness", "mean_concave_points", "worst_radius"};

  /** One reference case: term → {estimate, se, z, p}. */
  private static Map<String, double[]> reference(String caseName) throws IOException {
    Map<String, double[]> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(resource("glm_inference_reference.csv"))) {
      String[] f = line.split(",");
      if (f[0].equals(caseName)) {
        out.put(f[1], new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[3]),
            Double.parseDouble(f[4]), Double.parseDouble(f[5])});
      }
    }
    assertTrue(!out.isEmpty(), "no reference rows for " + caseName);
    return out;
  }

  private static Path resource(String name) {
    return Paths.get("src/test/resources/reference", name);
  }

  /** Rows of the 4 reference features, labels, and the reference's weights 1 + (i mod 3). */
  private static List<double[]> rows() throws IOException {
    List<String> lines = Files.readAllLines(SparkTestSupport.sampleData()
        .resolve("breast_cancer.csv"));
    List<String> header = Arrays.asList(lines.get(0).split(","));
    int[] cols = Arrays.stream(FEATURES).mapToInt(header::indexOf).toArray();
    List<double[]> out = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split(",");
      double[] r = new double[FEATURES.length + 2];
      for (int j = 0; j < cols.length; j++) {
        r[j] = Double.parseDouble(f[cols[j]]);
      }
      r[FEATURES.length] = Double.parseDouble(f[header.indexOf("label")]);
      r[FEATURES.length + 1] = 1 + ((i - 1) % 3);
      out.add(r);
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"intercept_unweighted", "intercept_weighted", "nointercept_unweighted",
      "nointercept_weighted"})
  void equalsStatsmodelsAtItsEstimates(String caseName) throws IOException {
    boolean intercept = caseName.startsWith("intercept");
    boolean weighted = caseName.endsWith("_weighted");
    Map<String, double[]> ref = reference(caseName);
    int d = FEATURES.length;
    int n = d + (intercept ? 1 : 0);
    // Our order: the coefficients, then the intercept.
    double[] est = new double[n];
    for (int j = 0; j < d; j++) {
      est[j] = ref.get(FEATURES[j])[0];
    }
    if (intercept) {
      est[d] = ref.get("intercept")[0];
    }
    double[][] h = new double[n][n];
    for (double[] r : rows()) {
      double z = intercept ? est[d] : 0.0;
      for (int j = 0; j < d; j++) {
        z += est[j] * r[j];
      }
      double c = (weighted ? r[d + 1] : 1.0) * StableMath.sigmoid(z) * StableMath.sigmoid(-z);
      for (int a = 0; a < n; a++) {
        double xa = a < d ? r[a] : 1.0;
        for (int b = 0; b < n; b++) {
          h[a][b] += c * xa * (b < d ? r[b] : 1.0);
        }
      }
    }
    WaldInference w = WaldInference.of(h, est, new boolean[n]);
    for (int k = 0; k < n; k++) {
      double[] e = ref.get(k < d ? FEATURES[k] : "intercept");
      String what = caseName + " " + (k < d ? FEATURES[k] : "intercept");
      assertRel(e[1], w.standardErrors()[k], what + " std error");
      assertRel(e[2], w.zValues()[k], what + " z");
      assertRel(e[3], w.pValues()[k], what + " p");
    }
  }

  @Test
  void fixedEntriesGetNaNAndSingularHessiansAreRefused() {
    double[][] h = {{2, 0, 0}, {0, 0, 0}, {0, 0, 4}};
    WaldInference w = WaldInference.of(h, new double[] {1, 0, 2}, new boolean[] {false, true,
        false});
    assertEquals(Math.sqrt(0.5), w.standardErrors()[0], 1e-15);
    assertTrue(Double.isNaN(w.standardErrors()[1]));
    assertTrue(Double.isNaN(w.pValues()[1]));
    assertEquals(0.25, w.covariance()[2][2], 1e-15);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> WaldInference.of(new double[][] {{1, 1}, {1, 1}}, new double[] {1, 1},
            new boolean[2]));
    assertTrue(e.getMessage().contains("singular"), e.getMessage());
  }

  @Test
  void pValuesKeepTheirRelativePrecisionInTheTail() {
    // erfc(10/√2) = 1.523970604832105e-23; 2(1 − Φ(10)) would round to 0.
    assertRel(1.523970604832105e-23, WaldInference.twoSidedP(10), "p at z = 10");
    assertRel(1.523970604832105e-23, WaldInference.twoSidedP(-10), "p at z = -10");
    assertEquals(1.0, WaldInference.twoSidedP(0.0), 1e-16);
  }

  private static void assertRel(double expected, double actual, String what) {
    assertTrue(Math.abs(actual - expected) <= REL_TOL * Math.abs(expected),
        what + ": expected " + expected + " but was " + actual);
  }
}
