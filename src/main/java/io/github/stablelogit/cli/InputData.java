package io.github.stablelogit.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads the job's input: CSV (header, inferred types, ';' or ',' separator detected from the
 * header line, gzip by extension), Parquet, or LIBSVM. The format comes from {@code --format} or
 * the path's extension.
 */
final class InputData {

  /** The formats the job reads. */
  static final String[] FORMATS = {"csv", "parquet", "libsvm"};

  private InputData() {}

  /** What was read and how. */
  record Loaded(Dataset<Row> data, String format) {}

  /**
   * @param spark the session
   * @param path input path (local, HDFS, … or a glob)
   * @param format csv, parquet, libsvm, or null to infer from the extension
   * @param libsvmFeatures the LIBSVM vector size to impose, or -1 to infer from the data
   * @return the data
   */
  static Loaded read(SparkSession spark, String path, String format, int libsvmFeatures) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    FileStatus[] found = find(conf, path);
    String fmt = format != null ? checkFormat(format) : inferFormat(path, found);
    switch (fmt) {
      case "csv": {
        String sep = detectSeparator(conf, found, path);
        DataFrameReader r = spark.read().option("header", "true").option("inferSchema", "true")
            .option("sep", sep);
        Dataset<Row> df = r.csv(path);
        if (df.columns().length == 0) {
          throw new UsageException("input '" + path + "' has no columns: is the CSV file empty?");
        }
        return new Loaded(df, fmt);
      }
      case "parquet":
        return new Loaded(spark.read().parquet(path), fmt);
      case "libsvm": {
        DataFrameReader r = spark.read().format("libsvm");
        if (libsvmFeatures > 0) {
          r = r.option("numFeatures", Integer.toString(libsvmFeatures));
        }
        return new Loaded(r.load(path), fmt);
      }
      default:
        throw new IllegalStateException(fmt);
    }
  }

  /**
   * Drops input columns that collide with what the pipeline writes, saying so.
   *
   * @param df the input
   * @param out receives one note per dropped column
   * @return the input without those columns
   */
  static Dataset<Row> withoutReserved(Dataset<Row> df, PrintStream out) {
    List<String> reserved = new ArrayList<>(Columns.OUTPUTS);
    reserved.add(Columns.LABEL);
    reserved.add(Columns.FEATURES);
    for (String r : reserved) {
      if (Columns.has(df.schema(), r)) {
        out.println("note: ignoring input column '" + r + "': the model writes a column of that "
            + "name");
        df = df.drop(r);
      }
    }
    return df;
  }

  /**
   * @param path an input path
   * @return the format its extension implies, or null when it implies none
   */
  static String formatByName(String path) {
    try {
      return inferFormat(path, new FileStatus[0]);
    } catch (UsageException e) {
      return null;
    }
  }

  static String checkFormat(String format) {
    String f = format.trim().toLowerCase(Locale.ROOT);
    if (!Arrays.asList(FORMATS).contains(f)) {
      throw new UsageException("--format must be one of csv, parquet, libsvm, but was '" + format
          + "'");
    }
    return f;
  }

  /**
   * The format an extension implies: .csv[.gz|.bz2] csv; .parquet or a directory parquet;
   * .libsvm/.svm/.txt libsvm.
   */
  static String inferFormat(String path, FileStatus[] found) {
    String name = path.replaceAll("/+$", "").toLowerCase(Locale.ROOT);
    String base = name.replaceAll("\\.(gz|bz2|deflate|zst|lz4|snappy)$", "");
    if (base.endsWith(".csv")) {
      return "csv";
    }
    if (base.endsWith(".parquet")) {
      return "parquet";
    }
    if (base.endsWith(".libsvm") || base.endsWith(".svm") || base.endsWith(".txt")) {
      return "libsvm";
    }
    if (found.length == 1 && found[0].isDirectory()) {
      return "parquet";
    }
    throw new UsageException("cannot tell the format of '" + path + "' from its name; pass "
        + "--format csv, parquet or libsvm");
  }

  private static FileStatus[] find(Configuration conf, String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      FileStatus[] found = fs.globStatus(p);
      if (found == null || found.length == 0) {
        throw new UsageException("input '" + path + "' does not exist; check --input");
      }
      return found;
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageException("cannot access input '" + path + "': " + Errors.oneLine(e), e);
    }
  }

  /**
   * The separator of a CSV input: ';' when its header line has more semicolons than commas (and
   * tabs), tab when it has more tabs, else ','. Counts only outside double quotes.
   */
  static String detectSeparator(Configuration conf, FileStatus[] found, String path) {
    String header;
    try {
      header = firstLine(conf, found);
    } catch (IOException e) {
      throw new UsageException("cannot read input '" + path + "': " + Errors.oneLine(e), e);
    }
    if (header == null) {
      throw new UsageException("input '" + path + "' is empty: a CSV input needs a header line");
    }
    return separatorOf(header);
  }

  static String separatorOf(String header) {
    int commas = 0;
    int semis = 0;
    int tabs = 0;
    boolean quoted = false;
    for (int i = 0; i < header.length(); i++) {
      char c = header.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted) {
        if (c == ',') {
          commas++;
        } else if (c == ';') {
          semis++;
        } else if (c == '\t') {
          tabs++;
        }
      }
    }
    if (semis > commas && semis >= tabs) {
      return ";";
    }
    if (tabs > commas && tabs > semis) {
      return "\t";
    }
    return ",";
  }

  /** The first line of the first non-hidden file, decompressed by extension. */
  private static String firstLine(Configuration conf, FileStatus[] found) throws IOException {
    for (FileStatus st : found) {
      FileSystem fs = st.getPath().getFileSystem(conf);
      FileStatus file = st;
      if (st.isDirectory()) {
        FileStatus[] children = fs.listStatus(st.getPath(), p -> !p.getName().startsWith("_")
            && !p.getName().startsWith("."));
        file = Arrays.stream(children).filter(FileStatus::isFile)
            .filter(c -> c.getLen() > 0)
            .min(Comparator.comparing(c -> c.getPath().getName())).orElse(null);
      }
      if (file == null || file.getLen() == 0) {
        continue;
      }
      CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(file.getPath());
      try (InputStream raw = fs.open(file.getPath());
          InputStream in = codec == null ? raw : codec.createInputStream(raw);
          BufferedReader r = new BufferedReader(new InputStreamReader(in,
              StandardCharsets.UTF_8))) {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = r.read()) >= 0 && c != '\n' && sb.length() < 1 << 20) {
          sb.append((char) c);
        }
        if (sb.length() > 0 || c >= 0) {
          return sb.toString();
        }
      }
    }
    return null;
  }
}
