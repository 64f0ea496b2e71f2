package io.github.stablelogit.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A memory-bandwidth floor measured in this JVM: stream-reads a large double[] (summing it with
 * eight independent accumulators, so the adds are never the bottleneck) with 1 or more threads,
 * each on its own contiguous slice. An objective evaluation must read every cached byte once, so
 * cached bytes / bandwidth is a lower bound on its time.
 */
final class Bandwidth {

  private Bandwidth() {}

  /**
   * Result of one measurement: median and all runs in GB/s (10^9 bytes per second) of wall time,
   * and the median of bytes per second of the reading threads' CPU time (per core; on a loaded
   * machine the wall-clock number also counts time slices given to other processes).
   */
  record Result(int threads, long bytes, double medianGBps, double[] runsGBps,
      double medianCpuGBps) {}

  static volatile double sink;

  static Result measure(double[] a, int threads, int runs) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      double[] gbps = new double[runs];
      double[] cpuGbps = new double[runs];
      java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory
          .getThreadMXBean();
      int slice = a.length / threads;
      for (int r = -2; r < runs; r++) { // two untimed warm-up runs
        long t0 = System.nanoTime();
        List<Future<Long>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int from = t * slice;
          int to = t == threads - 1 ? a.length : from + slice;
          fs.add(pool.submit(() -> {
            long c0 = mx.getCurrentThreadCpuTime();
            sink += sum(a, from, to);
            return mx.getCurrentThreadCpuTime() - c0;
          }));
        }
        long cpu = 0;
        for (Future<Long> f : fs) {
          cpu += f.get();
        }
        long dt = System.nanoTime() - t0;
        if (r >= 0) {
          gbps[r] = 8.0 * a.length / dt;
          cpuGbps[r] = 8.0 * a.length / Math.max(cpu, 1);
        }
      }
      double[] sorted = gbps.clone();
      Arrays.sort(sorted);
      double[] cpuSorted = cpuGbps.clone();
      Arrays.sort(cpuSorted);
      return new Result(threads, 8L * a.length, sorted[runs / 2], gbps, cpuSorted[runs / 2]);
    } finally {
      pool.shutdownNow();
    }
  }

  static double sum(double[] a, int from, int to) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    double s4 = 0;
    double s5 = 0;
    double s6 = 0;
    double s7 = 0;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
      s4 += a[i + 4];
      s5 += a[i + 5];
      s6 += a[i + 6];
      s7 += a[i + 7];
    }
    for (; i < to; i++) {
      s0 += a[i];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  /** Allocates and fills an array of about {@code mb} MiB, then measures with 1..maxThreads. */
  static Result[] measureAll(int mb, int maxThreads, int runs) throws Exception {
    double[] a = new double[(int) (mb * 1024L * 1024L / 8)];
    for (int i = 0; i < a.length; i++) {
      a[i] = i & 1023;
    }
    Result[] out = new Result[maxThreads];
    for (int t = 1; t <= maxThreads; t++) {
      out[t - 1] = measure(a, t, runs);
    }
    return out;
  }
}
