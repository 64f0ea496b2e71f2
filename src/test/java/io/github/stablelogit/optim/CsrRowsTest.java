package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * The CSR encodings of {@link CsrRows}: every encoding gives back the rows it was given, refuses
 * rows it cannot hold exactly, and computes bit for bit the same margins and gradients as every
 * other; the packer picks the smallest encoding that holds a block (and CSR over dense when that
 * encoding is smaller), and {@link InstanceBlock#sizeInBytes} is the bytes of its arrays.
 */
class CsrRowsTest {

  /** Rows in CSR arrays: row pointers, column indices, values. */
  private record Csr(int[] ptr, int[] idx, double[] val) {}

  /** n rows of about nnz distinct columns in [0, d) each, valued by {@code value}. */
  private static Csr random(int n, int d, int nnz, long seed, boolean binary) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] ptr = new int[n + 1];
    List<Integer> idx = new ArrayList<>();
    List<Double> val = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TreeMap<Integer, Double> row = new TreeMap<>();
      int k = r.nextInt(2 * nnz + 1);
      while (row.size() < k) {
        // Low columns more often, as in one-hot data, and the highest column now and then.
        int j = r.nextInt(4) == 0 ? d - 1 - r.nextInt(Math.min(d, 3)) : r.nextInt(Math.min(d, 50));
        row.put(j, binary ? 1.0 : r.nextGaussian() * 3);
      }
      row.forEach((j, v) -> {
        idx.add(j);
        val.add(v);
      });
      ptr[i + 1] = idx.size();
    }
    return new Csr(ptr, idx.stream().mapToInt(Integer::intValue).toArray(),
        val.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static double[] gaussian(int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] x = new double[d];
    for (int j = 0; j < d; j++) {
      x[j] = r.nextGaussian();
    }
    return x;
  }

  @Test
  void everyEncodingRoundTripsAndComputesTheSameBits() {
    int n = 500;
    int d = 300;
    Csr binary = random(n, d, 8, 1, true);
    double[] beta = gaussian(d, 2);
    double[] dz = gaussian(n, 3);
    dz[7] = 0.0;
    double[] refZ = null;
    double[] refG = null;
    for (CsrRows.Encoding e : CsrRows.Encoding.values()) {
      CsrRows rows = CsrRows.encode(binary.ptr().clone(), binary.idx().clone(),
          binary.val().clone(), e);
      assertEquals(e, rows.encoding());
      assertEquals(binary.idx().length, rows.nnz());
      assertArrayEquals(binary.ptr(), rows.rowPtr());
      for (int k = 0; k < rows.nnz(); k++) {
        assertEquals(binary.idx()[k], rows.column(k), e + " column " + k);
        assertEquals(binary.val()[k], rows.value(k), 0.0, e + " value " + k);
      }
      assertEquals(4L * (n + 1) + (long) (e.indexBytes + e.valueBytes) * rows.nnz(),
          rows.sizeInBytes());
      double[] z = new double[n];
      double[] g = new double[d];
      // Two ranges of rows, as two chunks of a pass.
      rows.margins(beta, 0.25, 0, 200, z);
      double[] tail = new double[n - 200];
      rows.margins(beta, 0.25, 200, n, tail);
      System.arraycopy(tail, 0, z, 200, tail.length);
      rows.addTransposed(dz, 0, 200, g);
      rows.addTransposed(Arrays.copyOfRange(dz, 200, n), 200, n, g);
      if (refZ == null) {
        refZ = z;
        refG = g;
        // The reference is exact to the loops' order: z_i = (Σ_k v_k β_k) + offset.
        for (int i = 0; i < n; i++) {
          double s = 0.0;
          for (int k = binary.ptr()[i]; k < binary.ptr()[i + 1]; k++) {
            s += binary.val()[k] * beta[binary.idx()[k]];
          }
          assertEquals(s + 0.25, z[i], 0.0, "margin " + i);
        }
      } else {
        assertArrayEquals(refZ, z, 0.0, e + " margins");
        assertArrayEquals(refG, g, 0.0, e + " gradient");
      }
    }
  }

  @Test
  void encodingsRefuseWhatTheyCannotHold() {
    Csr values = random(50, 300, 5, 4, false);
    for (CsrRows.Encoding e : List.of(CsrRows.Encoding.CHAR_ONES, CsrRows.Encoding.INT_ONES)) {
      assertThrows(IllegalArgumentException.class,
          () -> CsrRows.encode(values.ptr(), values.idx(), values.val(), e));
    }
    // Values rounded to float fit the float encodings; one more bit of precision does not.
    assertThrows(IllegalArgumentException.class, () -> CsrRows.encode(values.ptr(),
        values.idx(), values.val(), CsrRows.Encoding.INT_FLOAT));
    double[] rounded = values.val().clone();
    for (int k = 0; k < rounded.length; k++) {
      rounded[k] = (float) rounded[k];
    }
    CsrRows.encode(values.ptr(), values.idx(), rounded, CsrRows.Encoding.CHAR_FLOAT);
    rounded[3] = 1.0 + 0x1p-40;
    assertThrows(IllegalArgumentException.class,
        () -> CsrRows.encode(values.ptr(), values.idx(), rounded, CsrRows.Encoding.CHAR_FLOAT));
    Csr wide = random(50, 70_000, 5, 5, true);
    assertTrue(Arrays.stream(wide.idx()).max().getAsInt() > CsrRows.MAX_CHAR_COLUMN);
    assertThrows(IllegalArgumentException.class,
        () -> CsrRows.encode(wide.ptr(), wide.idx(), wide.val(), CsrRows.Encoding.CHAR_DOUBLE));
  }

  private static List<InstanceBlock> pack(Csr csr, int d, boolean single) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i + 1 < csr.ptr().length; i++) {
      int a = csr.ptr()[i];
      int b = csr.ptr()[i + 1];
      rows.add(RowFactory.create(Vectors.sparse(d, Arrays.copyOfRange(csr.idx(), a, b),
          Arrays.copyOfRange(csr.val(), a, b)), (double) (i % 2), 1.0 + i % 3));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    new BlockPacker("features", "label", "weight", 64.0, false, single)
        .pack(0, rows.iterator()).forEachRemaining(blocks::add);
    return blocks;
  }

  /** The rows by their number of non-zeros, rows of equal length in their order. */
  private static int[] lengthOrder(Csr csr) {
    int n = csr.ptr().length - 1;
    return java.util.stream.IntStream.range(0, n).boxed()
        .sorted(java.util.Comparator.comparingInt((Integer i) -> csr.ptr()[i + 1] - csr.ptr()[i])
            .thenComparingInt(i -> i))
        .mapToInt(Integer::intValue).toArray();
  }

  /** The rows as a CSR block stores them: {@link #lengthOrder}. */
  private static Csr byLength(Csr csr) {
    int[] order = lengthOrder(csr);
    int[] ptr = new int[order.length + 1];
    List<Integer> idx = new ArrayList<>();
    List<Double> val = new ArrayList<>();
    for (int i = 0; i < order.length; i++) {
      for (int k = csr.ptr()[order[i]]; k < csr.ptr()[order[i] + 1]; k++) {
        idx.add(csr.idx()[k]);
        val.add(csr.val()[k]);
      }
      ptr[i + 1] = idx.size();
    }
    return new Csr(ptr, idx.stream().mapToInt(Integer::intValue).toArray(),
        val.stream().mapToDouble(Double::doubleValue).toArray());
  }

  @Test
  void aCsrBlockStoresItsRowsByLengthWithTheirLabelsAndWeightsAndUnchangedStatistics() {
    // 400 rows of 0 to 12 non-zeros among 300 columns.
    Csr input = random(400, 300, 6, 12, false);
    int[] order = lengthOrder(input);
    assertFalse(Arrays.equals(order, java.util.stream.IntStream.range(0, 400).toArray()),
        "the rows must come in another order than by length");
    InstanceBlock b = pack(input, 300, false).get(0);
    assertTrue(b.isSparse());
    Csr back = readBack(b);
    for (int i = 0; i < 400; i++) {
      int r = order[i];
      assertEquals(input.ptr()[r + 1] - input.ptr()[r], back.ptr()[i + 1] - back.ptr()[i]);
      assertArrayEquals(Arrays.copyOfRange(input.idx(), input.ptr()[r], input.ptr()[r + 1]),
          Arrays.copyOfRange(back.idx(), back.ptr()[i], back.ptr()[i + 1]), "row " + r);
      assertArrayEquals(Arrays.copyOfRange(input.val(), input.ptr()[r], input.ptr()[r + 1]),
          Arrays.copyOfRange(back.val(), back.ptr()[i], back.ptr()[i + 1]), 0.0, "row " + r);
      // pack() labels row r with r % 2 and weighs it 1 + r % 3.
      assertEquals(r % 2, b.labels()[i], 0.0, "label of row " + r);
      assertEquals(1 + r % 3, b.weights()[i], 0.0, "weight of row " + r);
    }
    // The statistics are those of the rows in the order they came, bit for bit.
    double[] w = new double[400];
    double wSum = 0;
    double w2Sum = 0;
    for (int r = 0; r < 400; r++) {
      w[r] = 1 + r % 3;
      wSum += w[r];
      w2Sum += w[r] * w[r];
    }
    double[] mean = new double[300];
    double[] m2 = new double[300];
    BlockMoments.sparse(input.ptr(), input.idx(), input.val(), 400, w, wSum, mean, m2, false);
    DataSummary expected = new DataSummary();
    expected.setNumFeatures(300);
    expected.setRows(400, wSum, w2Sum, 0, mean, m2);
    assertEquals(wSum, b.summary().weightSum(), 0.0);
    assertArrayEquals(expected.mean(), b.summary().mean(), 0.0);
    assertArrayEquals(expected.std(), b.summary().std(), 0.0);
    // Lengths already in order (and all equal, as one-hot rows) keep the rows where they are.
    assertEquals(null, CsrRows.byLength(new int[] {0, 2, 4, 6, 9}, 4));
    assertArrayEquals(new int[] {1, 3, 0, 2}, CsrRows.byLength(new int[] {0, 2, 3, 5, 6}, 4));
  }

  /** The block's rows read back from its accessors. */
  private static Csr readBack(InstanceBlock b) {
    int[] ptr = b.rowPtr().clone();
    int nnz = ptr[ptr.length - 1];
    int[] idx = new int[nnz];
    double[] val = new double[nnz];
    for (int k = 0; k < nnz; k++) {
      idx[k] = b.csrColumn(k);
      val[k] = b.csrValue(k);
    }
    return new Csr(ptr, idx, val);
  }

  private static void assertSmallest(Csr input, int d, boolean single,
      CsrRows.Encoding expected) {
    List<InstanceBlock> blocks = pack(input, d, single);
    assertEquals(1, blocks.size());
    InstanceBlock b = blocks.get(0);
    assertTrue(b.isSparse());
    assertEquals(expected, b.csrEncoding());
    Csr back = readBack(b);
    Csr stored = byLength(input);
    assertArrayEquals(stored.ptr(), back.ptr());
    assertArrayEquals(stored.idx(), back.idx());
    assertArrayEquals(stored.val(), back.val(), 0.0);
    int n = b.numRows();
    assertEquals(4L * (n + 1) + (long) (expected.indexBytes + expected.valueBytes)
        * input.idx().length + 16L * n, b.sizeInBytes());
    for (CsrRows.Encoding e : CsrRows.Encoding.values()) {
      try {
        CsrRows other = CsrRows.encode(back.ptr(), back.idx(), back.val(), e);
        assertTrue(other.sizeInBytes() + 16L * n >= b.sizeInBytes(), e + " is smaller");
      } catch (IllegalArgumentException cannotHold) {
        assertFalse(e == expected);
      }
    }
  }

  @Test
  void thePackerPicksTheSmallestEncoding() {
    Csr binary = random(400, 300, 6, 6, true);
    assertSmallest(binary, 300, false, CsrRows.Encoding.CHAR_ONES);
    assertSmallest(binary, 300, true, CsrRows.Encoding.CHAR_ONES);
    // Columns up to 65535 fit 16 bits; one more does not.
    assertSmallest(random(400, 65_536, 6, 7, true), 65_536, false, CsrRows.Encoding.CHAR_ONES);
    assertSmallest(random(400, 65_537, 6, 7, true), 65_537, false, CsrRows.Encoding.INT_ONES);
    Csr values = random(400, 300, 6, 8, false);
    assertSmallest(values, 300, false, CsrRows.Encoding.CHAR_DOUBLE);
    // Packed in single precision the values are rounded first: floats. Counts are floats too.
    List<InstanceBlock> single = pack(values, 300, true);
    assertEquals(CsrRows.Encoding.CHAR_FLOAT, single.get(0).csrEncoding());
    double[] counts = values.val().clone();
    for (int k = 0; k < counts.length; k++) {
      counts[k] = 1 + k % 5;
    }
    assertSmallest(new Csr(values.ptr(), values.idx(), counts), 300, false,
        CsrRows.Encoding.CHAR_FLOAT);
    assertSmallest(random(400, 90_000, 6, 9, false), 90_000, false,
        CsrRows.Encoding.INT_DOUBLE);
  }

  @Test
  void binaryRowsDenseEnoughForADenseBlockStayCsrWhenImpliedOnesAreSmaller() {
    // 90 % of 40 columns set: 36 non-zeros a row, 8·40 = 320 bytes dense against 12·36 + 4 = 436
    // as CSR with int indices and double values, but 2·36 + 4 = 76 with char indices and no
    // values.
    int n = 300;
    int d = 40;
    SplittableRandom r = new SplittableRandom(10);
    int[] ptr = new int[n + 1];
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        if (r.nextDouble() < 0.9) {
          idx.add(j);
        }
      }
      ptr[i + 1] = idx.size();
    }
    double[] ones = new double[idx.size()];
    Arrays.fill(ones, 1.0);
    assertSmallest(new Csr(ptr, idx.stream().mapToInt(Integer::intValue).toArray(), ones), d,
        false, CsrRows.Encoding.CHAR_ONES);
    // The same rows valued 0.1 (a double, not a float) are dense: 320 bytes against 10·36 + 4.
    double[] twos = new double[idx.size()];
    Arrays.fill(twos, 0.1);
    List<InstanceBlock> dense = pack(new Csr(ptr, idx.stream().mapToInt(Integer::intValue)
        .toArray(), twos), d, false);
    assertFalse(dense.get(0).isSparse());
    // Counts (floats, not all 1.0) are CSR too: 6·36 + 4 bytes against 320; a single value that is
    // not a float, in the last row, makes the block dense.
    int[] cols = idx.stream().mapToInt(Integer::intValue).toArray();
    double[] counts = new double[cols.length];
    for (int k = 0; k < counts.length; k++) {
      counts[k] = 1 + k % 5;
    }
    assertSmallest(new Csr(ptr, cols, counts), d, false, CsrRows.Encoding.CHAR_FLOAT);
    counts[counts.length - 1] = 0.1;
    assertFalse(pack(new Csr(ptr, cols, counts), d, false).get(0).isSparse());
    double[] lastNotOne = ones.clone();
    lastNotOne[lastNotOne.length - 1] = 0.1;
    assertFalse(pack(new Csr(ptr, cols, lastNotOne), d, false).get(0).isSparse());
  }

  @Test
  void theSummaryCountsAHessianPassByTheValuesItsRowsStore() {
    // 300 rows of 6 to 11 non-zeros among 300 columns: CSR, the Gram work Σ (nnz_i + 1)².
    Csr sparse = random(300, 300, 6, 11, false);
    InstanceBlock csr = pack(sparse, 300, false).get(0);
    assertTrue(csr.isSparse());
    double expected = 0;
    for (int i = 0; i < 300; i++) {
      double v = sparse.ptr()[i + 1] - sparse.ptr()[i] + 1;
      expected += v * v;
    }
    assertEquals(expected, csr.summary().hessianWork(), 0.0);
    // 300 full rows of 8 doubles are stored dense: every row costs (d + 1)².
    int[] ptr = new int[301];
    List<Integer> idx = new ArrayList<>();
    List<Double> val = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      for (int j = 0; j < 8; j++) {
        idx.add(j);
        val.add(0.1 * (i % 7) + j / 3.0);
      }
      ptr[i + 1] = idx.size();
    }
    InstanceBlock dense = pack(new Csr(ptr, idx.stream().mapToInt(Integer::intValue).toArray(),
        val.stream().mapToDouble(Double::doubleValue).toArray()), 8, false).get(0);
    assertFalse(dense.isSparse());
    assertEquals(300 * 81.0, dense.summary().hessianWork(), 0.0);
    // Merged summaries add their work.
    assertEquals(expected + 300 * 81.0,
        new DataSummary().merge(csr.summary()).merge(dense.summary()).hessianWork(), 0.0);
  }

  @Test
  void binaryRowsGetTheMomentsOfTheGeneralLoopBitForBit() {
    // Binary rows with weights that are not 1 (the products w·1.0 the ones loop leaves out), zero
    // weights (validation rows), a column every row stores (σ = 0: mean 1, M2 0), one stored by
    // zero-weight rows only, and columns no row stores.
    int n = 500;
    int d = 300;
    Csr binary = random(n, d, 7, 13, true);
    int[] ptr = new int[n + 1];
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      idx.add(0);
      for (int k = binary.ptr()[i]; k < binary.ptr()[i + 1]; k++) {
        if (binary.idx()[k] > 1) {
          idx.add(binary.idx()[k]);
        }
      }
      ptr[i + 1] = idx.size();
    }
    SplittableRandom r = new SplittableRandom(14);
    double[] w = new double[n];
    double wSum = 0;
    for (int i = 0; i < n; i++) {
      w[i] = i % 9 == 0 ? 0.0 : 0.1 + 3 * r.nextDouble();
      wSum += w[i];
    }
    // Column 1 only in rows of weight 0.
    List<Integer> withOne = new ArrayList<>();
    int[] ptr1 = new int[n + 1];
    for (int i = 0; i < n; i++) {
      withOne.addAll(idx.subList(ptr[i], ptr[i] + 1));
      if (w[i] == 0.0) {
        withOne.add(1);
      }
      withOne.addAll(idx.subList(ptr[i] + 1, ptr[i + 1]));
      ptr1[i + 1] = withOne.size();
    }
    int[] cols = withOne.stream().mapToInt(Integer::intValue).toArray();
    double[] ones = new double[cols.length];
    Arrays.fill(ones, 1.0);
    double[] mean = new double[d];
    double[] m2 = new double[d];
    BlockMoments.sparse(ptr1, cols, ones, n, w, wSum, mean, m2, false);
    double[] fastMean = new double[d];
    double[] fastM2 = new double[d];
    BlockMoments.sparse(ptr1, cols, ones, n, w, wSum, fastMean, fastM2, true);
    assertArrayEquals(mean, fastMean, 0.0);
    assertArrayEquals(m2, fastM2, 0.0);
    assertEquals(1.0, fastMean[0], 0.0);
    assertEquals(0.0, fastM2[0], 0.0);
    assertEquals(0.0, fastMean[1], 0.0);
    assertTrue(fastM2[2] > 0.0 && fastMean[2] > 0.0 && fastMean[2] < 1.0);
    // The packer takes that loop for binary rows: its statistics are these.
    InstanceBlock b = pack(new Csr(ptr1, cols, ones), d, false).get(0);
    assertEquals(CsrRows.Encoding.CHAR_ONES, b.csrEncoding());
    // pack() weighs row i 1 + i % 3.
    double[] packW = new double[n];
    double packWSum = 0;
    double packW2Sum = 0;
    for (int i = 0; i < n; i++) {
      packW[i] = 1 + i % 3;
      packWSum += packW[i];
      packW2Sum += packW[i] * packW[i];
    }
    double[] packedMean = new double[d];
    double[] packedM2 = new double[d];
    BlockMoments.sparse(ptr1, cols, ones, n, packW, packWSum, packedMean, packedM2, false);
    DataSummary expected = new DataSummary();
    expected.setNumFeatures(d);
    expected.setRows(n, packWSum, packW2Sum, 0, packedMean, packedM2);
    assertArrayEquals(expected.mean(), b.summary().mean(), 0.0);
    assertArrayEquals(expected.std(), b.summary().std(), 0.0);
  }

  @Test
  void everyEncodingSurvivesJavaSerialization() throws Exception {
    Csr binary = random(300, 300, 6, 11, true);
    List<InstanceBlock> blocks = pack(binary, 300, false);
    double[] beta = gaussian(300, 12);
    for (CsrRows.Encoding e : CsrRows.Encoding.values()) {
      BlockBuilder.forcedEncoding = e;
      InstanceBlock b;
      try {
        b = pack(binary, 300, false).get(0);
      } finally {
        BlockBuilder.forcedEncoding = null;
      }
      assertEquals(e, b.csrEncoding());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(b);
      }
      InstanceBlock copy;
      try (ObjectInputStream in = new ObjectInputStream(
          new ByteArrayInputStream(bytes.toByteArray()))) {
        copy = (InstanceBlock) in.readObject();
      }
      assertEquals(e, copy.csrEncoding());
      assertEquals(b.sizeInBytes(), copy.sizeInBytes());
      Csr back = readBack(copy);
      assertArrayEquals(byLength(binary).idx(), back.idx());
      assertArrayEquals(byLength(binary).val(), back.val(), 0.0);
      double[] m = new double[copy.numRows()];
      double[] ref = new double[m.length];
      copy.margins(InstanceBlock.blas(), beta, 0.0, m);
      blocks.get(0).margins(InstanceBlock.blas(), beta, 0.0, ref);
      assertArrayEquals(ref, m, 0.0);
    }
  }
}
