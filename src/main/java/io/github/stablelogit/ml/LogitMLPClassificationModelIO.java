package io.github.stablelogit.ml;

import io.github.stablelogit.ml.io.Persistence;
import java.util.List;
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
 * The saved form of a {@link LogitMLPClassificationModel}: Spark's params metadata plus one
 * Parquet row under {@code data/}, written atomically by {@link Persistence}. Format version 1:
 * (formatVersion, numFeatures, hidden layer sizes, activation, weights), then the {@link
 * Calibrator}'s columns as in the linear model's format (null when there is none). The reader
 * refuses unknown versions and inconsistent or non-finite data.
 */
final class LogitMLPClassificationModelIO {

  /** The data format version this library writes. */
  static final int FORMAT_VERSION = 1;

  /** Schema of the one-row data Parquet of format version 1. */
  static final StructType DATA_SCHEMA = CalibratorIO.schema(
      new StructField("formatVersion", DataTypes.IntegerType, false, Metadata.empty()),
      new StructField("numFeatures", DataTypes.IntegerType, false, Metadata.empty()),
      new StructField("hiddenLayers", DataTypes.createArrayType(DataTypes.IntegerType, false),
          false, Metadata.empty()),
      new StructField("activation", DataTypes.StringType, false, Metadata.empty()),
      new StructField("weights", new VectorUDT(), false, Metadata.empty()));

  private LogitMLPClassificationModelIO() {}

  static MLWriter writer(LogitMLPClassificationModel model) {
    return new Persistence.AtomicWriter() {
      @Override
      public void saveImpl(String path) {
        Persistence.saveMetadata(model, path, sparkSession());
        int[] sizes = model.layerSizes();
        List<Integer> hidden = new java.util.ArrayList<>();
        for (int k = 1; k < sizes.length - 1; k++) {
          hidden.add(sizes[k]);
        }
        Row row = CalibratorIO.row(model.calibrator(), FORMAT_VERSION, model.numFeatures(),
            scala.jdk.javaapi.CollectionConverters.asScala(hidden).toSeq(),
            model.getActivation(), model.weights());
        Persistence.writeDataRow(sparkSession(), path, row, DATA_SCHEMA);
      }
    };
  }

  static MLReader<LogitMLPClassificationModel> reader() {
    return new MLReader<LogitMLPClassificationModel>() {
      @Override
      public LogitMLPClassificationModel load(String path) {
        DefaultParamsReader.Metadata md =
            Persistence.loadMetadata(path, sparkSession(), LogitMLPClassificationModel.class);
        Row r = Persistence.readDataRow(sparkSession(), path);
        Persistence.checkFormatVersion(path, r.getInt(r.fieldIndex("formatVersion")),
            FORMAT_VERSION);
        int d = r.getInt(r.fieldIndex("numFeatures"));
        List<Integer> hiddenList = r.getList(r.fieldIndex("hiddenLayers"));
        int[] hidden = hiddenList.stream().mapToInt(Integer::intValue).toArray();
        String activation = r.getString(r.fieldIndex("activation"));
        Vector w = (Vector) r.get(r.fieldIndex("weights"));
        if (w == null) {
          throw Persistence.corrupt(path, "there are no weights");
        }
        double[] values = w.toArray();
        for (int j = 0; j < values.length; j++) {
          if (!Double.isFinite(values[j])) {
            throw Persistence.corrupt(path, "weight " + j + " is " + values[j]);
          }
        }
        LogitMLPClassificationModel m;
        try {
          m = new LogitMLPClassificationModel(md.uid(), d, hidden, activation, w);
        } catch (IllegalArgumentException e) {
          throw Persistence.corrupt(path, e.getMessage());
        }
        Persistence.setParams(md, m);
        return m.setCalibrator(CalibratorIO.read(path, r));
      }
    };
  }
}
