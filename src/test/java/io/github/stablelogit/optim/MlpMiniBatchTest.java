package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Adam's mini-batches ({@link RowSampler} in {@link MlpAggregator} and {@link MlpObjective}):
 * which rows a step takes, and what the objective computes on them.
 */
class MlpMiniBatchTest {

  private static final LogitLoss LOSS = LogitLoss.focal(2.0, 0.25, 1.5, 0.0);
  private static final long SEED = 11L;

  private static List<InstanceBlock> pack(List<Row> rows, double maxMb, boolean single) {
    List<InstanceBlock> out = new ArrayList<>();
    new BlockPacker("features", "label", "weight", maxMb, true, single).pack(0, rows.iterator())
        .forEachRemaining(out::add);
    return out;
  }

  private static DataSummary summary(List<InstanceBlock> blocks) {
    DataSummary s = new DataSummary();
    blocks.forEach(b -> s.merge(b.summary()));
    return s;
  }

  /** The weights (distinct per row, so they name the rows) of the training rows step t takes. */
  private static Set<Double> chosen(List<InstanceBlock> blocks, RowSampler sampler) {
    Set<Double> out = new TreeSet<>();
    for (InstanceBlock b : blocks) {
      for (int i = 0; i < b.numRows(); i++) {
        if (b.weights()[i] > 0 && sampler.selects(b, i)) {
          out.add(b.weights()[i]);
        }
      }
    }
    return out;
  }

  @ParameterizedTest(name = "sparse={0} float={1}")
  @CsvSource({"false,false", "false,true", "true,false", "true,true"})
  void aBatchOfEveryRowIsTheFullPass(boolean sparse, boolean single) {
    List<InstanceBlock> blocks = pack(MlpObjectiveGradientTest.rows(new Random(3), sparse, 300),
        0.004, single);
    assertTrue(blocks.size() > 1);
    assertEquals(sparse, blocks.get(0).isSparse());
    MlpNetwork net = new MlpNetwork(6, new int[] {5, 3}, MlpActivation.TANH);
    double[] theta = net.initialParams(2, 0.1);
    MlpAggregator full = new MlpAggregator(LOSS, net, theta, 0.0, null);
    // Fraction 1 takes every row through the gathering path.
    MlpAggregator all = new MlpAggregator(LOSS, net, theta, 0.0, new RowSampler(1.0, SEED, 4));
    blocks.forEach(b -> {
      full.add(b);
      all.add(b);
    });
    assertEquals(summary(blocks).weightSum(), all.selectedWeight(), 1e-12 * all.selectedWeight());
    assertEquals(full.lossSum(), all.lossSum(), 1e-12 * Math.abs(full.lossSum()));
    assertEquals(full.validationLossSum(), all.validationLossSum(),
        1e-12 * Math.abs(full.validationLossSum()));
    assertEquals(full.predictedPositiveWeight(), all.predictedPositiveWeight(), 1e-12);
    double[] g = full.parameterGradientSum();
    double[] h = all.parameterGradientSum();
    for (int j = 0; j < g.length; j++) {
      assertEquals(g[j], h[j], 1e-12 * (1 + Math.abs(g[j])), "parameter " + j);
    }
  }

  @Test
  void theBatchDependsOnTheRowsNotOnTheirBlocksOrStorage() {
    List<Row> rows = MlpObjectiveGradientTest.rows(new Random(5), true, 200);
    List<InstanceBlock> csr = pack(rows, 1.0, false);
    assertTrue(csr.get(0).isSparse());
    // Reversed, in small blocks.
    List<Row> reversed = new ArrayList<>(rows);
    Collections.reverse(reversed);
    List<InstanceBlock> small = pack(reversed, 0.002, false);
    assertTrue(small.size() > 3);
    // Followed by rows without zeros, the same rows are stored dense.
    List<Row> mixed = new ArrayList<>(rows);
    Random rnd = new Random(6);
    for (int i = 0; i < 400; i++) {
      mixed.add(RowFactory.create(Vectors.dense(1 + rnd.nextDouble(), 1, 2, 3, 4, 5), 1.0,
          3.0 + rnd.nextDouble(), false));
    }
    List<InstanceBlock> dense = pack(mixed, 1.0, false);
    assertFalse(dense.get(0).isSparse());
    for (int t = 0; t < 20; t++) {
      RowSampler s = new RowSampler(0.3, SEED, t);
      Set<Double> expected = chosen(csr, s);
      assertFalse(expected.isEmpty());
      assertEquals(expected, chosen(small, s), "step " + t);
      Set<Double> inDense = chosen(dense, s);
      inDense.removeIf(w -> w >= 3.0);
      assertEquals(expected, inDense, "step " + t);
    }
  }

  @Test
  void batchesHoldTheFractionOfTheRowsAndChangeFromStepToStep() {
    List<Row> rows = new ArrayList<>();
    Random rnd = new Random(9);
    for (int i = 0; i < 4000; i++) {
      rows.add(RowFactory.create(Vectors.dense(rnd.nextGaussian(), rnd.nextInt(3)), i % 2 * 1.0,
          1.0 + i, false));
    }
    List<InstanceBlock> blocks = pack(rows, 1.0, false);
    int steps = 100;
    long total = 0;
    long both = 0;
    Set<Double> previous = null;
    for (int t = 0; t < steps; t++) {
      Set<Double> c = chosen(blocks, new RowSampler(0.3, SEED, t));
      // Binomial(4000, 0.3): standard deviation 29 rows; 5 of them.
      assertEquals(1200, c.size(), 145, "step " + t);
      total += c.size();
      if (previous != null) {
        Set<Double> common = new TreeSet<>(c);
        common.retainAll(previous);
        both += common.size();
      }
      previous = c;
    }
    // Over 400 000 draws: standard deviation 0.0007.
    assertEquals(0.3, total / (4000.0 * steps), 0.004);
    // Consecutive batches independent: 0.3² of the rows in both.
    assertEquals(0.09, both / (4000.0 * (steps - 1)), 0.004);
    assertTrue(chosen(blocks, new RowSampler(0.3, SEED + 1, 0)).size() > 0);
    assertTrue(!chosen(blocks, new RowSampler(0.3, SEED + 1, 0))
        .equals(chosen(blocks, new RowSampler(0.3, SEED, 0))), "the seed changes the batch");
  }

  @Test
  void theObjectiveIsTheWeightedMeanOverTheBatchPlusThePenalty() {
    List<Row> rows = MlpObjectiveGradientTest.rows(new Random(7), false, 400);
    List<InstanceBlock> blocks = pack(rows, 0.004, false);
    DataSummary all = summary(blocks);
    MlpNetwork net = new MlpNetwork(6, new int[] {4}, MlpActivation.GELU);
    double reg = 0.03;
    MlpObjective batched = MlpObjective.local(blocks, LOSS, net, all, true, reg)
        .withMiniBatches(0.25, SEED);
    int t = 6;
    batched.useBatch(t);
    Set<Double> chosen = chosen(blocks, new RowSampler(0.25, SEED, t));
    List<Row> selected = new ArrayList<>();
    double selectedWeight = 0.0;
    for (Row r : rows) {
      if (r.getBoolean(3) || chosen.contains(r.getDouble(2))) {
        selected.add(r);
        selectedWeight += r.getBoolean(3) ? 0.0 : r.getDouble(2);
      }
    }
    // The same objective over the chosen rows alone, standardized as over all rows; its data
    // part divides by the weight of all rows, the batch's by that of the chosen ones.
    MlpObjective reference = MlpObjective.local(pack(selected, 0.004, false), LOSS, net, all,
        true, 0.0);
    MlpObjective penaltyOnly = MlpObjective.local(List.of(), LOSS, net, all, true, reg);
    double[] x = net.initialParams(4, -0.2);
    double[] g = new double[x.length];
    double[] gr = new double[x.length];
    double[] gp = new double[x.length];
    double f = batched.evaluate(x, g);
    double scale = all.weightSum() / selectedWeight;
    double fr = reference.evaluate(x, gr) * scale + penaltyOnly.evaluate(x, gp);
    assertEquals(fr, f, 1e-12 * Math.abs(fr));
    for (int j = 0; j < x.length; j++) {
      double expected = gr[j] * scale + gp[j];
      assertEquals(expected, g[j], 1e-12 * (1 + Math.abs(expected)), "parameter " + j);
    }
    // Validation rows are all scored in every batch.
    assertEquals(reference.validationLoss(x), batched.validationLoss(x), 1e-12);
    // Step −1: all rows again; fraction 1: every step is the full pass, bit for bit.
    batched.useBatch(-1);
    MlpObjective full = MlpObjective.local(blocks, LOSS, net, all, true, reg);
    MlpObjective one = MlpObjective.local(blocks, LOSS, net, all, true, reg)
        .withMiniBatches(1.0, SEED);
    one.useBatch(t);
    double[] g1 = new double[x.length];
    double[] g2 = new double[x.length];
    double[] g3 = new double[x.length];
    double f1 = full.evaluate(x, g1);
    assertEquals(f1, one.evaluate(x, g2), 0.0);
    assertEquals(f1, batched.evaluate(x, g3), 0.0);
    assertArrayEquals(g1, g2, 0.0);
    assertArrayEquals(g1, g3, 0.0);
  }
}
