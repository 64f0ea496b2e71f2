package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import java.io.Serializable;
import java.util.Arrays;

/**
 * A block of training rows packed for BLAS: labels, weights and features, either as a dense
 * row-major n×d matrix or, when that is smaller, in CSR form ({@link CsrRows}: row pointers,
 * 16- or 32-bit column indices, and values unless they are all 1.0). Feature values are stored in
 * double precision, or in single precision when the block was packed with
 * {@code precision = "float"} (half the cached bytes and memory traffic; all arithmetic stays in
 * double, see {@link #forEachChunk}).
 *
 * <p>Blocks are built once per partition by {@link BlockPacker}, cached, and read on every
 * objective evaluation by {@link BlockAggregator}. Each block carries the statistics of its own
 * rows, gathered while it was packed, so no extra pass over the input is needed for means,
 * deviations and class weights. The Hessian pass of Newton steps over a block, which also forms the
 * weighted Gram matrix of its rows, is {@link InstanceBlockGram}'s.
 */
public final class InstanceBlock implements Serializable {

  private static final long serialVersionUID = 3L;

  /**
   * Feature values per chunk of an evaluation pass (64 KiB of doubles): small enough that a chunk
   * read for the margins is still in L2 cache when it is read again for the gradient, large enough
   * that the per-chunk BLAS calls are long. A constant, so the summation order (and every bit of
   * the result) depends only on the data.
   */
  static final int CHUNK_VALUES = 8192;

  /** Upper bound on the rows of one chunk (the length of the per-chunk margin buffers). */
  static final int MAX_CHUNK_ROWS = 4096;

  private final int numRows;
  private final int numFeatures;
  private final double[] labels;
  private final double[] weights;
  /** Validation weights (0 on training rows), or null when the block has no validation rows. */
  private final double[] validationWeights;
  /** Row-major n×d values in double precision, or null. */
  private final double[] dense;
  /** Row-major n×d values in single precision, or null. */
  private final float[] denseFloat;
  /** The CSR rows, or null when the block is dense. */
  private final CsrRows csr;
  private final DataSummary summary;
  /** The cross-validation fold of every row of the block, or −1 when rows are not in folds. */
  private int fold = -1;

  /** What the aggregator does with each chunk's margins (see {@link #forEachChunk}). */
  interface ChunkKernel {
    /**
     * Replaces margins by per-row weighted loss derivatives.
     *
     * @param from index in the block of the chunk's first row
     * @param len number of rows in the chunk
     * @param z on entry the chunk's margins z[0..len), on exit dℓ/dz times the training weight
     */
    void apply(int from, int len, double[] z);
  }

  /** Per-thread scratch arrays of an evaluation pass, grown on demand and reused across blocks. */
  static final class Workspace {
    double[] z = new double[0];
    /** A chunk of single-precision rows, widened to double. */
    double[] rows = new double[0];

    double[] z(int n) {
      if (z.length < n) {
        z = new double[n];
      }
      return z;
    }

    double[] rows(int n) {
      if (rows.length < n) {
        rows = new double[n];
      }
      return rows;
    }
  }

  private InstanceBlock(int numRows, int numFeatures, double[] labels, double[] weights,
      double[] validationWeights, double[] dense, float[] denseFloat, CsrRows csr,
      DataSummary summary) {
    this.numRows = numRows;
    this.numFeatures = numFeatures;
    this.labels = labels;
    this.weights = weights;
    this.validationWeights = validationWeights;
    this.dense = dense;
    this.denseFloat = denseFloat;
    this.csr = csr;
    this.summary = summary;
  }

  /**
   * A dense block.
   *
   * @param x row-major n×d values: a double[] or a float[] of length n·d
   */
  static InstanceBlock dense(int n, int d, double[] labels, double[] weights,
      double[] validationWeights, Object x, DataSummary summary) {
    return new InstanceBlock(n, d, labels, weights, validationWeights,
        x instanceof double[] ? (double[]) x : null, x instanceof float[] ? (float[]) x : null,
        null, summary);
  }

  /** A CSR block. */
  static InstanceBlock csr(int n, int d, double[] labels, double[] weights,
      double[] validationWeights, CsrRows rows, DataSummary summary) {
    return new InstanceBlock(n, d, labels, weights, validationWeights, null, null, rows,
        summary);
  }

  /**
   * The BLAS of every evaluation and of the optimizers' vector operations: always the same
   * pure-Java implementation, {@link DeterministicBlas#INSTANCE}, so results do not depend on which
   * native BLAS a machine has installed nor on whether the JVM runs with jdk.incubator.vector
   * (which would otherwise switch dev.ludovic.netlib to its vectorized variant, whose sums are
   * ordered differently). For the short gemv calls of a chunk it is also several times faster than
   * a JNI call into a reference libblas.
   *
   * @return the BLAS instance
   */
  static BLAS blas() {
    return DeterministicBlas.INSTANCE;
  }

  /** @return the number of rows n */
  public int numRows() {
    return numRows;
  }

  /** @return the number of features d */
  public int numFeatures() {
    return numFeatures;
  }

  /** @return true if stored in CSR form */
  public boolean isSparse() {
    return csr != null;
  }

  /**
   * @return true if feature values are stored in single precision (false for CSR blocks whose
   *     values are all 1.0 and therefore not stored)
   */
  public boolean isFloat() {
    return denseFloat != null || csr != null && csr.encoding().valueBytes == 4;
  }

  /** @return labels, length ≥ n */
  public double[] labels() {
    return labels;
  }

  /** @return training weights, length ≥ n (0 on validation rows) */
  public double[] weights() {
    return weights;
  }

  /** @return validation weights (0 on training rows), or null when there are no validation rows */
  public double[] validationWeights() {
    return validationWeights;
  }

  /** @return statistics of this block's rows (and of the rows rejected while packing it) */
  public DataSummary summary() {
    return summary;
  }

  /** @return the cross-validation fold all of this block's rows belong to, or −1 */
  public int fold() {
    return fold;
  }

  /** Marks the block's rows as members of fold {@code f} (set once, by the packer). */
  InstanceBlock inFold(int f) {
    this.fold = f;
    return this;
  }

  /**
   * @return the bytes of the block's arrays' elements (features, labels and weights; without the
   *     arrays' object headers)
   */
  public long sizeInBytes() {
    long features;
    if (csr == null) {
      features = (isFloat() ? 4L : 8L) * numRows * numFeatures;
    } else {
      features = csr.sizeInBytes();
    }
    return features + (validationWeights == null ? 16L : 24L) * numRows;
  }

  /** @return rows of the dense chunks: about {@link #CHUNK_VALUES} values each */
  int denseChunkRows() {
    return Math.max(1, Math.min(MAX_CHUNK_ROWS, CHUNK_VALUES / Math.max(numFeatures, 1)));
  }

  /** @return the end of the CSR chunk starting at row {@code from} */
  int csrChunkEnd(int from) {
    int limit = Math.min(numRows, from + MAX_CHUNK_ROWS);
    int[] ptr = csr.rowPtr();
    int to = from + 1;
    int budget = ptr[from] + CHUNK_VALUES;
    while (to < limit && ptr[to + 1] <= budget) {
      to++;
    }
    return to;
  }

  /**
   * One evaluation pass over the block, chunk by chunk so that main memory is read once: for each
   * chunk of rows, margins z = Xβ + offset, then {@code kernel} turns them into derivatives dz in
   * place, then gradient[0..d) += X_chunkᵀ dz while the chunk is still in cache. Chunks have a
   * fixed size (a function of d, or of the non-zeros for CSR), so the summation order is the same
   * on every run.
   *
   * @param blas the BLAS implementation
   * @param beta d coefficients
   * @param offset added to every margin
   * @param kernel turns a chunk's margins into derivatives
   * @param gradient accumulator of length ≥ d
   * @param ws scratch arrays
   */
  void forEachChunk(BLAS blas, double[] beta, double offset, ChunkKernel kernel, double[] gradient,
      Workspace ws) {
    forEachChunk(blas, new double[][] {beta}, new double[] {offset}, 1,
        (m, from, len, z) -> kernel.apply(from, len, z), new double[][] {gradient}, ws);
  }

  /** What a pass of several models does with each chunk's margins (see {@link #forEachChunk}). */
  interface ModelChunkKernel {
    /**
     * Replaces one model's margins by its per-row weighted loss derivatives.
     *
     * @param model which model, in [0, models)
     * @param from index in the block of the chunk's first row
     * @param len number of rows in the chunk
     * @param z on entry the model's margins of the chunk, z[0..len); on exit its dz
     */
    void apply(int model, int from, int len, double[] z);
  }

  /**
   * The evaluation passes of several models over the block at once, reading the block from main
   * memory once: for each chunk, model after model, exactly the single pass's steps (margins by
   * {@code dgemv} or the CSR loops, the kernel, Xᵀdz into that model's gradient) while the chunk
   * is in cache. Each model's arithmetic is the one of its own pass ({@code models = 1}), in the
   * same order, whatever the other models: its results are bit for bit those of its own pass.
   *
   * <p>Single-precision blocks: values are widened to double (exactly) before any arithmetic: as
   * they are read by the dense products where {@link RowProducts#readsFloats} (else a chunk at a
   * time, into scratch that stays in cache, once for all models) and a value at a time in the CSR
   * loops, so the arithmetic is that of the double path on the rounded
   * values: the objective is as smooth in β as with double storage (float sums would add rounding
   * noise of order 2⁻²⁴ that the line search sees near the optimum). The only difference to double
   * storage is the rounding of each stored value, |δx| ≤ 2⁻²⁴|x|: |δz_i| ≤ 2⁻²⁴ Σ_j |x_ij β_j| and
   * |δg_j| ≤ 2⁻²⁴ Σ_i |x_ij dz_i|.
   *
   * @param blas the BLAS implementation
   * @param betas per model, d coefficients
   * @param offsets per model, added to its margins
   * @param models how many models, the first ones of the arrays
   * @param kernel turns a model's margins of a chunk into derivatives
   * @param gradients per model, an accumulator of length ≥ d
   * @param ws scratch arrays
   */
  void forEachChunk(BLAS blas, double[][] betas, double[] offsets, int models,
      ModelChunkKernel kernel, double[][] gradients, Workspace ws) {
    if (numRows == 0) {
      return;
    }
    int d = numFeatures;
    boolean sparse = csr != null;
    int chunk = sparse ? Math.min(numRows, MAX_CHUNK_ROWS) : denseChunkRows();
    double[] z = ws.z(chunk);
    RowProducts products = RowProducts.INSTANCE;
    // Single precision: read directly where the products can, else widened a chunk at a time.
    float[] floats = denseFloat != null && products.readsFloats() ? denseFloat : null;
    double[] widened = denseFloat != null && floats == null ? ws.rows(chunk * d) : null;
    for (int from = 0; from < numRows; ) {
      int to = sparse ? csrChunkEnd(from) : from + Math.min(chunk, numRows - from);
      int len = to - from;
      double[] a = dense;
      int at = from * d;
      if (widened != null) {
        FloatWidening.widen(denseFloat, at, widened, len * d);
        a = widened;
        at = 0;
      }
      for (int m = 0; m < models; m++) {
        if (sparse) {
          csrMargins(betas[m], offsets[m], from, to, z);
        } else {
          Arrays.fill(z, 0, len, offsets[m]);
          if (d > 0 && floats != null) {
            products.addDots(floats, at, d, len, betas[m], z);
          } else if (d > 0) {
            products.addDots(a, at, d, len, betas[m], z);
          }
        }
        kernel.apply(m, from, len, z);
        if (sparse) {
          csrAddTransposed(z, from, to, gradients[m]);
        } else if (d > 0 && floats != null) {
          products.addTransposed(floats, at, d, len, z, gradients[m]);
        } else if (d > 0) {
          products.addTransposed(a, at, d, len, z, gradients[m]);
        }
      }
      from = to;
    }
  }

  // A sparse matrix-vector product is not a netlib BLAS routine, and Spark's SparseMatrix.multiply
  // allocates its result on every call and cannot address a range of rows, so the CSR chunks use
  // direct loops over the arrays (cost proportional to the non-zeros), one per encoding.

  /** z[i − from] = Σ_k x_ik β_k + offset for rows i in [from, to). */
  void csrMargins(double[] beta, double offset, int from, int to, double[] z) {
    csr.margins(beta, offset, from, to, z);
  }

  /** gradient[k] += Σ_i x_ik dz[i − from] for rows i in [from, to). */
  void csrAddTransposed(double[] dz, int from, int to, double[] gradient) {
    csr.addTransposed(dz, from, to, gradient);
  }

  /**
   * margins[i] = x_iᵀβ + offset for i in [0, n), chunk by chunk as in an evaluation pass (for tests
   * and benchmarks).
   *
   * @param blas the BLAS implementation
   * @param beta d coefficients
   * @param offset added to every margin
   * @param margins output, length ≥ n
   */
  void margins(BLAS blas, double[] beta, double offset, double[] margins) {
    forEachChunk(blas, beta, offset, (from, len, z) -> {
      System.arraycopy(z, 0, margins, from, len);
      Arrays.fill(z, 0, len, 0.0);
    }, new double[numFeatures], new Workspace());
  }

  // The storage, for the Hessian pass (InstanceBlockGram), which shares the chunk loops above.

  /** @return row-major n×d values in double precision, or null */
  double[] denseDouble() {
    return dense;
  }

  /** @return row-major n×d values in single precision, or null */
  float[] denseFloat() {
    return denseFloat;
  }

  /** @return CSR row pointers (length n + 1), or null when the block is dense */
  int[] rowPtr() {
    return csr == null ? null : csr.rowPtr();
  }

  /** @return the CSR encoding, or null when the block is dense */
  CsrRows.Encoding csrEncoding() {
    return csr == null ? null : csr.encoding();
  }

  /** The column of the k-th CSR non-zero. */
  int csrColumn(int k) {
    return csr.column(k);
  }

  /** The k-th CSR non-zero, widened to double (1.0 when the values are implied). */
  double csrValue(int k) {
    return csr.value(k);
  }
}
