package io.github.stablelogit.optim;

import java.util.Arrays;

/**
 * Assembles the accepted rows of one partition into {@link InstanceBlock}s, one block at a time:
 * owns the buffers of the block being filled and its representation (dense rows written once,
 * straight into the array the block will hold, sized for a full block; CSR rows into growable
 * buffers; at most one switch to the other representation when it becomes cheaper), its size
 * against the limit, and, when the block is closed, the choice of its final representation (dense
 * or CSR, whichever is smaller with the CSR encoding {@link CsrRows#smallest} would pick, known
 * without a pass over the block: the largest column and the kind of values are kept as rows are
 * appended; double or float values) and the statistics of its rows, computed from the buffers
 * while they are hot in cache (the column moments by {@link BlockMoments}, by its shorter loop
 * when every value is 1.0); the block's arrays are then copied out once, in their final order
 * and encoding ({@link CsrRows#gather}). Where a block ends is decided with CSR counted at 4-byte
 * indices and stored values, whatever its final encoding, so it depends only on the rows. A CSR
 * block stores its rows by number of non-zeros ({@link CsrRows#byLength}), each with its label and
 * weights; its statistics are those of the rows in the order they came.
 *
 * <p>Rows arrive already decoded and validated ({@link BlockPacker}); nothing here rejects a row.
 * One builder per partition, not thread-safe, never serialized.
 */
final class BlockBuilder {

  private final long maxBlockBytes;
  private final boolean singlePrecision;
  private final int valueBytes;
  /** The size of every row's features vector, or −1 until the first row with a usable size. */
  private int numFeatures = -1;

  // The block being filled: dense rows go to denseD/denseF (capacity denseCap rows), CSR rows to
  // rowPtr/colIdx/vals. nnz counts non-zeros in both modes.
  private boolean denseMode;
  private int denseCap;
  private double[] denseD;
  private float[] denseF;
  private int n;
  private int nnz;
  private int[] rowPtr = new int[64];
  private int[] colIdx = new int[1024];
  private double[] vals = new double[1024];
  private double[] labels = new double[64];
  private double[] weights = new double[64];
  private double[] validation = new double[64];
  private int validationCount;
  private double[] widened = new double[0];
  // What the CSR buffers hold, kept as rows are appended (CSR mode only), so that choosing the
  // encoding needs no pass over them: the largest column, whether every stored value is 1.0, and
  // whether every one is a float.
  private int csrMaxColumn;
  private boolean csrOnes;
  private boolean csrFloats;

  /**
   * For tests: the encoding of every CSR block (it must represent the block exactly), or null for
   * the smallest. Only the storage changes: where blocks end, which are CSR and every bit computed
   * from them stay the same.
   */
  static volatile CsrRows.Encoding forcedEncoding;

  /**
   * @param maxBlockBytes the size limit of a block, in bytes (&gt; 0)
   * @param singlePrecision whether feature values are stored as float
   */
  BlockBuilder(long maxBlockBytes, boolean singlePrecision) {
    this.maxBlockBytes = maxBlockBytes;
    this.singlePrecision = singlePrecision;
    this.valueBytes = singlePrecision ? 4 : 8;
  }

  /**
   * Sets the number of features d of every row (once, from the partition's first row with a
   * usable size; the blocks' arrays and summaries are sized by it).
   *
   * @param d the features vectors' size
   */
  void setNumFeatures(int d) {
    numFeatures = d;
  }

  /** @return true when the block being filled has no row */
  boolean isEmpty() {
    return n == 0;
  }

  /** @return true when the block being filled has reached the size limit */
  boolean isFull() {
    return blockBytes() >= maxBlockBytes;
  }

  private long denseBytes(int rows) {
    return (long) valueBytes * rows * Math.max(numFeatures, 1);
  }

  private long csrBytes(int rows, int nonZeros) {
    return (4L + valueBytes) * nonZeros + 4L * rows;
  }

  private long blockBytes() {
    return Math.min(denseBytes(n), csrBytes(n, nnz)) + 16L * n;
  }

  /**
   * Appends one accepted row to the block in its current representation.
   *
   * @param idx the indices of a sparse vector's values, or null for a dense vector
   * @param values the vector's (finite) values
   * @param count how many of them there are (the arrays may be longer)
   * @param nonZeros the number of non-zero values
   * @param y the label
   * @param w the training weight (0 on a validation row)
   * @param vw the validation weight (0 on a training row)
   */
  void append(int[] idx, double[] values, int count, int nonZeros, double y, double w,
      double vw) {
    if (n == 0) {
      startBlock(nonZeros);
    } else if (denseMode && n == denseCap) {
      // The dense array is full but the block is not: CSR is the cheaper form (one conversion).
      toCsr();
    }
    if (n + 2 > labels.length) {
      labels = Arrays.copyOf(labels, 2 * labels.length);
      weights = Arrays.copyOf(weights, 2 * weights.length);
      validation = Arrays.copyOf(validation, 2 * validation.length);
    }
    if (denseMode) {
      appendDense(idx, values, count);
    } else {
      appendCsr(idx, values, count, nonZeros);
    }
    nnz += nonZeros;
    labels[n] = y;
    weights[n] = w;
    validation[n] = vw;
    if (vw > 0) {
      validationCount++;
    }
    n++;
  }

  /** Picks the representation of a new block from its first row, as if all rows were like it. */
  private void startBlock(int nonZeros) {
    int d = Math.max(numFeatures, 0);
    denseMode = d > 0 && csrBytes(1, nonZeros) >= denseBytes(1);
    if (denseMode) {
      // Rows at which a dense block reaches the size limit: the array is exactly that large.
      long perRow = (long) valueBytes * d + 16L;
      denseCap = (int) Math.max(1L, Math.min(Integer.MAX_VALUE / Math.max(d, 1),
          (maxBlockBytes + perRow - 1) / perRow));
      allocateDense(denseCap);
    }
    rowPtr[0] = 0;
    csrMaxColumn = 0;
    csrOnes = true;
    csrFloats = true;
  }

  private void allocateDense(int cap) {
    int size = cap * numFeatures;
    if (singlePrecision) {
      if (denseF == null || denseF.length != size) {
        denseF = new float[size];
      }
    } else if (denseD == null || denseD.length != size) {
      denseD = new double[size];
    }
  }

  private void appendDense(int[] idx, double[] values, int count) {
    int d = numFeatures;
    int base = n * d;
    if (singlePrecision) {
      float[] x = denseF;
      if (idx == null) {
        for (int k = 0; k < d; k++) {
          x[base + k] = (float) values[k];
        }
      } else {
        Arrays.fill(x, base, base + d, 0f);
        for (int k = 0; k < count; k++) {
          x[base + idx[k]] = (float) values[k];
        }
      }
    } else {
      double[] x = denseD;
      if (idx == null) {
        System.arraycopy(values, 0, x, base, d);
      } else {
        Arrays.fill(x, base, base + d, 0.0);
        for (int k = 0; k < count; k++) {
          x[base + idx[k]] = values[k];
        }
      }
    }
  }

  private void appendCsr(int[] idx, double[] values, int count, int nonZeros) {
    if (n + 2 > rowPtr.length) {
      rowPtr = Arrays.copyOf(rowPtr, Math.max(2 * rowPtr.length, n + 2));
    }
    int at = rowPtr[n];
    if (at + nonZeros > vals.length) {
      int cap = Math.max(2 * vals.length, at + nonZeros);
      vals = Arrays.copyOf(vals, cap);
      colIdx = Arrays.copyOf(colIdx, cap);
    }
    int maxColumn = csrMaxColumn;
    boolean ones = csrOnes;
    boolean floats = csrFloats;
    for (int k = 0; k < count; k++) {
      double v = values[k];
      if (v != 0.0) {
        int j = idx == null ? k : idx[k];
        // Stored as the block will hold it: rounded to float in single precision.
        double x = singlePrecision ? (float) v : v;
        colIdx[at] = j;
        vals[at++] = x;
        maxColumn = Math.max(maxColumn, j);
        ones &= x == 1.0;
        floats &= (float) x == x;
      }
    }
    rowPtr[n + 1] = at;
    csrMaxColumn = maxColumn;
    csrOnes = ones;
    csrFloats = floats;
  }

  /** Moves the dense rows of the block into the CSR buffers and continues in CSR mode. */
  private void toCsr() {
    int d = numFeatures;
    if (n + 2 > rowPtr.length) {
      rowPtr = Arrays.copyOf(rowPtr, Math.max(2 * rowPtr.length, n + 2));
    }
    if (nnz > vals.length) {
      vals = Arrays.copyOf(vals, nnz);
      colIdx = Arrays.copyOf(colIdx, nnz);
    }
    int at = 0;
    int maxColumn = 0;
    boolean ones = true;
    boolean floats = true;
    for (int i = 0; i < n; i++) {
      int base = i * d;
      for (int j = 0; j < d; j++) {
        double x = singlePrecision ? denseF[base + j] : denseD[base + j];
        if (x != 0.0) {
          colIdx[at] = j;
          vals[at++] = x;
          maxColumn = j > maxColumn ? j : maxColumn;
          ones &= x == 1.0;
          floats &= (float) x == x;
        }
      }
      rowPtr[i + 1] = at;
    }
    csrMaxColumn = maxColumn;
    csrOnes = ones;
    csrFloats = floats;
    denseMode = false;
  }

  /** Moves the CSR rows of the block into a dense array of exactly n rows. */
  private void toDense() {
    int d = numFeatures;
    // Fresh (zeroed) arrays: only the non-zeros are written below.
    denseD = null;
    denseF = null;
    allocateDense(n);
    for (int i = 0; i < n; i++) {
      int base = i * d;
      for (int k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
        if (singlePrecision) {
          denseF[base + colIdx[k]] = (float) vals[k];
        } else {
          denseD[base + colIdx[k]] = vals[k];
        }
      }
    }
    denseCap = n;
    denseMode = true;
  }

  /**
   * Builds the block from the buffers, with the statistics of its rows, and starts a new one.
   *
   * @return the block (empty, carrying only d, when no row was appended)
   */
  InstanceBlock close() {
    int d = Math.max(numFeatures, 0);
    double[] y = Arrays.copyOf(labels, n);
    double[] w = Arrays.copyOf(weights, n);
    double[] vw = validationCount > 0 ? Arrays.copyOf(validation, n) : null;
    boolean sparse = csrIsSmaller((long) valueBytes * n * d);
    DataSummary summary = new DataSummary();
    summary.setNumFeatures(numFeatures);
    double wSum = 0;
    double w2Sum = 0;
    double wySum = 0;
    double vSum = 0;
    double vySum = 0;
    for (int i = 0; i < n; i++) {
      wSum += w[i];
      w2Sum += w[i] * w[i];
      wySum += w[i] * y[i];
      if (vw != null) {
        vSum += vw[i];
        vySum += vw[i] * y[i];
      }
    }
    double[] mean = new double[d];
    double[] m2 = new double[d];
    InstanceBlock block;
    if (n == 0) {
      block = InstanceBlock.dense(0, d, y, w, vw, new double[0], summary);
    } else if (sparse) {
      if (denseMode) {
        toCsr();
      }
      // The statistics and the block's arrays are read straight from the buffers (values already
      // rounded in single precision), which stay the builder's.
      int[] ptr = rowPtr;
      BlockMoments.sparse(ptr, colIdx, vals, n, w, wSum, mean, m2, csrOnes);
      double work = 0;
      for (int i = 0; i < n; i++) {
        if (w[i] > 0) {
          double v = ptr[i + 1] - ptr[i] + 1.0;
          work += v * v;
        }
      }
      summary.setHessianWork(work);
      // Stored by length (the statistics above are of the rows as they came, so they do not
      // change): see CsrRows.byLength.
      int[] order = CsrRows.byLength(ptr, n);
      if (order != null) {
        y = permuted(y, order);
        w = permuted(w, order);
        vw = vw == null ? null : permuted(vw, order);
      }
      CsrRows.Encoding forced = forcedEncoding;
      CsrRows.Encoding encoding = CsrRows.Encoding.smallest(csrMaxColumn, csrOnes, csrFloats);
      if (forced != null) {
        CsrRows.requireHolds(colIdx, vals, nnz, forced);
        encoding = forced;
      }
      CsrRows csr = CsrRows.gather(ptr, colIdx, vals, n, order, encoding);
      block = InstanceBlock.csr(n, d, y, w, vw, csr, summary);
    } else {
      if (!denseMode) {
        toDense();
      }
      Object stored;
      double[] x;
      if (singlePrecision) {
        float[] f = n == denseCap ? denseF : Arrays.copyOf(denseF, n * d);
        x = widen(f, n * d);
        stored = f;
      } else {
        x = n == denseCap ? denseD : Arrays.copyOf(denseD, n * d);
        stored = x;
      }
      // The block now owns the array; the next block gets a new one.
      denseD = null;
      denseF = null;
      BlockMoments.dense(x, n, d, w, wSum, mean, m2);
      long weighted = 0;
      for (int i = 0; i < n; i++) {
        weighted += w[i] > 0 ? 1 : 0;
      }
      summary.setHessianWork((double) weighted * (d + 1.0) * (d + 1.0));
      block = InstanceBlock.dense(n, d, y, w, vw, stored, summary);
    }
    summary.setRows(n - validationCount, wSum, w2Sum, wySum, mean, m2);
    summary.setValidation(validationCount, vSum, vySum);
    n = 0;
    nnz = 0;
    validationCount = 0;
    return block;
  }

  private static double[] permuted(double[] a, int[] order) {
    double[] out = new double[order.length];
    for (int i = 0; i < order.length; i++) {
      out[i] = a[order[i]];
    }
    return out;
  }

  /**
   * Whether the block's rows take fewer bytes in the smallest CSR encoding (row pointers, indices,
   * values) than {@code denseBytes}. In CSR mode the encoding is known. Dense rows are scanned for
   * it, and the scan stops once the rest cannot change the answer: when every column fits 16
   * bits only the kind of values is open, and once one value is not 1.0, and one is not a float
   * or float values would not be smaller either, the block stays dense.
   */
  private boolean csrIsSmaller(long denseBytes) {
    if (!denseMode) {
      return encodedCsrBytes(csrMaxColumn, csrOnes, csrFloats) < denseBytes;
    }
    int d = numFeatures;
    boolean charIndices = d - 1 <= CsrRows.MAX_CHAR_COLUMN;
    boolean floatsSmaller = 6L * nnz + 4L * (n + 1) < denseBytes;
    int maxColumn = 0;
    boolean ones = true;
    boolean floats = true;
    for (int i = 0; i < n; i++) {
      for (int j = 0, at = i * d; j < d; j++, at++) {
        double x = singlePrecision ? denseF[at] : denseD[at];
        if (x != 0.0) {
          maxColumn = Math.max(maxColumn, j);
          ones &= x == 1.0;
          floats &= (float) x == x;
        }
      }
      if (charIndices && !ones && (!floats || !floatsSmaller)) {
        break;
      }
    }
    return encodedCsrBytes(maxColumn, ones, floats) < denseBytes;
  }

  /** The bytes of the block's rows in the smallest CSR encoding of rows like these. */
  private long encodedCsrBytes(int maxColumn, boolean ones, boolean floats) {
    CsrRows.Encoding e = CsrRows.Encoding.smallest(maxColumn, ones, floats);
    return (long) (e.indexBytes + e.valueBytes) * nnz + 4L * (n + 1);
  }

  /** The first len values widened to double, in a reused scratch array. */
  private double[] widen(float[] f, int len) {
    if (widened.length < len) {
      widened = new double[len];
    }
    FloatWidening.widen(f, 0, widened, len);
    return widened;
  }
}
