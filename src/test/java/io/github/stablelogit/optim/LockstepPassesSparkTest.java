package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * K fold-models and the all-rows model minimized together through {@link LockstepPasses}: each
 * model's result is bit for bit that of its own minimization over its training blocks alone, a
 * second run gives the same bits, and the whole run costs one Spark job per round, i.e. the most
 * passes any one model needs.
 */
class LockstepPassesSparkTest {

  private static final int K = 3;
  private static final String GROUP = "lockstep-test";
  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("lockstep-passes");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** n rows of d features (the last one sparse-ish), labels from a logit model, folds by row. */
  private static JavaRDD<InstanceBlock> blocks(boolean sparse, int n, int d, int partitions) {
    SplittableRandom rnd = new SplittableRandom(11);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[d];
      double z = 0.3;
      for (int j = 0; j < d; j++) {
        x[j] = sparse && rnd.nextInt(3) > 0 ? 0.0 : rnd.nextGaussian() * (1 + j);
        z += x[j] * (j % 2 == 0 ? 0.5 : -0.3) / (1 + j);
      }
      Vector v = Vectors.dense(x);
      double label = rnd.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1.0 : 0.0;
      rows.add(RowFactory.create(sparse ? v.toSparse() : v, label, 0.5 + rnd.nextDouble(),
          rnd.nextInt(K)));
    }
    BlockPacker packer = new BlockPacker("features", "label", "weight", 0.004, false)
        .withFolds(K);
    return jsc.parallelize(rows, partitions).mapPartitionsWithIndex(packer::pack, true)
        .persist(StorageLevel.MEMORY_ONLY());
  }

  /** The statistics of the rows outside fold f (all rows for f = K). */
  private static DataSummary trainSummary(List<InstanceBlock> all, int f) {
    DataSummary s = new DataSummary();
    for (InstanceBlock b : all) {
      if (b.fold() != f) {
        s.merge(b.summary());
      }
    }
    return s;
  }

  private static LogitObjective objective(JavaRDD<InstanceBlock> blocks, DataSummary s,
      LogitLoss loss) {
    return new LogitObjective(blocks, loss, loss::valueDerivativesAndCurvatures, s, true, true,
        0.01, 2, 0.0);
  }

  /** Model f's minimization: Newton for the all-rows model and fold 0, L-BFGS for the others. */
  private static double[] minimize(LogitObjective o, int f) {
    double[] x0 = new double[o.dimension()];
    return f == 0 || f == K
        ? NewtonMinimizer.minimize(o, x0, 100, 1e-9, 0.0, 0, it -> { }).x()
        : LogitMinimizer.minimize(o, x0, 200, 1e-9, 0.0, 0, it -> { }).x();
  }

  @Test
  void everyModelIsBitIdenticalToItsOwnFitAndTheRunTakesOneJobPerRound() throws Exception {
    for (boolean sparse : new boolean[] {false, true}) {
      JavaRDD<InstanceBlock> blocks = blocks(sparse, 3000, 6, 4);
      List<InstanceBlock> all = blocks.collect();
      LogitLoss loss = LogitLoss.bce(2.0, 0.0);
      LockstepPasses passes = new LockstepPasses(blocks, K, 2);
      LogitObjective[] objectives = new LogitObjective[K + 1];
      List<Callable<double[]>> models = new ArrayList<>();
      for (int f = 0; f <= K; f++) {
        int fold = f;
        objectives[f] = objective(blocks, trainSummary(all, f), loss)
            .passingThrough(passes, f < K ? f : -1);
        models.add(() -> minimize(objectives[fold], fold));
      }
      AtomicInteger jobs = new AtomicInteger();
      SparkListener counter = new SparkListener() {
        @Override
        public void onJobStart(SparkListenerJobStart e) {
          if (GROUP.equals(e.properties().getProperty("spark.jobGroup.id"))) {
            jobs.incrementAndGet();
          }
        }
      };
      spark.sparkContext().addSparkListener(counter);
      jsc.setJobGroup(GROUP, "lockstep", false);
      List<double[]> together;
      try {
        together = passes.run(models);
      } finally {
        jsc.clearJobGroup();
        spark.sparkContext().listenerBus().waitUntilEmpty();
        spark.sparkContext().removeSparkListener(counter);
      }
      int most = 0;
      int sum = 0;
      for (int f = 0; f <= K; f++) {
        int n = objectives[f].evaluations() + objectives[f].hessianEvaluations();
        most = Math.max(most, n);
        sum += n;
        int fold = f;
        JavaRDD<InstanceBlock> own = blocks.filter(b -> b.fold() != fold);
        LogitObjective alone = objective(own, trainSummary(all, f), loss);
        double[] x = minimize(alone, f);
        assertArrayEquals(x, together.get(f), 0.0, "model " + f + (sparse ? " sparse" : ""));
        // The same passes, except that in shared rounds a Newton fit's last pass also forms the
        // Hessian (for the next fit, see wantsLastHessian) where alone it only verifies.
        assertEquals(alone.evaluations() + alone.hessianEvaluations(),
            objectives[f].evaluations() + objectives[f].hessianEvaluations());
        int extra = objectives[f].hessianEvaluations() - alone.hessianEvaluations();
        assertTrue(extra == 0 || (extra == 1 && (f == 0 || f == K)),
            "model " + f + ": " + extra);
      }
      // A second run: every model bit for bit the first run's.
      LockstepPasses again = new LockstepPasses(blocks, K, 2);
      List<Callable<double[]>> rerun = new ArrayList<>();
      for (int f = 0; f <= K; f++) {
        int fold = f;
        LogitObjective o = objective(blocks, trainSummary(all, f), loss)
            .passingThrough(again, f < K ? f : -1);
        rerun.add(() -> minimize(o, fold));
      }
      List<double[]> second = again.run(rerun);
      for (int f = 0; f <= K; f++) {
        assertArrayEquals(together.get(f), second.get(f), 0.0, "rerun of model " + f);
      }
      assertEquals(passes.rounds(), again.rounds());
      // Rounds: the most passes of one model, less the requests at a model's previous point
      // (a minimizer asking again for the gradient where it stands), answered without a pass.
      assertTrue(passes.rounds() <= most && passes.rounds() >= most - passes.reused(),
          passes.rounds() + " rounds, " + most + " passes, " + passes.reused() + " reused");
      assertEquals(passes.rounds(), jobs.get(), "one Spark job per round");
      assertTrue(jobs.get() < sum / 2, jobs + " jobs, the models' passes sum to " + sum);
      blocks.unpersist(false);
    }
  }

  @Test
  void heldOutSumsAreThoseOfEachFoldsRowsAlsoWhenTheNextRoundCarriesThem() {
    JavaRDD<InstanceBlock> blocks = blocks(false, 2000, 4, 3);
    List<InstanceBlock> all = blocks.collect();
    LockstepPasses passes = new LockstepPasses(blocks, K, 2);
    double[][] coef = new double[K][];
    LogitLoss[] losses = new LogitLoss[K];
    for (int f = 0; f < K; f++) {
      coef[f] = new double[] {0.1 * f, -0.2, 0.3, 0.05, 0.2 - f};
      losses[f] = LogitLoss.bce(1.0 + f, 0.0);
    }
    HeldOut[] h = passes.heldOut(coef, losses, true);
    for (int f = 0; f < K; f++) {
      double expected = 0.0;
      int rows = 0;
      for (InstanceBlock b : all) {
        if (b.fold() != f) {
          continue;
        }
        double[] z = new double[b.numRows()];
        b.margins(InstanceBlock.blas(), java.util.Arrays.copyOf(coef[f], 4), coef[f][4], z);
        for (int i = 0; i < z.length; i++) {
          double y = b.labels()[i];
          double p = 1 + f;
          // BCE with posWeight p, directly: −p·y·log σ(z) − (1 − y)·log(1 − σ(z))
          expected += b.weights()[i] * (p * y * Math.log1p(Math.exp(-z[i]))
              + (1 - y) * Math.log1p(Math.exp(z[i])));
        }
        rows += z.length;
      }
      assertEquals(expected, h[f].lossSum(), 1e-12 * Math.abs(expected), "fold " + f);
      assertEquals(rows, h[f].scores()[0].length);
    }
    // Deferred to the next round: that round's job computes them too, with the same bits.
    passes.deferHeldOut(coef, losses);
    LogitObjective o = objective(blocks, trainSummary(all, 1), LogitLoss.bce(1.0, 0.0))
        .passingThrough(passes, 1);
    double[] x = new double[o.dimension()];
    double value = o.evaluate(x, new double[x.length]);
    assertEquals(1, passes.rounds());
    HeldOut[] carried = passes.takeHeldOut();
    assertEquals(1, passes.rounds());
    // ... and the round's own sums are those without them.
    LogitObjective alone = objective(blocks.filter(b -> b.fold() != 1), trainSummary(all, 1),
        LogitLoss.bce(1.0, 0.0));
    assertEquals(alone.evaluate(x, new double[x.length]), value, 0.0);
    // Without a round in between, a pass of their own.
    passes.deferHeldOut(coef, losses);
    HeldOut[] own = passes.takeHeldOut();
    for (int f = 0; f < K; f++) {
      assertEquals(h[f].lossSum(), carried[f].lossSum(), 0.0, "carried, fold " + f);
      assertEquals(h[f].lossSum(), own[f].lossSum(), 0.0, "own pass, fold " + f);
    }
    blocks.unpersist(false);
  }

  private static LogitObjective objective(JavaRDD<InstanceBlock> blocks, DataSummary s,
      LogitLoss loss, double regL2) {
    return new LogitObjective(blocks, loss, loss::valueDerivativesAndCurvatures, s, true, true,
        regL2, 2, 0.0);
  }

  @Test
  void aGradientRequestAtTheModelsPreviousPointIsAnsweredWithoutAPassAndTheSameBits() {
    JavaRDD<InstanceBlock> blocks = blocks(true, 2000, 5, 3);
    List<InstanceBlock> all = blocks.collect();
    LockstepPasses passes = new LockstepPasses(blocks, K, 2);
    LogitLoss loss = LogitLoss.bce(1.5, 0.0);
    LogitObjective o = objective(blocks, trainSummary(all, 2), loss).passingThrough(passes, 2);
    double[] x = {0.2, -0.1, 0.05, 0.3, -0.2, 0.1};
    double[] g1 = new double[x.length];
    double v1 = o.evaluate(x, g1);
    assertEquals(1, passes.rounds());
    // Another objective of the same model (another L2 weight, as the next point of a path) at the
    // same point: no pass, and the bits of a pass over the model's blocks alone.
    LogitObjective next = objective(blocks, trainSummary(all, 2), loss, 0.002)
        .passingThrough(passes, 2);
    double[] g2 = new double[x.length];
    double v2 = next.evaluate(x, g2);
    assertEquals(1, passes.rounds());
    assertEquals(1, passes.reused());
    LogitObjective alone = objective(blocks.filter(b -> b.fold() != 2), trainSummary(all, 2),
        loss, 0.002);
    double[] expected = new double[x.length];
    assertEquals(alone.evaluate(x, expected), v2, 0.0);
    assertArrayEquals(expected, g2, 0.0);
    assertTrue(v1 != v2, "the L2 term differs");
    // Not reused: another model at that point, the same model at another point or with another
    // loss.
    objective(blocks, trainSummary(all, 1), loss).passingThrough(passes, 1).evaluate(x, g2);
    assertEquals(2, passes.rounds());
    double[] y = x.clone();
    y[0] += 1e-3;
    next.evaluate(y, g2);
    assertEquals(3, passes.rounds());
    LogitLoss other = LogitLoss.bce(1.0, 0.0);
    double v3 = objective(blocks, trainSummary(all, 2), other).passingThrough(passes, 2)
        .evaluate(y, g2);
    assertEquals(4, passes.rounds());
    assertEquals(objective(blocks.filter(b -> b.fold() != 2), trainSummary(all, 2), other)
        .evaluate(y, new double[y.length]), v3, 0.0);
    assertEquals(1, passes.reused());
    blocks.unpersist(false);
  }

  @Test
  void aHessianRequestAtTheModelsPreviousPointWithTheSameKernelIsAnsweredWithoutAPass() {
    JavaRDD<InstanceBlock> blocks = blocks(true, 2000, 5, 3);
    List<InstanceBlock> all = blocks.collect();
    LockstepPasses passes = new LockstepPasses(blocks, K, 2);
    LogitLoss loss = LogitLoss.bce(1.5, 0.0);
    CurvatureKernel kernel = loss::valueDerivativesAndCurvatures;
    DataSummary s = trainSummary(all, 2);
    int n = 6;
    double[] x = {0.2, -0.1, 0.05, 0.3, -0.2, 0.1};
    new LogitObjective(blocks, loss, kernel, s, true, true, 0.05, 2, 0.0)
        .passingThrough(passes, 2).evaluateWithHessian(x, new double[n], new double[n * n]);
    assertEquals(1, passes.rounds());
    // The next objective of the path (another L2 weight), the same kernel object, the same point:
    // no pass, and the bits of a Hessian pass over the model's blocks alone, penalty included.
    double[] g = new double[n];
    double[] h = new double[n * n];
    double v = new LogitObjective(blocks, loss, kernel, s, true, true, 0.002, 2, 0.0)
        .passingThrough(passes, 2).evaluateWithHessian(x, g, h);
    assertEquals(1, passes.rounds());
    assertEquals(1, passes.reused());
    double[] ge = new double[n];
    double[] he = new double[n * n];
    double ve = new LogitObjective(blocks.filter(b -> b.fold() != 2), loss, kernel, s, true, true,
        0.002, 2, 0.0).evaluateWithHessian(x, ge, he);
    assertEquals(ve, v, 0.0);
    assertArrayEquals(ge, g, 0.0);
    assertArrayEquals(he, h, 0.0);
    // Another kernel object (it could compute other curvatures), a gradient request at that
    // point and a Hessian request at another point all run a pass.
    CurvatureKernel another = loss::valueDerivativesAndCurvatures;
    LogitObjective o = new LogitObjective(blocks, loss, another, s, true, true, 0.002, 2, 0.0)
        .passingThrough(passes, 2);
    o.evaluateWithHessian(x, g, h);
    assertEquals(2, passes.rounds());
    assertEquals(he[7], h[7], 0.0);
    double[] y = x.clone();
    y[1] += 1e-3;
    o.evaluateWithHessian(y, g, h);
    assertEquals(3, passes.rounds());
    o.evaluate(y, g);
    assertEquals(4, passes.rounds());
    assertEquals(1, passes.reused());
    blocks.unpersist(false);
  }

  @Test
  void aFitWarmStartedWhereTheModelsLastFitEndedSkipsItsFirstPassAndKeepsItsBits()
      throws Exception {
    JavaRDD<InstanceBlock> blocks = blocks(false, 3000, 6, 4);
    List<InstanceBlock> all = blocks.collect();
    LogitLoss loss = LogitLoss.bce(2.0, 0.0);
    LockstepPasses passes = new LockstepPasses(blocks, K, 2);
    List<Callable<double[]>> first = new ArrayList<>();
    for (int f = 0; f <= K; f++) {
      LogitObjective o = objective(blocks, trainSummary(all, f), loss, 0.05)
          .passingThrough(passes, f < K ? f : -1);
      first.add(() -> LogitMinimizer.minimize(o, new double[o.dimension()], 200, 1e-9, 0.0, 0,
          it -> { }).x());
    }
    List<double[]> ends = passes.run(first);
    int before = passes.rounds();
    int reusedBefore = passes.reused();
    LogitObjective[] objectives = new LogitObjective[K + 1];
    List<Callable<double[]>> second = new ArrayList<>();
    for (int f = 0; f <= K; f++) {
      int m = f;
      objectives[f] = objective(blocks, trainSummary(all, f), loss, 0.01)
          .passingThrough(passes, f < K ? f : -1);
      second.add(() -> LogitMinimizer.minimize(objectives[m], ends.get(m).clone(), 200, 1e-9,
          0.0, 0, it -> { }).x());
    }
    List<double[]> together = passes.run(second);
    int most = 0;
    for (int f = 0; f <= K; f++) {
      int fold = f;
      LogitObjective alone = objective(blocks.filter(b -> b.fold() != fold),
          trainSummary(all, f), loss, 0.01);
      double[] x = LogitMinimizer.minimize(alone, ends.get(f).clone(), 200, 1e-9, 0.0, 0,
          it -> { }).x();
      assertArrayEquals(x, together.get(f), 0.0, "model " + f);
      assertEquals(alone.evaluations(), objectives[f].evaluations());
      most = Math.max(most, objectives[f].evaluations());
    }
    // Every model's first evaluation (at its last fit's end) came without a pass (and any other
    // request at the point of the model's previous one).
    assertTrue(passes.reused() - reusedBefore >= K + 1, passes.reused() - reusedBefore + "");
    assertTrue(passes.rounds() - before <= most - 1, passes.rounds() - before + " rounds, "
        + most + " evaluations");
    blocks.unpersist(false);
  }

  @Test
  void aRoundGivesTheSameBitsInOneRunJobAndInATreeAggregateWithBroadcasts() throws Exception {
    // 12 partitions: grouped into 2 tasks (one runJob, coefficients in its closure), or, with the
    // grouping's Spark API failing as a Spark release without it would, one task per partition,
    // which treeAggregate reduces over a level of its own (coefficients broadcast).
    JavaRDD<InstanceBlock> blocks = blocks(true, 2400, 5, 12);
    List<InstanceBlock> all = blocks.collect();
    LogitLoss loss = LogitLoss.bce(1.5, 0.0);
    double[][] results = new double[2][];
    int[] rounds = new int[2];
    for (int path = 0; path < 2; path++) {
      ExecutorGroups.simulatedApiFailure = path == 0 ? null : new NoSuchMethodError("simulated");
      try {
        LockstepPasses passes = new LockstepPasses(blocks, K, 2);
        passes.deferHeldOut(new double[][] {{0.1, 0.2, -0.1, 0.0, 0.3, 0.1},
            {0.0, 0.1, 0.1, 0.2, -0.3, 0.0}, {0.2, 0.0, 0.0, 0.1, 0.1, -0.2}},
            new LogitLoss[] {loss, loss, loss});
        List<Callable<double[]>> models = new ArrayList<>();
        for (int f = 0; f <= K; f++) {
          LogitObjective o = objective(blocks, trainSummary(all, f), loss)
              .passingThrough(passes, f < K ? f : -1);
          models.add(() -> {
            double[] x = new double[o.dimension()];
            x[0] = 0.3;
            double[] g = new double[x.length];
            double[] h = new double[x.length * x.length];
            double v = o.evaluate(x, g);
            double w = o.evaluateWithHessian(new double[x.length], new double[x.length], h);
            double[] out = java.util.Arrays.copyOf(g, g.length + 3);
            out[g.length] = v;
            out[g.length + 1] = w;
            out[g.length + 2] = h[h.length - 1];
            return out;
          });
        }
        List<double[]> out = passes.run(models);
        HeldOut[] heldOut = passes.takeHeldOut();
        List<Double> flat = new ArrayList<>();
        for (double[] o : out) {
          for (double v : o) {
            flat.add(v);
          }
        }
        for (HeldOut h : heldOut) {
          flat.add(h.lossSum());
        }
        results[path] = flat.stream().mapToDouble(Double::doubleValue).toArray();
        rounds[path] = passes.rounds();
      } finally {
        ExecutorGroups.simulatedApiFailure = null;
      }
    }
    assertArrayEquals(results[0], results[1], 0.0);
    assertEquals(2, rounds[0]);
    assertEquals(2, rounds[1]);
    blocks.unpersist(false);
  }
}

