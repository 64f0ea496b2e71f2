package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.LogitReference.NewtonResult;
import io.github.stablelogit.ml.SparkTestSupport.LocalData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code solver} param: Newton reaches the optimum in a handful of passes (also where L-BFGS
 * does not converge at the default maxIter), matches L-BFGS, scikit-learn's L1 / elastic-net
 * fits and statsmodels' Wald inference; {@code auto} picks it for small problems; the size limit
 * and the inference refusals say what to do.
 */
class NewtonSolverSparkTest {

  private static final String[] SUBSET =
      {"mean_texture", "mean_smoothness", "mean_concave_points", "worst_radius"};
  private static SparkSession spark;
  private static Dataset<Row> cancer;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("NewtonSolverSparkTest");
    cancer = SparkTestSupport.breastCancer(spark).cache();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static Path reference(String name) {
    return Paths.get("src/test/resources/reference", name);
  }

  /**
   * Breast cancer as shipped with the penalty on raw coefficients (nearly collinear
   * radius/perimeter/area that the raw penalty barely curves): L-BFGS does not converge in the
   * default 100 iterations; Newton converges at the default maxIter in at most 15 iterations, to
   * the Newton-polished optimum within 1e-9.
   */
  @Test
  void newtonConvergesOnTheRawPenaltyProblemWhereLbfgsDoesNot() {
    LogitClassifier clf = new LogitClassifier().setRegParam(0.01).setStandardization(false)
        .setTol(1e-12);
    LogitClassificationModel lbfgs = clf.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setSolver("lbfgs").fit(cancer);
    assertFalse(lbfgs.summary().converged(), "L-BFGS was expected not to converge in 100");
    LogitClassificationModel newton = clf.setSolver("newton").fit(cancer);
    LogitTrainingSummary s = newton.summary();
    assertTrue(s.converged(), s.convergenceReason());
    assertEquals("newton", s.solver());
    assertTrue(s.totalIterations() <= 15, "iterations " + s.totalIterations());
    double[] ours = LogitReference.flatten(newton);
    NewtonResult ref = LogitReference.newton(SparkTestSupport.collect(cancer), 0.01, 0.0, true,
        false, ours, 1e-15, 50);
    System.out.printf(Locale.ROOT, "[numbers] raw-penalty breast cancer: newton %d iterations "
            + "(%d passes, %d Hessian); lbfgs not converged after %d; max rel diff to the "
            + "polished optimum %.2e%n", s.totalIterations(), s.objectiveEvaluations(),
        s.hessianPasses(), lbfgs.summary().totalIterations(),
        LogitReference.maxRelativeDifference(ours, ref.coefficients()));
    LogitReference.assertClose("newton vs polished optimum", ours, ref.coefficients(), 1e-9);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"bce, 0.01, true", "bce, 0.0, false", "focal, 0.01, true",
      "focal-half, 0.001, true"})
  void newtonAndLbfgsReachTheSameOptimum(String loss, double reg, boolean standardization) {
    LogitClassifier clf = new LogitClassifier().setRegParam(reg).setTol(1e-12)
        .setStandardization(standardization).setMaxIter(2000);
    Dataset<Row> data = cancer;
    if (loss.startsWith("focal")) {
      clf.setLoss("focal").setFocalGamma(loss.equals("focal-half") ? 0.5 : 2.0);
    }
    if (reg == 0.0) {
      // Unpenalized: the 4-feature subset, where the maximum-likelihood estimate exists.
      data = subset();
    }
    double[] a = LogitReference.flatten(clf.copy(org.apache.spark.ml.param.ParamMap.empty())
        .setSolver("lbfgs").fit(data));
    LogitClassificationModel m = clf.setSolver("newton").fit(data);
    assertTrue(m.summary().converged(), m.summary().convergenceReason());
    LogitReference.assertClose(loss + " newton vs lbfgs", LogitReference.flatten(m), a, 1e-9);
  }

  @Test
  void sparseDataAndPartitionings() {
    LocalData local = SparkTestSupport.sparseLogistic(7, 3000, 40, 5);
    double[] first = null;
    for (int partitions : new int[] {1, 3, 8}) {
      Dataset<Row> df = local.toFrame(spark, partitions, true);
      LogitClassifier clf = new LogitClassifier().setRegParam(1e-3).setTol(1e-12)
          .setSolver("newton");
      double[] a = LogitReference.flatten(clf.fit(df));
      double[] again = LogitReference.flatten(clf.fit(df));
      assertEquals(Arrays.toString(a), Arrays.toString(again), "refit is not bit-identical");
      double[] lbfgs = LogitReference.flatten(clf.copy(org.apache.spark.ml.param.ParamMap.empty())
          .setSolver("lbfgs").setMaxIter(1000).fit(df));
      LogitReference.assertClose("sparse newton vs lbfgs", a, lbfgs, 1e-9);
      if (first == null) {
        first = a;
      } else {
        LogitReference.assertClose("partitions " + partitions, a, first, 1e-9);
      }
    }
  }

  /** scikit-learn saga (tol 1e-12) on standardized breast cancer, penalty on those coefficients. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"l1_alpha1.0_lambda0.01", "l1_alpha1.0_lambda0.05",
      "enet_alpha0.5_lambda0.01", "enet_alpha0.5_lambda0.05"})
  void l1AndElasticNetMatchScikitLearn(String caseName) throws IOException {
    Map<String, Double> ref = new LinkedHashMap<>();
    double lambda = 0;
    double alpha = 0;
    for (String line : Files.readAllLines(reference("l1_reference.csv"))) {
      String[] f = line.split(",");
      if (f[0].equals(caseName)) {
        lambda = Double.parseDouble(f[1]);
        alpha = Double.parseDouble(f[2]);
        ref.put(f[3], Double.parseDouble(f[4]));
      }
    }
    Dataset<Row> raw = spark.read().option("header", "true").option("inferSchema", "true")
        .csv(reference("breast_cancer_standardized.csv").toString());
    String[] names = Arrays.stream(raw.columns()).filter(c -> !c.equals("label"))
        .toArray(String[]::new);
    Dataset<Row> df = new VectorAssembler().setInputCols(names).setOutputCol("features")
        .transform(raw).select("label", "features");
    LogitClassificationModel m = new LogitClassifier().setSolver("newton")
        .setStandardization(false).setRegParam(lambda).setElasticNetParam(alpha).setTol(1e-12)
        .fit(df);
    assertTrue(m.summary().converged(), m.summary().convergenceReason());
    double[] c = m.coefficients().toArray();
    int zeros = 0;
    for (int j = 0; j < names.length; j++) {
      double expected = ref.get(names[j]);
      assertEquals(expected == 0.0, c[j] == 0.0, caseName + ": zero pattern at " + names[j]
          + " (expected " + expected + ", got " + c[j] + ")");
      assertEquals(expected, c[j], 1e-6, caseName + " " + names[j]);
      zeros += c[j] == 0.0 ? 1 : 0;
    }
    assertEquals(ref.get("intercept"), m.intercept(), 1e-6, caseName + " intercept");
    System.out.printf(Locale.ROOT, "[numbers] %s: %d zeros, %d newton iterations%n", caseName,
        zeros, m.summary().totalIterations());
  }

  /** The 4-feature subset of the statsmodels reference, with its weights 1 + (row index mod 3). */
  private static Dataset<Row> subset() {
    Dataset<Row> raw = SparkTestSupport.breastCancerRaw(spark).coalesce(1)
        .withColumn("w", monotonically_increasing_id().mod(3).plus(1).cast("double"));
    return new VectorAssembler().setInputCols(SUBSET).setOutputCol("features").transform(raw)
        .select("label", "features", "w");
  }

  /** statsmodels GLM Binomial (freq_weights), fitted here with Newton and with L-BFGS. */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"intercept_unweighted, newton", "intercept_weighted, newton",
      "nointercept_unweighted, newton", "nointercept_weighted, newton",
      "intercept_weighted, lbfgs"})
  void waldInferenceEqualsStatsmodels(String caseName, String solver) throws IOException {
    Map<String, double[]> ref = new LinkedHashMap<>();
    for (String line : Files.readAllLines(reference("glm_inference_reference.csv"))) {
      String[] f = line.split(",");
      if (f[0].equals(caseName)) {
        ref.put(f[1], new double[] {Double.parseDouble(f[2]), Double.parseDouble(f[3]),
            Double.parseDouble(f[4]), Double.parseDouble(f[5])});
      }
    }
    boolean intercept = caseName.startsWith("intercept");
    LogitClassifier clf = new LogitClassifier().setSolver(solver).setTol(1e-12)
        .setMaxIter(5000).setFitIntercept(intercept);
    if (caseName.endsWith("_weighted")) {
      clf.setWeightCol("w");
    }
    LogitClassificationModel m = clf.fit(subset());
    LogitTrainingSummary s = m.summary();
    assertTrue(s.converged(), s.convergenceReason());
    assertFalse(s.inferenceIsPenalized());
    double[] se = s.coefficientStandardErrors();
    double[] z = s.zValues();
    double[] p = s.pValues();
    int d = SUBSET.length;
    List<String> terms = new ArrayList<>(Arrays.asList(SUBSET));
    terms.add("intercept");
    for (int k = 0; k <= d; k++) {
      String term = terms.get(k);
      if (k == d && !intercept) {
        assertTrue(Double.isNaN(se[k]), "no intercept: its standard error is NaN");
        continue;
      }
      double[] e = ref.get(term);
      double est = k < d ? m.coefficients().apply(k) : m.intercept();
      assertRel(e[0], est, 1e-6, caseName + " estimate " + term);
      assertRel(e[1], se[k], 1e-6, caseName + " std error " + term);
      assertRel(e[2], z[k], 1e-6, caseName + " z " + term);
      assertRel(e[3], p[k], 1e-5, caseName + " p " + term);
    }
    assertEquals(se[0] * se[0], s.covarianceMatrix().apply(0, 0), 1e-12 * se[0] * se[0]);
  }

  @Test
  void inferenceIsRefusedWhereItWouldMislead() {
    LogitTrainingSummary focal = new LogitClassifier().setLoss("focal").setRegParam(0.01)
        .fit(cancer).summary();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        focal::coefficientStandardErrors);
    assertTrue(e.getMessage().contains("not a log-likelihood"), e.getMessage());
    LogitTrainingSummary l1 = new LogitClassifier().setRegParam(0.01).setElasticNetParam(1.0)
        .fit(cancer).summary();
    e = assertThrows(IllegalStateException.class, l1::pValues);
    assertTrue(e.getMessage().contains("L1"), e.getMessage());
    LogitTrainingSummary l2 = new LogitClassifier().setRegParam(0.01).fit(cancer).summary();
    assertTrue(l2.inferenceIsPenalized());
    assertTrue(Arrays.stream(l2.coefficientStandardErrors()).allMatch(v -> v > 0));
  }

  @Test
  void autoPicksNewtonForFewFeaturesAndNewtonRefusesTooMany() {
    // 31 variables but 569 rows: rows x 31^2 is far below the work bound.
    assertEquals("newton", new LogitClassifier().setRegParam(0.01).fit(cancer).summary()
        .solver());
    // 16 variables: Newton whatever the rows. 31 variables and 60,000 rows: Newton while the rows
    // are sparse (4 draws of a column: 60,000 × at most 5² is far below the bound), L-BFGS when
    // they are dense (60,000 × 31² = 5.8e7 is above it).
    Dataset<Row> narrow = SparkTestSupport.sparseLogistic(3, 60_000, 15, 4).toFrame(spark, 2,
        true);
    assertEquals("newton", new LogitClassifier().setMaxIter(2).fit(narrow).summary().solver());
    Dataset<Row> sparseRows = SparkTestSupport.sparseLogistic(3, 60_000, 30, 4).toFrame(spark,
        2, true);
    assertEquals("newton", new LogitClassifier().setMaxIter(2).fit(sparseRows).summary()
        .solver());
    Dataset<Row> denseRows = SparkTestSupport.sparseLogistic(3, 60_000, 30, 200).toFrame(spark,
        2, false);
    assertEquals("lbfgs", new LogitClassifier().setMaxIter(2).fit(denseRows).summary()
        .solver());
    int d = LogitParams.NEWTON_MAX_DIMENSION;
    List<Row> rows = List.of(
        org.apache.spark.sql.RowFactory.create(1.0, Vectors.sparse(d, new int[] {0},
            new double[] {1.0})),
        org.apache.spark.sql.RowFactory.create(0.0, Vectors.sparse(d, new int[] {1},
            new double[] {1.0})));
    Dataset<Row> wide = spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
        .add("label", "double").add("features", new org.apache.spark.ml.linalg.VectorUDT()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LogitClassifier().setSolver("newton").fit(wide));
    assertTrue(e.getMessage().contains("use solver lbfgs"), e.getMessage());
    LogitTrainingSummary s = new LogitClassifier().setRegParam(1.0).setMaxIter(3).fit(wide)
        .summary();
    assertEquals("lbfgs", s.solver());
    assertEquals(0, s.hessianPasses());
  }

  private static void assertRel(double expected, double actual, double tol, String what) {
    assertTrue(Math.abs(actual - expected) <= tol * Math.abs(expected),
        what + ": expected " + expected + " but was " + actual);
  }
}
