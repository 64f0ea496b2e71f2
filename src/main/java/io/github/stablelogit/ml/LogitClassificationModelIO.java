package io.github.stablelogit.ml;

import io.github.stablelogit.ml.io.Persistence;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The saved form of a {@link LogitClassificationModel}: Spark's params metadata plus one Parquet
 * row under {@code data/}. Format version 1: (formatVersion, numFeatures, intercept,
 * coefficients). Version 2 adds the {@link Calibrator}: calibrator ("platt", "isotonic" or null),
 * plattSlope, plattIntercept (NaN unless platt), isotonicBoundaries and isotonicValues (null
 * unless isotonic); a version-1 model loads without one. The reader refuses unknown versions and
 * inconsistent or non-finite data; every version ever written stays readable (committed fixtures
 * under {@code src/test/resources/models/}).
 */
public final class LogitClassificationModelIO {

  /** The data format version this library writes. */
  public static final int FORMAT_VERSION = 2;

  /** Schema of the one-row data Parquet of format version 2. */
  public static final StructType DATA_SCHEMA = new StructType(new StructField[] {
      new StructField("formatVersion", DataTypes.IntegerType, false, Metadata.empty()),
      new StructField("numFeatures", DataTypes.IntegerType, false, Metadata.empty()),
      new StructField("intercept", DataTypes.DoubleType, false, Metadata.empty()),
      new StructField("coefficients", new VectorUDT(), false, Metadata.empty()),
      new StructField("calibrator", DataTypes.StringType, true, Metadata.empty()),
      new StructField("plattSlope", DataTypes.DoubleType, false, Metadata.empty()),
      new StructField("plattIntercept", DataTypes.DoubleType, false, Metadata.empty()),
      new StructField("isotonicBoundaries", new VectorUDT(), true, Metadata.empty()),
      new StructField("isotonicValues", new VectorUDT(), true, Metadata.empty())});

  private LogitClassificationModelIO() {}

  static MLWriter writer(LogitClassificationModel model) {
    return new Persistence.AtomicWriter() {
      @Override
      public void saveImpl(String path) {
        Persistence.saveMetadata(model, path, sparkSession());
        Calibrator c = model.calibrator();
        boolean iso = c != null && c.kind().equals("isotonic");
        Row row = RowFactory.create(FORMAT_VERSION, model.numFeatures(), model.intercept(),
            model.coefficients(), c == null ? null : c.kind(),
            c == null ? Double.NaN : c.plattSlope(), c == null ? Double.NaN : c.plattIntercept(),
            iso ? Vectors.dense(c.isotonicBoundaries()) : null,
            iso ? Vectors.dense(c.isotonicValues()) : null);
        Persistence.writeDataRow(sparkSession(), path, row, DATA_SCHEMA);
      }
    };
  }

  static MLReader<LogitClassificationModel> reader() {
    return new MLReader<LogitClassificationModel>() {
      @Override
      public LogitClassificationModel load(String path) {
        DefaultParamsReader.Metadata md =
            Persistence.loadMetadata(path, sparkSession(), LogitClassificationModel.class);
        Row r = Persistence.readDataRow(sparkSession(), path);
        Persistence.checkFormatVersion(path, r.getInt(r.fieldIndex("formatVersion")),
            FORMAT_VERSION);
        int d = r.getInt(r.fieldIndex("numFeatures"));
        double intercept = r.getDouble(r.fieldIndex("intercept"));
        Vector coef = (Vector) r.get(r.fieldIndex("coefficients"));
        if (coef == null || coef.size() != d) {
          throw Persistence.corrupt(path, "numFeatures is " + d + " but there are "
              + (coef == null ? "no" : String.valueOf(coef.size())) + " coefficients");
        }
        if (!Double.isFinite(intercept)) {
          throw Persistence.corrupt(path, "the intercept is " + intercept);
        }
        double[] c = coef.toArray();
        for (int j = 0; j < c.length; j++) {
          if (!Double.isFinite(c[j])) {
            throw Persistence.corrupt(path, "coefficient " + j + " is " + c[j]);
          }
        }
        LogitClassificationModel m = new LogitClassificationModel(md.uid(), coef, intercept);
        Persistence.setParams(md, m);
        return m.setCalibrator(calibrator(path, r));
      }
    };
  }

  /** The calibrator of a version-2 row, null for version 1 or none. */
  private static Calibrator calibrator(String path, Row r) {
    if (!java.util.Arrays.asList(r.schema().fieldNames()).contains("calibrator")
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
