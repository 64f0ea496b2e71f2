package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitMLPClassifier;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.Function;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same binary sparse rows stored in each of the six CSR encodings (forced through {@link
 * BlockBuilder#forcedEncoding}) give bit-identical fits: L-BFGS and Newton (the Hessian pass) of
 * {@link LogitClassifier}, and a network of {@link LogitMLPClassifier} (its first layer reads the
 * CSR non-zeros one by one).
 */
class CsrEncodingSparkTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("CsrEncodingSparkTest");
  }

  @AfterAll
  static void stop() {
    BlockBuilder.forcedEncoding = null;
    spark.stop();
  }

  /** One-hot-like rows: 4 to 12 of 200 binary features, popular ones more often. */
  private static Dataset<Row> binaryRows(int n, int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TreeSet<Integer> cols = new TreeSet<>();
      int k = 4 + r.nextInt(9);
      while (cols.size() < k) {
        cols.add((int) (d * Math.pow(r.nextDouble(), 2)));
      }
      double z = -0.5;
      for (int j : cols) {
        z += (j % 7 - 3) * 0.3;
      }
      double y = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1.0 : 0.0;
      double[] ones = new double[k];
      Arrays.fill(ones, 1.0);
      rows.add(RowFactory.create(y, Vectors.sparse(d,
          cols.stream().mapToInt(Integer::intValue).toArray(), ones)));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty())});
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  /** The fit's parameters with every CSR block forced into each encoding in turn. */
  private static void assertSameBitsInEveryEncoding(Dataset<Row> df,
      Function<Dataset<Row>, double[]> fit) {
    double[] natural = fit.apply(df);
    for (CsrRows.Encoding e : CsrRows.Encoding.values()) {
      BlockBuilder.forcedEncoding = e;
      double[] forced;
      try {
        forced = fit.apply(df);
      } finally {
        BlockBuilder.forcedEncoding = null;
      }
      assertEquals(natural.length, forced.length);
      for (int j = 0; j < natural.length; j++) {
        assertEquals(Double.doubleToRawLongBits(natural[j]), Double.doubleToRawLongBits(forced[j]),
            e + ": parameter " + j + " is " + forced[j] + ", not " + natural[j]);
      }
    }
  }

  private static double[] linear(Dataset<Row> df, String solver) {
    var m = new LogitClassifier().setSolver(solver).setRegParam(1e-3).setTol(1e-9)
        .setMaxIter(200).fit(df);
    double[] beta = m.coefficients().toArray();
    double[] out = Arrays.copyOf(beta, beta.length + 1);
    out[beta.length] = m.intercept();
    return out;
  }

  @Test
  void lbfgsFitsAreBitIdenticalAcrossEncodings() {
    Dataset<Row> df = binaryRows(6000, 200, 1).cache();
    assertSameBitsInEveryEncoding(df, x -> linear(x, "lbfgs"));
    df.unpersist();
  }

  @Test
  void newtonFitsAreBitIdenticalAcrossEncodings() {
    Dataset<Row> df = binaryRows(6000, 200, 2).cache();
    assertSameBitsInEveryEncoding(df, x -> linear(x, "newton"));
    df.unpersist();
  }

  @Test
  void networkFitsAreBitIdenticalAcrossEncodings() {
    Dataset<Row> df = binaryRows(3000, 200, 3).cache();
    assertSameBitsInEveryEncoding(df, x -> new LogitMLPClassifier().setLayers(new int[] {6})
        .setMaxIter(40).setSeed(5L).fit(x).weights().toArray());
    df.unpersist();
  }
}
