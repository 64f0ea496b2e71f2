package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Packing and the chunked evaluation pass against a plain double reference computed row by row
 * from the input vectors: dense, CSR and mixed partitions (which switch a block's representation),
 * in double and float storage, with blocks larger than one chunk.
 */
class ChunkedBlockTest {

  /** Rows: "dense" vectors, "sparse" (5% non-zeros) or "mixed" (runs of each). */
  private static List<Row> rows(String kind, int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean sparse = kind.equals("sparse") || (kind.equals("mixed") && (i / 700) % 2 == 0);
      Vector v;
      if (sparse) {
        List<Integer> idx = new ArrayList<>();
        List<Double> val = new ArrayList<>();
        for (int j = 0; j < d; j++) {
          if (r.nextDouble() < 0.05) {
            idx.add(j);
            val.add(r.nextGaussian() * 3);
          }
        }
        v = Vectors.sparse(d, idx.stream().mapToInt(Integer::intValue).toArray(),
            val.stream().mapToDouble(Double::doubleValue).toArray());
      } else {
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
          x[j] = r.nextDouble() < 0.1 ? 0.0 : r.nextGaussian() * 3 + 1;
        }
        v = Vectors.dense(x);
      }
      out.add(RowFactory.create(v, r.nextDouble() < 0.3 ? 1.0 : 0.0, 0.5 + r.nextDouble()));
    }
    return out;
  }

  private static List<InstanceBlock> pack(List<Row> rows, double mb, boolean single) {
    Iterator<InstanceBlock> it = new BlockPacker("features", "label", "weight", mb, false, single)
        .pack(0, rows.iterator());
    List<InstanceBlock> blocks = new ArrayList<>();
    it.forEachRemaining(blocks::add);
    return blocks;
  }

  /**
   * The input row of each stored row, over all blocks: blocks take consecutive rows; a CSR block
   * stores its rows by number of non-zeros, rows of equal count in their order ({@link
   * CsrRows#byLength}), a dense block in their order.
   */
  private static int[] inputRows(List<Row> rows, List<InstanceBlock> blocks) {
    int[] of = new int[rows.size()];
    int base = 0;
    for (InstanceBlock b : blocks) {
      int at = base;
      Comparator<Integer> order = Comparator.comparingInt(
          (Integer i) -> b.isSparse() ? ((Vector) rows.get(at + i).get(0)).numNonzeros() : 0);
      int[] stored = IntStream.range(0, b.numRows()).boxed()
          .sorted(order.thenComparingInt(i -> i)).mapToInt(Integer::intValue).toArray();
      for (int i = 0; i < stored.length; i++) {
        of[at + i] = at + stored[i];
      }
      base += b.numRows();
    }
    return of;
  }

  @ParameterizedTest
  @CsvSource({"dense, false", "dense, true", "sparse, false", "sparse, true", "mixed, false",
      "mixed, true"})
  void chunkedPassMatchesRowByRowReference(String kind, boolean single) {
    int n = 20_000;
    int d = 70;
    List<Row> rows = rows(kind, n, d, 5);
    List<InstanceBlock> blocks = pack(rows, 0.4, single);
    assertTrue(blocks.size() >= 3, "blocks: " + blocks.size());
    SplittableRandom r = new SplittableRandom(9);
    double[] beta = new double[d];
    for (int j = 0; j < d; j++) {
      beta[j] = r.nextGaussian() * 0.2;
    }
    double offset = -0.3;

    // The kernel: dz = w·(tanh(z) − y), a deterministic function of margin, label and weight.
    double[] gradient = new double[d];
    double[] margins = new double[n];
    int[] inputRow = inputRows(rows, blocks);
    int[] at = {0};
    int maxChunks = 0;
    for (InstanceBlock b : blocks) {
      assertEquals(single, b.isFloat());
      int base = at[0];
      int[] chunks = {0};
      b.forEachChunk(InstanceBlock.blas(), beta, offset, (from, len, z) -> {
        chunks[0]++;
        for (int i = 0; i < len; i++) {
          margins[inputRow[base + from + i]] = z[i];
          z[i] = b.weights()[from + i] * (Math.tanh(z[i]) - b.labels()[from + i]);
        }
      }, gradient, new InstanceBlock.Workspace());
      at[0] += b.numRows();
      maxChunks = Math.max(maxChunks, chunks[0]);
    }
    assertEquals(n, at[0]);
    assertTrue(maxChunks >= 2, "no block spans several chunks");

    double[] refGradient = new double[d];
    double[] gradientScale = new double[d];
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      double[] x = ((Vector) row.get(0)).toArray();
      double z = offset;
      double scale = Math.abs(offset);
      for (int j = 0; j < d; j++) {
        double xj = single ? (float) x[j] : x[j];
        z += xj * beta[j];
        scale += Math.abs(xj * beta[j]);
      }
      // Float blocks: double arithmetic on the rounded values, as in the reference.
      double tol = 1e-13 * scale;
      assertEquals(z, margins[i], tol, "margin of row " + i);
      double dz = row.getDouble(2) * (Math.tanh(margins[i]) - row.getDouble(1));
      for (int j = 0; j < d; j++) {
        double xj = single ? (float) x[j] : x[j];
        refGradient[j] += xj * dz;
        gradientScale[j] += Math.abs(xj * dz);
      }
    }
    for (int j = 0; j < d; j++) {
      double tol = 1e-12 * gradientScale[j];
      assertEquals(refGradient[j], gradient[j], tol, "gradient " + j);
    }
  }

  @ParameterizedTest
  @CsvSource({"dense", "sparse", "mixed"})
  void packingKeepsEachRowWithItsLabelAndWeightAndIsDeterministic(String kind) {
    List<Row> rows = rows(kind, 4000, 40, 8);
    List<InstanceBlock> a = pack(rows, 0.2, false);
    List<InstanceBlock> b = pack(rows, 0.2, false);
    int[] inputRow = inputRows(rows, a);
    if (!kind.equals("dense")) {
      assertFalse(Arrays.equals(IntStream.range(0, 4000).toArray(), inputRow),
          "CSR blocks of rows with varying non-zeros store them in another order");
    }
    double[] labels = a.stream().flatMapToDouble(x -> Arrays.stream(x.labels())).toArray();
    double[] weights = a.stream().flatMapToDouble(x -> Arrays.stream(x.weights())).toArray();
    for (int i = 0; i < 4000; i++) {
      assertEquals(rows.get(inputRow[i]).getDouble(1), labels[i], 0.0, "label " + i);
      assertEquals(rows.get(inputRow[i]).getDouble(2), weights[i], 0.0, "weight " + i);
    }
    for (int k = 0; k < a.size(); k++) {
      assertArrayEquals(a.get(k).labels(), b.get(k).labels());
    }
    double[] beta = new double[40];
    Arrays.fill(beta, 0.1);
    for (int k = 0; k < a.size(); k++) {
      double[] ma = new double[a.get(k).numRows()];
      double[] mb = new double[ma.length];
      a.get(k).margins(InstanceBlock.blas(), beta, 0.5, ma);
      b.get(k).margins(InstanceBlock.blas(), beta, 0.5, mb);
      assertArrayEquals(ma, mb);
      assertTrue(a.get(k).sizeInBytes() <= 0.2 * 1024 * 1024 + 16L * 41 * 8 + 40 * 8,
          "block " + k + " has " + a.get(k).sizeInBytes() + " bytes");
    }
    if (kind.equals("mixed")) {
      assertTrue(a.stream().anyMatch(InstanceBlock::isSparse)
          && a.stream().anyMatch(x -> !x.isSparse()), "mixed data should give both kinds");
    }
  }
}
