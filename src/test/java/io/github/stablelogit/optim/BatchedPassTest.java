package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockAggregator#addToEach}, the gradient passes of M = 1..7 models over a block at once
 * (the passes of a {@link LockstepPasses} round), against each model's own pass ({@link
 * BlockAggregator#add}) over the blocks it trains on, with rows of several folds: bit for bit, for
 * dense blocks (double and float storage) and CSR blocks in every encoding; a model's sums do not
 * depend on which other models share the batch, nor on how the blocks are grouped into tasks
 * (aggregators over parts of the blocks, merged).
 */
class BatchedPassTest {

  private static final int K = 3;

  /** n rows in K folds: dense Gaussian, sparse binary (one-hot like) or sparse Gaussian. */
  private static List<InstanceBlock> blocks(String kind, int n, int d, boolean single) {
    SplittableRandom r = new SplittableRandom(kind.hashCode());
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        if (kind.equals("dense")) {
          x[j] = r.nextGaussian() * (1 + j % 5) + (j % 3 == 0 ? 2.0 : 0.0);
        } else if (r.nextInt(d) < 8) {
          x[j] = kind.equals("binary") ? 1.0 : r.nextGaussian() * 3;
        }
      }
      Vector v = Vectors.dense(x);
      rows.add(RowFactory.create(kind.equals("dense") ? v : v.toSparse(),
          r.nextDouble() < 0.3 ? 1.0 : 0.0, 0.5 + r.nextDouble(), r.nextInt(K)));
    }
    List<InstanceBlock> out = new ArrayList<>();
    new BlockPacker("features", "label", "weight", 0.1, false, single).withFolds(K)
        .pack(0, rows.iterator()).forEachRemaining(out::add);
    return out;
  }

  /** Model m: excluded fold m mod (K + 1) − 1 (−1: all rows), its own loss and coefficients. */
  private static BlockAggregator model(int m, int d) {
    SplittableRandom r = new SplittableRandom(100 + m);
    double[] beta = new double[d];
    for (int j = 0; j < d; j++) {
      beta[j] = r.nextGaussian() * 0.3;
    }
    LogitLoss loss = m % 3 == 2 ? LogitLoss.focal(2.0, 0.25, 1.5, 0.0)
        : LogitLoss.bce(1.0 + m, 0.0);
    return new BlockAggregator(loss, new InlineBroadcast<>(
        new BlockAggregator.Coefficients(beta, r.nextGaussian())), d, 0.1 * m);
  }

  private static int excluded(int m) {
    return m % (K + 1) - 1;
  }

  /** Models [0, count) over blocks [from, to), each block added by one batch. */
  private static BlockAggregator[] batch(List<InstanceBlock> blocks, int from, int to, int d,
      int count, int only) {
    BlockAggregator[] models = new BlockAggregator[count];
    for (int m = 0; m < count; m++) {
      models[m] = model(m, d);
    }
    BlockAggregator[] requesting = new BlockAggregator[count];
    for (InstanceBlock b : blocks.subList(from, to)) {
      int c = 0;
      for (int m = 0; m < count; m++) {
        if (b.fold() != excluded(m) && (only < 0 || m == only)) {
          requesting[c++] = models[m];
        }
      }
      BlockAggregator.addToEach(b, requesting, c);
    }
    return models;
  }

  /** Every sum of a pass: Xᵀdz, Σdz, loss, validation loss, predicted positive weight. */
  static double[] sums(BlockAggregator a) {
    double[] g = a.gradientSum();
    double[] out = java.util.Arrays.copyOf(g, g.length + 3);
    out[g.length] = a.lossSum();
    out[g.length + 1] = a.validationLossSum();
    out[g.length + 2] = a.predictedPositiveWeight();
    return out;
  }

  static void assertSameBits(double[] expected, double[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(actual[i]),
          what + " sum " + i + ": " + expected[i] + " vs " + actual[i]);
    }
  }

  private static void check(List<InstanceBlock> blocks, String what) {
    int d = blocks.get(0).numFeatures();
    assertTrue(blocks.size() >= 2 * K, what + ": " + blocks.size() + " blocks");
    for (int count = 1; count <= 7; count++) {
      BlockAggregator[] together = batch(blocks, 0, blocks.size(), d, count, -1);
      for (int m = 0; m < count; m++) {
        String name = what + ", model " + m + " of " + count;
        BlockAggregator own = model(m, d);
        for (InstanceBlock b : blocks) {
          if (b.fold() != excluded(m)) {
            own.add(b);
          }
        }
        double[] expected = sums(own);
        double[] actual = sums(together[m]);
        assertSameBits(expected, actual, name);
        // Alone in its batch: the same bits as with the others.
        assertSameBits(actual, sums(batch(blocks, 0, blocks.size(), d, count, m)[m]),
            name + " alone");
      }
      // Blocks grouped into two tasks, merged: the same bits, wherever the cut.
      for (int cut : new int[] {1, blocks.size() / 3, blocks.size() - 1}) {
        BlockAggregator[] left = batch(blocks, 0, cut, d, count, -1);
        BlockAggregator[] right = batch(blocks, cut, blocks.size(), d, count, -1);
        for (int m = 0; m < count; m++) {
          assertSameBits(sums(together[m]), sums(right[m].merge(left[m])),
              what + ", model " + m + " of " + count + ", tasks cut at block " + cut);
        }
      }
    }
  }

  @Test
  void denseBatchesAreBitIdenticalToEachModelsPass() {
    check(blocks("dense", 6000, 13, false), "dense");
    check(blocks("dense", 6000, 13, true), "dense float");
  }

  @Test
  void csrBatchesAreBitIdenticalToEachModelsPassInEveryEncoding() {
    for (CsrRows.Encoding e : CsrRows.Encoding.values()) {
      BlockBuilder.forcedEncoding = e;
      List<InstanceBlock> blocks;
      try {
        blocks = blocks("binary", 6000, 300, false);
      } finally {
        BlockBuilder.forcedEncoding = null;
      }
      assertEquals(e, blocks.get(0).csrEncoding());
      check(blocks, "binary " + e);
    }
    List<InstanceBlock> valued = blocks("valued", 6000, 300, false);
    assertEquals(CsrRows.Encoding.CHAR_DOUBLE, valued.get(0).csrEncoding());
    check(valued, "valued");
  }
}
