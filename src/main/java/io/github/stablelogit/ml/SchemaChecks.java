package io.github.stablelogit.ml;

import java.util.Arrays;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Column checks with messages that say which column, what was found and what to do. */
final class SchemaChecks {

  private SchemaChecks() {}

  /**
   * The column with exactly this name. Unlike {@code functions.col(name)}, dots and backticks in
   * the name are not parsed ("emp.var.rate" is one column, not field "var" of struct "emp").
   */
  static Column col(String name) {
    return functions.col("`" + name.replace("`", "``") + "`");
  }

  static StructField require(StructType schema, String column, String param) {
    if (!Arrays.asList(schema.fieldNames()).contains(column)) {
      throw new IllegalArgumentException(String.format(
          "%s '%s' does not exist; available columns: %s. Set %s to an existing column.",
          param, column, Arrays.toString(schema.fieldNames()), param));
    }
    return schema.apply(column);
  }

  static void requireVector(StructType schema, String column, String param) {
    DataType t = require(schema, column, param).dataType();
    if (!(t instanceof VectorUDT)) {
      throw new IllegalArgumentException(String.format(
          "%s '%s' must hold ML vectors (org.apache.spark.ml.linalg.Vector), but has type %s; "
              + "assemble numeric columns with org.apache.spark.ml.feature.VectorAssembler.",
          param, column, t.simpleString()));
    }
  }

  static void requireNumeric(StructType schema, String column, String param) {
    DataType t = require(schema, column, param).dataType();
    if (!(t instanceof NumericType)) {
      throw new IllegalArgumentException(String.format(
          "%s '%s' must be numeric, but has type %s; cast or index it first (e.g. StringIndexer "
              + "for string labels).", param, column, t.simpleString()));
    }
  }

  static void requireBoolean(StructType schema, String column, String param) {
    DataType t = require(schema, column, param).dataType();
    if (!(t instanceof org.apache.spark.sql.types.BooleanType)) {
      throw new IllegalArgumentException(String.format(
          "%s '%s' must be boolean (true marks a validation row), but has type %s.",
          param, column, t.simpleString()));
    }
  }

  /** Appends the prediction columns that are switched on (a column named "" is not produced). */
  static StructType appendPredictionColumns(StructType schema, ClassifierParams<?> p) {
    StructType out = schema;
    if (!p.getRawPredictionCol().isEmpty()) {
      out = append(out, p.getRawPredictionCol(), new VectorUDT());
    }
    if (!p.getProbabilityCol().isEmpty()) {
      out = append(out, p.getProbabilityCol(), new VectorUDT());
    }
    if (!p.getPredictionCol().isEmpty()) {
      out = append(out, p.getPredictionCol(), org.apache.spark.sql.types.DataTypes.DoubleType);
    }
    return out;
  }

  static StructType append(StructType schema, String column, DataType type) {
    if (Arrays.asList(schema.fieldNames()).contains(column)) {
      throw new IllegalArgumentException(String.format(
          "output column '%s' already exists; choose another name or drop the column first.",
          column));
    }
    return schema.add(column, type, false);
  }
}
