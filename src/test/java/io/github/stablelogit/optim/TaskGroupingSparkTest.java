package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Evaluations in local mode read several cached partitions per task; the sums must not depend on
 * that grouping, nor on the order in which blocks and tasks are combined.
 */
class TaskGroupingSparkTest {

  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("task-grouping");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /**
   * Blocks of rows whose per-row gradient terms span many orders of magnitude, so that plain double
   * sums in a different order would round differently: n rows of d features with magnitudes
   * 10^-e..10^e and weights 2^±20, packed into 4 KB blocks.
   */
  static List<InstanceBlock> hardBlocks(boolean sparse, long seed, int n, int d, int e) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        x[j] = sparse && rnd.nextInt(3) > 0 ? 0.0
            : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-e, e + 1));
      }
      Vector v = Vectors.dense(x);
      rows.add(RowFactory.create(sparse ? v.toSparse() : v, (double) rnd.nextInt(2),
          Math.pow(2, rnd.nextInt(-20, 21)) * rnd.nextDouble()));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    new BlockPacker("features", "label", "weight", 0.004, false).pack(0, rows.iterator())
        .forEachRemaining(blocks::add);
    return blocks;
  }

  private record Sums(double loss, double[] gradient, double predicted) {
    static Sums of(BlockAggregator a) {
      return new Sums(a.lossSum(), a.gradientSum(), a.predictedPositiveWeight());
    }

    void assertBitIdentical(Sums o, String what) {
      assertEquals(Double.doubleToRawLongBits(loss), Double.doubleToRawLongBits(o.loss),
          what + ": loss " + loss + " vs " + o.loss);
      for (int j = 0; j < gradient.length; j++) {
        assertEquals(Double.doubleToRawLongBits(gradient[j]),
            Double.doubleToRawLongBits(o.gradient[j]),
            what + ": gradient[" + j + "] " + gradient[j] + " vs " + o.gradient[j]);
      }
      assertEquals(Double.doubleToRawLongBits(predicted), Double.doubleToRawLongBits(o.predicted),
          what + ": predicted positive weight");
    }
  }

  private static Sums aggregate(JavaRDD<InstanceBlock> rdd, LogitLoss loss,
      Broadcast<BlockAggregator.Coefficients> bc, int d) {
    return Sums.of(rdd.treeAggregate(new BlockAggregator(loss, bc, d, 0.0),
        BlockAggregator::add, BlockAggregator::merge, 2));
  }

  private static void checkGroupings(boolean sparse, LogitLoss loss) {
    List<InstanceBlock> blocks = hardBlocks(sparse, sparse ? 11 : 12, 6000, 7, 6);
    assertTrue(blocks.size() >= 40, "blocks: " + blocks.size());
    int d = blocks.get(0).numFeatures();
    SplittableRandom rnd = new SplittableRandom(3);
    double[] beta = new double[d];
    for (int j = 0; j < d; j++) {
      beta[j] = rnd.nextGaussian() * 1e-3;
    }
    Broadcast<BlockAggregator.Coefficients> bc =
        jsc.broadcast(new BlockAggregator.Coefficients(beta, 0.25));
    JavaRDD<InstanceBlock> perPartition = jsc.parallelize(blocks, 16).cache();

    Sums reference = aggregate(perPartition, loss, bc, d);
    aggregate(perPartition.coalesce(1, false), loss, bc, d)
        .assertBitIdentical(reference, "one task");
    aggregate(perPartition.coalesce(3, false), loss, bc, d)
        .assertBitIdentical(reference, "three tasks");
    // Through LogitObjective's own grouping: local[2] reads the 16 partitions in 2 tasks.
    JavaRDD<InstanceBlock> grouped = ExecutorGroups.tasks(perPartition, jsc);
    assertEquals(2, grouped.getNumPartitions());
    aggregate(grouped, loss, bc, d).assertBitIdentical(reference, "one task per core");

    // Order: every block on its own, merged in reverse; and all blocks added in shuffled order.
    BlockAggregator reversed = new BlockAggregator(loss, bc, d, 0.0);
    for (int i = blocks.size() - 1; i >= 0; i--) {
      reversed.merge(new BlockAggregator(loss, bc, d, 0.0).add(blocks.get(i)));
    }
    Sums.of(reversed).assertBitIdentical(reference, "blocks merged in reverse");
    List<InstanceBlock> shuffled = new ArrayList<>(blocks);
    Collections.shuffle(shuffled, new java.util.Random(5));
    BlockAggregator inOneTask = new BlockAggregator(loss, bc, d, 0.0);
    shuffled.forEach(inOneTask::add);
    Sums.of(inOneTask).assertBitIdentical(reference, "blocks added in shuffled order");

    // The data are chosen so that grouping matters for plain double sums: adding the blocks'
    // gradients in double, in the two orders, does not give the same bits.
    double[] forward = plainSum(blocks, loss, bc, d);
    List<InstanceBlock> backward = new ArrayList<>(blocks);
    Collections.reverse(backward);
    assertNotEquals(Arrays.toString(forward), Arrays.toString(plainSum(backward, loss, bc, d)),
        "test data too benign: plain sums agree in every bit");
    perPartition.unpersist(false);
    bc.destroy();
  }

  /** Each block's gradient summed in plain double, in the list's order. */
  private static double[] plainSum(List<InstanceBlock> blocks, LogitLoss loss,
      Broadcast<BlockAggregator.Coefficients> bc, int d) {
    double[] sum = new double[d + 1];
    for (InstanceBlock b : blocks) {
      double[] g = new BlockAggregator(loss, bc, d, 0.0).add(b).gradientSum();
      for (int j = 0; j <= d; j++) {
        sum[j] += g[j];
      }
    }
    return sum;
  }

  @Test
  void denseSumsDoNotDependOnHowBlocksAreGroupedOrOrdered() {
    checkGroupings(false, LogitLoss.bce(3.0, 0.0));
  }

  @Test
  void sparseFocalSumsDoNotDependOnHowBlocksAreGroupedOrOrdered() {
    checkGroupings(true, LogitLoss.focal(2.0, 0.25, 1.0, 0.0));
  }
}
