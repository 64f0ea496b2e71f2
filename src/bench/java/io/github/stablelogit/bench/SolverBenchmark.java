package io.github.stablelogit.bench;

import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Newton vs L-BFGS vs Spark's LogisticRegression: passes over the data and wall time to reach
 * tol 1e-6 (the default) and 1e-12, per data shape, each contender fitted on the same cached
 * DataFrame in one JVM, alternating, median of the repeats. The ratios (not the absolute times)
 * are what to compare; they also give the crossover where {@code solver = auto} switches.
 *
 * <pre>
 * mvn -Pbench test-compile exec:exec -Dbench.main=io.github.stablelogit.bench.SolverBenchmark \
 *     -Dbench.args="--shapes dense-200kx10,dense-200kx50,dense-200kx100 --repeats 3"
 * </pre>
 *
 * Options: --shapes (BenchData names), --partitions (4), --repeats (3), --reg (1e-3),
 * --master (local[*]). Writes target/bench/solvers-latest.md.
 */
public final class SolverBenchmark {

  private SolverBenchmark() {}

  /**
   * @param args options, see the class documentation
   * @throws IOException if the report cannot be written
   */
  public static void main(String[] args) throws IOException {
    String shapes = "dense-200kx10,dense-200kx50,dense-200kx100";
    int partitions = 4;
    int repeats = 3;
    double reg = 1e-3;
    String master = "local[*]";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--shapes" -> shapes = args[i + 1];
        case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
        case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
        case "--reg" -> reg = Double.parseDouble(args[i + 1]);
        case "--master" -> master = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    SparkSession spark = SparkSession.builder().master(master).appName("SolverBenchmark")
        .config("spark.ui.enabled", "false").getOrCreate();
    List<String> lines = new ArrayList<>();
    lines.add("| data | tol | newton passes (Hessian) / s | lbfgs passes / s | Spark LR "
        + "iterations / s | lbfgs ÷ newton time | Spark ÷ newton time |");
    lines.add("|---|---:|---:|---:|---:|---:|---:|");
    try {
      for (String name : shapes.split(",")) {
        BenchData.Shape shape = BenchData.Shape.parse(name);
        Dataset<Row> df = BenchData.build(spark, shape, partitions, 42L).cache();
        df.count();
        for (double tol : new double[] {1e-6, 1e-12}) {
          double[] tn = new double[repeats];
          double[] tl = new double[repeats];
          double[] ts = new double[repeats];
          int[] passes = new int[4];
          for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            LogitClassificationModel n = new LogitClassifier().setSolver("newton")
                .setRegParam(reg).setTol(tol).setMaxIter(1000).fit(df);
            tn[r] = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            LogitClassificationModel l = new LogitClassifier().setSolver("lbfgs")
                .setRegParam(reg).setTol(tol).setMaxIter(1000).fit(df);
            tl[r] = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            LogisticRegressionModel s = new LogisticRegression().setRegParam(reg).setTol(tol)
                .setMaxIter(1000).fit(df);
            ts[r] = (System.nanoTime() - t0) / 1e9;
            passes[0] = n.summary().objectiveEvaluations();
            passes[1] = n.summary().hessianPasses();
            passes[2] = l.summary().objectiveEvaluations();
            passes[3] = s.summary().totalIterations();
          }
          double mn = median(tn);
          double ml = median(tl);
          double ms = median(ts);
          String line = String.format(Locale.ROOT,
              "| %s | %.0e | %d (%d) / %.2f | %d / %.2f | %d / %.2f | %.2f | %.2f |", name, tol,
              passes[0], passes[1], mn, passes[2], ml, passes[3], ms, ml / mn, ms / mn);
          lines.add(line);
          System.out.println(line);
        }
        df.unpersist();
      }
    } finally {
      spark.stop();
    }
    Path out = Paths.get(System.getProperty("bench.out", "target/bench"), "solvers-latest.md");
    Files.createDirectories(out.getParent());
    Files.write(out, lines);
    System.out.println(String.join("\n", lines));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }
}
