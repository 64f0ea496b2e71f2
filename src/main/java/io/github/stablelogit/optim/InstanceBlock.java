package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import java.io.Serializable;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseMatrix;

/**
 * A block of training rows packed for BLAS: labels, weights and features, either as a dense
 * row-major n×d matrix or, when that is smaller, in CSR form (a row-major {@link SparseMatrix}).
 *
 * <p>Blocks are built once per partition by {@link BlockPacker}, cached, and read on every objective
 * evaluation by {@link BlockAggregator}. Each block carries the statistics of its own rows, gathered
 * while it was packed, so no extra pass over the input is needed for means, deviations and class
 * weights.
 */
public final class InstanceBlock implements Serializable {

  private static final long serialVersionUID = 1L;

  private final int numRows;
  private final int numFeatures;
  private final double[] labels;
  private final double[] weights;
  /** Validation weights (0 on training rows), or null when the block has no validation rows. */
  private final double[] validationWeights;
  /** Row-major n×d values, or null when the block is sparse. */
  private final double[] dense;
  /** CSR n×d matrix, or null when the block is dense. */
  private final SparseMatrix sparse;
  private final DataSummary summary;

  InstanceBlock(int numRows, int numFeatures, double[] labels, double[] weights,
      double[] validationWeights, double[] dense, SparseMatrix sparse, DataSummary summary) {
    this.numRows = numRows;
    this.numFeatures = numFeatures;
    this.labels = labels;
    this.weights = weights;
    this.validationWeights = validationWeights;
    this.dense = dense;
    this.sparse = sparse;
    this.summary = summary;
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
    return sparse != null;
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

  /** @return approximate bytes held by the block's arrays */
  public long sizeInBytes() {
    long features = dense != null ? 8L * dense.length
        : 12L * sparse.values().length + 4L * (numRows + 1);
    return features + (validationWeights == null ? 16L : 24L) * numRows;
  }

  /**
   * margins[i] = x_iᵀβ + offset for i in [0, n).
   *
   * @param blas the BLAS implementation
   * @param beta d coefficients
   * @param offset added to every margin
   * @param margins output, length ≥ n
   */
  void margins(BLAS blas, double[] beta, double offset, double[] margins) {
    java.util.Arrays.fill(margins, 0, numRows, offset);
    if (numFeatures == 0 || numRows == 0) {
      return;
    }
    if (dense != null) {
      // The row-major n×d block is a column-major d×n matrix: margins = (d×n)ᵀ β.
      blas.dgemv("T", numFeatures, numRows, 1.0, dense, numFeatures, beta, 1, 1.0, margins, 1);
    } else {
      double[] xb = sparse.multiply(new DenseVector(beta)).values();
      blas.daxpy(numRows, 1.0, xb, 1, margins, 1);
    }
  }

  /**
   * gradient[0..d) += Xᵀ dz.
   *
   * @param blas the BLAS implementation
   * @param dz n per-row derivatives
   * @param gradient accumulator of length ≥ d
   */
  void addTransposed(BLAS blas, double[] dz, double[] gradient) {
    if (numFeatures == 0 || numRows == 0) {
      return;
    }
    if (dense != null) {
      blas.dgemv("N", numFeatures, numRows, 1.0, dense, numFeatures, dz, 1, 1.0, gradient, 1);
    } else {
      double[] v = dz.length == numRows ? dz : java.util.Arrays.copyOf(dz, numRows);
      double[] xtdz = sparse.transpose().multiply(new DenseVector(v)).values();
      blas.daxpy(numFeatures, 1.0, xtdz, 1, gradient, 1);
    }
  }
}
