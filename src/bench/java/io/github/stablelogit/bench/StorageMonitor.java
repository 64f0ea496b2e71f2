package io.github.stablelogit.bench;

import java.util.HashSet;
import java.util.Set;
import org.apache.spark.SparkContext;
import org.apache.spark.storage.RDDInfo;

/**
 * Polls {@code sc.getRDDStorageInfo()} while a fit runs and keeps the peak of the bytes (memory +
 * disk) cached by RDDs that did not exist when it started, i.e. the estimator's own training
 * blocks. Spark's storage sizes are SizeEstimator's estimates of the deserialized objects.
 */
final class StorageMonitor implements AutoCloseable {

  private final SparkContext sc;
  private final Set<Integer> before = new HashSet<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long peakBytes;
  private volatile String peakNames = "";

  StorageMonitor(SparkContext sc, long periodMs) {
    this.sc = sc;
    for (RDDInfo r : sc.getRDDStorageInfo()) {
      before.add(r.id());
    }
    thread = new Thread(() -> {
      while (running) {
        poll();
        try {
          Thread.sleep(periodMs);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "bench-storage-monitor");
    thread.setDaemon(true);
    thread.start();
  }

  private void poll() {
    try {
      pollOnce();
    } catch (RuntimeException e) {
      // storage status changing under us; try again next period
    }
  }

  private void pollOnce() {
    long total = 0;
    StringBuilder names = new StringBuilder();
    for (RDDInfo r : sc.getRDDStorageInfo()) {
      if (!before.contains(r.id())) {
        total += r.memSize() + r.diskSize();
        names.append(names.length() == 0 ? "" : "; ").append(r.name());
      }
    }
    if (total > peakBytes) {
      peakBytes = total;
      peakNames = names.toString();
    }
  }

  long peakBytes() {
    return peakBytes;
  }

  String peakNames() {
    return peakNames;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** @return bytes (memory + disk) currently cached by all RDDs whose name matches */
  static long cachedBytes(SparkContext sc, java.util.function.Predicate<RDDInfo> which) {
    long t = 0;
    for (RDDInfo r : sc.getRDDStorageInfo()) {
      if (which.test(r)) {
        t += r.memSize() + r.diskSize();
      }
    }
    return t;
  }
}
