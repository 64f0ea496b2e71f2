package io.github.stablelogit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * Synthetic (label, features) rows generated inside the tasks, each a pure function of (seed, row
 * id): a partition lost with its executor is recomputed from lineage to the same rows, and the
 * optional accumulator counts every row generated, so recomputation is visible.
 */
final class GeneratedRows {

  private GeneratedRows() {}

  /**
   * @param spark the session
   * @param rows number of rows (ids 0 … rows−1, split evenly over the partitions)
   * @param features number of dense features, on mixed means and scales
   * @param partitions number of partitions
   * @param seed the seed
   * @param generated counts the rows generated, or null
   * @return (label: double, features: vector), not cached
   */
  static Dataset<Row> dataset(SparkSession spark, long rows, int features, int partitions,
      long seed, LongAccumulator generated) {
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty())});
    JavaRDD<Row> rdd = spark.range(0, rows, 1, partitions).javaRDD()
        .map(new Source(features, seed, generated));
    Dataset<Row> df = spark.createDataFrame(rdd, schema);
    assertEquals(partitions, df.rdd().getNumPartitions());
    return df;
  }

  /** A row from its id: Gaussian features, label drawn from a logistic model (≈ 35% positive). */
  private static final class Source implements Function<Long, Row> {
    private static final long serialVersionUID = 1L;
    private final int features;
    private final long seed;
    private final LongAccumulator generated;

    Source(int features, long seed, LongAccumulator generated) {
      this.features = features;
      this.seed = seed;
      this.generated = generated;
    }

    @Override
    public Row call(Long id) {
      if (generated != null) {
        generated.add(1L);
      }
      SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + id);
      double[] x = new double[features];
      double z = -0.7;
      for (int j = 0; j < features; j++) {
        double s = r.nextGaussian();
        x[j] = (j % 3 - 1) * 2.0 + (1 + j % 4) * s;
        z += (j % 2 == 0 ? 0.6 : -0.4) * s / (1 + j % 3);
      }
      double label = r.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1.0 : 0.0;
      return RowFactory.create(label, Vectors.dense(x));
    }
  }
}
