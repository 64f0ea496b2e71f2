package io.github.stablelogit.optim;

import java.io.Serializable;

/**
 * The rows of a sparse {@link InstanceBlock} in CSR form, in the smallest of six encodings that
 * represents them exactly: column indices as 16-bit {@code char}s when every column of the block
 * is below 65536, else as {@code int}s; values omitted when every stored value is 1.0 (binary and
 * one-hot features: the "implied ones"), else as {@code float}s when every value is a float
 * (always so when the block was packed in single precision, whose values are rounded first; also
 * counts and other small integers), else as {@code double}s. Row pointers are {@code int}s (a
 * block may hold more than 65535 non-zeros). An evaluation reads every cached byte once, so
 * a9a-like rows of 14 one-hot features cost 2 bytes per non-zero instead of 12.
 *
 * <p>The encoding changes the bytes read, never the arithmetic: every loop below computes, for
 * every encoding, the same products in the same order. With implied ones the product v·β is
 * replaced by β, which is the same double (1.0·β = β exactly, also for ±0, ±∞ and NaN); a float
 * value is widened to double exactly before it is multiplied. The same rows therefore give the
 * same bits in every encoding (tests force each one, see {@link BlockBuilder#forcedEncoding}).
 *
 * <p>The loops run one inner loop per row; the packer stores a block's rows by their number of
 * non-zeros ({@link #byLength}) so that the processor predicts where those loops end.
 */
final class CsrRows implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The largest column index a {@code char} holds. */
  static final int MAX_CHAR_COLUMN = Character.MAX_VALUE;

  /** How the column indices and the values of a block are stored. */
  enum Encoding {
    /** 16-bit indices, implied values 1.0. */
    CHAR_ONES(2, 0),
    /** 16-bit indices, single-precision values. */
    CHAR_FLOAT(2, 4),
    /** 16-bit indices, double-precision values. */
    CHAR_DOUBLE(2, 8),
    /** 32-bit indices, implied values 1.0. */
    INT_ONES(4, 0),
    /** 32-bit indices, single-precision values. */
    INT_FLOAT(4, 4),
    /** 32-bit indices, double-precision values. */
    INT_DOUBLE(4, 8);

    final int indexBytes;
    final int valueBytes;

    Encoding(int indexBytes, int valueBytes) {
      this.indexBytes = indexBytes;
      this.valueBytes = valueBytes;
    }

    /** @return the encoding with these index and value widths */
    static Encoding of(boolean charIndices, int valueBytes) {
      for (Encoding e : values()) {
        if ((e.indexBytes == 2) == charIndices && e.valueBytes == valueBytes) {
          return e;
        }
      }
      throw new IllegalArgumentException("no encoding with " + valueBytes + "-byte values");
    }

    /**
     * @param maxColumn the largest column index of the rows
     * @param ones whether every value is 1.0
     * @param floats whether every value is a float
     * @return the smallest encoding that holds such rows exactly
     */
    static Encoding smallest(int maxColumn, boolean ones, boolean floats) {
      return of(maxColumn <= MAX_CHAR_COLUMN, ones ? 0 : floats ? 4 : 8);
    }
  }

  private final Encoding encoding;
  private final int[] rowPtr;
  /** Column indices when they fit in 16 bits, or null. */
  private final char[] charIdx;
  /** Column indices otherwise, or null. */
  private final int[] intIdx;
  /** Values in single precision, or null. */
  private final float[] floatValues;
  /** Values in double precision, or null (also when the values are implied ones). */
  private final double[] doubleValues;

  private CsrRows(Encoding encoding, int[] rowPtr, char[] charIdx, int[] intIdx,
      float[] floatValues, double[] doubleValues) {
    this.encoding = encoding;
    this.rowPtr = rowPtr;
    this.charIdx = charIdx;
    this.intIdx = intIdx;
    this.floatValues = floatValues;
    this.doubleValues = doubleValues;
  }

  /**
   * The order in which a CSR block stores its rows: by number of non-zeros, rows of equal length in
   * the order they came (a stable counting sort), or null when they already are. The CSR loops run
   * one inner loop per row, whose end the processor predicts from the lengths it has seen: with
   * lengths that vary from row to row (w8a-like rows: 4 to 20 non-zeros) it mispredicts about once
   * a row in each loop, which cost more than the loops' arithmetic; in runs of equal length it
   * predicts them. Rows whose lengths are all equal (one-hot groups) keep their order.
   *
   * @param ptr row pointers of n rows
   * @param n rows
   * @return old row index per new position, or null for the identity
   */
  static int[] byLength(int[] ptr, int n) {
    int longest = 0;
    boolean sorted = true;
    for (int i = 0; i < n; i++) {
      int len = ptr[i + 1] - ptr[i];
      sorted &= len >= longest;
      longest = Math.max(longest, len);
    }
    if (sorted) {
      return null;
    }
    int[] start = new int[longest + 2];
    for (int i = 0; i < n; i++) {
      start[ptr[i + 1] - ptr[i] + 1]++;
    }
    for (int len = 0; len <= longest; len++) {
      start[len + 1] += start[len];
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[start[ptr[i + 1] - ptr[i]]++] = i;
    }
    return order;
  }

  /**
   * Rows in the given encoding, copied from a builder's buffers (which stay the caller's) in one
   * pass: the rows in the given order, only the arrays the encoding keeps. The caller has checked
   * that the encoding represents every index and value exactly ({@link #smallest}, or {@link
   * #encode}'s checks).
   *
   * @param ptr row pointers into idx and values, length at least n + 1
   * @param idx column indices (may be longer than the non-zeros)
   * @param values their values (may be longer)
   * @param n number of rows
   * @param order old row index per new position, or null to keep the order
   * @param encoding the encoding
   * @return the rows, owning fresh arrays
   */
  static CsrRows gather(int[] ptr, int[] idx, double[] values, int n, int[] order,
      Encoding encoding) {
    int nnz = ptr[n];
    int[] rowPtr = new int[n + 1];
    char[] c = encoding.indexBytes == 2 ? new char[nnz] : null;
    int[] ix = c == null ? new int[nnz] : null;
    float[] f = encoding.valueBytes == 4 ? new float[nnz] : null;
    double[] v = encoding.valueBytes == 8 ? new double[nnz] : null;
    int at = 0;
    for (int i = 0; i < n; i++) {
      int r = order == null ? i : order[i];
      int from = ptr[r];
      int len = ptr[r + 1] - from;
      if (c != null) {
        for (int k = 0; k < len; k++) {
          c[at + k] = (char) idx[from + k];
        }
      } else {
        System.arraycopy(idx, from, ix, at, len);
      }
      if (f != null) {
        for (int k = 0; k < len; k++) {
          f[at + k] = (float) values[from + k];
        }
      } else if (v != null) {
        System.arraycopy(values, from, v, at, len);
      }
      at += len;
      rowPtr[i + 1] = at;
    }
    return new CsrRows(encoding, rowPtr, c, ix, f, v);
  }

  /**
   * The smallest encoding that represents the rows exactly.
   *
   * @param rowPtr row pointers, length n + 1
   * @param idx column indices of the rowPtr[n] non-zeros (non-negative)
   * @param values their values (already rounded to float when packed in single precision)
   * @return the encoding
   */
  static Encoding smallest(int[] rowPtr, int[] idx, double[] values) {
    int nnz = rowPtr[rowPtr.length - 1];
    return Encoding.of(maxColumn(idx, nnz) <= MAX_CHAR_COLUMN, valueBytes(values, nnz));
  }

  /** @return 0 when every value is 1.0, else 4 when every value is a float, else 8 */
  static int valueBytes(double[] values, int nnz) {
    int bytes = 0;
    for (int k = 0; k < nnz; k++) {
      double v = values[k];
      if ((float) v != v) {
        return 8;
      }
      if (v != 1.0) {
        bytes = 4;
      }
    }
    return bytes;
  }

  /**
   * Encodes rows in the given encoding, after checking that it holds them.
   *
   * @param rowPtr row pointers, length n + 1
   * @param idx column indices of the rowPtr[n] non-zeros
   * @param values their values
   * @param encoding the encoding, which must represent every index and value exactly
   * @return the rows
   * @throws IllegalArgumentException when the encoding would lose an index or a value
   */
  static CsrRows encode(int[] rowPtr, int[] idx, double[] values, Encoding encoding) {
    requireHolds(idx, values, rowPtr[rowPtr.length - 1], encoding);
    return gather(rowPtr, idx, values, rowPtr.length - 1, null, encoding);
  }

  /**
   * Checks that an encoding represents the first nnz indices and values exactly.
   *
   * @throws IllegalArgumentException when it would lose an index or a value
   */
  static void requireHolds(int[] idx, double[] values, int nnz, Encoding encoding) {
    if (encoding.indexBytes == 2 && maxColumn(idx, nnz) > MAX_CHAR_COLUMN) {
      throw new IllegalArgumentException(encoding + " cannot hold column "
          + maxColumn(idx, nnz));
    }
    for (int k = 0; k < nnz; k++) {
      double v = values[k];
      if (encoding.valueBytes == 0 && v != 1.0 || encoding.valueBytes == 4 && (float) v != v) {
        throw new IllegalArgumentException(encoding + " cannot hold value " + v);
      }
    }
  }

  private static int maxColumn(int[] idx, int nnz) {
    int max = 0;
    for (int k = 0; k < nnz; k++) {
      max = Math.max(max, idx[k]);
    }
    return max;
  }

  /** @return the encoding */
  Encoding encoding() {
    return encoding;
  }

  /** @return the row pointers, length n + 1 */
  int[] rowPtr() {
    return rowPtr;
  }

  /** @return the number of non-zeros */
  int nnz() {
    return rowPtr[rowPtr.length - 1];
  }

  /** @return the column of the k-th non-zero */
  int column(int k) {
    return charIdx != null ? charIdx[k] : intIdx[k];
  }

  /** @return the k-th non-zero, widened to double */
  double value(int k) {
    return doubleValues != null ? doubleValues[k] : floatValues != null ? floatValues[k] : 1.0;
  }

  /** @return the bytes of the row pointers, indices and values */
  long sizeInBytes() {
    return 4L * rowPtr.length + (long) (encoding.indexBytes + encoding.valueBytes) * nnz();
  }

  // One loop per encoding (a sparse product is not a BLAS routine): each reads only its arrays,
  // and all compute s += v·β (or s += β for implied ones) over a row's non-zeros in order.

  /** z[i − from] = Σ_k x_ik β_k + offset for rows i in [from, to). */
  void margins(double[] beta, double offset, int from, int to, double[] z) {
    int[] ptr = rowPtr;
    char[] c = charIdx;
    int[] ix = intIdx;
    float[] f = floatValues;
    double[] v = doubleValues;
    for (int i = from; i < to; i++) {
      double s = 0.0;
      int k = ptr[i];
      int end = ptr[i + 1];
      switch (encoding) {
        case CHAR_ONES -> {
          for (; k < end; k++) {
            s += beta[c[k]];
          }
        }
        case CHAR_FLOAT -> {
          for (; k < end; k++) {
            s += f[k] * beta[c[k]];
          }
        }
        case CHAR_DOUBLE -> {
          for (; k < end; k++) {
            s += v[k] * beta[c[k]];
          }
        }
        case INT_ONES -> {
          for (; k < end; k++) {
            s += beta[ix[k]];
          }
        }
        case INT_FLOAT -> {
          for (; k < end; k++) {
            s += f[k] * beta[ix[k]];
          }
        }
        default -> {
          for (; k < end; k++) {
            s += v[k] * beta[ix[k]];
          }
        }
      }
      z[i - from] = s + offset;
    }
  }

  /** gradient[k] += Σ_i x_ik dz[i − from] for rows i in [from, to). */
  void addTransposed(double[] dz, int from, int to, double[] gradient) {
    int[] ptr = rowPtr;
    char[] c = charIdx;
    int[] ix = intIdx;
    float[] f = floatValues;
    double[] v = doubleValues;
    for (int i = from; i < to; i++) {
      double g = dz[i - from];
      if (g == 0.0) {
        continue;
      }
      int k = ptr[i];
      int end = ptr[i + 1];
      switch (encoding) {
        case CHAR_ONES -> {
          for (; k < end; k++) {
            gradient[c[k]] += g;
          }
        }
        case CHAR_FLOAT -> {
          for (; k < end; k++) {
            gradient[c[k]] += f[k] * g;
          }
        }
        case CHAR_DOUBLE -> {
          for (; k < end; k++) {
            gradient[c[k]] += v[k] * g;
          }
        }
        case INT_ONES -> {
          for (; k < end; k++) {
            gradient[ix[k]] += g;
          }
        }
        case INT_FLOAT -> {
          for (; k < end; k++) {
            gradient[ix[k]] += f[k] * g;
          }
        }
        default -> {
          for (; k < end; k++) {
            gradient[ix[k]] += v[k] * g;
          }
        }
      }
    }
  }
}
