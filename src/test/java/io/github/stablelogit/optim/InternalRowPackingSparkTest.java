package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.SparkTestSupport;
import io.github.stablelogit.optim.DataSummary.Problem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockPacker#packInternal}, which the estimators use, reads Spark SQL's internal rows
 * without decoding them into Rows and vectors: it must give exactly the blocks that {@link
 * BlockPacker#pack} gives from the same rows as Rows — every stored value, label, weight, fold and
 * statistic, and the same rejected rows with the same messages — for dense and sparse vectors,
 * double and float storage, validation rows and folds; and it must reject a sparse vector struct
 * that no sparse vector's constructor would have accepted.
 */
class InternalRowPackingSparkTest {

  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("internal-row-packing");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /**
   * Rows with every kind of value the packer treats apart: sparse and dense vectors (some with
   * explicit zeros), NaN and infinite features, out-of-range and null labels, negative and zero
   * weights, validation flags true, false and null, fold ids in and out of range.
   */
  private static Dataset<Row> rows(boolean sparse, int n) {
    SplittableRandom rnd = new SplittableRandom(sparse ? 5 : 6);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[9];
      for (int j = 0; j < x.length; j++) {
        x[j] = rnd.nextInt(3) == 0 ? 0.0 : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-4, 5));
      }
      if (i % 97 == 13) {
        x[rnd.nextInt(x.length)] = i % 2 == 0 ? Double.NaN : Double.NEGATIVE_INFINITY;
      }
      Vector v = Vectors.dense(x);
      if (sparse) {
        v = rnd.nextInt(10) == 0 ? Vectors.sparse(9, new int[] {1, 4}, new double[] {0.0, 2.5})
            : v.toSparse();
      }
      Double y = i % 211 == 7 ? null : i % 89 == 3 ? 1.5 : (double) rnd.nextInt(2);
      Double w = i % 101 == 11 ? -1.0 : i % 53 == 5 ? 0.0 : 0.25 + rnd.nextDouble();
      Boolean validation = i % 7 == 0 ? null : rnd.nextInt(5) == 0;
      Long fold = i % 131 == 17 ? 9L : (long) rnd.nextInt(3);
      rows.add(RowFactory.create(i % 113 == 19 ? null : v, y, w, validation, fold));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("features", SQLDataTypes.VectorType(), true, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, true, Metadata.empty()),
        new StructField("weight", DataTypes.DoubleType, true, Metadata.empty()),
        new StructField("isVal", DataTypes.BooleanType, true, Metadata.empty()),
        new StructField("fold", DataTypes.LongType, true, Metadata.empty())});
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  private static void assertSameBlocks(List<InstanceBlock> expected, List<InstanceBlock> actual) {
    assertEquals(expected.size(), actual.size(), "blocks");
    SplittableRandom rnd = new SplittableRandom(1);
    for (int k = 0; k < expected.size(); k++) {
      InstanceBlock e = expected.get(k);
      InstanceBlock a = actual.get(k);
      String at = "block " + k;
      assertEquals(e.numRows(), a.numRows(), at);
      assertEquals(e.isSparse(), a.isSparse(), at);
      assertEquals(e.isFloat(), a.isFloat(), at);
      assertEquals(e.fold(), a.fold(), at);
      assertArrayEquals(e.labels(), a.labels(), at);
      assertArrayEquals(e.weights(), a.weights(), at);
      assertArrayEquals(e.validationWeights(), a.validationWeights(), at);
      DataSummary se = e.summary();
      DataSummary sa = a.summary();
      assertEquals(se.rows(), sa.rows(), at);
      assertEquals(se.zeroWeightRows(), sa.zeroWeightRows(), at);
      assertEquals(se.weightSum(), sa.weightSum(), at);
      assertArrayEquals(se.mean(), sa.mean(), at);
      assertArrayEquals(se.std(), sa.std(), at);
      for (Problem p : Problem.values()) {
        assertEquals(se.problemCount(p), sa.problemCount(p), at + " " + p);
        assertEquals(se.problemExample(p), sa.problemExample(p), at + " " + p);
      }
      // The stored values, through the margins of random coefficients.
      if (e.numRows() > 0) {
        double[] beta = new double[e.numFeatures()];
        for (int j = 0; j < beta.length; j++) {
          beta[j] = rnd.nextGaussian();
        }
        double[] me = new double[e.numRows()];
        double[] ma = new double[a.numRows()];
        e.margins(InstanceBlock.blas(), beta, 0.5, me);
        a.margins(InstanceBlock.blas(), beta, 0.5, ma);
        assertArrayEquals(me, ma, at + " margins");
      }
    }
  }

  private static List<InstanceBlock> collect(JavaRDD<InstanceBlock> blocks) {
    return blocks.collect();
  }

  @Test
  void internalRowsGiveTheBlocksOfRows() {
    for (boolean sparse : new boolean[] {false, true}) {
      for (boolean single : new boolean[] {false, true}) {
        for (int folds : new int[] {0, 3}) {
          Dataset<Row> df = rows(sparse, 3000);
          if (folds == 0) {
            df = df.drop("fold");
          }
          BlockPacker packer = new BlockPacker("features", "label", "weight", 0.002, true, single);
          if (folds > 0) {
            packer.withFolds(folds);
          }
          Function2<Integer, Iterator<Row>, Iterator<InstanceBlock>> viaRows = packer::pack;
          List<InstanceBlock> expected = collect(df.javaRDD()
              .mapPartitionsWithIndex(viaRows, true));
          List<InstanceBlock> actual = collect(df.queryExecution().toRdd().toJavaRDD()
              .mapPartitionsWithIndex(packer::packInternal, true));
          assertTrue(expected.size() > 10, "blocks: " + expected.size());
          DataSummary all = new DataSummary();
          expected.forEach(b -> all.merge(b.summary()));
          for (Problem p : new Problem[] {Problem.NULL_FEATURES, Problem.FEATURE_NOT_FINITE,
              Problem.BAD_LABEL, Problem.BAD_WEIGHT}) {
            assertTrue(all.problemCount(p) > 0, "the data have rows with " + p);
          }
          assertTrue(folds == 0 || all.problemCount(Problem.BAD_FOLD) > 0);
          assertSameBlocks(expected, actual);
          // And the same sums in a pass.
          LogitLoss loss = LogitLoss.bce(1.0, 0.0);
          BlockAggregator.Coefficients c = new BlockAggregator.Coefficients(new double[9], 0.1);
          BlockAggregator re = new BlockAggregator(loss, new InlineBroadcast<>(c), 9, 0.0);
          BlockAggregator ra = new BlockAggregator(loss, new InlineBroadcast<>(c), 9, 0.0);
          expected.forEach(re::add);
          actual.forEach(ra::add);
          BatchedPassTest.assertSameBits(BatchedPassTest.sums(re), BatchedPassTest.sums(ra),
              "sparse=" + sparse + " float=" + single + " folds=" + folds);
        }
      }
    }
  }

  /** A sparse vector's struct as VectorUDT stores it; null idx makes that field null. */
  private static InternalRow sparseStruct(int size, int[] idx, double[] val) {
    InternalRow vector = new GenericInternalRow(new Object[] {(byte) 0, size,
        idx == null ? null : new GenericArrayData(idx), new GenericArrayData(val)});
    return new GenericInternalRow(new Object[] {vector, 1.0, 1.0});
  }

  @Test
  void malformedSparseVectorStructsAreRejected() {
    List<InternalRow> rows = List.of(
        sparseStruct(5, new int[] {0, 2}, new double[] {1.0, 2.0}),
        sparseStruct(5, new int[] {3, 1}, new double[] {1.0, 2.0}),
        sparseStruct(5, new int[] {1, 5}, new double[] {1.0, 2.0}),
        sparseStruct(5, new int[] {2, 2}, new double[] {1.0, 2.0}),
        sparseStruct(5, new int[] {-1, 2}, new double[] {1.0, 2.0}),
        sparseStruct(5, new int[] {1, 2, 3}, new double[] {1.0, 2.0}),
        sparseStruct(5, null, new double[] {1.0, 2.0}),
        sparseStruct(5, new int[] {4}, new double[] {3.0}));
    List<InstanceBlock> blocks = new ArrayList<>();
    new BlockPacker("features", "label", "weight", 1.0, false).packInternal(0, rows.iterator())
        .forEachRemaining(blocks::add);
    DataSummary s = new DataSummary();
    int kept = 0;
    for (InstanceBlock b : blocks) {
      s.merge(b.summary());
      kept += b.numRows();
    }
    assertEquals(2, kept, "the two well-formed rows");
    assertEquals(6, s.problemCount(Problem.MALFORMED_VECTOR));
    assertEquals("row 1 of partition 0: features: index 1 follows 3 (size 5)",
        s.problemExample(Problem.MALFORMED_VECTOR));
    // The other messages, one by one.
    String[] expected = {"index 5 is out of range (size 5)", "index 2 follows 2 (size 5)",
        "index -1 is out of range (size 5)", "3 indices for 2 values",
        "a vector struct with a null type, size, indices or values"};
    for (int k = 0; k < expected.length; k++) {
      DataSummary one = new DataSummary();
      new BlockPacker("features", "label", "weight", 1.0, false)
          .packInternal(0, List.of(rows.get(k + 2)).iterator())
          .forEachRemaining(b -> one.merge(b.summary()));
      assertEquals("row 0 of partition 0: features: " + expected[k],
          one.problemExample(Problem.MALFORMED_VECTOR));
    }
  }
}
