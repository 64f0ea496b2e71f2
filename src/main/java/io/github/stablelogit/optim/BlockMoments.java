package io.github.stablelogit.optim;

/**
 * The column statistics of a packed block's rows ({@link DataSummary}'s means and deviations):
 * the weighted means and sums of squared deviations M2 = Σ w (x − mean)², per column, from the
 * block's own arrays while they are in cache (dense or CSR, values as stored, so single-precision
 * blocks get the statistics of the rounded values). A column equal on every weighted row gets
 * exactly that value as its mean and M2 = 0, so it keeps σ = 0 and β = 0. Static only.
 */
final class BlockMoments {

  private BlockMoments() {}

  /**
   * Moments of a dense block.
   *
   * @param x row-major values, at least rows×d
   * @param rows number of rows
   * @param d number of columns
   * @param w row weights
   * @param wSum Σw
   * @param mean output, zeros on entry: the weighted column means
   * @param m2 output, zeros on entry: Σ w (x − mean)² per column
   */
  static void dense(double[] x, int rows, int d, double[] w, double wSum, double[] mean,
      double[] m2) {
    if (rows == 0 || d == 0 || wSum == 0) {
      return;
    }
    // mean = Xᵀw / W, then M2 = Σ w (x − mean)² on the block while it is in cache. Plain loops,
    // not dgemv: the pure-Java BLAS sums in another order when jdk.incubator.vector is loaded,
    // and the statistics (hence every fit) must be the same bits with or without it.
    for (int i = 0; i < rows; i++) {
      int base = i * d;
      double wi = w[i];
      for (int j = 0; j < d; j++) {
        mean[j] += wi * x[base + j];
      }
    }
    double inv = 1.0 / wSum;
    for (int j = 0; j < d; j++) {
      mean[j] *= inv;
    }
    // A column equal on every weighted row must get σ = 0 exactly (it then keeps β = 0), but the
    // rounded Xᵀw/W can sit an ulp away from that value and leave M2 ~ 1e-32·x²: remember the
    // value of the first weighted row and whether any other weighted row differs from it.
    double[] first = new double[d];
    boolean[] varies = new boolean[d];
    // Columns not yet seen to vary: once there are none (after a few rows, for most data), the
    // comparisons stop.
    int steady = d;
    int firstRow = -1;
    for (int i = 0; i < rows; i++) {
      int base = i * d;
      double wi = w[i];
      if (wi > 0 && steady > 0) {
        if (firstRow < 0) {
          firstRow = i;
          System.arraycopy(x, base, first, 0, d);
        }
        for (int j = 0; j < d; j++) {
          if (!varies[j] && x[base + j] != first[j]) {
            varies[j] = true;
            steady--;
          }
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

  /**
   * Moments of a CSR block; implicit zeros count as values.
   *
   * @param ptr row pointers (at least rows + 1)
   * @param idx column indices
   * @param val stored values
   * @param rows number of rows
   * @param w row weights
   * @param wSum Σw
   * @param mean output, zeros on entry (length d): the weighted column means
   * @param m2 output, zeros on entry (length d): Σ w (x − mean)² per column
   * @param ones whether every stored value is 1.0 (binary and one-hot features): the same
   *     arithmetic with the products w·1.0 = w and the comparisons with the first value left out,
   *     so the same bits
   */
  static void sparse(int[] ptr, int[] idx, double[] val, int rows, double[] w, double wSum,
      double[] mean, double[] m2, boolean ones) {
    if (wSum == 0) {
      return;
    }
    int d = mean.length;
    double[] wNonZero;
    // As in dense: a column equal on every weighted row gets exactly its value as the
    // mean and M2 = 0. Stored entries of weighted rows: how many, the first value, any other?
    int weightedRows = 0;
    int[] stored = new int[d];
    double[] first = new double[d];
    boolean[] varies = new boolean[d];
    if (ones) {
      // Σ w·1.0 is Σ w: the means' sums and the weights of the stored entries are the same sums.
      for (int i = 0; i < rows; i++) {
        double wi = w[i];
        int weighted = wi > 0 ? 1 : 0;
        weightedRows += weighted;
        for (int k = ptr[i], end = ptr[i + 1]; k < end; k++) {
          int j = idx[k];
          mean[j] += wi;
          stored[j] += weighted;
        }
      }
      wNonZero = mean.clone();
      for (int j = 0; j < d; j++) {
        first[j] = 1.0;
      }
    } else {
      wNonZero = new double[d];
      for (int i = 0; i < rows; i++) {
        double wi = w[i];
        boolean weighted = wi > 0;
        weightedRows += weighted ? 1 : 0;
        for (int k = ptr[i], end = ptr[i + 1]; k < end; k++) {
          int j = idx[k];
          mean[j] += wi * val[k];
          wNonZero[j] += wi;
          if (weighted) {
            if (stored[j]++ == 0) {
              first[j] = val[k];
            } else {
              varies[j] |= val[k] != first[j];
            }
          }
        }
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= wSum;
    }
    if (ones) {
      double[] dev = new double[d];
      for (int j = 0; j < d; j++) {
        dev[j] = 1.0 - mean[j];
      }
      for (int i = 0; i < rows; i++) {
        double wi = w[i];
        for (int k = ptr[i], end = ptr[i + 1]; k < end; k++) {
          int j = idx[k];
          m2[j] += wi * dev[j] * dev[j];
        }
      }
    } else {
      for (int i = 0; i < rows; i++) {
        double wi = w[i];
        for (int k = ptr[i], end = ptr[i + 1]; k < end; k++) {
          double dev = val[k] - mean[idx[k]];
          m2[idx[k]] += wi * dev * dev;
        }
      }
    }
    // Implicit zeros each deviate by −mean.
    for (int j = 0; j < d; j++) {
      m2[j] += (wSum - wNonZero[j]) * mean[j] * mean[j];
      boolean allStored = stored[j] == weightedRows;
      if (!varies[j] && (allStored || stored[j] == 0 || first[j] == 0.0)) {
        mean[j] = stored[j] == 0 ? 0.0 : first[j];
        m2[j] = 0.0;
      }
    }
  }
}
