package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.Partition;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/**
 * Evaluations read the cached blocks without their lineage ({@link CachedBlocks}): the tasks ship
 * none of the input's SQL plan, read every cached partition exactly once, prefer the executor that
 * holds it, and give the bits of a plain {@code treeAggregate} over the blocks. A block gone when
 * its task runs makes the job run again through the lineage, which recomputes that partition and
 * nothing else; other task failures are not retried that way.
 */
class CachedBlocksSparkTest {

  private static final int PARTITIONS = 6;
  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("cached-blocks");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /**
   * Blocks packed from a Dataset as the estimators pack them (so their lineage holds a SQL plan),
   * cached; {@code packed} counts the partitions packed.
   */
  private static JavaRDD<InstanceBlock> blocks(LongAccumulator packed) {
    SplittableRandom rnd = new SplittableRandom(8);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      double[] x = new double[5];
      for (int j = 0; j < x.length; j++) {
        x[j] = rnd.nextInt(3) == 0 ? 0.0 : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4));
      }
      rows.add(RowFactory.create(Vectors.dense(x).compressed(), (double) rnd.nextInt(2),
          0.5 + rnd.nextDouble()));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("weight", DataTypes.DoubleType, false, Metadata.empty())});
    BlockPacker packer = new BlockPacker("features", "label", "weight", 0.004, false);
    JavaRDD<InstanceBlock> blocks = spark.createDataFrame(rows, schema).repartition(PARTITIONS)
        .javaRDD().mapPartitionsWithIndex((p, it) -> {
          packed.add(1);
          return packer.pack(p, it);
        }, true).cache();
    blocks.count();
    return blocks;
  }

  private static final BlockAggregator.Coefficients COEFFICIENTS =
      new BlockAggregator.Coefficients(new double[] {0.3, -1e-2, 2e-3, 0.1, -0.7}, -0.2);

  private static double[] evaluate(JavaRDD<InstanceBlock> tasks) {
    LogitLoss loss = LogitLoss.focal(2.0, 0.25, 1.0, 0.0);
    return BatchedPassTest.sums(ExecutorGroups.aggregateTasks(tasks, jsc,
        ship -> new BlockAggregator(loss, ship.ship(COEFFICIENTS), 5, 0.0),
        BlockAggregator::add, BlockAggregator::merge, 2));
  }

  private static double[] reference(JavaRDD<InstanceBlock> blocks) {
    LogitLoss loss = LogitLoss.focal(2.0, 0.25, 1.0, 0.0);
    return BatchedPassTest.sums(blocks.treeAggregate(
        new BlockAggregator(loss, jsc.broadcast(COEFFICIENTS), 5, 0.0),
        BlockAggregator::add, BlockAggregator::merge, 2));
  }

  private static int serializedBytes(RDD<?> rdd) {
    return SparkEnv.get().closureSerializer().newInstance()
        .serialize(rdd, ClassTag$.MODULE$.apply(RDD.class)).remaining();
  }

  private static boolean cached(JavaRDD<InstanceBlock> blocks, int partition) {
    BlockId[] id = {new RDDBlockId(blocks.id(), partition)};
    return !SparkEnv.get().blockManager().master().getLocations(id).apply(0).isEmpty();
  }

  @Test
  void evaluationsReadTheCachedBlocksWithoutTheirLineage() {
    LongAccumulator packed = jsc.sc().longAccumulator("packed");
    JavaRDD<InstanceBlock> blocks = blocks(packed);
    assertEquals(PARTITIONS, packed.value(), "each partition packed once");
    double[] expected = reference(blocks);

    JavaRDD<InstanceBlock> tasks = ExecutorGroups.tasks(blocks, jsc);
    CachedBlocks view = assertInstanceOf(CachedBlocks.class, tasks.rdd());
    assertEquals(2, tasks.getNumPartitions(), "local[2]: one task per core");
    assertTrue(view.dependencies().isEmpty(), "no lineage");
    int thin = serializedBytes(view);
    int withLineage = serializedBytes(blocks.rdd());
    assertTrue(thin < 2048 && 4 * thin < withLineage,
        "serialized: view " + thin + " bytes, blocks with their lineage " + withLineage);
    for (Partition p : view.partitions()) {
      List<String> where = scala.jdk.javaapi.CollectionConverters.asJava(
          view.preferredLocations(p));
      assertEquals(1, where.size(), "task " + p.index() + " prefers " + where);
      assertTrue(where.get(0).startsWith("executor_") && where.get(0).endsWith("_driver"),
          "the driver's executor holds the blocks in local mode: " + where);
    }
    // Every cached block once, in partition order.
    List<InstanceBlock> direct = blocks.collect();
    List<InstanceBlock> viaView = tasks.collect();
    assertEquals(direct.size(), viaView.size());
    for (int i = 0; i < direct.size(); i++) {
      assertArrayEquals(direct.get(i).labels(), viaView.get(i).labels(), "block " + i);
    }

    BatchedPassTest.assertSameBits(expected, evaluate(tasks), "through the view");
    assertEquals(PARTITIONS, packed.value(), "nothing recomputed");
    blocks.unpersist(true);
  }

  @Test
  void aBlockGoneWhenItsTaskRunsIsRecomputedThroughTheLineageWithTheSameBits() {
    LongAccumulator packed = jsc.sc().longAccumulator("packed");
    JavaRDD<InstanceBlock> blocks = blocks(packed);
    double[] expected = reference(blocks);
    JavaRDD<InstanceBlock> tasks = ExecutorGroups.tasks(blocks, jsc);
    assertInstanceOf(CachedBlocks.class, tasks.rdd());

    // Planned with every block cached; block 2 goes before the job runs, as with a lost executor.
    SparkEnv.get().blockManager().removeBlock(new RDDBlockId(blocks.id(), 2), true);
    assertFalse(cached(blocks, 2));
    BatchedPassTest.assertSameBits(expected, evaluate(tasks), "after a block was gone");
    assertEquals(PARTITIONS + 1, packed.value(), "exactly the gone partition packed again");
    assertTrue(cached(blocks, 2), "and cached again");

    // The next plan reads every block from the cache again.
    JavaRDD<InstanceBlock> next = ExecutorGroups.tasks(blocks, jsc);
    assertInstanceOf(CachedBlocks.class, next.rdd());
    BatchedPassTest.assertSameBits(expected, evaluate(next), "the next evaluation");
    assertEquals(PARTITIONS + 1, packed.value());

    // A block missing when the plan is made: that evaluation reads through the lineage.
    SparkEnv.get().blockManager().removeBlock(new RDDBlockId(blocks.id(), 4), true);
    JavaRDD<InstanceBlock> missing = ExecutorGroups.tasks(blocks, jsc);
    assertFalse(missing.rdd() instanceof CachedBlocks, "planned with a partition not cached");
    BatchedPassTest.assertSameBits(expected, evaluate(missing), "with a block missing at planning");
    assertEquals(PARTITIONS + 2, packed.value());
    blocks.unpersist(true);
  }

  /** Blocks a task of the failing job reached (local mode: the tasks run in this JVM). */
  private static final AtomicInteger ATTEMPTS = new AtomicInteger();

  @Test
  void otherTaskFailuresFailTheJobAsBefore() {
    LongAccumulator packed = jsc.sc().longAccumulator("packed");
    JavaRDD<InstanceBlock> blocks = blocks(packed);
    ATTEMPTS.set(0);
    JavaRDD<InstanceBlock> tasks = ExecutorGroups.tasks(blocks, jsc);
    assertInstanceOf(CachedBlocks.class, tasks.rdd());
    Exception e = assertThrows(Exception.class, () -> ExecutorGroups.runWithLineageFallback(tasks,
        t -> t.map(b -> {
          ATTEMPTS.incrementAndGet();
          throw new IllegalArgumentException("not a lost block");
        }).count()));
    assertInstanceOf(SparkException.class, e, "Spark's own exception, unwrapped");
    assertTrue(e.getMessage().contains("not a lost block"), e.getMessage());
    assertFalse(CachedBlocks.isBlockGone(e));
    assertTrue(ATTEMPTS.get() >= 1 && ATTEMPTS.get() <= 2,
        "at most one attempt per task (local mode) and no second job: " + ATTEMPTS.get());
    assertEquals(PARTITIONS, packed.value(), "nothing recomputed");
    blocks.unpersist(true);
  }
}
