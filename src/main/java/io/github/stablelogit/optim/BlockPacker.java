package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import io.github.stablelogit.optim.DataSummary.Problem;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Packs one partition's rows into {@link InstanceBlock}s in a single pass: decodes each row,
 * validates it (finite features, label in [0, 1], finite non-negative weight, consistent vector
 * size), appends it, and closes a block once its cheaper representation (dense or CSR) reaches the
 * size limit. Dense rows are written once, straight into the array the block will hold (sized for a
 * full block); CSR rows into growable buffers. A block switches representation at most once, when
 * the other one becomes cheaper. Statistics of the accepted rows are computed per block while it
 * is hot in cache; rejected rows are counted with their first example and never enter a block.
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
  private final boolean singlePrecision;

  /**
   * A packer that stores feature values in double precision.
   *
   * @param featuresCol name of the features column, for messages
   * @param labelCol name of the label column, for messages
   * @param weightCol name of the weight column for messages, or null if weights are all 1
   * @param maxBlockSizeInMB block size limit in MiB (&gt; 0)
   * @param hasValidation whether rows carry a fourth field, the validation flag
   */
  public BlockPacker(String featuresCol, String labelCol, String weightCol,
      double maxBlockSizeInMB, boolean hasValidation) {
    this(featuresCol, labelCol, weightCol, maxBlockSizeInMB, hasValidation, false);
  }

  /**
   * @param featuresCol name of the features column, for messages
   * @param labelCol name of the label column, for messages
   * @param weightCol name of the weight column for messages, or null if weights are all 1
   * @param maxBlockSizeInMB block size limit in MiB (&gt; 0)
   * @param hasValidation whether rows carry a fourth field, the validation flag
   * @param singlePrecision whether feature values are stored as float (labels, weights and all
   *     arithmetic stay double); the statistics are those of the rounded values
   */
  public BlockPacker(String featuresCol, String labelCol, String weightCol,
      double maxBlockSizeInMB, boolean hasValidation, boolean singlePrecision) {
    if (!(maxBlockSizeInMB > 0)) {
      throw new IllegalArgumentException(
          "maxBlockSizeInMB must be > 0, but was " + maxBlockSizeInMB);
    }
    this.featuresCol = featuresCol;
    this.labelCol = labelCol;
    this.weightCol = weightCol;
    this.hasValidation = hasValidation;
    this.maxBlockBytes = Math.max(1L, (long) (maxBlockSizeInMB * 1024 * 1024));
    this.singlePrecision = singlePrecision;
  }

  /**
   * Lazily packs a partition. The last block carries the rejected-row counts of the whole
   * partition; a partition with rejected rows but no accepted row yields one empty block carrying
   * them.
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
    private final BLAS blas = InstanceBlock.blas();
    private final int valueBytes = singlePrecision ? 4 : 8;
    private long rowIndex;
    private int numFeatures = -1;
    private boolean emittedRejected;
    private InstanceBlock next;

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

    private long denseBytes(int rows) {
      return (long) valueBytes * rows * Math.max(numFeatures, 1);
    }

    private long csrBytes(int rows, int nonZeros) {
      return (4L + valueBytes) * nonZeros + 4L * rows;
    }

    private long blockBytes() {
      return Math.min(denseBytes(n), csrBytes(n, nnz)) + 16L * n;
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
      int nonZeros = 0;
      for (int k = 0; k < values.length; k++) {
        double x = values[k];
        if (!(Math.abs(x) < Double.POSITIVE_INFINITY)) {
          int j = v instanceof SparseVector ? ((SparseVector) v).indices()[k] : k;
          reject(Problem.FEATURE_NOT_FINITE, pos, at, "%s[%d] = %s", featuresCol, j, x);
          return;
        }
        if (x != 0.0) {
          nonZeros++;
        }
      }
      if (w == 0.0) {
        rejected.countZeroWeightRow();
        return;
      }
      boolean isValidation = hasValidation && !row.isNullAt(3) && row.getBoolean(3);
      int[] idx = v instanceof SparseVector ? ((SparseVector) v).indices() : null;
      append(idx, values, nonZeros, y, isValidation ? 0.0 : w, isValidation ? w : 0.0);
    }

    private void reject(Problem p, long pos, long at, String fmt, Object... args) {
      rejected.recordProblem(p, pos, String.format(Locale.ROOT, "row %d of partition %d: ", at,
          partition) + String.format(Locale.ROOT, fmt, args));
    }

    /** Appends one row (idx null for a dense vector) to the block in its current representation. */
    private void append(int[] idx, double[] values, int nonZeros, double y, double w, double vw) {
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
        appendDense(idx, values);
      } else {
        appendCsr(idx, values, nonZeros);
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

    private void appendDense(int[] idx, double[] values) {
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
          for (int k = 0; k < values.length; k++) {
            x[base + idx[k]] = (float) values[k];
          }
        }
      } else {
        double[] x = denseD;
        if (idx == null) {
          System.arraycopy(values, 0, x, base, d);
        } else {
          Arrays.fill(x, base, base + d, 0.0);
          for (int k = 0; k < values.length; k++) {
            x[base + idx[k]] = values[k];
          }
        }
      }
    }

    private void appendCsr(int[] idx, double[] values, int nonZeros) {
      if (n + 2 > rowPtr.length) {
        rowPtr = Arrays.copyOf(rowPtr, Math.max(2 * rowPtr.length, n + 2));
      }
      int at = rowPtr[n];
      if (at + nonZeros > vals.length) {
        int cap = Math.max(2 * vals.length, at + nonZeros);
        vals = Arrays.copyOf(vals, cap);
        colIdx = Arrays.copyOf(colIdx, cap);
      }
      for (int k = 0; k < values.length; k++) {
        if (values[k] != 0.0) {
          colIdx[at] = idx == null ? k : idx[k];
          vals[at++] = values[k];
        }
      }
      rowPtr[n + 1] = at;
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
      for (int i = 0; i < n; i++) {
        int base = i * d;
        for (int j = 0; j < d; j++) {
          double x = singlePrecision ? denseF[base + j] : denseD[base + j];
          if (x != 0.0) {
            colIdx[at] = j;
            vals[at++] = x;
          }
        }
        rowPtr[i + 1] = at;
      }
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

    /** Builds the block from the buffers; the partition's rejections ride on its last block. */
    private InstanceBlock close(boolean more) {
      int d = Math.max(numFeatures, 0);
      double[] y = Arrays.copyOf(labels, n);
      double[] w = Arrays.copyOf(weights, n);
      double[] vw = validationCount > 0 ? Arrays.copyOf(validation, n) : null;
      boolean sparse = csrBytes(n, nnz) < (long) valueBytes * n * d;
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
        int[] ptr = Arrays.copyOf(rowPtr, n + 1);
        int[] idx = Arrays.copyOf(colIdx, nnz);
        double[] val = Arrays.copyOf(vals, nnz);
        Object stored = val;
        if (singlePrecision) {
          float[] f = new float[nnz];
          for (int k = 0; k < nnz; k++) {
            f[k] = (float) val[k];
            val[k] = f[k];
          }
          stored = f;
        }
        sparseMoments(ptr, idx, val, w, wSum, mean, m2);
        block = InstanceBlock.csr(n, d, y, w, vw, ptr, idx, stored, summary);
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
        denseMoments(x, n, d, w, wSum, mean, m2);
        block = InstanceBlock.dense(n, d, y, w, vw, stored, summary);
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
      return block;
    }

    /** The first len values widened to double, in a reused scratch array. */
    private double[] widen(float[] f, int len) {
      if (widened.length < len) {
        widened = new double[len];
      }
      FloatWidening.widen(f, 0, widened, len);
      return widened;
    }

    private void denseMoments(double[] x, int rows, int d, double[] w, double wSum, double[] mean,
        double[] m2) {
      if (rows == 0 || d == 0 || wSum == 0) {
        return;
      }
      // mean = Xᵀw / W, then M2 = Σ w (x − mean)² on the block while it is in cache.
      blas.dgemv("N", d, rows, 1.0 / wSum, x, d, w, 1, 0.0, mean, 1);
      // A column equal on every weighted row must get σ = 0 exactly (it then keeps β = 0), but the
      // rounded Xᵀw/W can sit an ulp away from that value and leave M2 ~ 1e-32·x²: remember the
      // value of the first weighted row and whether any other weighted row differs from it.
      double[] first = new double[d];
      boolean[] varies = new boolean[d];
      int firstRow = -1;
      for (int i = 0; i < rows; i++) {
        int base = i * d;
        double wi = w[i];
        if (wi > 0) {
          if (firstRow < 0) {
            firstRow = i;
            System.arraycopy(x, base, first, 0, d);
          }
          for (int j = 0; j < d; j++) {
            varies[j] |= x[base + j] != first[j];
          }
        }
        for (int j = 0; j < d; j++) {
          double dev = x[base + j] - mean[j];
          m2[j] += wi * dev * dev;
        }
      }
      for (int j = 0; j < d; j++) {
        if (!varies[j]) {
          mean[j] = first[j];
          m2[j] = 0.0;
        }
      }
    }

    private void sparseMoments(int[] ptr, int[] idx, double[] val, double[] w, double wSum,
        double[] mean, double[] m2) {
      if (wSum == 0) {
        return;
      }
      double[] wNonZero = new double[mean.length];
      // As in denseMoments: a column equal on every weighted row gets exactly its value as the
      // mean and M2 = 0. Stored entries of weighted rows: how many, the first value, any other?
      int weightedRows = 0;
      int[] stored = new int[mean.length];
      double[] first = new double[mean.length];
      boolean[] varies = new boolean[mean.length];
      for (int i = 0; i + 1 < ptr.length; i++) {
        boolean weighted = w[i] > 0;
        weightedRows += weighted ? 1 : 0;
        for (int k = ptr[i]; k < ptr[i + 1]; k++) {
          int j = idx[k];
          mean[j] += w[i] * val[k];
          wNonZero[j] += w[i];
          if (weighted) {
            if (stored[j]++ == 0) {
              first[j] = val[k];
            } else {
              varies[j] |= val[k] != first[j];
            }
          }
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
        boolean allStored = stored[j] == weightedRows;
        if (!varies[j] && (allStored || stored[j] == 0 || first[j] == 0.0)) {
          mean[j] = stored[j] == 0 ? 0.0 : first[j];
          m2[j] = 0.0;
        }
      }
    }
  }
}
