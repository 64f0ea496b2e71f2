package io.github.stablelogit.ml.io;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * The parts every saved stage of this library shares, in Spark's layout: {@code metadata/}
 * (Spark's JSON with class, uid and params) plus, for a model, {@code data/} (the model's own
 * reader and writer, next to the model, define its rows and format versions). No Java
 * serialization. Readers check that the metadata names the expected class and instantiate nothing
 * else; {@link #readDataRow} and {@link #checkFormatVersion} reject missing, truncated and
 * unknown-version data with a message saying what is wrong.
 *
 * <p>Writers save through {@link AtomicModelDirectory}: {@code overwrite()} replaces an existing
 * directory only once the new content is completely written, where Spark's own {@code
 * MLWriter.save} deletes it first.
 *
 * <p>This is the only class that touches Spark's {@code DefaultParamsWriter}/{@code Reader}. It
 * knows no concrete stage.
 */
public final class Persistence {

  private static final Logger LOG = LoggerFactory.getLogger(Persistence.class);

  private Persistence() {}

  /**
   * An {@link MLWriter} whose {@code save} writes into a hidden sibling directory and renames it
   * into place ({@link AtomicModelDirectory}); subclasses write the content in {@code saveImpl}.
   */
  public abstract static class AtomicWriter extends MLWriter {
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
        saveMetadata(instance, path, sparkSession());
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
    return paramsReader(cls.getName(), create);
  }

  /**
   * A reader of params metadata that requires {@code storedClass} in the metadata and creates the
   * instance with {@code create}: for a stage saved under a former class name.
   *
   * @param storedClass the class name the metadata must hold
   * @param create the (String uid) constructor of the class to create
   * @param <T> the type
   * @return the reader
   */
  public static <T extends Params> MLReader<T> paramsReader(String storedClass,
      Function<String, T> create) {
    return new MLReader<T>() {
      @Override
      public T load(String path) {
        DefaultParamsReader.Metadata md = loadMetadata(path, sparkSession(), storedClass);
        T instance = create.apply(md.uid());
        setParams(md, instance);
        return instance;
      }
    };
  }

  /**
   * Writes the params metadata of a stage into {@code path} (inside {@link AtomicWriter#saveImpl}).
   *
   * @param instance the stage
   * @param path the directory being written
   * @param spark the writer's session
   */
  public static void saveMetadata(Params instance, String path, SparkSession spark) {
    DefaultParamsWriter.saveMetadata(instance, path, spark);
  }

  /**
   * Reads the params metadata of a stage, refusing metadata that names another class.
   *
   * @param path the saved stage's directory
   * @param spark the reader's session
   * @param cls the expected class
   * @return the metadata
   * @throws IllegalArgumentException if it is missing, unreadable or names another class
   */
  public static DefaultParamsReader.Metadata loadMetadata(String path, SparkSession spark,
      Class<?> cls) {
    return loadMetadata(path, spark, cls.getName());
  }

  private static DefaultParamsReader.Metadata loadMetadata(String path, SparkSession spark,
      String className) {
    String simpleName = className.substring(className.lastIndexOf('.') + 1);
    try {
      return DefaultParamsReader.loadMetadata(path, spark, className);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalArgumentException("cannot load a " + simpleName + " from " + path
          + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cannot load a " + simpleName + " from " + path
          + ": its metadata is missing or unreadable (" + e.getMessage() + ")", e);
    }
  }


  /**
   * Sets the params recorded in the metadata on a new instance.
   *
   * @param md metadata from {@link #loadMetadata}
   * @param instance the instance created with the metadata's uid
   */
  public static void setParams(DefaultParamsReader.Metadata md, Params instance) {
    md.getAndSetParams(instance, Option.empty());
  }

  /**
   * Writes one row as the stage's {@code data/} Parquet.
   *
   * @param spark the writer's session
   * @param path the directory being written
   * @param row the row
   * @param schema its schema
   */
  public static void writeDataRow(SparkSession spark, String path, Row row, StructType schema) {
    spark.createDataFrame(List.of(row), schema).repartition(1).write().parquet(path + "/data");
  }

  /**
   * Reads the single row of a stage's {@code data/} Parquet.
   *
   * @param spark the reader's session
   * @param path the saved stage's directory
   * @return the row
   * @throws IllegalArgumentException if the data is missing, unreadable, or not exactly one row
   */
  public static Row readDataRow(SparkSession spark, String path) {
    List<Row> rows;
    try {
      rows = spark.read().parquet(path + "/data").collectAsList();
    } catch (Exception e) {
      // Spark reports a missing path with AnalysisException, which Java sees as checked.
      throw new IllegalArgumentException("cannot read the model data under " + path
          + "/data: " + firstLine(e.getMessage()) + ". The model directory is incomplete or "
          + "corrupted; re-save it from a fitted model.", e);
    }
    if (rows.size() != 1) {
      throw corrupt(path, "expected 1 data row, found " + rows.size());
    }
    return rows.get(0);
  }

  /**
   * Refuses format versions this library cannot read.
   *
   * @param path the saved stage's directory
   * @param version the version found
   * @param current the newest version this library writes (it reads 1 to current)
   * @throws IllegalArgumentException for a version outside 1..current
   */
  public static void checkFormatVersion(String path, int version, int current) {
    if (version > current || version < 1) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "the model at %s has format version %d, but this stablelogit reads versions 1 to "
              + "%d; load it with the stablelogit version that saved it, or a newer one.",
          path, version, current));
    }
  }

  /**
   * @param path the saved stage's directory
   * @param what what is wrong with it
   * @return the exception to throw: corrupted data, re-save
   */
  public static IllegalArgumentException corrupt(String path, String what) {
    return new IllegalArgumentException("the model at " + path + " is corrupted: " + what
        + ". Re-save it from a fitted model.");
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
