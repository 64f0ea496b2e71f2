package io.github.stablelogit.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.RDDInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Trains on blocks that do not fit Spark's storage memory. The blocks are persisted
 * MEMORY_AND_DISK, so the partitions that cannot be unrolled into memory go to the executor's disk
 * store and are read back on every iteration; the model must be bit-identical to a fit of the same
 * partitions held entirely in memory.
 *
 * <p>Runs on {@code local[2]}, whose single executor is this JVM: {@code spark.memory.fraction} is
 * chosen from this JVM's max heap so that unified (storage + execution) memory is
 * {@value #STORAGE_MB} MB, a fraction of the ≈ {@value #ROWS} × {@value #FEATURES} × 8 bytes of
 * blocks. The disk path under test — the block manager's memory store falling back to its disk
 * store — is the same code in a cluster executor.
 */
class SpillToDiskSparkTest {

  private static final int ROWS = 96_000;
  private static final int FEATURES = 20;
  private static final int PARTITIONS = 8;
  private static final long SEED = 31_337L;
  /** Unified memory of the spilling session. */
  private static final int STORAGE_MB = 4;
  private static final String BLOCKS_RDD_PREFIX = "stablelogit blocks";

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void fitOnBlocksSpilledToDiskEqualsTheInMemoryFit() {
    // Spark subtracts 300 MB of reserved memory before applying the fraction
    long usable = Runtime.getRuntime().maxMemory() - 300L * 1024 * 1024;
    double fraction = STORAGE_MB * 1024.0 * 1024.0 / usable;
    Fit spilled = fit(LocalClusters.session("local[2]", PARTITIONS)
        .config("spark.memory.fraction", String.format(Locale.ROOT, "%.6f", fraction)));
    Fit inMemory = fit(LocalClusters.session("local[2]", PARTITIONS));
    System.out.printf(Locale.ROOT, "spark.memory.fraction %.6f: %s%ndefault memory: %s%n",
        fraction, spilled, inMemory);

    assertEquals(PARTITIONS, spilled.storage.numCachedPartitions(),
        "every partition of the blocks should be cached, in memory or on disk: " + spilled);
    assertTrue(spilled.storage.diskSize() > 0, "nothing was spilled to disk: " + spilled);
    assertTrue(spilled.storage.memSize() > 0,
        "no partition fitted in memory, so the mix of memory and disk was not exercised: "
            + spilled);
    assertTrue(spilled.storage.memSize() <= spilled.maxStorageBytes,
        "more in memory than the storage memory: " + spilled);
    assertEquals(PARTITIONS, inMemory.storage.numCachedPartitions(), inMemory.toString());
    assertEquals(0L, inMemory.storage.diskSize(), "the reference fit spilled: " + inMemory);
    assertTrue(inMemory.storage.memSize() > spilled.maxStorageBytes,
        "the blocks (" + inMemory.storage.memSize() + " bytes) would fit the spilling session's "
            + "storage memory (" + spilled.maxStorageBytes + " bytes)");

    assertEquals(inMemory.model.summary().totalIterations(),
        spilled.model.summary().totalIterations(), "iterations");
    assertArrayEquals(inMemory.model.summary().objectiveHistory(),
        spilled.model.summary().objectiveHistory(), "objective history");
    assertArrayEquals(inMemory.model.coefficients().toArray(),
        spilled.model.coefficients().toArray(), "coefficients");
    assertEquals(inMemory.model.intercept(), spilled.model.intercept(), "intercept");
  }

  /** A fitted model with the storage status of its blocks at iteration 1. */
  private record Fit(LogitClassificationModel model, RDDInfo storage, long maxStorageBytes,
      double seconds) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d of %d partitions cached, %d bytes in memory, %d on "
              + "disk, storage memory %d bytes; %d iterations (%s), %.1f s",
          storage.numCachedPartitions(), storage.numPartitions(), storage.memSize(),
          storage.diskSize(), maxStorageBytes, model.summary().totalIterations(),
          model.summary().convergenceReason(), seconds);
    }
  }

  private static Fit fit(SparkSession.Builder builder) {
    SparkSession spark = builder.getOrCreate();
    try {
      SparkContext sc = spark.sparkContext();
      assertEquals("local[2]", sc.master(), "another SparkContext was active");
      RDDInfo[] seen = new RDDInfo[1];
      LogitClassifier classifier = new LogitClassifier()
          .setRegParam(1e-3)
          .setElasticNetParam(0.0)
          .setTol(1e-8)
          .setMaxIter(100)
          .setMaxBlockSizeInMB(0.25)
          .addIterationListener(it -> {
            if (it.iteration() == 1) {
              seen[0] = blocksStorage(sc);
            }
          });
      long t0 = System.nanoTime();
      LogitClassificationModel model = classifier.fit(
          GeneratedRows.dataset(spark, ROWS, FEATURES, PARTITIONS, SEED, null));
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertTrue(seen[0] != null, "the fit stopped before iteration 1");
      long maxStorage = (Long) sc.getExecutorMemoryStatus().values().head()._1();
      return new Fit(model, seen[0], maxStorage, seconds);
    } finally {
      spark.stop();
    }
  }

  /** Spark's storage status of the fit's blocks. */
  private static RDDInfo blocksStorage(SparkContext sc) {
    RDDInfo blocks = null;
    for (RDDInfo info : sc.getRDDStorageInfo()) {
      if (info.name().startsWith(BLOCKS_RDD_PREFIX)) {
        assertTrue(blocks == null, "two cached block RDDs");
        blocks = info;
      }
    }
    assertTrue(blocks != null, "no cached '" + BLOCKS_RDD_PREFIX + "' RDD");
    return blocks;
  }
}
