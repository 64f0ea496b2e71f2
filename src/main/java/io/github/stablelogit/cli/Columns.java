package io.github.stablelogit.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;

/** Column-name helpers: quoting for names with dots, type classes, listings for messages. */
final class Columns {

  /** Columns the fitted pipeline writes; input columns of these names are set aside. */
  static final List<String> OUTPUTS = List.of("prediction", "probability", "rawPrediction");

  /** The 0/1 label column the pipeline writes. */
  static final String LABEL = "sl_label";

  /** The assembled feature vector. */
  static final String FEATURES = "sl_features";

  /** Prefix of intermediate columns (indices, one-hot vectors). */
  static final String PREFIX = "sl_";

  private Columns() {}

  /**
   * A name that Spark ML stages and {@code Dataset.col} resolve literally, even when it contains
   * dots (e.g. bank marketing's {@code emp.var.rate}).
   */
  static String quote(String name) {
    return name.indexOf('.') < 0 && name.indexOf('`') < 0 ? name
        : "`" + name.replace("`", "``") + "`";
  }

  static boolean isNumeric(DataType t) {
    return t instanceof NumericType || t instanceof BooleanType;
  }

  static boolean isString(DataType t) {
    return t instanceof StringType;
  }

  static boolean isVector(DataType t) {
    return t instanceof VectorUDT;
  }

  static boolean has(StructType schema, String name) {
    return Arrays.asList(schema.fieldNames()).contains(name);
  }

  /**
   * @param what e.g. "weight column", the start of the message
   * @return the column's type
   * @throws UsageException "WHAT 'NAME' does not exist; the input has: …" when it is missing
   */
  static DataType require(StructType schema, String name, String what) {
    if (!has(schema, name)) {
      throw new UsageException(String.format(Locale.ROOT, "%s '%s' does not exist; the input has: "
          + "%s", what, name, list(schema)));
    }
    return schema.apply(name).dataType();
  }

  /** @return "a, b, c" of the schema's columns, shortened past 30 */
  static String list(StructType schema) {
    List<String> names = Arrays.asList(schema.fieldNames());
    String shown = names.stream().limit(30).collect(Collectors.joining(", "));
    return names.size() > 30 ? shown + ", … (" + names.size() + " columns)" : shown;
  }
}
