package io.github.stablelogit.ml;

import io.github.stablelogit.ml.io.Persistence;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The saved form of a {@link LogitClassificationModel}: Spark's params metadata plus one Parquet
 * row under {@code data/}. Format version 1: (formatVersion, numFeatures, intercept,
 * coefficients). Version 2 adds the {@link Calibrator}'s columns: calibrator ("platt", "isotonic"
 * or null), plattSlope, plattIntercept, isotonicBoundaries, isotonicValues; a version-1 model loads
 * without one. The reader refuses unknown versions and inconsistent or non-finite data; every
 * version ever written stays readable (committed fixtures under {@code
 * src/test/resources/models/}).
 */
public final class LogitClassificationModelIO {

  /** The data format version this library writes. */
  public static final int FORMAT_VERSION = 2;

  /** Schema of the one-row data Parquet of format version 2. */
  public static final StructType DATA_SCHEMA = CalibratorIO.schema(
      new StructField("formatVersion", DataTypes.IntegerType, false, Metadata.empty()),
      new StructField("numFeatures", DataTypes.IntegerType, false, Metadata.empty()),
      new StructField("intercept", DataTypes.DoubleType, false, Metadata.empty()),
      new StructField("coefficients", new VectorUDT(), false, Metadata.empty()));

  private LogitClassificationModelIO() {}

  static MLWriter writer(LogitClassificationModel model) {
    return new Persistence.AtomicWriter() {
      @Override
      public void saveImpl(String path) {
        Persistence.saveMetadata(model, path, sparkSession());
        Row row = CalibratorIO.row(model.calibrator(), FORMAT_VERSION, model.numFeatures(),
            model.intercept(), model.coefficients());
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
        return m.setCalibrator(CalibratorIO.read(path, r));
      }
    };
  }
}
