package io.github.stablelogit.ml.io;

import io.github.stablelogit.ml.LogitClassificationModel;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Saving and loading, in Spark's layout: {@code metadata/} (Spark's JSON with class, uid and
 * params) plus, for a model, {@code data/} — one Parquet row (formatVersion, numFeatures, intercept,
 * coefficients). No Java serialization. Readers check that the metadata names the expected class
 * and instantiate nothing else; the model reader rejects unknown format versions and inconsistent
 * or non-finite data with a message saying what is wrong.
 *
 * <p>Writers save through {@link AtomicModelDirectory}: {@code overwrite()} replaces an existing
 * directory only once the new content is completely written, where Spark's own {@code
 * MLWriter.save} deletes it first.
 *
 * <p>This is the only class that touches Spark's {@code DefaultParamsWriter}/{@code Reader}.
 */
public final class LogitPersistence {

  /** The current model data format. Version 1: (formatVersion, numFeatures, intercept, coefficients). */
  public static final int FORMAT_VERSION = 1;

  /** Schema of the one-row data Parquet of format version 1. */
  public static final StructType DATA_SCHEMA = new StructType(new StructField[] {
      new StructField("formatVersion", DataTypes.IntegerType, false, Metadata.empty()),
      new StructField("numFeatures", DataTypes.IntegerType, false, Metadata.empty()),
      new StructField("intercept", DataTypes.DoubleType, false, Metadata.empty()),
      new StructField("coefficients", new VectorUDT(), false, Metadata.empty())});

  private static final Logger LOG = LoggerFactory.getLogger(LogitPersistence.class);

  private LogitPersistence() {}

  /** An {@link MLWriter} whose {@code save} writes into a sibling and renames it into place. */
  private abstract static class AtomicWriter extends MLWriter {
    @Override
    public void save(String path) throws IOException {
      // The same file system resolution as MLWriter.save (session Hadoop conf, default FS).
      Path target = new Path(path);
      FileSystem fs = target.getFileSystem(sparkSession().sessionState().newHadoopConf());
      AtomicModelDirectory.write(fs, target, shouldOverwrite(), dir -> saveImpl(dir.toString()))
          .ifPresent(LOG::warn);
    }
  }

  /**
   * A writer of the params metadata alone (for estimators).
   *
   * @param instance what to save
   * @return the writer
   */
  public static MLWriter paramsWriter(Params instance) {
    return new AtomicWriter() {
      @Override
      public void saveImpl(String path) {
        DefaultParamsWriter.saveMetadata(instance, path, sparkSession());
      }
    };
  }

  /**
   * A reader of params metadata (for estimators) that only ever creates {@code cls}.
   *
   * @param cls the expected class
   * @param create its (String uid) constructor
   * @param <T> the type
   * @return the reader
   */
  public static <T extends Params> MLReader<T> paramsReader(Class<T> cls,
      Function<String, T> create) {
    return new MLReader<T>() {
      @Override
      public T load(String path) {
        DefaultParamsReader.Metadata md = loadMetadata(path, sparkSession(), cls);
        T instance = create.apply(md.uid());
        md.getAndSetParams(instance, Option.empty());
        return instance;
      }
    };
  }

  /**
   * @param model the model to save
   * @return its writer
   */
  public static MLWriter modelWriter(LogitClassificationModel model) {
    return new AtomicWriter() {
      @Override
      public void saveImpl(String path) {
        DefaultParamsWriter.saveMetadata(model, path, sparkSession());
        Row row = RowFactory.create(FORMAT_VERSION, model.numFeatures(), model.intercept(),
            model.coefficients());
        sparkSession().createDataFrame(List.of(row), DATA_SCHEMA).repartition(1).write()
            .parquet(path + "/data");
      }
    };
  }

  /** @return a reader of saved {@link LogitClassificationModel}s */
  public static MLReader<LogitClassificationModel> modelReader() {
    return new MLReader<LogitClassificationModel>() {
      @Override
      public LogitClassificationModel load(String path) {
        DefaultParamsReader.Metadata md =
            loadMetadata(path, sparkSession(), LogitClassificationModel.class);
        List<Row> rows;
        try {
          Dataset<Row> data = sparkSession().read().parquet(path + "/data");
          rows = data.collectAsList();
        } catch (Exception e) {
          // Spark reports a missing path with AnalysisException, which Java sees as checked.
          throw new IllegalArgumentException("cannot read the model data under " + path
              + "/data: " + firstLine(e.getMessage()) + ". The model directory is incomplete or "
              + "corrupted; re-save it from a fitted model.", e);
        }
        if (rows.size() != 1) {
          throw corrupt(path, "expected 1 data row, found " + rows.size());
        }
        Row r = rows.get(0);
        int version = r.getInt(r.fieldIndex("formatVersion"));
        if (version > FORMAT_VERSION || version < 1) {
          throw new IllegalArgumentException(String.format(Locale.ROOT,
              "the model at %s has format version %d, but this stablelogit reads versions 1 to "
                  + "%d; load it with the stablelogit version that saved it, or a newer one.",
              path, version, FORMAT_VERSION));
        }
        int d = r.getInt(r.fieldIndex("numFeatures"));
        double intercept = r.getDouble(r.fieldIndex("intercept"));
        Vector coef = (Vector) r.get(r.fieldIndex("coefficients"));
        if (coef == null || coef.size() != d) {
          throw corrupt(path, "numFeatures is " + d + " but there are "
              + (coef == null ? "no" : String.valueOf(coef.size())) + " coefficients");
        }
        if (!Double.isFinite(intercept)) {
          throw corrupt(path, "the intercept is " + intercept);
        }
        double[] c = coef.toArray();
        for (int j = 0; j < c.length; j++) {
          if (!Double.isFinite(c[j])) {
            throw corrupt(path, "coefficient " + j + " is " + c[j]);
          }
        }
        LogitClassificationModel m = new LogitClassificationModel(md.uid(), coef, intercept);
        md.getAndSetParams(m, Option.empty());
        return m;
      }
    };
  }

  private static DefaultParamsReader.Metadata loadMetadata(String path,
      org.apache.spark.sql.SparkSession spark, Class<?> cls) {
    try {
      return DefaultParamsReader.loadMetadata(path, spark, cls.getName());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException("cannot load a " + cls.getSimpleName() + " from " + path
          + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot load a " + cls.getSimpleName() + " from " + path
          + ": its metadata is missing or unreadable (" + e.getMessage() + ")", e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static IllegalArgumentException corrupt(String path, String what) {
    return new IllegalArgumentException("the model at " + path + " is corrupted: " + what
        + ". Re-save it from a fitted model.");
  }
}
