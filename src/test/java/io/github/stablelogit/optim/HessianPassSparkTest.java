package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.loss.StableMath;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Hessian pass ({@link HessianAggregator}, {@link LogitObjective#evaluateWithHessian}) on
 * local[2]: value and gradient bit for bit those of an ordinary evaluation, the Hessian equal to a
 * naive per-row sum and to central differences of the gradient, dense, CSR and float blocks in
 * agreement, and the sums independent of task grouping and merge order.
 */
class HessianPassSparkTest {

  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("hessian-pass");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Rows of the test data, held on the driver for the naive references. */
  private record Data(double[][] x, double[] y, double[] w, boolean[] validation) {}

  /**
   * n rows, d features with different means and scales, a constant feature (index 2) and ~40%
   * zeros, labels from a logistic model, weights in [0.5, 2), every seventh row validation.
   */
  private static Data data(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] x = new double[n][d];
    double[] y = new double[n];
    double[] w = new double[n];
    boolean[] v = new boolean[n];
    for (int i = 0; i < n; i++) {
      double z = -0.3;
      for (int j = 0; j < d; j++) {
        if (j == 2) {
          x[i][j] = 3.0;
        } else if (r.nextDouble() < 0.4) {
          x[i][j] = 0.0;
        } else {
          x[i][j] = (j - 1.5) + Math.pow(2, j % 4 - 1) * r.nextGaussian();
        }
        z += 0.4 * (j % 3 - 1) * x[i][j];
      }
      y[i] = r.nextDouble() < StableMath.sigmoid(z) ? 1.0 : 0.0;
      w[i] = 0.5 + 1.5 * r.nextDouble();
      v[i] = i % 7 == 3;
    }
    return new Data(x, y, w, v);
  }

  private static List<InstanceBlock> pack(Data data, boolean sparse, boolean single,
      boolean withValidation) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < data.y().length; i++) {
      Vector v = Vectors.dense(data.x()[i]);
      v = sparse ? v.toSparse() : v;
      rows.add(withValidation ? RowFactory.create(v, data.y()[i], data.w()[i], data.validation()[i])
          : RowFactory.create(v, data.y()[i], data.w()[i]));
    }
    List<InstanceBlock> packed = new ArrayList<>();
    new BlockPacker("features", "label", "weight", 0.004, withValidation, single)
        .pack(0, rows.iterator()).forEachRemaining(packed::add);
    // The packer picks the smaller layout; rebuild each block in the one asked for, from the same
    // (rounded) values, with the packer's labels, weights and statistics.
    List<InstanceBlock> blocks = new ArrayList<>();
    int start = 0;
    int d = data.x()[0].length;
    for (InstanceBlock b : packed) {
      int n = b.numRows();
      // A CSR block stores its rows by number of non-zeros (CsrRows.byLength): the rebuilt
      // block takes them in the order of the packer's labels and weights.
      int[] lengths = new int[n + 1];
      for (int i = 0; i < n; i++) {
        lengths[i + 1] = lengths[i] + (int) Arrays.stream(data.x()[start + i])
            .filter(x -> x != 0.0).count();
      }
      int[] order = b.isSparse() ? CsrRows.byLength(lengths, n) : null;
      int[] row = new int[n];
      for (int i = 0; i < n; i++) {
        row[i] = start + (order == null ? i : order[i]);
      }
      if (!sparse) {
        double[] dv = new double[n * d];
        for (int i = 0; i < n; i++) {
          System.arraycopy(data.x()[row[i]], 0, dv, i * d, d);
        }
        Object values = single ? toFloat(dv) : dv;
        blocks.add(InstanceBlock.dense(n, d, b.labels(), b.weights(), b.validationWeights(),
            values, b.summary()));
      } else {
        int[] ptr = new int[n + 1];
        List<Integer> idx = new ArrayList<>();
        List<Double> val = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < d; j++) {
            if (data.x()[row[i]][j] != 0.0) {
              idx.add(j);
              val.add(data.x()[row[i]][j]);
            }
          }
          ptr[i + 1] = idx.size();
        }
        double[] dv = val.stream().mapToDouble(Double::doubleValue).toArray();
        if (single) {
          float[] f = toFloat(dv);
          for (int k = 0; k < dv.length; k++) {
            dv[k] = f[k];
          }
        }
        int[] ix = idx.stream().mapToInt(Integer::intValue).toArray();
        CsrRows csr = CsrRows.encode(ptr, ix, dv, CsrRows.smallest(ptr, ix, dv));
        blocks.add(InstanceBlock.csr(n, d, b.labels(), b.weights(), b.validationWeights(), csr,
            b.summary()));
      }
      start += n;
      assertEquals(single, b.isFloat());
    }
    assertEquals(data.y().length, start);
    return blocks;
  }

  private static float[] toFloat(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  private static DataSummary summary(List<InstanceBlock> blocks) {
    DataSummary s = new DataSummary();
    blocks.forEach(b -> s.merge(b.summary()));
    return s;
  }

  private static LogitObjective objective(JavaRDD<InstanceBlock> rdd, DataSummary s,
      boolean intercept, boolean standardization, double regL2) {
    return new LogitObjective(rdd, LogitLoss.bce(1.0, 0.0), TestKernels.bce(), s, intercept,
        standardization, regL2, 2, 0.0);
  }

  private static double[] point(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] x = new double[n];
    for (int j = 0; j < n; j++) {
      x[j] = 0.3 * r.nextGaussian();
    }
    return x;
  }

  private static void assertBits(double[] a, double[] b, String what) {
    assertEquals(a.length, b.length, what);
    for (int j = 0; j < a.length; j++) {
      assertEquals(Double.doubleToRawLongBits(a[j]), Double.doubleToRawLongBits(b[j]),
          what + "[" + j + "]: " + a[j] + " vs " + b[j]);
    }
  }

  private static void assertClose(double[] actual, double[] expected, double rel, String what) {
    double scale = 0.0;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    for (int j = 0; j < expected.length; j++) {
      assertEquals(expected[j], actual[j], rel * scale, what + "[" + j + "]");
    }
  }

  @ParameterizedTest
  @CsvSource({"false, false, true, true, 0.0, false", "false, false, true, false, 0.1, true",
      "true, false, false, true, 0.1, false", "true, true, true, false, 0.05, true",
      "false, true, true, true, 0.0, true"})
  void valueAndGradientAreThoseOfAnEvaluationBitForBit(boolean sparse, boolean single,
      boolean intercept, boolean standardization, double regL2, boolean withValidation) {
    Data data = data(1500, 6, 1);
    List<InstanceBlock> blocks = pack(data, sparse, single, withValidation);
    JavaRDD<InstanceBlock> rdd = jsc.parallelize(blocks, 5).cache();
    LogitObjective obj = objective(rdd, summary(blocks), intercept, standardization, regL2);
    int n = obj.dimension();
    double[] x = point(n, 2);
    double[] g = new double[n];
    double f = obj.evaluate(x, g);
    LogitObjective.Evaluation e = obj.evaluationAt(x);
    double[] gh = new double[n];
    double fh = obj.evaluateWithHessian(x, gh, new double[n * n]);
    assertBits(new double[] {f}, new double[] {fh}, "objective");
    assertBits(g, gh, "gradient");
    LogitObjective.Evaluation eh = obj.evaluationAt(x);
    assertEquals(1, obj.evaluations(), "evaluationAt after the Hessian pass needs no pass");
    assertEquals(1, obj.hessianEvaluations());
    assertBits(new double[] {e.validationLoss(), e.predictedPositiveFraction()},
        new double[] {eh.validationLoss(), eh.predictedPositiveFraction()}, "diagnostics");
    assertEquals(withValidation, !Double.isNaN(eh.validationLoss()));
    rdd.unpersist(false);
  }

  /**
   * The Hessian in optimizer variables from its definition, row by row: with u_i the row in
   * optimizer coordinates (u_ij = (x_ij − μ_j)/(s_jσ_j) with an intercept, x_ij/(s_jσ_j) without,
   * and 1 for the intercept), H = Σ w σσ u uᵀ / W + the penalty's diagonal.
   */
  private static double[] naiveHessian(Data data, DataSummary s, boolean intercept,
      boolean standardization, double regL2, double[] x, LogitObjective obj) {
    int d = data.x()[0].length;
    int n = obj.dimension();
    double[] mu = s.mean();
    double[] sd = s.std();
    double[] pre = new double[d];
    for (int j = 0; j < d; j++) {
      pre[j] = !standardization && sd[j] > 0 && regL2 > 0
          ? Math.sqrt(1.0 + regL2 / sd[j] / sd[j]) : 1.0;
    }
    double[] h = new double[n * n];
    double[] u = new double[n];
    double wSum = 0.0;
    for (int i = 0; i < data.y().length; i++) {
      double z = 0.0;
      for (int j = 0; j < d; j++) {
        u[j] = sd[j] > 0 ? (data.x()[i][j] - (intercept ? mu[j] : 0.0)) / (pre[j] * sd[j]) : 0.0;
        z += u[j] * x[j];
      }
      if (intercept) {
        u[d] = 1.0;
        z += x[d];
      }
      double c = data.w()[i] * StableMath.sigmoid(z) * StableMath.sigmoid(-z);
      wSum += data.w()[i];
      for (int j = 0; j < n; j++) {
        for (int k = 0; k < n; k++) {
          h[j * n + k] += c * u[j] * u[k];
        }
      }
    }
    assertEquals(s.weightSum(), wSum, 1e-12 * wSum);
    for (int j = 0; j < n * n; j++) {
      h[j] /= wSum;
    }
    for (int j = 0; j < d; j++) {
      if (sd[j] > 0) {
        double dp = (standardization ? 1.0 : 1.0 / sd[j]) / pre[j];
        h[j * n + j] += regL2 * dp * dp;
      } else {
        h[j * n + j] = 1.0;
      }
    }
    return h;
  }

  @ParameterizedTest
  @CsvSource({"true, true, 0.0", "true, false, 0.2", "false, true, 0.1", "false, false, 0.0"})
  void hessianMatchesTheNaiveSumAndCentralDifferences(boolean intercept, boolean standardization,
      double regL2) {
    Data data = data(1200, 5, 4);
    List<InstanceBlock> blocks = pack(data, false, false, false);
    DataSummary s = summary(blocks);
    JavaRDD<InstanceBlock> rdd = jsc.parallelize(blocks, 4).cache();
    LogitObjective obj = objective(rdd, s, intercept, standardization, regL2);
    int n = obj.dimension();
    double[] x = point(n, 5);
    double[] hess = new double[n * n];
    obj.evaluateWithHessian(x, new double[n], hess);
    for (int j = 0; j < n; j++) {
      for (int k = 0; k < n; k++) {
        assertEquals(hess[j * n + k], hess[k * n + j], 0.0, "symmetric");
      }
    }
    assertClose(hess, naiveHessian(data, s, intercept, standardization, regL2, x, obj), 1e-12,
        "Hessian vs per-row sum");
    // Central differences of the gradient, column by column (error O(h²) + O(ε/h)).
    double h = 1e-5;
    double[] fd = new double[n * n];
    for (int k = 0; k < n; k++) {
      double[] xp = x.clone();
      double[] xm = x.clone();
      xp[k] += h;
      xm[k] -= h;
      double[] gp = new double[n];
      double[] gm = new double[n];
      obj.evaluate(xp, gp);
      obj.evaluate(xm, gm);
      for (int j = 0; j < n; j++) {
        fd[j * n + k] = s.std()[k < s.numFeatures() ? k : 0] > 0 || k == s.numFeatures()
            ? (gp[j] - gm[j]) / (2 * h) : hess[j * n + k];
      }
    }
    assertClose(hess, fd, 1e-7, "Hessian vs central differences");
    rdd.unpersist(false);
  }

  @Test
  void denseCsrAndFloatBlocksAgree() {
    Data data = data(2000, 6, 7);
    double[][] hessians = new double[4][];
    boolean[][] layouts = {{false, false}, {true, false}, {false, true}, {true, true}};
    int n = 0;
    for (int l = 0; l < layouts.length; l++) {
      List<InstanceBlock> blocks = pack(data, layouts[l][0], layouts[l][1], false);
      JavaRDD<InstanceBlock> rdd = jsc.parallelize(blocks, 3).cache();
      LogitObjective obj = objective(rdd, summary(blocks), true, true, 0.01);
      n = obj.dimension();
      hessians[l] = new double[n * n];
      obj.evaluateWithHessian(point(n, 8), new double[n], hessians[l]);
      rdd.unpersist(false);
    }
    assertClose(hessians[1], hessians[0], 1e-12, "CSR vs dense");
    // Float storage rounds each value by ≤ 2⁻²⁴ relative (and the means and deviations with it).
    assertClose(hessians[2], hessians[0], 1e-6, "float dense vs dense");
    assertClose(hessians[3], hessians[2], 1e-12, "float CSR vs float dense");
  }

  private record Sums(double loss, double[] gradient, double[] gram) {
    static Sums of(HessianAggregator a) {
      return new Sums(a.lossSum(), a.gradientSum(), a.gram());
    }

    void assertBitIdentical(Sums o, String what) {
      assertBits(new double[] {loss}, new double[] {o.loss}, what + ": loss");
      assertBits(gradient, o.gradient, what + ": gradient");
      assertBits(gram, o.gram, what + ": gram");
    }
  }

  private static Sums aggregate(JavaRDD<InstanceBlock> rdd, Broadcast<BlockAggregator.Coefficients>
      bc, int d) {
    return Sums.of(rdd.treeAggregate(new HessianAggregator(TestKernels.bce(), bc, d, 0.0),
        HessianAggregator::add, HessianAggregator::merge, 2));
  }

  /**
   * As TaskGroupingSparkTest: per-row terms spanning many orders of magnitude, so that plain double
   * sums in another order would round differently.
   */
  @ParameterizedTest
  @CsvSource({"false", "true"})
  void sumsDoNotDependOnHowBlocksAreGroupedOrOrdered(boolean sparse) {
    int d = 5;
    List<InstanceBlock> blocks =
        TaskGroupingSparkTest.hardBlocks(sparse, sparse ? 21 : 22, 5000, d, 5);
    assertTrue(blocks.size() >= 30, "blocks: " + blocks.size());
    SplittableRandom rnd = new SplittableRandom(sparse ? 23 : 24);
    double[] beta = new double[d];
    for (int j = 0; j < d; j++) {
      beta[j] = rnd.nextGaussian() * 1e-4;
    }
    Broadcast<BlockAggregator.Coefficients> bc =
        jsc.broadcast(new BlockAggregator.Coefficients(beta, 0.25));
    JavaRDD<InstanceBlock> perPartition = jsc.parallelize(blocks, 16).cache();
    Sums reference = aggregate(perPartition, bc, d);
    aggregate(perPartition.coalesce(1, false), bc, d).assertBitIdentical(reference, "one task");
    aggregate(perPartition.coalesce(3, false), bc, d).assertBitIdentical(reference, "three tasks");
    aggregate(ExecutorGroups.tasks(perPartition, jsc), bc, d)
        .assertBitIdentical(reference, "one task per core");
    HessianAggregator reversed = new HessianAggregator(TestKernels.bce(), bc, d, 0.0);
    for (int i = blocks.size() - 1; i >= 0; i--) {
      reversed.merge(new HessianAggregator(TestKernels.bce(), bc, d, 0.0).add(blocks.get(i)));
    }
    Sums.of(reversed).assertBitIdentical(reference, "blocks merged in reverse");
    List<InstanceBlock> shuffled = new ArrayList<>(blocks);
    Collections.shuffle(shuffled, new java.util.Random(5));
    HessianAggregator inOneTask = new HessianAggregator(TestKernels.bce(), bc, d, 0.0);
    shuffled.forEach(inOneTask::add);
    Sums.of(inOneTask).assertBitIdentical(reference, "blocks added in shuffled order");

    // Loss and gradient are BlockAggregator's, bit for bit.
    BlockAggregator plain = perPartition.treeAggregate(
        new BlockAggregator(LogitLoss.bce(1.0, 0.0), bc, d, 0.0), BlockAggregator::add,
        BlockAggregator::merge, 2);
    assertBits(new double[] {plain.lossSum()}, new double[] {reference.loss()}, "loss vs plain");
    assertBits(plain.gradientSum(), reference.gradient(), "gradient vs plain");

    // The data make grouping matter for plain double sums of the blocks' Grams.
    double[] forward = new double[(d + 1) * (d + 1)];
    double[] backward = new double[(d + 1) * (d + 1)];
    for (int i = 0; i < blocks.size(); i++) {
      double[] a = new HessianAggregator(TestKernels.bce(), bc, d, 0.0).add(blocks.get(i)).gram();
      double[] b = new HessianAggregator(TestKernels.bce(), bc, d, 0.0)
          .add(blocks.get(blocks.size() - 1 - i)).gram();
      for (int k = 0; k < a.length; k++) {
        forward[k] += a[k];
        backward[k] += b[k];
      }
    }
    assertTrue(!Arrays.equals(forward, backward), "test data too benign: plain sums agree");
    perPartition.unpersist(false);
    bc.destroy();
  }

  @ParameterizedTest
  @CsvSource({"true, 0.0", "false, 0.3"})
  void originalHessianSumIsTheGramPlusThePenalty(boolean standardization, double regL2) {
    Data data = data(900, 4, 9);
    List<InstanceBlock> blocks = pack(data, false, false, false);
    DataSummary s = summary(blocks);
    JavaRDD<InstanceBlock> rdd = jsc.parallelize(blocks, 3).cache();
    LogitObjective obj = objective(rdd, s, true, standardization, regL2);
    double[] x = point(obj.dimension(), 3);
    obj.evaluateWithHessian(x, new double[5], new double[25]);
    double[] h = obj.originalHessianSum(x);
    assertEquals(1, obj.hessianEvaluations(), "reuses the pass at x");
    double[] coef = obj.toOriginal(x);
    int m = 5;
    double[] naive = new double[m * m];
    double[] u = new double[m];
    for (int i = 0; i < data.y().length; i++) {
      double z = coef[4];
      for (int j = 0; j < 4; j++) {
        z += data.x()[i][j] * coef[j];
        u[j] = data.x()[i][j];
      }
      u[4] = 1.0;
      double c = data.w()[i] * StableMath.sigmoid(z) * StableMath.sigmoid(-z);
      for (int j = 0; j < m; j++) {
        for (int k = 0; k < m; k++) {
          naive[j * m + k] += c * u[j] * u[k];
        }
      }
    }
    double[] sd = s.std();
    for (int j = 0; j < 4; j++) {
      naive[j * m + j] += s.weightSum() * regL2 * (standardization ? sd[j] * sd[j] : 1.0);
    }
    // Feature 2 is constant: its row and column are replaced by a unit diagonal.
    for (int k = 0; k < m; k++) {
      naive[2 * m + k] = 0.0;
      naive[k * m + 2] = 0.0;
    }
    naive[2 * m + 2] = 1.0;
    assertClose(h, naive, 1e-12, "original Hessian sum");
    rdd.unpersist(false);
  }

  @ParameterizedTest
  @CsvSource({"true, true, 0.0, 0.0", "true, false, 0.01, 0.0", "false, true, 0.0, 0.0",
      "true, true, 0.0, 0.02", "true, false, 0.005, 0.01"})
  void newtonOnBlocksReachesTheOptimumOfTheFirstOrderMinimizers(boolean intercept,
      boolean standardization, double regL2, double regL1) {
    Data data = data(3000, 6, 13);
    List<InstanceBlock> blocks = pack(data, false, false, false);
    DataSummary s = summary(blocks);
    JavaRDD<InstanceBlock> rdd = jsc.parallelize(blocks, 4).cache();
    LogitObjective newtonObj = objective(rdd, s, intercept, standardization, regL2);
    LogitObjective firstObj = objective(rdd, s, intercept, standardization, regL2);
    int n = newtonObj.dimension();
    LogitMinimizer.Result newton = NewtonMinimizer.minimize(newtonObj, new double[n], 50, 1e-12,
        regL1, 0, null);
    LogitMinimizer.Result first = LogitMinimizer.minimize(firstObj, new double[n], 1000,
        regL1 > 0 ? 1e-9 : 1e-12, regL1, 0, null);
    assertTrue(newton.converged(), newton.reason());
    LogitMinimizer.Iteration ln = newton.history().get(newton.history().size() - 1);
    LogitMinimizer.Iteration lf = first.history().get(first.history().size() - 1);
    System.out.printf(java.util.Locale.ROOT, "blocks 3000 x 6, intercept %s, std %s, L2 %s, L1 %s:"
        + " Newton %d iterations, %d passes (%d Hessian); %s %d iterations, %d passes%n",
        intercept, standardization, regL2, regL1, ln.iteration(), ln.evaluations(),
        newtonObj.hessianEvaluations(), regL1 > 0 ? "OWL-QN" : "L-BFGS", lf.iteration(),
        lf.evaluations());
    assertTrue(ln.iteration() <= 15, "Newton iterations " + ln.iteration());
    assertTrue(ln.objective() <= lf.objective() + 1e-12 * Math.abs(lf.objective()),
        ln.objective() + " vs " + lf.objective());
    if (regL1 == 0) {
      assertTrue(first.converged(), first.reason());
      double[] a = newtonObj.toOriginal(newton.x());
      double[] b = firstObj.toOriginal(first.x());
      assertClose(a, b, 1e-8, "coefficients");
    } else {
      double[] x = newton.x();
      double[] g = new double[n];
      newtonObj.evaluate(x, g);
      double[] c = newtonObj.l1Weights(regL1);
      int zeros = 0;
      for (int j = 0; j < n; j++) {
        if (x[j] == 0.0) {
          zeros++;
          assertTrue(Math.abs(g[j]) <= c[j] + 1e-9, "zero " + j);
        } else {
          assertEquals(-c[j] * Math.signum(x[j]), g[j], 1e-9, "non-zero " + j);
        }
      }
      assertTrue(zeros >= 2, "zeros " + zeros + " (the constant feature and others)");
    }
    rdd.unpersist(false);
  }
}
