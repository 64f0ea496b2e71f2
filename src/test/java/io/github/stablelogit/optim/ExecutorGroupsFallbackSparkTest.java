package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * When Spark lacks the private API that {@link ExecutorGroups} uses on a cluster, evaluations fall
 * back to one task per partition, warn once per JVM, and give the same bits. The failure is
 * simulated through {@link ExecutorGroups#simulatedApiFailure}, which also makes local mode take
 * the cluster path.
 */
class ExecutorGroupsFallbackSparkTest {

  private static SparkSession spark;
  private static JavaSparkContext jsc;

  /** Collects the WARN messages of one logger. */
  private static final class Warnings extends AbstractAppender {
    final List<String> messages = new CopyOnWriteArrayList<>();

    Warnings() {
      super("executor-groups-warnings", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      if (event.getLevel() == Level.WARN) {
        messages.add(event.getMessage().getFormattedMessage());
      }
    }
  }

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("executor-groups-fallback");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @AfterEach
  void noSimulation() {
    ExecutorGroups.simulatedApiFailure = null;
  }

  /** 12 partitions of small dense blocks. */
  private static JavaRDD<InstanceBlock> cachedBlocks() {
    SplittableRandom rnd = new SplittableRandom(21);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      double[] x = {rnd.nextGaussian(), rnd.nextGaussian() * 1e4, rnd.nextDouble() * 1e-5,
          rnd.nextInt(5)};
      rows.add(RowFactory.create(Vectors.dense(x), (double) rnd.nextInt(2),
          0.5 + rnd.nextDouble()));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    new BlockPacker("features", "label", "weight", 0.004, false).pack(0, rows.iterator())
        .forEachRemaining(blocks::add);
    assertTrue(blocks.size() >= 12, "blocks: " + blocks.size());
    return jsc.parallelize(blocks, 12).cache();
  }

  private static double[] evaluate(JavaRDD<InstanceBlock> rdd,
      Broadcast<BlockAggregator.Coefficients> bc, int d) {
    BlockAggregator a = rdd.treeAggregate(new BlockAggregator(LogitLoss.bce(1.0, 0.0), bc, d, 0.0),
        BlockAggregator::add, BlockAggregator::merge, 2);
    double[] g = a.gradientSum();
    double[] all = new double[g.length + 2];
    System.arraycopy(g, 0, all, 0, g.length);
    all[g.length] = a.lossSum();
    all[g.length + 1] = a.predictedPositiveWeight();
    return all;
  }

  @Test
  void missingSparkApiFallsBackToOneTaskPerPartitionWithTheSameBits() {
    JavaRDD<InstanceBlock> blocks = cachedBlocks();
    int d = blocks.first().numFeatures();
    Broadcast<BlockAggregator.Coefficients> bc =
        jsc.broadcast(new BlockAggregator.Coefficients(new double[] {0.3, -1e-4, 2e3, 0.1}, -0.2));

    JavaRDD<InstanceBlock> normal = ExecutorGroups.tasks(blocks, jsc);
    assertEquals(2, normal.getNumPartitions(), "local[2]: one task per core");
    double[] expected = evaluate(normal, bc, d);

    Logger logger = (Logger) LogManager.getContext(false).getLogger(ExecutorGroups.class.getName());
    Level level = logger.getLevel();
    Warnings warnings = new Warnings();
    warnings.start();
    logger.addAppender(warnings);
    logger.setLevel(Level.WARN);
    ExecutorGroups.FALLBACK_REPORTED.set(false);
    try {
      List<Throwable> failures = List.of(
          new NoSuchMethodError("simulated: BlockManagerMaster.getLocations"),
          new ClassNotFoundException("simulated: org.apache.spark.storage.RDDBlockId"),
          new NoSuchMethodError("simulated: SparkContext.getExecutorIds"));
      for (Throwable failure : failures) {
        ExecutorGroups.simulatedApiFailure = failure;
        JavaRDD<InstanceBlock> fallback = ExecutorGroups.tasks(blocks, jsc);
        assertSame(blocks, fallback, "one task per partition, no coalesce: " + failure);
        assertEquals(12, fallback.getNumPartitions());
        double[] actual = evaluate(fallback, bc, d);
        for (int k = 0; k < expected.length; k++) {
          assertEquals(Double.doubleToRawLongBits(expected[k]),
              Double.doubleToRawLongBits(actual[k]), "sum " + k + " after " + failure);
        }
      }
    } finally {
      logger.removeAppender(warnings);
      logger.setLevel(level);
      warnings.stop();
    }
    assertEquals(1, warnings.messages.size(), "one warning per JVM: " + warnings.messages);
    assertTrue(warnings.messages.get(0).contains("BlockManagerMaster.getLocations"),
        warnings.messages.get(0));
    assertTrue(ExecutorGroups.FALLBACK_REPORTED.get());

    // Without the simulation, local mode groups again.
    ExecutorGroups.simulatedApiFailure = null;
    assertEquals(2, ExecutorGroups.tasks(blocks, jsc).getNumPartitions());
    blocks.unpersist(false);
    bc.destroy();
  }
}
