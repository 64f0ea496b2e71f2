package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.lit;

import io.github.stablelogit.ml.RowHash;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The seeded row splits of {@code train}: held-out test rows ({@code --test-fraction}, Spark's
 * {@code randomSplit}) and, among the remaining training rows, validation rows ({@code
 * --validation-fraction}). A row is a validation row when a 64-bit hash of the seed and the row's
 * values, read as a number in [0, 1), is below the fraction: the marking depends on neither the
 * partitioning nor the row order, and identical rows always fall on the same side.
 */
final class Holdout {

  /** The validation indicator the job adds (another name if the input has this one). */
  static final String VALIDATION = Columns.PREFIX + "validation";

  private Holdout() {}

  /**
   * The training and test rows.
   *
   * @param train training rows; with a validation fraction they carry the boolean column
   *     {@code validationCol}
   * @param test held-out rows, or null without a test fraction
   * @param validationCol the added indicator column, or null
   */
  record Split(Dataset<Row> train, Dataset<Row> test, String validationCol) {}

  /**
   * @param df the input
   * @param testFraction fraction of rows held out, or null
   * @param validationFraction fraction of the training rows marked as validation rows, or null
   * @param seed the seed of both
   * @return the split (not persisted)
   */
  static Split split(Dataset<Row> df, Double testFraction, Double validationFraction, long seed) {
    Dataset<Row> train = df;
    Dataset<Row> test = null;
    if (testFraction != null) {
      Dataset<Row>[] parts = df.randomSplit(new double[] {1 - testFraction, testFraction}, seed);
      train = parts[0];
      test = parts[1];
    }
    String flag = null;
    if (validationFraction != null) {
      flag = freeName(train.schema());
      train = train.withColumn(flag, validationFlag(train.schema(), validationFraction, seed));
    }
    return new Split(train, test, flag);
  }

  /** true for about {@code fraction} of the rows: hash(seed, row values) / 2⁶⁴ &lt; fraction. */
  static Column validationFlag(StructType schema, double fraction, long seed) {
    return RowHash.unit(schema, seed).lt(lit(fraction));
  }

  private static String freeName(StructType schema) {
    String name = VALIDATION;
    while (Columns.has(schema, name)) {
      name = "_" + name;
    }
    return name;
  }
}
