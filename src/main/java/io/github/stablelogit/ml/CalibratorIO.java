package io.github.stablelogit.ml;

import io.github.stablelogit.ml.io.Persistence;
import java.util.Arrays;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A {@link Calibrator} in a saved model's data row, the same columns for every model: calibrator
 * ("platt", "isotonic" or null), plattSlope, plattIntercept (NaN unless platt),
 * isotonicBoundaries and isotonicValues (null unless isotonic). Rows written before calibrators
 * existed (no such columns) read as no calibrator.
 */
final class CalibratorIO {

  /** The calibrator's columns, appended to a model's own. */
  static final StructField[] FIELDS = {
      new StructField("calibrator", DataTypes.StringType, true, Metadata.empty()),
      new StructField("plattSlope", DataTypes.DoubleType, false, Metadata.empty()),
      new StructField("plattIntercept", DataTypes.DoubleType, false, Metadata.empty()),
      new StructField("isotonicBoundaries", new VectorUDT(), true, Metadata.empty()),
      new StructField("isotonicValues", new VectorUDT(), true, Metadata.empty())};

  private CalibratorIO() {}

  /** @return a model's columns followed by the calibrator's */
  static StructType schema(StructField... modelFields) {
    StructField[] all = Arrays.copyOf(modelFields, modelFields.length + FIELDS.length);
    System.arraycopy(FIELDS, 0, all, modelFields.length, FIELDS.length);
    return new StructType(all);
  }

  /** @return a row of a model's values followed by the calibrator's (c may be null) */
  static Row row(Calibrator c, Object... modelValues) {
    boolean iso = c != null && c.kind().equals("isotonic");
    Object[] all = Arrays.copyOf(modelValues, modelValues.length + FIELDS.length);
    int k = modelValues.length;
    all[k] = c == null ? null : c.kind();
    all[k + 1] = c == null ? Double.NaN : c.plattSlope();
    all[k + 2] = c == null ? Double.NaN : c.plattIntercept();
    all[k + 3] = iso ? Vectors.dense(c.isotonicBoundaries()) : null;
    all[k + 4] = iso ? Vectors.dense(c.isotonicValues()) : null;
    return RowFactory.create(all);
  }

  /**
   * @param path the model's path, for the error message
   * @param r the data row
   * @return the calibrator of the row, null when it has none (or no calibrator columns)
   */
  static Calibrator read(String path, Row r) {
    if (!Arrays.asList(r.schema().fieldNames()).contains("calibrator")
        || r.isNullAt(r.fieldIndex("calibrator"))) {
      return null;
    }
    String kind = r.getString(r.fieldIndex("calibrator"));
    try {
      if (kind.equals("platt")) {
        return Calibrator.platt(r.getDouble(r.fieldIndex("plattSlope")),
            r.getDouble(r.fieldIndex("plattIntercept")));
      }
      if (kind.equals("isotonic")) {
        Vector b = (Vector) r.get(r.fieldIndex("isotonicBoundaries"));
        Vector v = (Vector) r.get(r.fieldIndex("isotonicValues"));
        if (b != null && v != null) {
          return Calibrator.isotonic(b.toArray(), v.toArray());
        }
      }
    } catch (IllegalArgumentException e) {
      throw Persistence.corrupt(path, e.getMessage());
    }
    throw Persistence.corrupt(path, "the calibrator '" + kind + "' is unknown or incomplete");
  }
}
