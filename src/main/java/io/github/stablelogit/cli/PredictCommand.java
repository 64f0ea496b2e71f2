package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * {@code predict}: writes a saved model's prediction and P(y = 1) with the input's scalar columns,
 * as Parquet or as one CSV file.
 */
final class PredictCommand {

  /** The options that take a value. */
  static final List<String> OPTIONS = List.of("input", "format", "partitions", "master", "model",
      "output", "threshold");

  /** The switches. */
  static final List<String> SWITCHES = List.of("overwrite", "debug");

  private PredictCommand() {}

  /**
   * @param a the parsed command line
   * @param out results
   * @return the exit code (0)
   * @throws UsageException on input the user can fix
   * @throws Exception on other failures
   */
  static int run(CliArgs a, PrintStream out) throws Exception {
    String modelDir = a.require("model");
    String input = a.require("input");
    String output = a.require("output");
    String format = a.format();
    Double threshold = a.threshold();
    int partitions = a.partitions();
    boolean overwrite = a.has("overwrite");
    try (Session session = Session.open(a.get("master"), "stablelogit predict")) {
      out.println(session.describe());
      Path outPath = new Path(output);
      FileSystem ofs = outPath.getFileSystem(session.spark.sparkContext().hadoopConfiguration());
      if (ofs.exists(outPath) && !overwrite) {
        throw new UsageException("output '" + output + "' already exists; pass --overwrite to "
            + "replace it");
      }
      SavedPipeline saved = SavedPipeline.load(session.spark, modelDir);
      if (threshold != null) {
        saved.classifier.setThreshold(threshold);
      }
      InputData.Loaded in = InputData.read(session.spark, input, format, saved.libsvmSize());
      Dataset<Row> df = InputData.withoutReserved(in.data(), out);
      saved.requireInputs(df);
      if (partitions > 0) {
        df = df.repartition(partitions);
      }
      List<Column> cols = new ArrayList<>();
      cols.add(col("prediction"));
      cols.add(udf((UDF1<Vector, Double>) v -> v == null ? null : v.apply(1),
          DataTypes.DoubleType).apply(col("probability")).alias("probability"));
      List<String> passed = new ArrayList<>();
      for (StructField f : df.schema().fields()) {
        if (isScalar(f.dataType())) {
          cols.add(col(Columns.quote(f.name())));
          passed.add(f.name());
        }
      }
      Dataset<Row> result = saved.model.transform(df).select(cols.toArray(new Column[0]));
      boolean csv = output.toLowerCase(Locale.ROOT).endsWith(".csv");
      if (csv) {
        writeSingleCsv(ofs, outPath, overwrite, result);
      } else {
        result.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
            .parquet(output);
      }
      out.println(String.format(Locale.ROOT, "wrote predictions to %s (%s): prediction, "
              + "probability%s", ofs.makeQualified(outPath), csv ? "CSV" : "Parquet",
          passed.isEmpty() ? "" : ", " + String.join(", ", passed)));
      return 0;
    }
  }

  private static boolean isScalar(DataType t) {
    return t instanceof NumericType || t instanceof StringType || t instanceof BooleanType
        || t instanceof DateType || t instanceof TimestampType || t instanceof TimestampNTZType;
  }

  /**
   * Writes one CSV file with a header: Spark writes a temporary sibling directory, then its single
   * part file is moved to {@code target}.
   */
  private static void writeSingleCsv(FileSystem checked, Path target, boolean overwrite,
      Dataset<Row> result) throws IOException {
    // The raw local file system moves the part file without its .crc side file.
    FileSystem fs = checked instanceof LocalFileSystem local ? local.getRaw() : checked;
    Path file = fs.makeQualified(target);
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp-" + UUID.randomUUID());
    try {
      result.coalesce(1).write().option("header", "true").csv(tmp.toString());
      FileStatus[] part = fs.listStatus(tmp, p -> p.getName().startsWith("part-"));
      if (part.length != 1) {
        throw new IOException("expected one part file in " + tmp + ", found " + part.length);
      }
      if (fs.exists(file)) {
        if (!overwrite || !fs.delete(file, true)) {
          throw new IOException("cannot replace " + file);
        }
      }
      if (!fs.rename(part[0].getPath(), file)) {
        throw new IOException("cannot move " + part[0].getPath() + " to " + file);
      }
    } finally {
      fs.delete(tmp, true);
    }
  }
}
