package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ExecutorGroups#aggregate}: its direct job (one task per core, merged on the driver) and
 * its treeAggregate path give the bits of a plain {@code treeAggregate} over one task per
 * partition, for a network's sums over blocks where the order of plain double sums matters
 * ({@link TaskGroupingSparkTest#hardBlocks}); the direct job's zero carries θ inline, the tree's
 * in a broadcast destroyed after the job. On
 * both paths the job carries its caller's name in Spark's UI and listeners.
 */
class ExecutorGroupsAggregateSparkTest {

  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("executor-groups-aggregate");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    ExecutorGroups.simulatedApiFailure = null;
    spark.stop();
  }

  @Test
  void theDirectJobAndTheTreeGiveTheBitsOfTreeAggregate() {
    for (boolean sparse : new boolean[] {false, true}) {
      List<InstanceBlock> blocks = TaskGroupingSparkTest.hardBlocks(sparse, 21, 6000, 7, 6);
      MlpNetwork net = new MlpNetwork(7, new int[] {4}, MlpActivation.TANH);
      double[] theta = net.initialParams(3, 0.1);
      for (int j = 0; j < theta.length; j++) {
        theta[j] *= 1e-3;
      }
      LogitLoss loss = LogitLoss.focal(2.0, 0.25, 1.0, 0.0);
      JavaRDD<InstanceBlock> perPartition = jsc.parallelize(blocks, 16).cache();
      MlpAggregator reference = perPartition.treeAggregate(
          new MlpAggregator(loss, net, theta, 0.0, null), MlpAggregator::add,
          MlpAggregator::merge, 2);

      List<Boolean> asked = new ArrayList<>();
      MlpAggregator direct = ExecutorGroups.aggregate(perPartition, jsc, ship -> {
        Broadcast<double[]> b = ship.ship(theta);
        asked.add(ship.inline() && b instanceof InlineBroadcast);
        return new MlpAggregator(loss, net, b, 0.0, null);
      }, MlpAggregator::add, MlpAggregator::merge, 2);
      assertEquals(List.of(true), asked, "local[2]: two tasks, no tree level: θ inline");
      assertSameBits(reference, direct, "direct job, sparse=" + sparse);

      // Without the grouping (as when Spark's API is missing): 16 tasks, and at depth 2 a tree
      // level (16 > 4 + 4), so treeAggregate runs.
      ExecutorGroups.simulatedApiFailure = new NoSuchMethodError("simulated");
      try {
        asked.clear();
        List<Broadcast<double[]>> shipped = new ArrayList<>();
        MlpAggregator tree = ExecutorGroups.aggregate(perPartition, jsc, ship -> {
          Broadcast<double[]> b = ship.ship(theta);
          shipped.add(b);
          asked.add(ship.inline() || b instanceof InlineBroadcast);
          return new MlpAggregator(loss, net, b, 0.0, null);
        }, MlpAggregator::add, MlpAggregator::merge, 2);
        assertEquals(List.of(false), asked, "16 tasks at depth 2: a tree level");
        assertSameBits(reference, tree, "treeAggregate path, sparse=" + sparse);
        assertFalse(shipped.get(0).isValid(), "the broadcast is destroyed after the job");
      } finally {
        ExecutorGroups.simulatedApiFailure = null;
      }
      perPartition.unpersist(false);
    }
  }

  @Test
  void theJobIsNamedAfterItsCallerOnBothPathsUnlessTheCallerNamedIt() throws Exception {
    SparkContext sc = spark.sparkContext();
    List<String> names = new CopyOnWriteArrayList<>();
    SparkListener listener = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        if ("names".equals(e.properties().getProperty("spark.jobGroup.id"))) {
          names.add(e.stageInfos().head().name());
        }
      }
    };
    sc.addSparkListener(listener);
    List<InstanceBlock> packed = TaskGroupingSparkTest.hardBlocks(false, 4, 400, 3, 2);
    JavaRDD<InstanceBlock> blocks = jsc.parallelize(packed, 4).cache();
    JavaRDD<InstanceBlock> blocks16 = jsc.parallelize(packed, 16).cache();
    MlpNetwork net = new MlpNetwork(3, new int[] {2}, MlpActivation.TANH);
    double[] theta = net.initialParams(1, 0.1);
    LogitLoss loss = LogitLoss.bce(1.0, 0.0);
    jsc.setJobGroup("names", "job names", false);
    try {
      ExecutorGroups.aggregate(blocks, jsc, ship -> new MlpAggregator(loss, net, theta, 0.0, null),
          MlpAggregator::add, MlpAggregator::merge, 2);
      assertNull(sc.getLocalProperty("callSite.short"), "the job's name is cleared after it");
      // The treeAggregate path (16 tasks without the grouping, a tree level at depth 2) too.
      ExecutorGroups.simulatedApiFailure = new NoSuchMethodError("simulated");
      try {
        ExecutorGroups.aggregate(blocks16, jsc,
            ship -> new MlpAggregator(loss, net, ship.ship(theta), 0.0, null),
            MlpAggregator::add, MlpAggregator::merge, 2);
      } finally {
        ExecutorGroups.simulatedApiFailure = null;
      }
      assertNull(sc.getLocalProperty("callSite.short"), "the tree's name is cleared after it");
      sc.setCallSite("the caller's own name");
      ExecutorGroups.aggregate(blocks, jsc, ship -> new MlpAggregator(loss, net, theta, 0.0, null),
          MlpAggregator::add, MlpAggregator::merge, 2);
      assertEquals("the caller's own name", sc.getLocalProperty("callSite.short"),
          "the caller's name is left in place");
    } finally {
      sc.clearCallSite();
      jsc.clearJobGroup();
      sc.listenerBus().waitUntilEmpty();
      sc.removeSparkListener(listener);
      blocks.unpersist(false);
      blocks16.unpersist(false);
    }
    assertEquals(3, names.size(), names.toString());
    for (int k = 0; k < 2; k++) {
      assertTrue(names.get(k).startsWith("aggregate at ExecutorGroupsAggregateSparkTest.java:"),
          names.get(k));
    }
    assertEquals("the caller's own name", names.get(2));
  }

  private static void assertSameBits(MlpAggregator want, MlpAggregator got, String what) {
    assertTrue(want.lossSum() > 0, what + ": empty sums");
    assertEquals(Double.doubleToRawLongBits(want.lossSum()), Double.doubleToRawLongBits(
        got.lossSum()), what + ": loss");
    assertEquals(Double.doubleToRawLongBits(want.predictedPositiveWeight()),
        Double.doubleToRawLongBits(got.predictedPositiveWeight()), what + ": predicted");
    double[] g = want.parameterGradientSum();
    double[] h = got.parameterGradientSum();
    for (int j = 0; j < g.length; j++) {
      assertEquals(Double.doubleToRawLongBits(g[j]), Double.doubleToRawLongBits(h[j]),
          what + ": gradient[" + j + "]");
    }
  }
}
