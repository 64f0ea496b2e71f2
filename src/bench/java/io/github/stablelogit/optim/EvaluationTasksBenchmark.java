package io.github.stablelogit.optim;

import io.github.stablelogit.cluster.LocalClusters;
import io.github.stablelogit.loss.LogitLoss;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
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
import org.apache.spark.storage.StorageLevel;
import scala.reflect.ClassTag$;

/**
 * Wall time of one objective evaluation job over cached blocks packed from a Dataset (so their
 * lineage holds Spark SQL's plan, as an estimator's blocks do), three ways, alternated in one
 * session: one task per cached partition through the blocks RDD (as Spark's LogisticRegression
 * evaluates), one task per executor core through the blocks RDD ({@code coalesce} without shuffle
 * and its own grouping,
 * as evaluations ran before {@link CachedBlocks}), and {@link ExecutorGroups}' tasks, which read
 * the cached blocks without their lineage; on {@code local[2]} and on {@code
 * local-cluster[2,1,1024]} (two executor JVMs with one core each). Small data (20,000 rows × 20
 * dense features), so the job's fixed costs dominate, as they do for many partitions of any size.
 * Also reports the bytes each task's RDD takes serialized. Prints medians and ratios and writes
 * {@code target/bench/evaluation-tasks.md}:
 *
 * <pre>
 * mvn -Pbench test-compile exec:exec \
 *     -Dbench.main=io.github.stablelogit.optim.EvaluationTasksBenchmark \
 *     -Dbench.args="--partitions 4,32,128"
 * </pre>
 *
 * <p>Options in {@code -Dbench.args}: {@code --partitions 4,32,128}, {@code --repeats 25},
 * {@code --masters local[2],local-cluster}.
 */
public final class EvaluationTasksBenchmark {

  private static final int ROWS = 20_000;
  private static final int FEATURES = 20;

  private EvaluationTasksBenchmark() {}

  public static void main(String[] args) throws Exception {
    int[] partitions = {4, 32, 128};
    int repeats = 25;
    List<String> masters = List.of("local[2]", "local-cluster");
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--partitions" -> partitions =
            Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
        case "--masters" -> masters = List.of(args[i + 1].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (known: --partitions, --repeats, --masters)");
      }
    }
    StringBuilder table = new StringBuilder("## Evaluation job: one task per cached partition, "
        + "one per executor core through the lineage, and the cached blocks without it\n\n"
        + ROWS + " rows × " + FEATURES + " dense features from a Dataset, BCE, medians of "
        + repeats + " alternated jobs after 10 warm-up rounds; RDD bytes: the tasks' RDD "
        + "serialized.\n\n"
        + "| master | cached partitions | tasks | RDD bytes: lineage / view | job ms: per "
        + "partition | job ms: per core, lineage | job ms: per core, view | per partition ÷ view "
        + "| per core, lineage ÷ view |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (String master : masters) {
      boolean cluster = master.equals("local-cluster");
      SparkSession spark = cluster
          ? LocalClusters.twoExecutorCluster(4)
              .config("spark.executor.extraJavaOptions", "-XX:+UseSerialGC").getOrCreate()
          : LocalClusters.session(master, 4).getOrCreate();
      try {
        spark.sparkContext().setLogLevel("WARN");
        if (cluster) {
          LocalClusters.awaitExecutors(spark, 2, 180);
        }
        for (int p : partitions) {
          table.append(measure(spark, master, p, repeats));
        }
      } finally {
        spark.stop();
        if (cluster) {
          LocalClusters.awaitExecutorJvmsGone(Duration.ofSeconds(120));
        }
      }
    }
    System.out.println(table);
    Path out = Path.of(System.getProperty("bench.out", "target/bench"));
    Files.createDirectories(out);
    Files.writeString(out.resolve("evaluation-tasks.md"), table, StandardCharsets.UTF_8);
  }

  private static String measure(SparkSession spark, String master, int p, int repeats) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    SplittableRandom rnd = new SplittableRandom(p);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      double[] x = new double[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        x[j] = rnd.nextGaussian();
      }
      rows.add(RowFactory.create(Vectors.dense(x), (double) rnd.nextInt(2), 1.0));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("features", SQLDataTypes.VectorType(), false, Metadata.empty()),
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("weight", DataTypes.DoubleType, false, Metadata.empty())});
    BlockPacker packer = new BlockPacker("features", "label", "weight", 1.0, false);
    JavaRDD<InstanceBlock> blocks = spark.createDataFrame(rows, schema).repartition(p).javaRDD()
        .mapPartitionsWithIndex(packer::pack, true).persist(StorageLevel.MEMORY_AND_DISK());
    blocks.count();
    double[] beta = new double[FEATURES];
    Arrays.fill(beta, 0.01);
    Broadcast<BlockAggregator.Coefficients> bc =
        jsc.broadcast(new BlockAggregator.Coefficients(beta, 0.1));
    LogitLoss loss = LogitLoss.bce(1.0, 0.0);
    double[][] ms = new double[3][repeats];
    int[] tasks = new int[3];
    int[] bytes = new int[3];
    for (int r = -10; r < repeats; r++) {
      for (int mode = 0; mode < 3; mode++) {
        long t0 = System.nanoTime();
        JavaRDD<InstanceBlock> view = ExecutorGroups.tasks(blocks, jsc);
        JavaRDD<InstanceBlock> rdd = switch (mode) {
          case 0 -> blocks;
          case 1 -> blocks.coalesce(view.getNumPartitions(), false);
          default -> view;
        };
        tasks[mode] = rdd.getNumPartitions();
        rdd.treeAggregate(new BlockAggregator(loss, bc, FEATURES, 0.0), BlockAggregator::add,
            BlockAggregator::merge, 2);
        if (r >= 0) {
          ms[mode][r] = (System.nanoTime() - t0) / 1e6;
        } else {
          bytes[mode] = SparkEnv.get().closureSerializer().newInstance()
              .serialize(rdd.rdd(), ClassTag$.MODULE$.apply(RDD.class)).remaining();
        }
      }
    }
    bc.destroy();
    blocks.unpersist(true);
    double perPartition = median(ms[0]);
    double grouped = median(ms[1]);
    double view = median(ms[2]);
    String line = String.format(Locale.ROOT,
        "| %s | %d | %d / %d / %d | %d / %d | %.1f | %.1f | %.1f | %.2f | %.2f |%n",
        master.equals("local-cluster") ? "local-cluster[2,1,1024]" : master, p, tasks[0], tasks[1],
        tasks[2], bytes[1], bytes[2], perPartition, grouped, view, perPartition / view,
        grouped / view);
    System.out.print(line);
    return line;
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
