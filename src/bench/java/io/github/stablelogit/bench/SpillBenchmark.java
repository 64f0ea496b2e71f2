package io.github.stablelogit.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.RDDInfo;

/**
 * Training on more blocks than fit in Spark's storage memory: dense rows × features generated per
 * partition inside Spark ({@link BenchData}), fitted by LogitClassifier on {@code local[2]} in a
 * small heap, so that the MEMORY_AND_DISK blocks spill to disk. Reports the cached bytes in memory
 * and on disk (Spark's storage status at iteration 1 and at the last iteration), fit time,
 * iterations, convergence, and the driver JVM's heap: the peak of the used heap sampled every
 * 10 ms, the largest heap after a GC (from GC notifications: the retained set plus not yet
 * collected old regions) and the sum of the heap pools' peaks (an upper bound), each also per
 * million rows. Run with a heap large enough for all blocks for the in-memory comparison.
 *
 * <p>Run: {@code mvn -o -Pbench test-compile exec:exec
 * -Dbench.main=io.github.stablelogit.bench.SpillBenchmark -Dbench.xmx=2g
 * -Dbench.args="--rows 8M"}. Options (defaults in brackets): --rows [8M], --features [50],
 * --partitions [32], --master [local[2]], --maxIter [100], --tol [1e-6], --reg [1e-3], --blockMb
 * [0 = auto], --seed [42], --out [${bench.out} or target/bench]. A line per run is appended to
 * {@code <out>/spill.tsv}.
 */
public final class SpillBenchmark {

  private static final String BLOCKS_RDD_PREFIX = "stablelogit blocks";

  private SpillBenchmark() {}

  /** Command-line options. */
  static final class Options {
    long rows = 8_000_000L;
    int features = 50;
    int partitions = 32;
    String master = "local[2]";
    int maxIter = 100;
    double tol = 1e-6;
    double reg = 1e-3;
    double blockMb = 0.0;
    long seed = 42;
    String out = System.getProperty("bench.out", "target/bench");

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String k = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("option " + k + " needs a value");
        }
        String v = args[++i];
        switch (k) {
          case "--rows" -> o.rows = BenchData.Shape.parse("dense-" + v + "x1").rows();
          case "--features" -> o.features = Integer.parseInt(v);
          case "--partitions" -> o.partitions = Integer.parseInt(v);
          case "--master" -> o.master = v;
          case "--maxIter" -> o.maxIter = Integer.parseInt(v);
          case "--tol" -> o.tol = Double.parseDouble(v);
          case "--reg" -> o.reg = Double.parseDouble(v);
          case "--blockMb" -> o.blockMb = Double.parseDouble(v);
          case "--seed" -> o.seed = Long.parseLong(v);
          case "--out" -> o.out = v;
          default -> throw new IllegalArgumentException("unknown option " + k + " (known: --rows, "
              + "--features, --partitions, --master, --maxIter, --tol, --reg, --blockMb, --seed, "
              + "--out)");
        }
      }
      return o;
    }
  }

  /** Spark's storage status of the fit's blocks. */
  record Storage(long memBytes, long diskBytes, int cachedPartitions, int partitions) {
    static Storage of(SparkContext sc) {
      long mem = 0;
      long disk = 0;
      int cached = 0;
      int parts = 0;
      for (RDDInfo r : sc.getRDDStorageInfo()) {
        if (r.name().startsWith(BLOCKS_RDD_PREFIX)) {
          mem += r.memSize();
          disk += r.diskSize();
          cached += r.numCachedPartitions();
          parts += r.numPartitions();
        }
      }
      return new Storage(mem, disk, cached, parts);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%s in memory, %s on disk, %d of %d partitions cached",
          mb(memBytes), mb(diskBytes), cachedPartitions, partitions);
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    SparkSession spark = SparkSession.builder()
        .master(o.master)
        .appName("SpillBenchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      run(spark, o);
    } finally {
      spark.stop();
    }
  }

  private static void run(SparkSession spark, Options o) throws IOException {
    SparkContext sc = spark.sparkContext();
    long storageMemory = (Long) sc.getExecutorMemoryStatus().values().head()._1();
    BenchData.Shape shape = new BenchData.Shape(
        String.format(Locale.ROOT, "dense-%dx%d", o.rows, o.features), false, o.rows, o.features,
        o.rows, Double.NaN);
    Dataset<Row> df = BenchData.build(spark, shape, o.partitions, o.seed);
    Storage[] seen = new Storage[2];
    LogitClassifier classifier = new LogitClassifier()
        .setRegParam(o.reg)
        .setTol(o.tol)
        .setMaxIter(o.maxIter)
        .setMaxBlockSizeInMB(o.blockMb)
        .addIterationListener(it -> {
          Storage s = Storage.of(sc);
          if (it.iteration() == 1) {
            seen[0] = s;
          }
          seen[1] = s;
          log(String.format(Locale.ROOT, "iteration %d: objective %.12g, |g| %.3e, %.1f s; %s",
              it.iteration(), it.objective(), it.gradientNorm(), it.elapsedSeconds(), s));
        });
    log(String.format(Locale.ROOT, "%s: %d rows x %d features in %d partitions (%s of doubles), "
            + "max heap %s, storage memory %s, %s", o.master, o.rows, o.features, o.partitions,
        mb(o.rows * o.features * 8L), mb(Runtime.getRuntime().maxMemory()), mb(storageMemory),
        Instant.now()));

    LogitClassificationModel model;
    double seconds;
    long peakCached;
    double gcSeconds0 = gcSeconds();
    try (HeapWatch heap = new HeapWatch(10); StorageMonitor cached = new StorageMonitor(sc, 200)) {
      long t0 = System.nanoTime();
      model = classifier.fit(df);
      seconds = (System.nanoTime() - t0) / 1e9;
      peakCached = cached.peakBytes();
      heap.stop();
      double gc = gcSeconds() - gcSeconds0;
      double perM = o.rows / 1e6;
      String report = String.format(Locale.ROOT, "%n== SpillBenchmark ==%n"
              + "rows                  %,d x %d features, %d partitions, %s%n"
              + "max heap              %s (storage memory %s)%n"
              + "cached at iteration 1 %s%n"
              + "cached at the end     %s%n"
              + "peak cached (polled)  %s (memory + disk)%n"
              + "fit                   %.1f s, %d iterations, converged %s (%s), GC %.1f s%n"
              + "peak heap used        %s = %s per million rows (sampled every 10 ms)%n"
              + "peak heap after GC    %s = %s per million rows (%d GCs)%n"
              + "sum of pool peaks     %s = %s per million rows (upper bound)%n"
              + "load average          %.2f%n",
          o.rows, o.features, o.partitions, o.master, mb(Runtime.getRuntime().maxMemory()),
          mb(storageMemory), seen[0], seen[1], mb(peakCached), seconds,
          model.summary().totalIterations(), model.summary().converged(),
          model.summary().convergenceReason(), gc,
          mb(heap.peakUsed), mb((long) (heap.peakUsed / perM)),
          mb(heap.peakAfterGc), mb((long) (heap.peakAfterGc / perM)), heap.gcs,
          mb(heap.poolPeakSum()), mb((long) (heap.poolPeakSum() / perM)),
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      System.out.println(report);
      Path out = Path.of(o.out);
      Files.createDirectories(out);
      Path tsv = out.resolve("spill.tsv");
      if (!Files.exists(tsv)) {
        Files.writeString(tsv, String.join("\t", "time", "master", "rows", "features",
            "partitions", "maxHeapBytes", "storageMemoryBytes", "memBytesIter1", "diskBytesIter1",
            "memBytesEnd", "diskBytesEnd", "fitSeconds", "iterations", "converged",
            "peakHeapUsedBytes", "peakHeapAfterGcBytes", "poolPeakSumBytes", "gcSeconds",
            "loadAverage") + "\n", StandardCharsets.UTF_8);
      }
      Files.writeString(tsv, String.join("\t", Instant.now().toString(), o.master,
          Long.toString(o.rows), Integer.toString(o.features), Integer.toString(o.partitions),
          Long.toString(Runtime.getRuntime().maxMemory()), Long.toString(storageMemory),
          Long.toString(seen[0].memBytes()), Long.toString(seen[0].diskBytes()),
          Long.toString(seen[1].memBytes()), Long.toString(seen[1].diskBytes()),
          String.format(Locale.ROOT, "%.2f", seconds),
          Integer.toString(model.summary().totalIterations()),
          Boolean.toString(model.summary().converged()), Long.toString(heap.peakUsed),
          Long.toString(heap.peakAfterGc), Long.toString(heap.poolPeakSum()),
          String.format(Locale.ROOT, "%.2f", gc), String.format(Locale.ROOT, "%.2f",
              ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())) + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      log("appended to " + tsv.toAbsolutePath());
    }
  }

  /**
   * Heap peaks while it is open: samples the used heap, listens to GC notifications for the heap
   * after each collection, and resets the heap pools' peak counters at the start.
   */
  private static final class HeapWatch implements AutoCloseable, NotificationListener {
    private final List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == MemoryType.HEAP).collect(Collectors.toList());
    private final Set<String> heapPools = pools.stream().map(MemoryPoolMXBean::getName)
        .collect(Collectors.toSet());
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean running = true;
    volatile long peakUsed;
    volatile long peakAfterGc;
    volatile int gcs;

    HeapWatch(long periodMs) {
      System.gc();
      pools.forEach(MemoryPoolMXBean::resetPeakUsage);
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (gc instanceof NotificationEmitter e) {
          e.addNotificationListener(this, null, null);
          emitters.add(e);
        }
      }
      sampler = new Thread(() -> {
        while (running) {
          long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          if (used > peakUsed) {
            peakUsed = used;
          }
          try {
            Thread.sleep(periodMs);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "heap-sampler");
      sampler.setDaemon(true);
      sampler.start();
    }

    @Override
    public synchronized void handleNotification(Notification n, Object handback) {
      if (!running || !GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
          .equals(n.getType())) {
        return;
      }
      GarbageCollectionNotificationInfo info =
          GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
      long after = 0;
      for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
        if (heapPools.contains(e.getKey())) {
          after += e.getValue().getUsed();
        }
      }
      gcs++;
      peakAfterGc = Math.max(peakAfterGc, after);
    }

    long poolPeakSum() {
      return pools.stream().map(MemoryPoolMXBean::getPeakUsage).mapToLong(MemoryUsage::getUsed)
          .sum();
    }

    void stop() {
      running = false;
      sampler.interrupt();
    }

    @Override
    public void close() {
      stop();
      for (NotificationEmitter e : emitters) {
        try {
          e.removeNotificationListener(this);
        } catch (ListenerNotFoundException ignored) {
          // already gone
        }
      }
    }
  }

  static double gcSeconds() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime).filter(t -> t > 0).sum() / 1e3;
  }

  static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
  }

  static void log(String s) {
    System.out.println("[spill] " + s);
  }
}
