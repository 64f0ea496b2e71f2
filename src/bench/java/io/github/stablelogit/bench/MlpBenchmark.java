package io.github.stablelogit.bench;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.rand;

import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitLossEvaluator;
import io.github.stablelogit.ml.LogitMLPClassificationModel;
import io.github.stablelogit.ml.LogitMLPClassifier;
import io.github.stablelogit.ml.SparkTestSupport;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * LogitMLPClassifier against Spark's MultilayerPerceptronClassifier (and LogitClassifier) on the
 * same rows: held-out AUC, the mean training BCE (spark, spark-std, mlp: how far each fit got),
 * iterations, wall and process-CPU time per iteration, and the ratios.
 *
 * <p>Spark's network has sigmoid hidden units and a 2-class softmax output; ours compares with
 * tanh hidden units (tanh(u) = 2σ(2u) − 1, so a tanh layer is a sigmoid layer with rescaled
 * weights and biases) and one logit output (a 2-class softmax depends only on z₁ − z₀): the same
 * function class. Both use L-BFGS, the same hidden layers, maxIter and tol; Spark's network has
 * no penalty, so ours runs at regParam 0 in that comparison ("mlp"). Two more contenders:
 * "tuned", our network with the settings given by --tuned-* (chosen on validation rows), trained
 * with early stopping on a seeded 20 % of the training rows, "linear", LogitClassifier
 * (--linear-reg) on the same non-validation rows, and "spark-std", Spark's network on features
 * centred and scaled by StandardScaler (fitted on the training rows). "spark-selected" and
 * "mlp-selected" choose a setting as a user would, on the validation rows, then refit on all
 * training rows: Spark's network its maxIter (--spark-iters [10,20,30,50,100]) and raw or
 * standardized features, ours its regParam (--mlp-regs [0,1e-4,1e-3,1e-2]).
 *
 * <p>Data sets (--sets): {@code a9a} (train and test files, --a9a, default the gzipped copies in
 * sample-data), {@code w8a} (--w8a path to the LIBSVM training file, not in the repository: a
 * seeded 75/25 split), {@code bank} (sample-data, duration dropped, categorical columns one-hot,
 * a seeded 75/25 split), {@code teacher-<rows>x<d>} (dense Gaussian features, the label drawn
 * from σ of a random tanh network with 8 hidden units: a nonlinear truth; 75/25 split).
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec -Dbench.main=io.github.stablelogit.bench.
 * MlpBenchmark -Dbench.args="--sets a9a,bank,teacher-100kx20 --layers 16 --maxIter 100"}. More
 * options [defaults]: --contenders [spark,mlp,tuned,linear] (or spark-std), --tol [1e-6],
 * --partitions [4], --repeats [1], --seed [42], --tuned-layers [layers], --tuned-activation [tanh],
 * --tuned-reg [1e-2] (per set: --tuned a9a=8/relu/1e-2,bank=16/tanh/1e-2), --tuned-es [20]
 * (early-stopping rounds), --tuned-maxIter [maxIter] (also the linear model's), --linear-reg [1e-3]
 * (per set: --linear-regs a9a=1e-4,w8a=1e-3), --mlp-reg [0] (the "mlp" contender's regParam: 0
 * matches Spark's network, which has no penalty), --validation-seed [7] (the rows with
 * rand(seed) &lt; 0.2 are the validation rows), --master [local[2]]. A warm-up fit of each
 * contender (10 iterations) on the first set runs before the timed ones. The load average is
 * printed with every fit.
 */
public final class MlpBenchmark {

  private MlpBenchmark() {}

  /** Command-line options. */
  static final class Options implements Cloneable {
    List<String> sets = List.of("a9a", "bank", "teacher-100kx20");
    List<String> contenders = List.of("spark", "mlp", "tuned", "linear");
    int[] layers = {16};
    int maxIter = 100;
    double tol = 1e-6;
    int partitions = 4;
    int repeats = 1;
    long seed = 42;
    String a9a = "sample-data/a9a.libsvm.gz,sample-data/a9a.t.libsvm.gz";
    String w8a = "";
    int[] tunedLayers;
    String tunedActivation = "tanh";
    double tunedReg = 1e-2;
    int tunedEs = 20;
    int tunedMaxIter = -1;
    double linearReg = 1e-3;
    double mlpReg = 0.0;
    /** The "selected" contenders' grids: Spark's maxIter values, our regParam values. */
    int[] sparkIters = {10, 20, 30, 50, 100};
    double[] mlpRegs = {0.0, 1e-4, 1e-3, 1e-2};
    /** Per-set tuned settings, set -> "layers/activation/regParam" (e.g. "8/relu/1e-2"). */
    java.util.Map<String, String> tunedBySet = new java.util.HashMap<>();
    /** Per-set regParam of the linear model, set -> value. */
    java.util.Map<String, Double> linearRegBySet = new java.util.HashMap<>();
    long validationSeed = 7;
    String master = "local[2]";

    /** @return a copy with the "mlp" contender's regParam set */
    Options withMlpReg(double reg) {
      try {
        Options c = (Options) clone();
        c.mlpReg = reg;
        return c;
      } catch (CloneNotSupportedException e) {
        throw new AssertionError(e);
      }
    }

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i + 1 < args.length; i += 2) {
        String v = args[i + 1];
        switch (args[i]) {
          case "--sets" -> o.sets = list(v);
          case "--contenders" -> o.contenders = list(v);
          case "--layers" -> o.layers = ints(v);
          case "--maxIter" -> o.maxIter = Integer.parseInt(v);
          case "--tol" -> o.tol = Double.parseDouble(v);
          case "--partitions" -> o.partitions = Integer.parseInt(v);
          case "--repeats" -> o.repeats = Integer.parseInt(v);
          case "--seed" -> o.seed = Long.parseLong(v);
          case "--a9a" -> o.a9a = v;
          case "--w8a" -> o.w8a = v;
          case "--tuned-layers" -> o.tunedLayers = ints(v);
          case "--tuned-activation" -> o.tunedActivation = v;
          case "--tuned-reg" -> o.tunedReg = Double.parseDouble(v);
          case "--tuned-es" -> o.tunedEs = Integer.parseInt(v);
          case "--tuned-maxIter" -> o.tunedMaxIter = Integer.parseInt(v);
          case "--linear-reg" -> o.linearReg = Double.parseDouble(v);
          case "--mlp-reg" -> o.mlpReg = Double.parseDouble(v);
          case "--spark-iters" -> o.sparkIters = ints(v);
          case "--mlp-regs" -> o.mlpRegs = list(v).stream().mapToDouble(Double::parseDouble)
              .toArray();
          case "--validation-seed" -> o.validationSeed = Long.parseLong(v);
          case "--linear-regs" -> {
            for (String kv : list(v)) {
              String[] e = kv.split("=", 2);
              o.linearRegBySet.put(e[0].trim(), Double.parseDouble(e[1].trim()));
            }
          }
          case "--tuned" -> {
            for (String kv : list(v)) {
              String[] e = kv.split("=", 2);
              o.tunedBySet.put(e[0].trim(), e[1].trim());
            }
          }
          case "--master" -> o.master = v;
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (o.tunedLayers == null) {
        o.tunedLayers = o.layers;
      }
      for (String set : o.sets) {
      o.tunedBySet.putIfAbsent(set, join(o.tunedLayers) + "/" + o.tunedActivation + "/"
          + o.tunedReg);
      o.linearRegBySet.putIfAbsent(set, o.linearReg);
    }
    if (o.tunedMaxIter < 0) {
        o.tunedMaxIter = o.maxIter;
      }
      return o;
    }

    private static String join(int[] v) {
      return Arrays.stream(v).mapToObj(Integer::toString)
          .collect(java.util.stream.Collectors.joining("x"));
    }

    private static List<String> list(String v) {
      return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static int[] ints(String v) {
      return v.isBlank() ? new int[0]
          : Arrays.stream(v.split("[,x]")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
  }

  /** One fit: what it cost and how well it ranks the held-out rows. */
  record Fit(String set, String contender, int iterations, double fitSec, double cpuSec,
      double auc, double trainLoss, double loadStart, double loadEnd, String setting) {

    Fit(String set, String contender, int iterations, double fitSec, double cpuSec, double auc,
        double trainLoss, double loadStart, double loadEnd) {
      this(set, contender, iterations, fitSec, cpuSec, auc, trainLoss, loadStart, loadEnd, "");
    }

    Fit chosen(String contender, String setting) {
      return new Fit(set, contender, iterations, fitSec, cpuSec, auc, trainLoss, loadStart,
          loadEnd, setting);
    }

    double secPerIter() {
      return fitSec / Math.max(1, iterations);
    }

    double cpuPerIter() {
      return cpuSec / Math.max(1, iterations);
    }
  }

  /** @param args options, see the class comment */
  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    SparkSession spark = SparkSession.builder().master(o.master).appName("MlpBenchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate();
    FitBenchmark.log(String.format(Locale.ROOT, "MlpBenchmark: layers %s, maxIter %d, tol %s, "
        + "master %s, partitions %d, load average %.2f", Arrays.toString(o.layers), o.maxIter,
        o.tol, o.master, o.partitions, FitBenchmark.loadAverage()));
    List<Fit> fits = new ArrayList<>();
    try {
      boolean warm = false;
      for (String set : o.sets) {
        List<Dataset<Row>> split = load(spark, set, o);
        Dataset<Row> train = split.get(0).repartition(o.partitions)
            .withColumn("val", rand(o.validationSeed).lt(0.2))
            .persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> test = split.get(1).persist(StorageLevel.MEMORY_AND_DISK());
        FitBenchmark.log(String.format(Locale.ROOT, "%s: %d training rows, %d held-out rows; "
            + "tuned network %s", set, train.count(), test.count(), o.tunedBySet.get(set)));
        if (!warm) {
          for (String c : o.contenders) {
            fit(c.replace("-selected", ""), set, train, test, o, 10);
          }
          warm = true;
        }
        for (int r = 0; r < o.repeats; r++) {
          List<String> order = new ArrayList<>(o.contenders);
          if (r % 2 == 1) {
            java.util.Collections.reverse(order);
          }
          for (String c : order) {
            Fit f = c.endsWith("-selected") ? selected(c, set, train, test, o)
                : fit(c, set, train, test, o,
                    c.equals("tuned") || c.equals("linear") ? o.tunedMaxIter : o.maxIter);
            fits.add(f);
            FitBenchmark.log(String.format(Locale.ROOT, "%s %s%s: %d iterations, %.2f s, "
                + "%.3f s/iter, CPU %.3f s/iter, AUC %.4f, training BCE %.6f, load %.2f -> %.2f",
                set, c, f.setting().isEmpty() ? "" : " (" + f.setting() + ")", f.iterations(),
                f.fitSec(), f.secPerIter(), f.cpuPerIter(), f.auc(), f.trainLoss(),
                f.loadStart(), f.loadEnd()));
          }
        }
        train.unpersist();
        test.unpersist();
      }
    } finally {
      spark.stop();
    }
    System.out.println();
    System.out.println(table(fits));
  }

  /**
   * A setting chosen as a user would choose it, then a fit with it: each grid value is fitted on
   * the training rows without the validation rows ({@code val}) and scored by the AUC on the
   * validation rows; the best is refitted on all training rows and scored on the held-out rows
   * (the returned fit). Spark's network ("spark-selected") has no penalty, so its grid is its
   * maxIter ({@code --spark-iters}) on raw and on standardized features; ours ("mlp-selected") is
   * regParam ({@code --mlp-regs}) at {@code --maxIter}. The held-out rows choose nothing.
   */
  private static Fit selected(String contender, String set, Dataset<Row> train,
      Dataset<Row> test, Options o) {
    boolean spark = contender.startsWith("spark");
    Dataset<Row> fitRows = train.filter("not val");
    Dataset<Row> valRows = train.filter("val").drop("val");
    String best = null;
    double bestAuc = Double.NEGATIVE_INFINITY;
    List<String> grid = new ArrayList<>();
    if (spark) {
      for (String kind : List.of("spark", "spark-std")) {
        for (int it : o.sparkIters) {
          grid.add(kind + "/" + it);
        }
      }
    } else {
      for (double reg : o.mlpRegs) {
        grid.add("mlp/" + reg);
      }
    }
    StringBuilder scores = new StringBuilder();
    for (String g : grid) {
      String[] p = g.split("/");
      double auc = (spark ? fit(p[0], set, fitRows, valRows, o, Integer.parseInt(p[1]))
          : fit("mlp", set, fitRows, valRows, o.withMlpReg(Double.parseDouble(p[1])), o.maxIter))
          .auc();
      scores.append(String.format(Locale.ROOT, " %s %.4f", g, auc));
      if (auc > bestAuc) {
        bestAuc = auc;
        best = g;
      }
    }
    FitBenchmark.log(set + " " + contender + ": validation AUC" + scores + "; chosen " + best);
    String[] p = best.split("/");
    Fit f = spark ? fit(p[0], set, train, test, o, Integer.parseInt(p[1]))
        : fit("mlp", set, train, test, o.withMlpReg(Double.parseDouble(p[1])), o.maxIter);
    return f.chosen(contender, spark ? p[0] + " maxIter " + p[1] : "regParam " + p[1]);
  }

  private static Fit fit(String contender, String set, Dataset<Row> train, Dataset<Row> test,
      Options o, int maxIter) {
    System.gc();
    double load0 = FitBenchmark.loadAverage();
    double cpu0 = FitBenchmark.processCpuSeconds();
    long t0 = System.nanoTime();
    Dataset<Row> scored;
    Dataset<Row> trained = null;
    Dataset<Row> heldOut = test;
    int iterations;
    switch (contender) {
      case "spark", "spark-std" -> {
        Dataset<Row> rows = train.drop("val");
        if (contender.equals("spark-std")) {
          // Spark's network takes raw features; this contender centres and scales them first
          // (the scaler's pass is part of its fit time), as ours does internally.
          StandardScalerModel scaler = new StandardScaler().setInputCol("features")
              .setOutputCol("scaled").setWithMean(true).setWithStd(true).fit(rows);
          rows = scaler.transform(rows).drop("features").withColumnRenamed("scaled", "features");
          heldOut = scaler.transform(test).drop("features")
              .withColumnRenamed("scaled", "features");
        }
        int d = ((org.apache.spark.ml.linalg.Vector) train.first().getAs("features")).size();
        int[] sizes = new int[o.layers.length + 2];
        sizes[0] = d;
        System.arraycopy(o.layers, 0, sizes, 1, o.layers.length);
        sizes[sizes.length - 1] = 2;
        MultilayerPerceptronClassificationModel m = new MultilayerPerceptronClassifier()
            .setLayers(sizes).setSolver("l-bfgs").setMaxIter(maxIter).setTol(o.tol)
            .setSeed(o.seed).fit(rows);
        iterations = m.summary().totalIterations();
        scored = m.transform(heldOut);
        trained = m.transform(rows).withColumn("z", rawEntry(2).minus(rawEntry(1)));
      }
      case "mlp", "tuned" -> {
        boolean tuned = contender.equals("tuned");
        String[] t = o.tunedBySet.get(set).split("/");
        LogitMLPClassifier c = new LogitMLPClassifier()
            .setLayers(tuned ? Options.ints(t[0]) : o.layers)
            .setActivation(tuned ? t[1] : "tanh")
            .setRegParam(tuned ? Double.parseDouble(t[2]) : o.mlpReg).setMaxIter(maxIter)
            .setTol(o.tol);
        if (tuned) {
          c.setValidationIndicatorCol("val").setEarlyStoppingRounds(o.tunedEs);
        } else {
          c.setSeed(o.seed);
        }
        LogitMLPClassificationModel m = c.fit(tuned ? train : train.drop("val"));
        iterations = m.summary().totalIterations();
        scored = m.transform(test);
        if (!tuned) {
          trained = m.transform(train.drop("val")).withColumn("z", rawEntry(2));
        }
      }
      case "linear" -> {
        LogitClassificationModel m = new LogitClassifier()
            .setRegParam(o.linearRegBySet.get(set))
            .setMaxIter(maxIter).setTol(o.tol).fit(train.filter("not val").drop("val"));
        iterations = m.summary().totalIterations();
        scored = m.transform(test);
      }
      default -> throw new IllegalArgumentException("unknown contender " + contender);
    }
    double fitSec = (System.nanoTime() - t0) / 1e9;
    double cpu = FitBenchmark.processCpuSeconds() - cpu0;
    double auc = new BinaryClassificationEvaluator().setRawPredictionCol("rawPrediction")
        .evaluate(scored);
    // Mean BCE on the rows the network trained on, from its logit z (Spark's: z1 − z0 of its
    // 2-class softmax; ours: the second entry of [−z, z]): how far each fit got.
    double trainLoss = trained == null ? Double.NaN
        : new LogitLossEvaluator().setRawPredictionCol("z").evaluate(trained);
    return new Fit(set, contender, iterations, fitSec, cpu, auc, trainLoss, load0,
        FitBenchmark.loadAverage());
  }

  /** @return entry i (1-based) of the rawPrediction vector column */
  private static Column rawEntry(int i) {
    return element_at(vector_to_array(col("rawPrediction"), "float64"), i);
  }

  /** The table of the last fit of each (set, contender), with Spark's cost over ours. */
  static String table(List<Fit> fits) {
    StringBuilder b = new StringBuilder("| set | contender | setting | iterations | fit s | "
        + "s/iter | CPU s/iter | held-out AUC | training BCE | load |\n"
        + "|---|---|---|---:|---:|---:|---:|---:|---:|---|\n");
    for (Fit f : fits) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %.2f | %.4f | %.4f | %.4f | "
          + "%.6f | %.1f→%.1f |%n", f.set(), f.contender(), f.setting(), f.iterations(),
          f.fitSec(), f.secPerIter(), f.cpuPerIter(), f.auc(), f.trainLoss(), f.loadStart(),
          f.loadEnd()));
    }
    for (String set : fits.stream().map(Fit::set).distinct().toList()) {
      Fit ours = last(fits, set, "mlp");
      for (String sparkName : List.of("spark", "spark-std")) {
        Fit spark = last(fits, set, sparkName);
        if (spark != null && ours != null) {
          b.append(String.format(Locale.ROOT, "%n%s: %s / ours per iteration: wall %.2f×, "
              + "CPU %.2f×; held-out AUC ours − %s %+.4f", set, sparkName,
              spark.secPerIter() / ours.secPerIter(), spark.cpuPerIter() / ours.cpuPerIter(),
              sparkName, ours.auc() - spark.auc()));
        }
      }
      Fit oursSelected = last(fits, set, "mlp-selected");
      Fit sparkSelected = last(fits, set, "spark-selected");
      if (oursSelected != null && sparkSelected != null) {
        // No time ratio: the two final fits run different numbers of iterations.
        b.append(String.format(Locale.ROOT, "%n%s: settings chosen on validation rows, %s "
            + "against Spark's %s: held-out AUC ours − Spark %+.4f", set, oursSelected.setting(),
            sparkSelected.setting(), oursSelected.auc() - sparkSelected.auc()));
      }
      Fit tuned = last(fits, set, "tuned");
      Fit linear = last(fits, set, "linear");
      if (tuned != null && linear != null) {
        b.append(String.format(Locale.ROOT, "%n%s: held-out AUC tuned network − linear %+.4f",
            set, tuned.auc() - linear.auc()));
      }
    }
    return b.append('\n').toString();
  }

  private static Fit last(List<Fit> fits, String set, String contender) {
    Fit found = null;
    for (Fit f : fits) {
      if (f.set().equals(set) && f.contender().equals(contender)) {
        found = f;
      }
    }
    return found;
  }

  /** @return {training rows, held-out rows}, columns label (0/1) and features */
  private static List<Dataset<Row>> load(SparkSession spark, String set, Options o) {
    if (set.equals("a9a")) {
      String[] p = o.a9a.split(",");
      return List.of(SparkTestSupport.libsvm(spark, p[0], 123),
          SparkTestSupport.libsvm(spark, p[1], 123));
    }
    Dataset<Row> all;
    if (set.equals("w8a")) {
      if (o.w8a.isEmpty()) {
        throw new IllegalArgumentException("w8a needs --w8a <path of the LIBSVM file>");
      }
      all = SparkTestSupport.libsvm(spark, o.w8a, 300);
    } else if (set.equals("bank")) {
      all = bank(spark);
    } else if (set.startsWith("teacher-")) {
      String[] p = set.substring(8).split("x");
      all = teacher(spark, Math.round(Double.parseDouble(p[0].replace("k", "")) * 1000),
          Integer.parseInt(p[1]), o.seed, o.partitions);
    } else {
      throw new IllegalArgumentException("unknown set " + set);
    }
    return Arrays.asList(all.randomSplit(new double[] {0.75, 0.25}, o.seed));
  }

  /** Bank marketing without duration: 9 numeric columns and 10 one-hot categorical ones. */
  private static Dataset<Row> bank(SparkSession spark) {
    Dataset<Row> raw = SparkTestSupport.bankMarketingRaw(spark);
    return SparkTestSupport.bankMarketingEncoding().fit(raw).transform(raw)
        .select("label", "features");
  }

  /**
   * Rows (label, features) with x ~ N(0, I_d) and y ~ Bernoulli(σ(2·v·tanh(W x))), W (8 × d)
   * and v random: every row a pure function of (seed, row id), so the data do not depend on the
   * partitioning.
   */
  static Dataset<Row> teacher(SparkSession spark, long rows, int d, long seed, int partitions) {
    Teacher t = new Teacher(d, seed);
    return spark.createDataFrame(spark.range(0, rows, 1, partitions).javaRDD().map(t::row),
        BenchData.SCHEMA).select("label", "features");
  }

  /** The random network that labels the teacher rows. */
  static final class Teacher implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int HIDDEN = 8;
    final int d;
    final long seed;
    final double[][] w;
    final double[] v;

    Teacher(int d, long seed) {
      this.d = d;
      this.seed = seed;
      SplittableRandom r = new SplittableRandom(seed);
      w = new double[HIDDEN][d];
      v = new double[HIDDEN];
      for (int k = 0; k < HIDDEN; k++) {
        for (int j = 0; j < d; j++) {
          w[k][j] = 2 * r.nextGaussian() / Math.sqrt(d);
        }
        v[k] = r.nextBoolean() ? 1.0 : -1.0;
      }
    }

    Row row(long id) {
      SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + id);
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        x[j] = r.nextGaussian();
      }
      double z = 0;
      for (int k = 0; k < HIDDEN; k++) {
        double u = 0;
        for (int j = 0; j < d; j++) {
          u += w[k][j] * x[j];
        }
        z += 2 * v[k] * Math.tanh(u);
      }
      double y = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1.0 : 0.0;
      return RowFactory.create(Vectors.dense(x), y);
    }
  }
}
