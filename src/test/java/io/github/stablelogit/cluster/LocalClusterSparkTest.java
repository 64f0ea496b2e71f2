package io.github.stablelogit.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains {@link LogitClassifier} on {@code local-cluster[2,1,1024]}: a Master and two Workers
 * inside this JVM that launch two executor JVMs. Everything the estimator ships to executors (block
 * packer, aggregators, broadcasts, the model's UDFs) must therefore serialize and load there. The
 * result must equal a {@code local[2]} fit of the same rows in the same 4 partitions bit for bit:
 * the blocks are the same, and the sums do not depend on how tasks group them (4 partitions in one
 * task per executor here, in one task per thread there) nor on the executors' JIT tier (C1 only
 * here).
 *
 * <p>The executor JVMs are built by Spark's launcher from {@code SPARK_HOME} (a stub with an empty
 * {@code jars/}) and take their classpath from {@code SPARK_DIST_CLASSPATH}; Surefire sets both,
 * plus {@code SPARK_SCALA_VERSION}. Run alone with {@code mvn test -Dtest=LocalClusterSparkTest}.
 */
class LocalClusterSparkTest {

  private static final int ROWS = 4000;
  private static final int FEATURES = 10;
  private static final int PARTITIONS = 4;
  private static final long SEED = 20_240_611L;
  /** Relative agreement required between the cluster and the local fit: none, same bits. */
  private static final double REL_TOL = 0.0;

  @Test
  void fitsOnTwoExecutorJvmsExactlyLikeLocalMode(@TempDir Path tmp) throws Exception {
    LocalClusters.requireLauncherEnvironment("LocalClusterSparkTest");
    List<Row> rows = syntheticRows();

    // ---- 1. local-cluster: fit, prove where the tasks ran, save + load + transform there
    double[] clusterCoef;
    double clusterIntercept;
    int clusterIterations;
    long t0 = System.nanoTime();
    List<Long> leftover;
    SparkSession cluster = LocalClusters.twoExecutorCluster(PARTITIONS).getOrCreate();
    try {
      assertTrue(cluster.sparkContext().master().startsWith("local-cluster"),
          "another SparkContext was active: " + cluster.sparkContext().master());
      LocalClusters.awaitExecutors(cluster, 2, 180);
      System.out.printf(Locale.ROOT, "local-cluster: 2 executors registered after %.1f s%n",
          (System.nanoTime() - t0) / 1e9);

      TaskExecutors tasks = new TaskExecutors();
      cluster.sparkContext().addSparkListener(tasks);
      Dataset<Row> df = dataset(cluster, rows);
      LogitClassificationModel model = classifier().fit(df);
      tasks.awaitExecutors(2, 10);
      cluster.sparkContext().listenerBus().waitUntilEmpty();
      // Evaluations read the 4 cached partitions in one task per executor core (2), each on the
      // executor that caches its partitions.
      List<Integer> evalTasks = tasks.evaluationTasksPerStage();
      assertTrue(evalTasks.size() >= model.summary().totalIterations(), "evaluation stages "
          + evalTasks);
      assertEquals(List.of(2), evalTasks.stream().distinct().toList(),
          "tasks per evaluation stage: " + evalTasks);
      assertEquals(Set.of("PROCESS_LOCAL"), tasks.evaluationLocalities,
          "locality of the evaluation tasks");
      clusterCoef = model.coefficients().toArray();
      clusterIntercept = model.intercept();
      clusterIterations = model.summary().totalIterations();
      System.out.printf(Locale.ROOT, "local-cluster fit: %d iterations, %s, executors of the fit's "
              + "tasks %s, %.1f s since session start%n", clusterIterations,
          model.summary().convergenceReason(), tasks.executorIds,
          (System.nanoTime() - t0) / 1e9);
      assertFalse(tasks.executorIds.contains("driver"), "a fit task ran on the driver");
      assertEquals(2, tasks.executorIds.size(),
          "the fit's tasks should have run on both executors: " + tasks.executorIds);

      // Tasks run in exactly two JVMs, neither of them this (driver) JVM; the lambda below is a
      // test class, so this also shows the test classes are on the executors' classpath.
      String driverJvm = ManagementFactory.getRuntimeMXBean().getName();
      Set<String> taskJvms = taskJvms(cluster);
      System.out.println("driver JVM " + driverJvm + ", task JVMs " + taskJvms);
      assertFalse(taskJvms.contains(driverJvm), "a task ran in the driver JVM");
      assertEquals(2, taskJvms.size(), "tasks should run in 2 executor JVMs: " + taskJvms);

      saveLoadAndTransform(df, model, tmp);
      broadcastAndCaptureScoreOnExecutors(cluster, df, model);
      System.out.printf(Locale.ROOT, "local-cluster: save, load, transform done after %.1f s%n",
          (System.nanoTime() - t0) / 1e9);
    } finally {
      cluster.stop();
      leftover = LocalClusters.awaitExecutorJvmsGone(java.time.Duration.ofSeconds(120));
    }
    assertEquals(List.of(), leftover,
        "executor JVMs still running after the session stopped (now killed)");
    long tLocal = System.nanoTime();

    // ---- 2. local[2]: the same rows, the same partitioning
    SparkSession local = LocalClusters.session("local[2]", PARTITIONS).getOrCreate();
    double[] localCoef;
    double localIntercept;
    int localIterations;
    try {
      assertEquals("local[2]", local.sparkContext().master());
      LogitClassificationModel model = classifier().fit(dataset(local, rows));
      localCoef = model.coefficients().toArray();
      localIntercept = model.intercept();
      localIterations = model.summary().totalIterations();
    } finally {
      local.stop();
    }
    System.out.printf(Locale.ROOT, "local[2] session + fit: %.1f s%n",
        (System.nanoTime() - tLocal) / 1e9);

    // ---- 3. same model
    double worst = 0.0;
    for (int j = 0; j < FEATURES; j++) {
      worst = Math.max(worst, relDiff(clusterCoef[j], localCoef[j]));
    }
    worst = Math.max(worst, relDiff(clusterIntercept, localIntercept));
    System.out.printf(Locale.ROOT, "cluster vs local[2]: iterations %d vs %d, max relative "
            + "difference of coefficients and intercept %.3e%n  cluster %s %s%n  local   %s %s%n",
        clusterIterations, localIterations, worst, Vectors.dense(clusterCoef), clusterIntercept,
        Vectors.dense(localCoef), localIntercept);
    for (int j = 0; j < FEATURES; j++) {
      assertClose(localCoef[j], clusterCoef[j], "coefficient " + j);
    }
    assertClose(localIntercept, clusterIntercept, "intercept");
    System.out.printf(Locale.ROOT, "LocalClusterSparkTest took %.1f s%n",
        (System.nanoTime() - t0) / 1e9);
  }

  /**
   * The fitted model (with its training summary) is Java-serializable, as Spark's models are:
   * broadcast it, and capture it in a closure, and score rows inside mapPartitions on the executor
   * JVMs; the probabilities equal the model's transform bit for bit.
   */
  private static void broadcastAndCaptureScoreOnExecutors(SparkSession spark, Dataset<Row> df,
      LogitClassificationModel model) {
    assertTrue(model.hasSummary(), "the broadcast model should carry its summary");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    org.apache.spark.broadcast.Broadcast<LogitClassificationModel> bc = jsc.broadcast(model);
    try {
      List<Row> expected = model.transform(df).select("features", "probability").collectAsList();
      List<double[]> viaBroadcast = df.select("features").javaRDD().mapPartitions(it -> {
        LogitClassificationModel m = bc.value();
        List<double[]> out = new ArrayList<>();
        String executor = org.apache.spark.SparkEnv.get().executorId();
        while (it.hasNext()) {
          Vector x = (Vector) it.next().get(0);
          out.add(new double[] {m.predictProbability(x), "driver".equals(executor) ? 1 : 0,
              m.summary().totalIterations()});
        }
        return out.iterator();
      }).collect();
      List<Double> viaClosure = df.select("features").javaRDD()
          .map(r -> model.predictProbability((Vector) r.get(0))).collect();
      assertEquals(expected.size(), viaBroadcast.size());
      for (int i = 0; i < expected.size(); i++) {
        double p = ((Vector) expected.get(i).get(1)).apply(1);
        assertEquals(p, viaBroadcast.get(i)[0], 0.0, "row " + i + " via broadcast");
        assertEquals(0.0, viaBroadcast.get(i)[1], "row " + i + " was scored on the driver");
        assertEquals(model.summary().totalIterations(), viaBroadcast.get(i)[2]);
        assertEquals(p, viaClosure.get(i), 0.0, "row " + i + " via closure");
      }
    } finally {
      bc.destroy();
    }
  }

  /** Estimator and model persistence, then the loaded model's transform on the executors. */
  private static void saveLoadAndTransform(Dataset<Row> df, LogitClassificationModel model,
      Path tmp) throws java.io.IOException {
    String estimatorDir = tmp.resolve("estimator").toString();
    String modelDir = tmp.resolve("model").toString();
    classifier().write().save(estimatorDir);
    LogitClassifier estimator = LogitClassifier.load(estimatorDir);
    assertEquals("focal", estimator.getLoss());
    assertEquals(3.0, estimator.getPosWeight());

    model.write().save(modelDir);
    LogitClassificationModel loaded = LogitClassificationModel.load(modelDir);
    assertArrayEquals(model.coefficients().toArray(), loaded.coefficients().toArray(), 0.0);
    assertEquals(model.intercept(), loaded.intercept(), 0.0);
    assertEquals("focal", loaded.getLoss());
    assertEquals(3.0, loaded.getPosWeight());

    List<Row> scored = loaded.transform(df).select("features", "probability", "prediction")
        .collectAsList();
    assertEquals(ROWS, scored.size());
    int positives = 0;
    for (Row r : scored) {
      Vector x = r.getAs(0);
      Vector p = r.getAs(1);
      double expected = model.predictProbability(x);
      assertEquals(expected, p.apply(1), 1e-15 + 1e-12 * expected, "P(y=1) of " + x);
      assertEquals(1.0, p.apply(0) + p.apply(1), 1e-12);
      assertEquals(model.predict(x), r.getDouble(2), 0.0);
      positives += r.getDouble(2) == 1.0 ? 1 : 0;
    }
    assertTrue(positives > 0 && positives < ROWS, "degenerate predictions: " + positives);
  }

  private static LogitClassifier classifier() {
    return new LogitClassifier()
        .setLoss("focal")
        .setFocalGamma(2.0)
        .setFocalAlpha(0.25)
        .setPosWeight(3.0)
        .setRegParam(1e-3)
        .setMaxIter(200)
        // several blocks per partition, so block packing and merging are exercised as well
        .setMaxBlockSizeInMB(0.03);
  }

  /** Seeded rows: 10 features on different scales, logistic labels with about 30% positives. */
  private static List<Row> syntheticRows() {
    double[] beta = {1.2, -0.8, 0.5, -1.5, 0.3, 0.9, -0.4, 0.7, -1.1, 0.6};
    double[] mean = {0, 1, -2, 0.5, 3, 0, -1, 2, 0, 10};
    double[] scale = {1, 2, 0.5, 1, 3, 0.25, 1, 1.5, 0.8, 5};
    Random rnd = new Random(SEED);
    List<Row> rows = new ArrayList<>(ROWS);
    for (int i = 0; i < ROWS; i++) {
      double[] x = new double[FEATURES];
      double z = -1.0;
      for (int j = 0; j < FEATURES; j++) {
        double s = rnd.nextGaussian();
        x[j] = mean[j] + scale[j] * s;
        z += beta[j] * s;
      }
      double label = rnd.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1.0 : 0.0;
      rows.add(RowFactory.create(label, Vectors.dense(x)));
    }
    return rows;
  }

  /** The rows in exactly {@value #PARTITIONS} partitions, whatever the master's parallelism. */
  private static Dataset<Row> dataset(SparkSession spark, List<Row> rows) {
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty())});
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset<Row> df = spark.createDataFrame(jsc.parallelize(rows, PARTITIONS), schema);
    assertEquals(PARTITIONS, df.rdd().getNumPartitions());
    return df;
  }

  /** The JVMs (pid@host) that run tasks, from 16 short tasks. */
  private static Set<String> taskJvms(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> nums = IntStream.range(0, 32).boxed().collect(Collectors.toList());
    List<String> names = jsc.parallelize(nums, 16).map(i -> {
      Thread.sleep(50);
      return ManagementFactory.getRuntimeMXBean().getName();
    }).distinct().collect();
    return new TreeSet<>(names);
  }

  /**
   * Records the executor id of every finished task, and the task count and task localities of the
   * objective's evaluation stages.
   */
  private static final class TaskExecutors extends SparkListener {
    final Set<String> executorIds = Collections.newSetFromMap(new ConcurrentHashMap<>());
    final Map<Integer, Integer> evaluationStages = new ConcurrentSkipListMap<>();
    final Set<String> evaluationLocalities = Collections.newSetFromMap(new ConcurrentHashMap<>());

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
      StageInfo info = submitted.stageInfo();
      if (info.name().contains("LogitObjective")) {
        evaluationStages.put(info.stageId(), info.numTasks());
      }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
      executorIds.add(taskEnd.taskInfo().executorId());
      if (evaluationStages.containsKey(taskEnd.stageId())) {
        evaluationLocalities.add(taskEnd.taskInfo().taskLocality().toString());
      }
    }

    List<Integer> evaluationTasksPerStage() {
      return List.copyOf(evaluationStages.values());
    }

    /** Listener events arrive asynchronously: give the last ones a moment. */
    void awaitExecutors(int n, int seconds) throws InterruptedException {
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      while (executorIds.size() < n && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
    }
  }

  private static double relDiff(double a, double b) {
    double scale = Math.max(Math.abs(a), Math.abs(b));
    return scale == 0 ? 0 : Math.abs(a - b) / scale;
  }

  private static void assertClose(double expected, double actual, String what) {
    assertTrue(relDiff(expected, actual) <= REL_TOL, String.format(Locale.ROOT,
        "%s: local[2] %s vs local-cluster %s (relative difference %.3e > %.1e)", what, expected,
        actual, relDiff(expected, actual), REL_TOL));
  }
}
