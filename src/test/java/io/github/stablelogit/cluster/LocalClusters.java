package io.github.stablelogit.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Shared setup of the {@code local-cluster} tests: a Master and Workers inside the test JVM whose
 * executors are child JVMs built by Spark's launcher. Only one SparkContext may exist per JVM, so
 * every test stops its session before the next one starts.
 */
public final class LocalClusters {

  /** The main class of a standalone executor JVM, as it appears on its command line. */
  static final String EXECUTOR_MAIN = "org.apache.spark.executor.CoarseGrainedExecutorBackend";

  private LocalClusters() {}

  /** A session builder on {@code master}, loopback only, no UI. */
  public static SparkSession.Builder session(String master, int shufflePartitions) {
    return SparkSession.builder()
        .master(master)
        .appName("stablelogit-" + master)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", String.valueOf(shufflePartitions));
  }

  /** {@code local-cluster[2,1,1024]} with 512 MB executors that start quickly. */
  public static SparkSession.Builder twoExecutorCluster(int shufflePartitions) {
    return session("local-cluster[2,1,1024]", shufflePartitions)
        .config("spark.executor.memory", "512m")
        .config("spark.executor.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
  }

  /** Fails with instructions unless Surefire's launcher environment is present. */
  public static void requireLauncherEnvironment(String testClass) {
    for (String name : List.of("SPARK_HOME", "SPARK_SCALA_VERSION", "SPARK_DIST_CLASSPATH")) {
      String v = System.getenv(name);
      if (v == null || v.isEmpty()) {
        fail("environment variable " + name + " is not set: local-cluster executors are JVMs "
            + "built by Spark's launcher, which needs SPARK_HOME, SPARK_SCALA_VERSION=2.13 and "
            + "SPARK_DIST_CLASSPATH (the executors' classpath). Surefire sets them (see pom.xml); "
            + "run this test with `mvn test -Dtest=" + testClass + "`.");
      }
    }
  }

  /** Waits until {@code n} executors (besides the driver) have registered. */
  public static void awaitExecutors(SparkSession spark, int n, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    int registered = 0;
    while (System.nanoTime() < deadline) {
      registered = spark.sparkContext().statusTracker().getExecutorInfos().length - 1;
      if (registered >= n) {
        return;
      }
      Thread.sleep(200);
    }
    fail(String.format(Locale.ROOT, "only %d of %d executors registered within %d s; see the "
        + "executor logs under $SPARK_HOME/work (SPARK_HOME=%s)", registered, n, seconds,
        System.getenv("SPARK_HOME")));
  }

  /**
   * The process id of each executor, from short tasks that report (executor id, pid); repeated
   * until {@code n} executors have answered.
   */
  static Map<String, Long> executorPids(SparkSession spark, int n, int seconds)
      throws InterruptedException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, Long> pids = new TreeMap<>();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    List<Integer> nums = IntStream.range(0, 8 * n).boxed().collect(Collectors.toList());
    while (pids.size() < n) {
      if (System.nanoTime() > deadline) {
        fail("only executors " + pids + " ran tasks within " + seconds + " s, expected " + n);
      }
      for (String s : jsc.parallelize(nums, nums.size()).map(i -> {
        Thread.sleep(50);
        return SparkEnv.get().executorId() + "=" + ProcessHandle.current().pid();
      }).distinct().collect()) {
        String[] kv = s.split("=");
        pids.put(kv[0], Long.parseLong(kv[1]));
      }
    }
    return pids;
  }

  /** Executor JVMs started by this JVM (the in-process Workers launch them as child processes). */
  static List<ProcessHandle> executorJvms() {
    return ProcessHandle.current().descendants()
        .filter(p -> p.isAlive() && commandLine(p).contains(EXECUTOR_MAIN))
        .collect(Collectors.toList());
  }

  /**
   * A process's command line. The JDK leaves {@code ProcessHandle.Info.commandLine()} empty when
   * the arguments are long (an executor's classpath is), so on Linux it is read from /proc.
   */
  private static String commandLine(ProcessHandle p) {
    Path proc = Path.of("/proc", Long.toString(p.pid()), "cmdline");
    if (Files.isReadable(proc)) {
      try {
        return new String(Files.readAllBytes(proc), StandardCharsets.ISO_8859_1);
      } catch (IOException e) {
        return ""; // exited meanwhile
      }
    }
    return p.info().commandLine().orElse("");
  }

  /**
   * Waits up to {@code timeout} for the executor JVMs of this JVM to exit (the Workers stop them
   * with the session), then force-kills any still running.
   *
   * @return the pids that had to be killed; empty if all exited in time
   */
  public static List<Long> awaitExecutorJvmsGone(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<ProcessHandle> alive = executorJvms();
    while (!alive.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      alive = executorJvms();
    }
    List<Long> killed = new ArrayList<>();
    for (ProcessHandle p : alive) {
      killed.add(p.pid());
      p.destroyForcibly();
    }
    return killed;
  }
}
