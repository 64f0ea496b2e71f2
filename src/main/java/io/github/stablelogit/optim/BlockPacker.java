package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import io.github.stablelogit.optim.DataSummary.Problem;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseMatrix;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Packs one partition's rows into {@link InstanceBlock}s in a single pass: decodes each row,
 * validates it (finite features, label in [0, 1], finite non-negative weight, consistent vector size),
 * appends its non-zeros, and closes a block once its cheaper representation (dense or CSR) reaches
 * the size limit. Statistics of the accepted rows are computed per block while it is hot in cache;
 * rejected rows are counted with their first example and never enter a block.
 *
 * <p>Input rows are (features: Vector, label: Double, weight: Double[, validation: Boolean]); nulls
 * in the first three are rejected, a null validation flag means a training row. Validation rows are
 * packed into the same blocks with training weight 0 and their own validation weight, so the
 * validation loss comes out of the same pass as the training objective.
 */
public final class BlockPacker implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String featuresCol;
  private final String labelCol;
  private final String weightCol;
  private final boolean hasValidation;
  private final long maxBlockBytes;

  /**
   * @param featuresCol name of the features column, for messages
   * @param labelCol name of the label column, for messages
   * @param weightCol name of the weight column for messages, or null if weights are all 1
   * @param maxBlockSizeInMB block size limit in MiB (&gt; 0)
   * @param hasValidation whether rows carry a fourth field, the validation flag
   */
  public BlockPacker(String featuresCol, String labelCol, String weightCol,
      double maxBlockSizeInMB, boolean hasValidation) {
    if (!(maxBlockSizeInMB > 0)) {
      throw new IllegalArgumentException("maxBlockSizeInMB must be > 0, but was " + maxBlockSizeInMB);
    }
    this.featuresCol = featuresCol;
    this.labelCol = labelCol;
    this.weightCol = weightCol;
    this.hasValidation = hasValidation;
    this.maxBlockBytes = Math.max(1L, (long) (maxBlockSizeInMB * 1024 * 1024));
  }

  /**
   * Lazily packs a partition. The last block carries the rejected-row counts of the whole partition;
   * a partition with rejected rows but no accepted row yields one empty block carrying them.
   *
   * @param partition partition index, for messages
   * @param rows the partition's rows
   * @return the blocks
   */
  public Iterator<InstanceBlock> pack(int partition, Iterator<Row> rows) {
    return new PartitionPacker(partition, rows);
  }

  private final class PartitionPacker implements Iterator<InstanceBlock> {
    private final int partition;
    private final Iterator<Row> rows;
    private final DataSummary rejected = new DataSummary();
    private final BLAS blas = BLAS.getInstance();
    private long rowIndex;
    private int numFeatures = -1;
    private boolean emittedRejected;
    private InstanceBlock next;

    // CSR buffers of the block being filled
    private int n;
    private int nnz;
    private int[] rowPtr = new int[64];
    private int[] colIdx = new int[1024];
    private double[] vals = new double[1024];
    private double[] labels = new double[64];
    private double[] weights = new double[64];
    private double[] validation = new double[64];
    private int validationCount;

    PartitionPacker(int partition, Iterator<Row> rows) {
      this.partition = partition;
      this.rows = rows;
    }

    @Override
    public boolean hasNext() {
      if (next == null) {
        next = fill();
      }
      return next != null;
    }

    @Override
    public InstanceBlock next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      InstanceBlock b = next;
      next = null;
      return b;
    }

    private InstanceBlock fill() {
      while (rows.hasNext()) {
        accept(rows.next());
        if (n > 0 && blockBytes() >= maxBlockBytes) {
          return close(rows.hasNext());
        }
      }
      if (n > 0) {
        return close(false);
      }
      if (!emittedRejected && (rejected.hasProblems() || rejected.zeroWeightRows() > 0
          || numFeatures >= 0)) {
        return close(false);
      }
      return null;
    }

    private long blockBytes() {
      long dense = 8L * n * Math.max(numFeatures, 1);
      long csr = 12L * nnz + 4L * n;
      return Math.min(dense, csr) + 16L * n;
    }

    private void accept(Row row) {
      long pos = ((long) partition << 40) | rowIndex;
      long at = rowIndex++;
      Object f = row.get(0);
      if (!(f instanceof Vector)) {
        reject(Problem.NULL_FEATURES, pos, at, "%s is null", featuresCol);
        return;
      }
      Vector v = (Vector) f;
      if (row.isNullAt(1)) {
        reject(Problem.BAD_LABEL, pos, at, "%s is null", labelCol);
        return;
      }
      double y = row.getDouble(1);
      if (!(y >= 0.0 && y <= 1.0)) {
        reject(Problem.BAD_LABEL, pos, at, "%s = %s", labelCol, y);
        return;
      }
      double w = 1.0;
      if (weightCol != null) {
        if (row.isNullAt(2)) {
          reject(Problem.BAD_WEIGHT, pos, at, "%s is null", weightCol);
          return;
        }
        w = row.getDouble(2);
        if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
          reject(Problem.BAD_WEIGHT, pos, at, "%s = %s", weightCol, w);
          return;
        }
      }
      if (numFeatures < 0) {
        numFeatures = v.size();
        rejected.setNumFeatures(numFeatures);
      } else if (v.size() != numFeatures) {
        reject(Problem.SIZE_MISMATCH, pos, at, "%s has size %d, but the first row of the partition "
            + "has size %d", featuresCol, v.size(), numFeatures);
        return;
      }
      double[] values = v instanceof SparseVector ? ((SparseVector) v).values()
          : ((DenseVector) v).values();
      for (int k = 0; k < values.length; k++) {
        double x = values[k];
        if (!(Math.abs(x) < Double.POSITIVE_INFINITY)) {
          int j = v instanceof SparseVector ? ((SparseVector) v).indices()[k] : k;
          reject(Problem.FEATURE_NOT_FINITE, pos, at, "%s[%d] = %s", featuresCol, j, x);
          return;
        }
      }
      if (w == 0.0) {
        rejected.countZeroWeightRow();
        return;
      }
      boolean isValidation = hasValidation && !row.isNullAt(3) && row.getBoolean(3);
      append(v, values, y, isValidation ? 0.0 : w, isValidation ? w : 0.0);
    }

    private void reject(Problem p, long pos, long at, String fmt, Object... args) {
      rejected.recordProblem(p, pos, String.format(Locale.ROOT, "row %d of partition %d: ", at,
          partition) + String.format(Locale.ROOT, fmt, args));
    }

    private void append(Vector v, double[] values, double y, double w, double vw) {
      if (n + 2 > rowPtr.length) {
        rowPtr = Arrays.copyOf(rowPtr, 2 * rowPtr.length);
        labels = Arrays.copyOf(labels, 2 * labels.length);
        weights = Arrays.copyOf(weights, 2 * weights.length);
        validation = Arrays.copyOf(validation, 2 * validation.length);
      }
      if (nnz + values.length > vals.length) {
        int cap = Math.max(2 * vals.length, nnz + values.length);
        vals = Arrays.copyOf(vals, cap);
        colIdx = Arrays.copyOf(colIdx, cap);
      }
      if (v instanceof SparseVector) {
        int[] idx = ((SparseVector) v).indices();
        for (int k = 0; k < values.length; k++) {
          if (values[k] != 0.0) {
            colIdx[nnz] = idx[k];
            vals[nnz++] = values[k];
          }
        }
      } else {
        for (int k = 0; k < values.length; k++) {
          if (values[k] != 0.0) {
            colIdx[nnz] = k;
            vals[nnz++] = values[k];
          }
        }
      }
      labels[n] = y;
      weights[n] = w;
      validation[n] = vw;
      if (vw > 0) {
        validationCount++;
      }
      n++;
      rowPtr[n] = nnz;
    }

    /** Builds the block from the buffers; the partition's rejections ride on its last block. */
    private InstanceBlock close(boolean more) {
      int d = Math.max(numFeatures, 0);
      double[] y = Arrays.copyOf(labels, n);
      double[] w = Arrays.copyOf(weights, n);
      double[] vw = validationCount > 0 ? Arrays.copyOf(validation, n) : null;
      boolean sparse = 12L * nnz + 4L * n < 8L * n * d;
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
      double[] dense = null;
      SparseMatrix csr = null;
      if (sparse) {
        int[] ptr = Arrays.copyOf(rowPtr, n + 1);
        int[] idx = Arrays.copyOf(colIdx, nnz);
        double[] val = Arrays.copyOf(vals, nnz);
        csr = new SparseMatrix(n, d, ptr, idx, val, true);
        sparseMoments(ptr, idx, val, w, wSum, mean, m2);
      } else {
        dense = new double[n * d];
        for (int i = 0; i < n; i++) {
          int base = i * d;
          for (int k = rowPtr[i]; k < rowPtr[i + 1]; k++) {
            dense[base + colIdx[k]] = vals[k];
          }
        }
        denseMoments(dense, n, d, w, wSum, mean, m2);
      }
      summary.setRows(n - validationCount, wSum, w2Sum, wySum, mean, m2);
      summary.setValidation(validationCount, vSum, vySum);
      if (!more) {
        summary.merge(rejected);
        emittedRejected = true;
      }
      n = 0;
      nnz = 0;
      validationCount = 0;
      return new InstanceBlock(y.length, d, y, w, vw, dense, csr, summary);
    }

    private void denseMoments(double[] x, int rows, int d, double[] w, double wSum, double[] mean,
        double[] m2) {
      if (rows == 0 || d == 0 || wSum == 0) {
        return;
      }
      // mean = Xᵀw / W, then M2 = Σ w (x − mean)² on the block while it is in cache.
      blas.dgemv("N", d, rows, 1.0 / wSum, x, d, w, 1, 0.0, mean, 1);
      for (int i = 0; i < rows; i++) {
        int base = i * d;
        double wi = w[i];
        for (int j = 0; j < d; j++) {
          double dev = x[base + j] - mean[j];
          m2[j] += wi * dev * dev;
        }
      }
    }

    private void sparseMoments(int[] ptr, int[] idx, double[] val, double[] w, double wSum,
        double[] mean, double[] m2) {
      if (wSum == 0) {
        return;
      }
      double[] wNonZero = new double[mean.length];
      for (int i = 0; i + 1 < ptr.length; i++) {
        for (int k = ptr[i]; k < ptr[i + 1]; k++) {
          mean[idx[k]] += w[i] * val[k];
          wNonZero[idx[k]] += w[i];
        }
      }
      for (int j = 0; j < mean.length; j++) {
        mean[j] /= wSum;
      }
      for (int i = 0; i + 1 < ptr.length; i++) {
        for (int k = ptr[i]; k < ptr[i + 1]; k++) {
          double dev = val[k] - mean[idx[k]];
          m2[idx[k]] += w[i] * dev * dev;
        }
      }
      // Implicit zeros each deviate by −mean.
      for (int j = 0; j < mean.length; j++) {
        m2[j] += (wSum - wNonZero[j]) * mean[j] * mean[j];
      }
    }
  }
}
