package io.github.stablelogit.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.stablelogit.ml.IterationListener;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitIteration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.spark.SparkContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.BlockUpdatedInfo;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Kills an executor JVM of {@code local-cluster[2,1,1024]} in the middle of L-BFGS: the fit must
 * finish, the cached blocks lost with the executor must be rebuilt from lineage (the rows are
 * generated in the tasks, see {@link GeneratedRows}, so a rebuilt partition shows up as
 * regenerated rows), and the model must
 * be bit-identical to an undisturbed fit of the same data on the same cluster, since the blocks of
 * a partition are a pure function of its rows and the aggregation does not depend on where or in
 * which order partitions are combined. Evaluations read the cached blocks without their lineage
 * (the optim package's CachedBlocks): the evaluation after the kill either finds a lost partition
 * uncached when it plans its tasks, or its task finds the block gone, fails, and the job runs
 * again through the lineage; either way only the lost partitions are rebuilt. The standalone
 * Master launches a replacement executor; it and the surviving executor must be gone once the
 * session stops.
 *
 * <p>Needs Surefire's launcher environment, as {@link LocalClusterSparkTest} does. Run alone with
 * {@code mvn test -Dtest=ExecutorLossSparkTest}.
 */
class ExecutorLossSparkTest {

  private static final int ROWS = 40_000;
  private static final int FEATURES = 12;
  private static final int PARTITIONS = 4;
  private static final long SEED = 7_700_417L;
  /** The optimizer iteration after which one executor JVM is killed. */
  private static final int KILL_AT = 3;
  /** Generous bound for anything the cluster has to do on a slow, shared machine. */
  private static final int WAIT_SECONDS = 180;
  private static final String BLOCKS_RDD_PREFIX = "stablelogit blocks";

  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void fitSurvivesAKilledExecutorAndMatchesTheUndisturbedFitBitForBit() throws Exception {
    LocalClusters.requireLauncherEnvironment("ExecutorLossSparkTest");
    long t0 = System.nanoTime();
    SparkSession spark = LocalClusters.twoExecutorCluster(PARTITIONS).getOrCreate();
    List<Long> leftover;
    try {
      SparkContext sc = spark.sparkContext();
      assertTrue(sc.master().startsWith("local-cluster"),
          "another SparkContext was active: " + sc.master());
      LocalClusters.awaitExecutors(spark, 2, WAIT_SECONDS);
      Map<String, Long> pids = LocalClusters.executorPids(spark, 2, WAIT_SECONDS);
      List<Long> children = LocalClusters.executorJvms().stream().map(ProcessHandle::pid)
          .collect(Collectors.toList());
      assertTrue(children.containsAll(pids.values()), "executor pids " + pids
          + " are not all executor JVMs started by this JVM " + children);
      System.out.printf(Locale.ROOT, "executors %s up after %.1f s%n", pids,
          (System.nanoTime() - t0) / 1e9);

      ClusterEvents events = new ClusterEvents();
      sc.addSparkListener(events);

      // ---- 1. undisturbed fit: every row is generated exactly once (the blocks are cached)
      LongAccumulator undisturbedRows = sc.longAccumulator("rows generated, undisturbed fit");
      LogitClassificationModel reference = classifier().fit(dataset(spark, undisturbedRows));
      int referenceIterations = reference.summary().totalIterations();
      System.out.printf(Locale.ROOT, "undisturbed fit: %d iterations, %s, %d rows generated%n",
          referenceIterations, reference.summary().convergenceReason(),
          undisturbedRows.value());
      assertEquals(ROWS, undisturbedRows.value(), "rows generated by the undisturbed fit");
      assertTrue(referenceIterations > KILL_AT + 1, "the fit must still be running after "
          + "iteration " + KILL_AT + " for the kill to hit it; it took " + referenceIterations);

      // ---- 2. the same fit, killing the executor that holds the most cached partitions
      LongAccumulator disturbedRows = sc.longAccumulator("rows generated, disturbed fit");
      Killer killer = new Killer(sc, events, pids, disturbedRows);
      long tFit = System.nanoTime();
      LogitClassificationModel model =
          classifier().addIterationListener(killer).fit(dataset(spark, disturbedRows));
      System.out.printf(Locale.ROOT, "disturbed fit: %d iterations, %s, %.1f s; killed executor "
              + "%s (pid %d) holding partitions %s after iteration %d%n",
          model.summary().totalIterations(), model.summary().convergenceReason(),
          (System.nanoTime() - tFit) / 1e9, killer.victim, killer.victimPid, killer.lost, KILL_AT);
      assertNotNull(killer.victim, "iteration " + KILL_AT + " was never reached");
      assertEquals(ROWS, killer.rowsBeforeKill, "rows generated before the kill");

      // ---- 3. Spark saw the executor go, and rebuilt exactly the lost partitions elsewhere
      events.awaitRemoved(killer.victim, WAIT_SECONDS);
      System.out.printf(Locale.ROOT, "executors removed %s, added %s, failed tasks %s%n",
          events.removed, events.added, events.failedTasks);
      int blocksRdd = killer.blocksRdd;
      for (int p : killer.lost) {
        List<String> holders = events.holders(blocksRdd, p);
        assertTrue(holders.stream().anyMatch(e -> !e.equals(killer.victim)), "partition " + p
            + " of the blocks was lost with executor " + killer.victim + " but never cached "
            + "again on another executor; it was cached on " + holders);
      }
      long regenerated = disturbedRows.value() - killer.rowsBeforeKill;
      long lostRows = (long) killer.lost.size() * (ROWS / PARTITIONS);
      System.out.printf(Locale.ROOT, "rows regenerated after the kill: %d (lost partitions hold "
          + "%d rows)%n", regenerated, lostRows);
      assertEquals(lostRows, regenerated, "rows regenerated after the kill should be exactly the "
          + "rows of the lost partitions " + killer.lost + ": the surviving executor's cached "
          + "blocks are reused and the lost ones are rebuilt once");
      assertFalse(events.succeededOn(killer.victim, killer.killedAtMillis),
          "a task succeeded on the killed executor after the kill");

      // ---- 4. bit-identical model
      double[] expected = reference.coefficients().toArray();
      double[] actual = model.coefficients().toArray();
      System.out.printf(Locale.ROOT, "undisturbed %s %s%ndisturbed   %s %s%n",
          Vectors.dense(expected), reference.intercept(), Vectors.dense(actual), model.intercept());
      assertEquals(referenceIterations, model.summary().totalIterations(), "iterations");
      assertArrayEquals(reference.summary().objectiveHistory(),
          model.summary().objectiveHistory(), "objective history");
      assertArrayEquals(expected, actual, "coefficients");
      assertEquals(reference.intercept(), model.intercept(), "intercept");
    } finally {
      spark.stop();
      leftover = LocalClusters.awaitExecutorJvmsGone(Duration.ofSeconds(WAIT_SECONDS));
    }
    assertEquals(List.of(), leftover,
        "executor JVMs still running after the session stopped (now killed)");
    System.out.printf(Locale.ROOT, "ExecutorLossSparkTest took %.1f s%n",
        (System.nanoTime() - t0) / 1e9);
  }

  private static LogitClassifier classifier() {
    return new LogitClassifier()
        .setLoss("focal")
        .setFocalGamma(1.5)
        .setPosWeight(2.0)
        .setRegParam(1e-4)
        .setTol(1e-9)
        .setMaxIter(100)
        // about 20 blocks per partition
        .setMaxBlockSizeInMB(0.05);
  }

  private static Dataset<Row> dataset(SparkSession spark, LongAccumulator generated) {
    return GeneratedRows.dataset(spark, ROWS, FEATURES, PARTITIONS, SEED, generated);
  }

  /**
   * Iteration listener: after iteration {@value #KILL_AT}, force-kills the executor JVM that caches
   * the most partitions of the training blocks and waits for the process to exit.
   */
  private static final class Killer implements IterationListener {
    private final SparkContext sc;
    private final ClusterEvents events;
    private final Map<String, Long> pids;
    private final LongAccumulator generated;
    volatile String victim;
    volatile long victimPid;
    volatile long killedAtMillis;
    volatile long rowsBeforeKill;
    volatile int blocksRdd = -1;
    volatile List<Integer> lost = List.of();

    Killer(SparkContext sc, ClusterEvents events, Map<String, Long> pids,
        LongAccumulator generated) {
      this.sc = sc;
      this.events = events;
      this.pids = pids;
      this.generated = generated;
    }

    @Override
    public void onIteration(LogitIteration it) {
      if (it.iteration() != KILL_AT || victim != null) {
        return;
      }
      try {
        kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      } catch (java.util.concurrent.ExecutionException
          | java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("executor JVM " + victimPid + " did not exit", e);
      }
    }

    private void kill() throws InterruptedException, java.util.concurrent.ExecutionException,
        java.util.concurrent.TimeoutException {
      // this fit's blocks: the newest cached RDD of that name (an earlier fit's may linger)
      for (RDDInfo info : sc.getRDDStorageInfo()) {
        if (info.name().startsWith(BLOCKS_RDD_PREFIX) && info.id() > blocksRdd) {
          blocksRdd = info.id();
        }
      }
      if (blocksRdd < 0) {
        fail("no cached '" + BLOCKS_RDD_PREFIX + "' RDD at iteration " + KILL_AT);
      }
      // where each partition is cached, once the listener bus has delivered all of them
      Map<Integer, String> where = events.awaitPlacement(blocksRdd, PARTITIONS, WAIT_SECONDS);
      Map<String, List<Integer>> byExecutor = new TreeMap<>();
      where.forEach((p, e) -> byExecutor.computeIfAbsent(e, k -> new ArrayList<>()).add(p));
      String chosen = byExecutor.entrySet().stream()
          .max(java.util.Comparator.comparingInt(e -> e.getValue().size())).orElseThrow().getKey();
      Long pid = pids.get(chosen);
      if (pid == null) {
        fail("executor " + chosen + " caches partitions " + byExecutor.get(chosen)
            + " but is not one of the executors " + pids);
      }
      ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() ->
          new AssertionError("executor " + chosen + " (pid " + pid + ") is not running"));
      if (ProcessHandle.current().descendants().noneMatch(p -> p.pid() == pid)) {
        fail("pid " + pid + " is not a process started by this JVM; not killing it");
      }
      rowsBeforeKill = generated.value();
      lost = List.copyOf(new TreeSet<>(byExecutor.get(chosen)));
      victimPid = pid;
      process.destroyForcibly();
      process.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
      killedAtMillis = System.currentTimeMillis();
      victim = chosen;
    }
  }

  /** Executor membership, task outcomes and RDD block placement, from the listener bus. */
  private static final class ClusterEvents extends SparkListener {
    final Map<String, String> removed = new ConcurrentHashMap<>();
    final List<String> added = new CopyOnWriteArrayList<>();
    final List<String> failedTasks = new CopyOnWriteArrayList<>();
    /** (executor id, finish time) of every successful task. */
    final List<Map.Entry<String, Long>> succeeded = new CopyOnWriteArrayList<>();
    /** (rdd id, partition, executor id) of every RDD block stored. */
    final List<int[]> blockKeys = new CopyOnWriteArrayList<>();
    final List<String> blockExecutors = new CopyOnWriteArrayList<>();

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded e) {
      added.add(e.executorId());
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
      removed.put(e.executorId(), e.reason());
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
      if (e.taskInfo().successful()) {
        succeeded.add(Map.entry(e.taskInfo().executorId(), e.taskInfo().finishTime()));
      } else {
        failedTasks.add("stage " + e.stageId() + " on executor " + e.taskInfo().executorId()
            + ": " + e.reason());
      }
    }

    @Override
    public synchronized void onBlockUpdated(SparkListenerBlockUpdated e) {
      BlockUpdatedInfo info = e.blockUpdatedInfo();
      if (info.blockId() instanceof RDDBlockId && info.storageLevel().isValid()) {
        RDDBlockId id = (RDDBlockId) info.blockId();
        blockKeys.add(new int[] {id.rddId(), id.splitIndex()});
        blockExecutors.add(info.blockManagerId().executorId());
        notifyAll();
      }
    }

    /** Executors that stored partition {@code p} of RDD {@code rdd}, in event order. */
    synchronized List<String> holders(int rdd, int p) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < blockKeys.size(); i++) {
        if (blockKeys.get(i)[0] == rdd && blockKeys.get(i)[1] == p) {
          out.add(blockExecutors.get(i));
        }
      }
      return out;
    }

    /** Partition → executor of the first caching of each of the RDD's {@code n} partitions. */
    synchronized Map<Integer, String> awaitPlacement(int rdd, int n, int seconds)
        throws InterruptedException {
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      while (true) {
        Map<Integer, String> where = new TreeMap<>();
        for (int i = 0; i < blockKeys.size(); i++) {
          if (blockKeys.get(i)[0] == rdd) {
            where.putIfAbsent(blockKeys.get(i)[1], blockExecutors.get(i));
          }
        }
        long left = deadline - System.nanoTime();
        if (where.size() == n) {
          return where;
        }
        if (left <= 0) {
          fail("only partitions " + where + " of RDD " + rdd + " were reported cached within "
              + seconds + " s");
        }
        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }

    void awaitRemoved(String executor, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      while (!removed.containsKey(executor)) {
        if (System.nanoTime() > deadline) {
          fail("Spark did not report executor " + executor + " as removed within " + seconds
              + " s; removed: " + removed);
        }
        Thread.sleep(100);
      }
    }

    boolean succeededOn(String executor, long afterMillis) {
      return succeeded.stream()
          .anyMatch(t -> t.getKey().equals(executor) && t.getValue() > afterMillis);
    }
  }
}
