package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import java.util.Arrays;

/**
 * The gradient passes of several linear models over one block at once ({@link LockstepPasses}):
 * the block is read from memory once, chunk by chunk as a single model's pass ({@link
 * InstanceBlock#forEachChunk}: the same chunks), and per chunk
 *
 * <ol>
 *   <li>the margins of all M models, Z = X·B + offsets (len×M): for dense blocks one {@code dgemm}
 *       with B the d×M matrix of the models' coefficients; for CSR blocks one sweep over the
 *       chunk's non-zeros with an inner loop over the models, coefficients stored row-major
 *       (β_m[j] at j·M + m);
 *   <li>per model, the loss kernel on its column of Z ({@link BlockAggregator#chunk}, the single
 *       pass's code: predicted positives, derivatives and loss sum, Σdz), which becomes dZ;
 *   <li>the gradients of all models, G += Xᵀ·dZ (d×M): one {@code dgemm}, or one CSR sweep.
 * </ol>
 *
 * Each model's block sums then enter its aggregator's double-double running sums, as in its own
 * pass ({@link BlockAggregator#addBlock}).
 *
 * <p><b>Arithmetic.</b> CSR: per model, every product and every addition is the single pass's
 * ({@link CsrRows}: s += v·β over a row's non-zeros in order, then s + offset; g_j += v·dz), so
 * a model's sums are bit for bit those of its own pass. Dense: JavaBLAS (netlib 3.2.0) computes
 * a {@code dgemm} whose m·n·k is below {@link #DIRECT_GEMM} without packing, each element of C as
 * one fused multiply-add chain over k in order, then C = fma(α, chain, β·C); the calls below are
 * split into groups of models that stay below it (one model per call when a chunk alone is
 * larger), so model m's column depends only on its own coefficients and derivatives, never on
 * which or how many models share the call. The {@code dgemv} pair of a single pass accumulates in
 * another order (vector lanes), so dense sums agree with a single model's pass to rounding
 * (relative 1e-15 per block, tested within 1e-12), not to the bit. Either way a model's sums are
 * a function of the block and its own coefficients only: independent of the other models of the
 * round, of how blocks are grouped into tasks and of the JIT tier.
 */
final class ModelBatch {

  /**
   * JavaBLAS computes products with m·n·k below this (100³) directly, element by element; at or
   * above it, through packed panels whose summation order depends on the shape.
   */
  static final int DIRECT_GEMM = 100 * 100 * 100;

  /** Coefficients: dense d×M column-major, CSR d×M row-major. */
  private double[] coef = new double[0];
  /** Margins, then derivatives, of a chunk: len×M column-major. */
  private double[] margins = new double[0];
  /** The block's gradients: dense d×M column-major, CSR d×M row-major. */
  private double[] gradients = new double[0];
  /** One model's chunk, for the loss kernel (which reads from index 0). */
  private double[] column = new double[0];
  /** A chunk of single-precision dense rows, widened. */
  private double[] rows = new double[0];
  /** A CSR chunk's non-zeros, decoded. */
  private int[] columns = new int[0];
  private double[] values = new double[0];
  /** Per model: a row's running margin, or its derivative. */
  private double[] perModel = new double[0];

  private static double[] grow(double[] a, int n) {
    return a.length >= n ? a : new double[Math.max(n, 2 * a.length)];
  }

  /**
   * Adds one block to the gradient passes of {@code count} models that all train on it.
   *
   * @param block the block
   * @param models the models' aggregators, at [0, count)
   * @param count M
   */
  void add(InstanceBlock block, BlockAggregator[] models, int count) {
    boolean rowsToAdd = false;
    for (int m = 0; m < count; m++) {
      rowsToAdd = models[m].begin(block);
    }
    if (!rowsToAdd || count == 0) {
      return;
    }
    int d = block.numFeatures();
    double[][] blockSums = new double[count][4];
    double[] offsets = new double[count];
    coef = grow(coef, d * count);
    gradients = grow(gradients, d * count);
    Arrays.fill(gradients, 0, d * count, 0.0);
    boolean sparse = block.isSparse();
    for (int m = 0; m < count; m++) {
      BlockAggregator.Coefficients c = models[m].coefficients();
      offsets[m] = c.offset;
      for (int j = 0; j < d; j++) {
        coef[sparse ? j * count + m : m * d + j] = c.beta[j];
      }
    }
    if (sparse) {
      csrBlock(block, models, count, offsets, blockSums);
    } else {
      denseBlock(block, models, count, offsets, blockSums);
    }
    for (int m = 0; m < count; m++) {
      models[m].addBlock(gradients, sparse ? m : m * d, sparse ? count : 1, blockSums[m]);
    }
  }

  /** EXPERIMENT: per chunk, every model's own single-pass arithmetic while the chunk is hot. */
  void addFused(InstanceBlock block, BlockAggregator[] models, int count) {
    boolean rowsToAdd = false;
    for (int m = 0; m < count; m++) {
      rowsToAdd = models[m].begin(block);
    }
    if (!rowsToAdd || count == 0) {
      return;
    }
    int d = block.numFeatures();
    int n = block.numRows();
    double[][] blockSums = new double[count][4];
    gradients = grow(gradients, d * count);
    Arrays.fill(gradients, 0, d * count, 0.0);
    BLAS blas = InstanceBlock.blas();
    double[] dense = block.denseDouble();
    CsrRows csr = block.csrRows();
    int chunk = csr == null ? block.denseChunkRows() : InstanceBlock.MAX_CHUNK_ROWS;
    column = grow(column, chunk);
    double[] z = column;
    for (int m = 0; csr != null && m < count; m++) {
      Arrays.fill(tmpGradient(m, d), 0, d, 0.0);
    }
    for (int from = 0; from < n; ) {
      int to = csr == null ? Math.min(n, from + chunk) : block.csrChunkEnd(from);
      int len = to - from;
      for (int m = 0; m < count; m++) {
        BlockAggregator.Coefficients c = models[m].coefficients();
        if (csr == null) {
          Arrays.fill(z, 0, len, c.offset);
          blas.dgemv("T", d, len, 1.0, dense, from * d, d, c.beta, 0, 1, 1.0, z, 0, 1);
        } else {
          csr.margins(c.beta, c.offset, from, to, z);
        }
        models[m].chunk(block, from, len, z, blockSums[m]);
        if (csr == null) {
          blas.dgemv("N", d, len, 1.0, dense, from * d, d, z, 0, 1, 1.0, gradients, m * d, 1);
        } else {
          double[] g = new double[0];
          csr.addTransposed(z, from, to, g.length == 0 ? tmpGradient(m, d) : g);
        }
      }
      from = to;
    }
    for (int m = 0; m < count; m++) {
      models[m].addBlock(csr == null ? gradients : perModelGradients[m], csr == null ? m * d : 0,
          1, blockSums[m]);
    }
  }

  private double[][] perModelGradients = new double[0][];

  private double[] tmpGradient(int m, int d) {
    if (perModelGradients.length <= m) {
      perModelGradients = Arrays.copyOf(perModelGradients, m + 8);
    }
    if (perModelGradients[m] == null || perModelGradients[m].length < d) {
      perModelGradients[m] = new double[d];
    }
    return perModelGradients[m];
  }

  /** Per model: its column of the chunk's margins through the loss kernel, in place. */
  private void kernels(InstanceBlock block, BlockAggregator[] models, int count, int from,
      int len, double[][] blockSums) {
    column = grow(column, len);
    for (int m = 0; m < count; m++) {
      System.arraycopy(margins, m * len, column, 0, len);
      models[m].chunk(block, from, len, column, blockSums[m]);
      System.arraycopy(column, 0, margins, m * len, len);
    }
  }

  private void denseBlock(InstanceBlock block, BlockAggregator[] models, int count,
      double[] offsets, double[][] blockSums) {
    BLAS blas = InstanceBlock.blas();
    int n = block.numRows();
    int d = block.numFeatures();
    int chunk = block.denseChunkRows();
    // Models per dgemm call: as many as keep m·n·k = chunk·d·group below DIRECT_GEMM, at least 1.
    int group = (int) Math.max(1, (DIRECT_GEMM - 1L) / Math.max(1L, (long) chunk * d));
    margins = grow(margins, chunk * count);
    double[] dense = block.denseDouble();
    float[] narrow = block.denseFloat();
    if (narrow != null) {
      rows = grow(rows, chunk * d);
    }
    for (int from = 0; from < n; from += chunk) {
      int len = Math.min(chunk, n - from);
      double[] a = dense;
      int at = from * d;
      if (narrow != null) {
        FloatWidening.widen(narrow, at, rows, len * d);
        a = rows;
        at = 0;
      }
      for (int m = 0; m < count; m++) {
        Arrays.fill(margins, m * len, (m + 1) * len, offsets[m]);
      }
      for (int g = 0; d > 0 && g < count; g += group) {
        // The row-major len×d chunk is the column-major d×len A: Z = Aᵀ·B + Z.
        blas.dgemm("T", "N", len, Math.min(group, count - g), d, 1.0, a, at, d, coef, g * d, d,
            1.0, margins, g * len, len);
      }
      kernels(block, models, count, from, len, blockSums);
      for (int g = 0; d > 0 && g < count; g += group) {
        // G = A·dZ + G.
        blas.dgemm("N", "N", d, Math.min(group, count - g), len, 1.0, a, at, d, margins,
            g * len, len, 1.0, gradients, g * d, d);
      }
    }
  }

  private void csrBlock(InstanceBlock block, BlockAggregator[] models, int count,
      double[] offsets, double[][] blockSums) {
    CsrRows csr = block.csrRows();
    int[] ptr = csr.rowPtr();
    int n = block.numRows();
    perModel = grow(perModel, count);
    double[] acc = perModel;
    double[] b = coef;
    double[] g = gradients;
    for (int from = 0; from < n; ) {
      int to = block.csrChunkEnd(from);
      int len = to - from;
      int k0 = ptr[from];
      int nnz = ptr[to] - k0;
      if (columns.length < nnz) {
        columns = new int[Math.max(nnz, 2 * columns.length)];
      }
      values = grow(values, nnz);
      boolean valued = csr.decode(from, to, columns, values);
      int[] col = columns;
      double[] val = values;
      margins = grow(margins, len * count);
      double[] z = margins;
      for (int i = from; i < to; i++) {
        Arrays.fill(acc, 0, count, 0.0);
        for (int k = ptr[i] - k0, end = ptr[i + 1] - k0; k < end; k++) {
          int base = col[k] * count;
          if (valued) {
            double v = val[k];
            for (int m = 0; m < count; m++) {
              acc[m] += v * b[base + m];
            }
          } else {
            for (int m = 0; m < count; m++) {
              acc[m] += b[base + m];
            }
          }
        }
        for (int m = 0; m < count; m++) {
          z[m * len + i - from] = acc[m] + offsets[m];
        }
      }
      kernels(block, models, count, from, len, blockSums);
      for (int i = from; i < to; i++) {
        for (int m = 0; m < count; m++) {
          acc[m] = z[m * len + i - from];
        }
        for (int k = ptr[i] - k0, end = ptr[i + 1] - k0; k < end; k++) {
          int base = col[k] * count;
          if (valued) {
            double v = val[k];
            for (int m = 0; m < count; m++) {
              g[base + m] += v * acc[m];
            }
          } else {
            for (int m = 0; m < count; m++) {
              g[base + m] += acc[m];
            }
          }
        }
      }
      from = to;
    }
  }
}
