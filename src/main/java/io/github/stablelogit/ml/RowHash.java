package io.github.stablelogit.ml;

import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.shiftrightunsigned;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Seeded row assignments that depend on neither the partitioning nor the row order: a 64-bit
 * hash (xxHash64) of the seed and the row's values, read as a number in [0, 1). Identical rows
 * always get the same number. Used for the job's validation rows and for cross-validation folds.
 */
public final class RowHash {

  private RowHash() {}

  /**
   * hash(seed, row values) / 2⁶⁴ as a double in [0, 1) (the hash's top 53 bits). Every column of
   * an atomic type or a vector enters the hash; maps cannot be hashed, and nested arrays and
   * structs are left out too.
   *
   * @param schema the rows' schema
   * @param seed the seed
   * @return the column expression
   */
  public static Column unit(StructType schema, long seed) {
    List<Column> values = new ArrayList<>();
    values.add(lit(seed));
    for (StructField f : schema.fields()) {
      if (f.dataType() instanceof AtomicType || f.dataType() instanceof VectorUDT) {
        values.add(SchemaChecks.col(f.name()));
      }
    }
    return shiftrightunsigned(xxhash64(values.toArray(new Column[0])), 11)
        .cast(DataTypes.DoubleType).multiply(lit(0x1.0p-53));
  }

  /**
   * The fold of each row among k: floor(k · {@link #unit}), an integer in [0, k).
   *
   * @param schema the rows' schema
   * @param seed the seed
   * @param k the number of folds
   * @return the integer column expression
   */
  public static Column fold(StructType schema, long seed, int k) {
    return floor(unit(schema, seed).multiply(lit((double) k))).cast(DataTypes.IntegerType);
  }
}
