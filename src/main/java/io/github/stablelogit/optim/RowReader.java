package io.github.stablelogit.optim;

import java.util.Locale;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * How {@link BlockPacker} reads one kind of input row: (features, label, weight[, validation][,
 * fold id]) as {@link Row}s ({@link Rows}) or as Spark SQL's internal rows ({@link InternalRows}),
 * whose vector structs it copies without making {@code Row}s and vectors of them.
 *
 * @param <R> the row type
 */
interface RowReader<R> {
  /** Reads the row's features into f; false when they are null. */
  boolean features(R row, Features f);

  boolean isNullAt(R row, int i);

  double getDouble(R row, int i);

  boolean getBoolean(R row, int i);

  /** An integral field as long (a fold id). */
  long getLong(R row, int i);

  int length(R row);

  /**
   * A row's features vector as read: its size and its {@code count} stored entries, {@code
   * indices} null for a dense vector. The arrays are the vector's own or a reader's buffers, which
   * may be longer than {@code count}.
   */
  final class Features {
    int size;
    int count;
    int[] indices;
    double[] values;
    /** Why the vector is malformed, or null. */
    String malformed;
  }

  /** Reads {@link Row}s, whose vectors have been checked when they were made. */
  final class Rows implements RowReader<Row> {
    @Override
    public boolean features(Row row, Features f) {
      Object v = row.get(0);
      if (v instanceof SparseVector sv) {
        f.indices = sv.indices();
        f.values = sv.values();
      } else if (v instanceof DenseVector dv) {
        f.indices = null;
        f.values = dv.values();
      } else {
        return false;
      }
      f.size = ((Vector) v).size();
      f.count = f.values.length;
      f.malformed = null;
      return true;
    }

    @Override
    public boolean isNullAt(Row row, int i) {
      return row.isNullAt(i);
    }

    @Override
    public double getDouble(Row row, int i) {
      return row.getDouble(i);
    }

    @Override
    public boolean getBoolean(Row row, int i) {
      return row.getBoolean(i);
    }

    @Override
    public long getLong(Row row, int i) {
      return ((Number) row.get(i)).longValue();
    }

    @Override
    public int length(Row row) {
      return row.length();
    }
  }

  /**
   * Reads internal rows: the features are {@code VectorUDT}'s struct (type: 0 sparse, 1 dense;
   * size; indices; values), copied into buffers reused from row to row.
   */
  final class InternalRows implements RowReader<InternalRow> {
    private int[] indices = new int[64];
    private double[] values = new double[64];

    @Override
    public boolean features(InternalRow row, Features f) {
      if (row.isNullAt(0)) {
        return false;
      }
      InternalRow v = row.getStruct(0, 4);
      boolean sparse = !v.isNullAt(0) && v.getByte(0) == 0;
      if (v.isNullAt(0) || v.isNullAt(3) || sparse && (v.isNullAt(1) || v.isNullAt(2))) {
        f.malformed = "a vector struct with a null type, size, indices or values";
        return true;
      }
      ArrayData vals = v.getArray(3);
      int n = vals.numElements();
      if (values.length < n) {
        values = new double[Math.max(n, 2 * values.length)];
        indices = new int[values.length];
      }
      f.malformed = null;
      if (sparse) {
        int size = v.getInt(1);
        ArrayData idx = v.getArray(2);
        if (idx.numElements() != n) {
          f.malformed = String.format(Locale.ROOT, "%d indices for %d values",
              idx.numElements(), n);
        }
        int last = -1;
        for (int k = 0; k < n && f.malformed == null; k++) {
          int j = idx.getInt(k);
          if (j < 0 || j >= size || j <= last) {
            f.malformed = String.format(Locale.ROOT, "index %d %s (size %d)", j,
                j < 0 || j >= size ? "is out of range" : "follows " + last, size);
          }
          indices[k] = j;
          values[k] = vals.getDouble(k);
          last = j;
        }
        f.size = size;
        f.indices = indices;
      } else {
        for (int k = 0; k < n; k++) {
          values[k] = vals.getDouble(k);
        }
        f.size = n;
        f.indices = null;
      }
      f.values = values;
      f.count = n;
      return true;
    }

    @Override
    public boolean isNullAt(InternalRow row, int i) {
      return row.isNullAt(i);
    }

    @Override
    public double getDouble(InternalRow row, int i) {
      return row.getDouble(i);
    }

    @Override
    public boolean getBoolean(InternalRow row, int i) {
      return row.getBoolean(i);
    }

    @Override
    public long getLong(InternalRow row, int i) {
      return row.getLong(i);
    }

    @Override
    public int length(InternalRow row) {
      return row.numFields();
    }
  }
}
