package io.github.stablelogit.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.storage.StorageLevel;

/**
 * End-to-end benchmark: Spark's LogisticRegression against LogitClassifier (BCE, and focal for the
 * per-evaluation cost) on seeded synthetic data, alternating the contenders in one JVM.
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec -Dbench.args="--shapes dense-1Mx50,a9a-like
 * --partitions 4 --repeats 3"}. Options (defaults in brackets): --shapes [dense-1Mx50,a9a-like],
 * --partitions [4], --repeats [3], --maxIter [100], --tol [1e-6], --reg [1e-3], --contenders
 * [spark,ours] (add float for LogitClassifier with precision=float), --focal [true] (adds
 * LogitClassifier with focal loss), --warmup [1], --master [local[*]], --seed [42], --bw-mb [400],
 * --out [${bench.out} or target/bench].
 *
 * <p>Method. A SparkListener records every job of a fit (scheduler timestamps). The objective
 * evaluations are the jobs whose result stage is {@code treeAggregate at RDDLossFunction} (Spark)
 * or {@code at LogitObjective} (ours); every other job of the fit is setup (Spark: the Summarizer
 * pass; ours: the pass that packs the blocks and gathers their statistics). Spark builds its blocks
 * lazily inside its first evaluation, so the first evaluation job is reported separately and the
 * per-evaluation time is the median of the later ones. "To 1st iteration" is fit start → end of
 * the first evaluation job (the optimizer's initial state exists then); for ours it is
 * cross-checked with the iteration listener. "Per eval (wall)" = (fit end − first evaluation
 * end) / (evaluations − 1): the job plus the driver's work between jobs (optimizer, broadcast).
 * Passes = jobs of the fit. Peak cached bytes = peak of sc.getRDDStorageInfo() over the RDDs
 * created during the fit, polled every 50 ms. On a shared machine wall times mostly measure the
 * competition for cores, so every fit also reports CPU time: the evaluation jobs' summed task CPU
 * (executorCpuTime), the setup's task CPU (jobs before the first evaluation plus the first
 * evaluation's excess over a steady one) and the whole process's CPU time; the load average is
 * recorded with each fit. The bandwidth floor is measured in the same JVM before and after the
 * fits (a stream-read of a large double[]), in wall GB/s and in GB per CPU second.
 */
public final class FitBenchmark {

  private FitBenchmark() {}

  /** Command-line options. */
  static final class Options {
    List<String> shapes = List.of("dense-1Mx50", "a9a-like");
    List<Integer> partitions = List.of(4);
    int repeats = 3;
    int maxIter = 100;
    double tol = 1e-6;
    double reg = 1e-3;
    boolean focal = true;
    List<String> contenders = List.of("spark", "ours");
    int warmup = 1;
    String master = "local[*]";
    long seed = 42;
    int bandwidthMb = 400;
    String out = System.getProperty("bench.out", "target/bench");

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String k = args[i];
        if (k.isBlank()) {
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value for " + k);
        }
        String v = args[++i];
        switch (k) {
          case "--shapes" -> o.shapes = Arrays.stream(v.split(",")).map(String::trim).toList();
          case "--partitions" -> o.partitions = Arrays.stream(v.split(","))
              .map(s -> Integer.parseInt(s.trim())).toList();
          case "--repeats" -> o.repeats = Integer.parseInt(v);
          case "--maxIter" -> o.maxIter = Integer.parseInt(v);
          case "--tol" -> o.tol = Double.parseDouble(v);
          case "--reg" -> o.reg = Double.parseDouble(v);
          case "--focal" -> o.focal = Boolean.parseBoolean(v);
          case "--contenders" -> o.contenders = Arrays.stream(v.split(",")).map(String::trim)
              .toList();
          case "--warmup" -> o.warmup = Integer.parseInt(v);
          case "--master" -> o.master = v;
          case "--seed" -> o.seed = Long.parseLong(v);
          case "--bw-mb" -> o.bandwidthMb = Integer.parseInt(v);
          case "--out" -> o.out = v;
          default -> throw new IllegalArgumentException("unknown option " + k);
        }
      }
      return o;
    }
  }

  /** What one fit measured. */
  static final class Fit {
    String shape;
    int partitions;
    String contender;
    int repeat;
    double fitSec;
    int iterations;
    int evaluations;
    int reportedEvaluations;
    int jobs;
    int stagesRun;
    int tasks;
    double preEvalSec;
    double firstEvalSec;
    double toFirstIterSec;
    double toFirstIterListenerSec = Double.NaN;
    double evalJobSec;
    double evalWallSec;
    double evalTaskSec;
    double evalCpuSec;
    double setupCpuSec;
    double processCpuSec;
    double loadStart;
    double loadEnd;
    double setupJobsSec;
    long cachedBytes;
    String cachedNames;
    double gcSec;
    double objective;
    double[] coefficients;
    double intercept;
    List<String> jobNames;
  }

  private static final String SPARK = "spark-lr";
  private static final String OURS = "stablelogit-bce";
  private static final String FOCAL = "stablelogit-focal";
  private static final String FLOAT = "stablelogit-bce-float";

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    SparkSession spark = SparkSession.builder()
        .master(o.master)
        .appName("stablelogit-fit-benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate();
    SparkContext sc = spark.sparkContext();
    JobRecorder recorder = new JobRecorder();
    sc.addSparkListener(recorder);
    int cores = sc.defaultParallelism();

    Map<String, Object> env = new LinkedHashMap<>();
    env.put("date", Instant.now().toString());
    env.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    env.put("spark", spark.version());
    env.put("master", o.master);
    env.put("cores", cores);
    env.put("maxHeapMB", Runtime.getRuntime().maxMemory() >> 20);
    env.put("blas", dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getName());
    env.put("maxIter", o.maxIter);
    env.put("tol", o.tol);
    env.put("regParam", o.reg);
    env.put("repeats", o.repeats);
    env.put("loadAverageAtStart", loadAverage());
    log("environment: " + env);

    Bandwidth.Result[] bwStart = Bandwidth.measureAll(o.bandwidthMb, cores, 7);
    System.gc();
    for (Bandwidth.Result r : bwStart) {
      log(String.format(Locale.ROOT, "bandwidth: %d thread(s) %.2f GB/s wall, %.2f GB/s per CPU"
          + " second (runs %s)", r.threads(), r.medianGBps(), r.medianCpuGBps(),
          fmt(r.runsGBps())));
    }

    List<Fit> fits = new ArrayList<>();
    List<Map<String, Object>> datasets = new ArrayList<>();
    List<Map<String, Object>> accuracy = new ArrayList<>();
    boolean warmedUp = false;
    for (String shapeName : o.shapes) {
      BenchData.Shape shape = BenchData.Shape.parse(shapeName);
      for (int parts : o.partitions) {
        int lastJob = recorder.lastJobId();
        long tb = System.nanoTime();
        Dataset<Row> df = BenchData.build(spark, shape, parts, o.seed)
            .persist(StorageLevel.MEMORY_AND_DISK());
        long rows = df.count();
        double buildSec = (System.nanoTime() - tb) / 1e9;
        double[] st = df.javaRDD()
            .map(r -> new double[] {r.getDouble(1), ((Vector) r.get(0)).numNonzeros()})
            .reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
        JobRecorder.drain(sc);
        long inputBytes = StorageMonitor.cachedBytes(sc, r -> r.isCached());
        // Reference: task CPU of a pass that only decodes the cached rows as Spark's estimator
        // reads them (features, label as double, weight 1.0): Rows and vectors.
        int beforeDecode = recorder.lastJobId();
        df.select(col("features"), col("label").cast("double"), lit(1.0)).javaRDD()
            .foreachPartition(it -> {
              long k = 0;
              while (it.hasNext()) {
                k += it.next().size();
              }
              if (k < 0) {
                throw new IllegalStateException();
              }
            });
        JobRecorder.drain(sc);
        double decodeCpu = recorder.jobsAfter(beforeDecode).stream()
            .mapToDouble(j -> j.taskCpuNs / 1e9).sum();
        // The same columns read as LogitClassifier reads them: Spark SQL's internal rows, every
        // stored entry of the vector struct touched, nothing decoded into objects.
        int beforeRead = recorder.lastJobId();
        df.select(col("features"), col("label").cast("double"), lit(1.0)).queryExecution().toRdd()
            .toJavaRDD().foreachPartition(it -> {
              double sum = 0;
              while (it.hasNext()) {
                InternalRow r = it.next();
                ArrayData v = r.getStruct(0, 4).getArray(3);
                for (int k = 0; k < v.numElements(); k++) {
                  sum += v.getDouble(k);
                }
                sum += r.getDouble(1) + r.getDouble(2);
              }
              if (sum == Double.MIN_VALUE) {
                throw new IllegalStateException();
              }
            });
        JobRecorder.drain(sc);
        double readCpu = recorder.jobsAfter(beforeRead).stream()
            .mapToDouble(j -> j.taskCpuNs / 1e9).sum();
        // Spark's own cost of one evaluation-shaped job: a treeAggregate over p tiny cached
        // partitions that does no work (scheduling, task launch, result collection), median of 15;
        // and the same job as LogitClassifier runs it in local mode, one task per core.
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        JavaRDD<Integer> tiny = jsc
            .parallelize(java.util.stream.IntStream.range(0, parts).boxed().toList(), parts)
            .cache();
        tiny.count();
        double emptyJobSec = emptyJobSec(sc, recorder, tiny);
        double emptyGroupedJobSec = jsc.isLocal() && parts > jsc.defaultParallelism()
            ? emptyJobSec(sc, recorder, tiny.coalesce(jsc.defaultParallelism(), false))
            : emptyJobSec;
        tiny.unpersist(true);
        Map<String, Object> ds = new LinkedHashMap<>();
        ds.put("shape", shape.name());
        ds.put("partitions", parts);
        ds.put("rows", rows);
        ds.put("features", shape.features());
        ds.put("distinctRows", shape.distinctRows());
        ds.put("positiveRate", st[0] / rows);
        ds.put("nnzPerRow", st[1] / rows);
        ds.put("inputCachedBytes", inputBytes);
        ds.put("buildSec", buildSec);
        ds.put("decodePassCpuSec", decodeCpu);
        ds.put("internalReadPassCpuSec", readCpu);
        ds.put("emptyJobSec", emptyJobSec);
        ds.put("emptyGroupedJobSec", emptyGroupedJobSec);
        ds.put("buildJobs", recorder.jobsAfter(lastJob).size());
        datasets.add(ds);
        log("data: " + ds);

        if (!warmedUp && o.warmup > 0) {
          // JIT warm-up of both code paths on a small sample of the same shape, not recorded.
          Dataset<Row> small = df.limit(50_000).repartition(parts)
              .persist(StorageLevel.MEMORY_AND_DISK());
          small.count();
          for (int w = 0; w < o.warmup; w++) {
            for (String c : contenders(o, w)) {
              Fit f = runFit(spark, recorder, small, shape, parts, c, -1 - w, o, 20);
              log(String.format(Locale.ROOT, "warm-up %s: %.2fs", c, f.fitSec));
            }
          }
          small.unpersist(true);
          warmedUp = true;
        }
        Fit lastSpark = null;
        Fit lastOurs = null;
        for (int r = 0; r < o.repeats; r++) {
          for (String c : contenders(o, r)) {
            Fit f = runFit(spark, recorder, df, shape, parts, c, r, o, o.maxIter);
            fits.add(f);
            log(describe(f));
            if (c.equals(SPARK)) {
              lastSpark = f;
            } else if (c.equals(OURS)) {
              lastOurs = f;
            }
          }
        }
        if (lastSpark != null && lastOurs != null) {
          // The optimum itself, to tell whose coefficients are off: our fit at tol 1e-12.
          LogitClassificationModel reference = new LogitClassifier().setLoss("bce")
              .setRegParam(o.reg).setElasticNetParam(0.0).setTol(1e-12).setMaxIter(1000)
              .setStandardization(true).setFitIntercept(true).fit(df);
          Map<String, Object> acc = compare(df, o.reg, lastSpark, lastOurs);
          double[] opt = reference.coefficients().toArray();
          acc.put("referenceConverged", reference.summary().converged());
          acc.put("sparkVsOptimumMaxRel", maxRelDiff(lastSpark.coefficients, opt));
          acc.put("sparkVsOptimumNormwise", normwiseDiff(lastSpark.coefficients, opt));
          acc.put("oursVsOptimumMaxRel", maxRelDiff(lastOurs.coefficients, opt));
          acc.put("oursVsOptimumNormwise", normwiseDiff(lastOurs.coefficients, opt));
          accuracy.add(acc);
          log("accuracy: " + acc);
        }
        df.unpersist(true);
        writeReport(new Report(o, env, bwStart, bwStart, cores, fits, datasets, accuracy));
      }
    }
    Bandwidth.Result[] bwEnd = Bandwidth.measureAll(o.bandwidthMb, cores, 7);
    for (Bandwidth.Result r : bwEnd) {
      log(String.format(Locale.ROOT, "bandwidth (end): %d thread(s) %.2f GB/s", r.threads(),
          r.medianGBps()));
    }
    spark.stop();
    String md = writeReport(new Report(o, env, bwStart, bwEnd, cores, fits, datasets, accuracy));
    System.out.println();
    System.out.println(md);
    log("wrote " + Paths.get(o.out).toAbsolutePath().resolve("fit-latest.{json,md}"));
  }

  /** Writes target/bench/fit-latest.{json,md} (also after every configuration: partial runs). */
  private static String writeReport(Report report) throws IOException {
    Path dir = Paths.get(report.o.out);
    Files.createDirectories(dir);
    String md = report.markdown();
    write(dir.resolve("fit-latest.json"), report.json());
    write(dir.resolve("fit-latest.md"), md);
    if (report.bwEnd != report.bwStart) {
      String stamp = Instant.now().toString().replace(":", "").replace(".", "-");
      write(dir.resolve("fit-" + stamp + ".json"), report.json());
      write(dir.resolve("fit-" + stamp + ".md"), md);
    }
    return md;
  }

  private static List<String> contenders(Options o, int r) {
    List<String> c = new ArrayList<>();
    if (o.contenders.contains("spark")) {
      c.add(SPARK);
    }
    if (o.contenders.contains("ours")) {
      c.add(OURS);
    }
    if (o.focal) {
      c.add(FOCAL);
    }
    if (o.contenders.contains("float")) {
      c.add(FLOAT);
    }
    if (r % 2 != 0) {
      java.util.Collections.reverse(c);
    }
    return c;
  }

  private static Fit runFit(SparkSession spark, JobRecorder recorder, Dataset<Row> df,
      BenchData.Shape shape, int parts, String contender, int repeat, Options o, int maxIter)
      throws InterruptedException {
    SparkContext sc = spark.sparkContext();
    System.gc();
    Thread.sleep(300);
    JobRecorder.drain(sc);
    int lastJob = recorder.lastJobId();
    double gc0 = gcSeconds();
    double cpu0 = processCpuSeconds();
    Fit f = new Fit();
    f.loadStart = loadAverage();
    f.shape = shape.name();
    f.partitions = parts;
    f.contender = contender;
    f.repeat = repeat;
    long[] firstIter = {0};
    long wall0;
    long t0;
    long t1;
    try (StorageMonitor mon = new StorageMonitor(sc, 50)) {
      if (contender.equals(SPARK)) {
        LogisticRegression lr = new LogisticRegression().setFamily("binomial")
            .setRegParam(o.reg).setElasticNetParam(0.0).setTol(o.tol).setMaxIter(maxIter)
            .setStandardization(true).setFitIntercept(true);
        wall0 = System.currentTimeMillis();
        t0 = System.nanoTime();
        LogisticRegressionModel m = lr.fit(df);
        t1 = System.nanoTime();
        double[] h = m.summary().objectiveHistory();
        f.objective = h[h.length - 1];
        f.iterations = m.summary().totalIterations();
        f.coefficients = m.coefficients().toArray();
        f.intercept = m.intercept();
      } else {
        LogitClassifier clf = new LogitClassifier()
            .setLoss(contender.equals(FOCAL) ? "focal" : "bce")
            .setRegParam(o.reg).setElasticNetParam(0.0).setTol(o.tol).setMaxIter(maxIter)
            .setStandardization(true).setFitIntercept(true);
        if (contender.equals(FOCAL)) {
          clf.setFocalGamma(2.0).setFocalAlpha(0.25);
        }
        if (contender.equals(FLOAT)) {
          clf.setPrecision("float");
        }
        clf.addIterationListener(it -> {
          if (firstIter[0] == 0) {
            firstIter[0] = System.nanoTime();
          }
        });
        wall0 = System.currentTimeMillis();
        t0 = System.nanoTime();
        LogitClassificationModel m = clf.fit(df);
        t1 = System.nanoTime();
        f.objective = m.summary().objectiveHistory()[m.summary().objectiveHistory().length - 1];
        f.iterations = m.summary().totalIterations();
        f.reportedEvaluations = m.summary().objectiveEvaluations();
        f.coefficients = m.coefficients().toArray();
        f.intercept = m.intercept();
        f.toFirstIterListenerSec = (firstIter[0] - t0) / 1e9;
      }
      f.cachedBytes = mon.peakBytes();
      f.cachedNames = mon.peakNames();
    }
    f.fitSec = (t1 - t0) / 1e9;
    f.gcSec = gcSeconds() - gc0;
    f.processCpuSec = processCpuSeconds() - cpu0;
    f.loadEnd = loadAverage();
    JobRecorder.drain(sc);
    List<JobRecorder.Job> jobs = recorder.jobsAfter(lastJob);
    String marker = contender.equals(SPARK) ? "RDDLossFunction" : "LogitObjective";
    List<JobRecorder.Job> evals = jobs.stream().filter(j -> j.name.contains(marker)).toList();
    f.jobs = jobs.size();
    f.jobNames = jobs.stream().map(j -> j.name).distinct().toList();
    f.stagesRun = jobs.stream().mapToInt(j -> j.stagesRun).sum();
    f.tasks = jobs.stream().mapToInt(j -> j.tasks).sum();
    f.evaluations = evals.size();
    f.setupJobsSec = jobs.stream().filter(j -> !j.name.contains(marker))
        .mapToDouble(JobRecorder.Job::seconds).sum();
    long fitEndMs = wall0 + Math.round((t1 - t0) / 1e6);
    if (!evals.isEmpty()) {
      JobRecorder.Job first = evals.get(0);
      f.preEvalSec = (first.startMs - wall0) / 1e3;
      f.firstEvalSec = first.seconds();
      f.toFirstIterSec = (first.endMs - wall0) / 1e3;
      List<JobRecorder.Job> later = evals.subList(1, evals.size());
      f.evalJobSec = median(later.stream().mapToDouble(JobRecorder.Job::seconds).toArray());
      f.evalTaskSec = median(later.stream().mapToDouble(j -> j.taskRunMs / 1e3).toArray());
      f.evalCpuSec = median(later.stream().mapToDouble(j -> j.taskCpuNs / 1e9).toArray());
      // CPU of every task before the first evaluation plus the first evaluation's excess over a
      // steady one: the CPU cost of setting up (Spark packs its blocks inside that evaluation).
      f.setupCpuSec = jobs.stream().filter(j -> j.id < first.id).mapToDouble(j -> j.taskCpuNs / 1e9)
          .sum() + first.taskCpuNs / 1e9 - f.evalCpuSec;
      f.evalWallSec = later.isEmpty() ? Double.NaN
          : (fitEndMs - first.endMs) / 1e3 / later.size();
    }
    return f;
  }

  /** Median wall time of 15 treeAggregate jobs over {@code rdd} that do nothing. */
  private static double emptyJobSec(SparkContext sc, JobRecorder recorder, JavaRDD<Integer> rdd) {
    JobRecorder.drain(sc);
    int before = recorder.lastJobId();
    for (int k = 0; k < 15; k++) {
      rdd.treeAggregate(0, (a, x) -> a, (a, b) -> a, 2);
    }
    JobRecorder.drain(sc);
    return median(recorder.jobsAfter(before).stream().mapToDouble(JobRecorder.Job::seconds)
        .toArray());
  }

  private static String describe(Fit f) {
    return String.format(Locale.ROOT, "%s p=%d %s #%d: fit %.2fs, %d iters, %d evals (reported %d),"
            + " %d jobs/%d stages/%d tasks, pre-eval %.2fs, 1st eval %.3fs, to 1st iter %.2fs"
            + " (listener %.2fs), eval job %.1fms (tasks %.1fms, cpu %.1fms), setup cpu %.2fs,"
            + " process cpu %.2fs, load %.1f→%.1f, eval wall %.1fms, cached %.1f MB"
            + " [%s], gc %.2fs, objective %.12g, jobs %s",
        f.shape, f.partitions, f.contender, f.repeat, f.fitSec, f.iterations, f.evaluations,
        f.reportedEvaluations, f.jobs, f.stagesRun, f.tasks, f.preEvalSec, f.firstEvalSec,
        f.toFirstIterSec, f.toFirstIterListenerSec, 1e3 * f.evalJobSec, 1e3 * f.evalTaskSec,
        1e3 * f.evalCpuSec, f.setupCpuSec, f.processCpuSec, f.loadStart, f.loadEnd,
        1e3 * f.evalWallSec, f.cachedBytes / 1048576.0, f.cachedNames, f.gcSec, f.objective,
        f.jobNames);
  }

  /**
   * Recomputes both final objectives with one independent evaluator (one pass over the cached
   * input): mean BCE + reg/2 Σ (β_j σ_j)², σ_j the unbiased feature standard deviation.
   */
  private static Map<String, Object> compare(Dataset<Row> df, double reg, Fit spark, Fit ours) {
    int d = spark.coefficients.length;
    double[][] betas = {spark.coefficients, ours.coefficients};
    double[] b0 = {spark.intercept, ours.intercept};
    // layout: n, loss[2], sum[d], sumsq[d]
    double[] acc = df.javaRDD().mapPartitions(it -> {
      double[] a = new double[3 + 2 * d];
      while (it.hasNext()) {
        Row r = it.next();
        Vector x = (Vector) r.get(0);
        double y = r.getDouble(1);
        a[0] += 1;
        org.apache.spark.ml.linalg.SparseVector sv = x.toSparse();
        int[] idx = sv.indices();
        double[] val = sv.values();
        for (int m = 0; m < 2; m++) {
          double z = b0[m];
          double[] beta = betas[m];
          for (int k = 0; k < idx.length; k++) {
            z += beta[idx[k]] * val[k];
          }
          a[1 + m] += y * softplus(-z) + (1 - y) * softplus(z);
        }
        for (int k = 0; k < idx.length; k++) {
          a[3 + idx[k]] += val[k];
          a[3 + d + idx[k]] += val[k] * val[k];
        }
      }
      return List.of(a).iterator();
    }).reduce((a, b) -> {
      double[] c = a.clone();
      for (int i = 0; i < c.length; i++) {
        c[i] += b[i];
      }
      return c;
    });
    double n = acc[0];
    double[] obj = new double[2];
    for (int m = 0; m < 2; m++) {
      double pen = 0;
      for (int j = 0; j < d; j++) {
        double mean = acc[3 + j] / n;
        double var = Math.max(0, (acc[3 + d + j] - n * mean * mean) / (n - 1));
        double p = betas[m][j] * Math.sqrt(var);
        pen += p * p;
      }
      obj[m] = acc[1 + m] / n + 0.5 * reg * pen;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("shape", spark.shape);
    m.put("partitions", spark.partitions);
    m.put("sparkObjectiveReported", spark.objective);
    m.put("oursObjectiveReported", ours.objective);
    m.put("sparkObjectiveRecomputed", obj[0]);
    m.put("oursObjectiveRecomputed", obj[1]);
    m.put("objectiveDiffOursMinusSpark", obj[1] - obj[0]);
    m.put("objectiveRelDiff", (obj[1] - obj[0]) / Math.abs(obj[0]));
    m.put("maxRelCoefDiff", maxRelDiff(ours.coefficients, spark.coefficients));
    m.put("normwiseCoefDiff", normwiseDiff(ours.coefficients, spark.coefficients));
    m.put("interceptDiff", ours.intercept - spark.intercept);
    m.put("sparkIterations", spark.iterations);
    m.put("oursIterations", ours.iterations);
    return m;
  }

  /** max_j |a_j − b_j| / |b_j| (b_j = 0 counts as 1e-12). */
  static double maxRelDiff(double[] a, double[] b) {
    double worst = 0;
    for (int j = 0; j < b.length; j++) {
      worst = Math.max(worst, Math.abs(a[j] - b[j]) / Math.max(Math.abs(b[j]), 1e-12));
    }
    return worst;
  }

  /** max_j |a_j − b_j| / max_j |b_j|. */
  static double normwiseDiff(double[] a, double[] b) {
    double diff = 0;
    double norm = 0;
    for (int j = 0; j < b.length; j++) {
      diff = Math.max(diff, Math.abs(a[j] - b[j]));
      norm = Math.max(norm, Math.abs(b[j]));
    }
    return diff / norm;
  }

  static double softplus(double z) {
    return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  }

  static double gcSeconds() {
    long ms = 0;
    for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
      ms += Math.max(0, b.getCollectionTime());
    }
    return ms / 1e3;
  }

  static double processCpuSeconds() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean b
        ? b.getProcessCpuTime() / 1e9 : Double.NaN;
  }

  static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  static double median(double[] v) {
    double[] s = Arrays.stream(v).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (s.length == 0) {
      return Double.NaN;
    }
    return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
  }

  static String fmt(double[] v) {
    return Arrays.stream(v).mapToObj(x -> String.format(Locale.ROOT, "%.2f", x))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  static void log(String s) {
    System.out.println("[bench] " + s);
    System.out.flush();
  }

  private static void write(Path p, String s) throws IOException {
    Files.writeString(p, s, StandardCharsets.UTF_8);
  }

  /** Medians, ratios and the rendered JSON / Markdown. */
  static final class Report {
    final Options o;
    final Map<String, Object> env;
    final Bandwidth.Result[] bwStart;
    final Bandwidth.Result[] bwEnd;
    final int cores;
    final List<Fit> fits;
    final List<Map<String, Object>> datasets;
    final List<Map<String, Object>> accuracy;

    Report(Options o, Map<String, Object> env, Bandwidth.Result[] bwStart,
        Bandwidth.Result[] bwEnd, int cores, List<Fit> fits, List<Map<String, Object>> datasets,
        List<Map<String, Object>> accuracy) {
      this.o = o;
      this.env = env;
      this.bwStart = bwStart;
      this.bwEnd = bwEnd;
      this.cores = cores;
      this.fits = fits;
      this.datasets = datasets;
      this.accuracy = accuracy;
    }

    /**
     * Median wall time of a job over p tiny partitions that does nothing, for this dataset, in the
     * contender's task layout: p tasks for Spark's LogisticRegression, one per core for ours in
     * local mode.
     */
    double emptyJobSec(String shape, int parts, String contender) {
      String key = contender.equals(SPARK) ? "emptyJobSec" : "emptyGroupedJobSec";
      return datasets.stream().filter(d -> d.get("shape").equals(shape)
              && d.get("partitions").equals(parts))
          .mapToDouble(d -> (Double) d.get(key)).findFirst().orElse(Double.NaN);
    }

    List<Fit> of(String shape, int parts, String contender) {
      return fits.stream().filter(f -> f.shape.equals(shape) && f.partitions == parts
          && f.contender.equals(contender)).toList();
    }

    double med(String shape, int parts, String contender, ToDoubleFunction<Fit> m) {
      return median(of(shape, parts, contender).stream().mapToDouble(m).toArray());
    }

    /** Median over repeats of the per-repeat ratio a/b (contenders of the same repeat). */
    double pairedRatio(String shape, int parts, String a, String b, ToDoubleFunction<Fit> m) {
      List<Fit> fa = of(shape, parts, a);
      List<Fit> fb = of(shape, parts, b);
      List<Double> r = new ArrayList<>();
      for (Fit x : fa) {
        for (Fit y : fb) {
          if (x.repeat == y.repeat) {
            r.add(m.applyAsDouble(x) / m.applyAsDouble(y));
          }
        }
      }
      return median(r.stream().mapToDouble(Double::doubleValue).toArray());
    }

    double bandwidth(int threads) {
      int t = Math.max(1, Math.min(threads, bwStart.length));
      return median(new double[] {bwStart[t - 1].medianGBps(), bwEnd[t - 1].medianGBps()});
    }

    double cpuBandwidth() {
      return median(new double[] {bwStart[0].medianCpuGBps(), bwEnd[0].medianCpuGBps()});
    }

    List<String[]> configs() {
      List<String[]> c = new ArrayList<>();
      for (Fit f : fits) {
        String[] k = {f.shape, Integer.toString(f.partitions)};
        if (c.stream().noneMatch(x -> Arrays.equals(x, k))) {
          c.add(k);
        }
      }
      return c;
    }

    Map<String, Object> summary(String shape, int parts) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("shape", shape);
      s.put("partitions", parts);
      for (String c : List.of(SPARK, OURS, FOCAL, FLOAT)) {
        if (of(shape, parts, c).isEmpty()) {
          continue;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fitSec", med(shape, parts, c, f -> f.fitSec));
        m.put("iterations", med(shape, parts, c, f -> f.iterations));
        m.put("evaluations", med(shape, parts, c, f -> f.evaluations));
        m.put("jobs", med(shape, parts, c, f -> f.jobs));
        m.put("stagesRun", med(shape, parts, c, f -> f.stagesRun));
        m.put("toFirstIterSec", med(shape, parts, c, f -> f.toFirstIterSec));
        m.put("toFirstIterListenerSec", med(shape, parts, c, f -> f.toFirstIterListenerSec));
        m.put("preEvalSec", med(shape, parts, c, f -> f.preEvalSec));
        m.put("firstEvalSec", med(shape, parts, c, f -> f.firstEvalSec));
        m.put("setupSec", med(shape, parts, c, f -> f.toFirstIterSec - f.evalJobSec));
        m.put("evalJobSec", med(shape, parts, c, f -> f.evalJobSec));
        m.put("evalTaskSec", med(shape, parts, c, f -> f.evalTaskSec));
        m.put("evalWallSec", med(shape, parts, c, f -> f.evalWallSec));
        m.put("evalCpuSec", med(shape, parts, c, f -> f.evalCpuSec));
        m.put("setupCpuSec", med(shape, parts, c, f -> f.setupCpuSec));
        m.put("processCpuSec", med(shape, parts, c, f -> f.processCpuSec));
        m.put("loadAverage", med(shape, parts, c, f -> 0.5 * (f.loadStart + f.loadEnd)));
        m.put("cachedBytes", med(shape, parts, c, f -> f.cachedBytes));
        m.put("gcSec", med(shape, parts, c, f -> f.gcSec));
        double floor = med(shape, parts, c, f -> f.cachedBytes) / 1e9 / bandwidth(parts);
        m.put("bandwidthFloorSec", floor);
        m.put("evalJobOverFloor", med(shape, parts, c, f -> f.evalJobSec) / floor);
        // The same with Spark's fixed cost of a job over p partitions taken out.
        m.put("evalJobLessEmptyJobOverFloor",
            (med(shape, parts, c, f -> f.evalJobSec) - emptyJobSec(shape, parts, c)) / floor);
        // The same floor in CPU time: reading the cached bytes once at the per-core CPU-time
        // bandwidth, against the evaluation's summed task CPU time.
        double cpuFloor = med(shape, parts, c, f -> f.cachedBytes) / 1e9 / cpuBandwidth();
        m.put("cpuFloorSec", cpuFloor);
        m.put("evalCpuOverCpuFloor", med(shape, parts, c, f -> f.evalCpuSec) / cpuFloor);
        s.put(c, m);
      }
      if (!of(shape, parts, SPARK).isEmpty() && !of(shape, parts, OURS).isEmpty()) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("fitSparkOverOurs", pairedRatio(shape, parts, SPARK, OURS, f -> f.fitSec));
        r.put("toFirstIterSparkOverOurs",
            pairedRatio(shape, parts, SPARK, OURS, f -> f.toFirstIterSec));
        r.put("setupSparkOverOurs", pairedRatio(shape, parts, SPARK, OURS,
            f -> f.toFirstIterSec - f.evalJobSec));
        r.put("evalJobSparkOverOurs", pairedRatio(shape, parts, SPARK, OURS, f -> f.evalJobSec));
        r.put("evalWallSparkOverOurs",
            pairedRatio(shape, parts, SPARK, OURS, f -> f.evalWallSec));
        r.put("evalCpuSparkOverOurs", pairedRatio(shape, parts, SPARK, OURS, f -> f.evalCpuSec));
        r.put("setupCpuSparkOverOurs",
            pairedRatio(shape, parts, SPARK, OURS, f -> f.setupCpuSec));
        r.put("processCpuSparkOverOurs",
            pairedRatio(shape, parts, SPARK, OURS, f -> f.processCpuSec));
        r.put("cachedSparkOverOurs",
            pairedRatio(shape, parts, SPARK, OURS, f -> f.cachedBytes));
        if (!of(shape, parts, FOCAL).isEmpty()) {
          r.put("evalJobFocalOverBce", pairedRatio(shape, parts, FOCAL, OURS, f -> f.evalJobSec));
          r.put("evalCpuFocalOverBce",
              pairedRatio(shape, parts, FOCAL, OURS, f -> f.evalCpuSec));
        }
        if (!of(shape, parts, FLOAT).isEmpty()) {
          r.put("evalJobFloatOverDouble",
              pairedRatio(shape, parts, FLOAT, OURS, f -> f.evalJobSec));
          r.put("cachedFloatOverDouble",
              pairedRatio(shape, parts, FLOAT, OURS, f -> f.cachedBytes));
          r.put("objectiveFloatMinusDoubleRel", pairedRatio(shape, parts, FLOAT, OURS,
              f -> f.objective) - 1.0);
        }
        s.put("ratios", r);
      }
      return s;
    }

    /** Dense shapes with the same feature count and partitions: larger vs smaller row count. */
    Map<String, Object> scaling() {
      Map<String, Object> out = new LinkedHashMap<>();
      List<String[]> cs = configs();
      for (String[] a : cs) {
        for (String[] b : cs) {
          BenchData.Shape sa = BenchData.Shape.parse(a[0]);
          BenchData.Shape sb = BenchData.Shape.parse(b[0]);
          if (sa.sparse() || sb.sparse() || sa.features() != sb.features() || !a[1].equals(b[1])
              || sa.rows() <= sb.rows()) {
            continue;
          }
          int p = Integer.parseInt(a[1]);
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("rowsRatio", (double) sa.rows() / sb.rows());
          for (String c : List.of(SPARK, OURS)) {
            m.put(c + ".fitRatio", med(a[0], p, c, f -> f.fitSec) / med(b[0], p, c, f -> f.fitSec));
            m.put(c + ".evalJobRatio",
                med(a[0], p, c, f -> f.evalJobSec) / med(b[0], p, c, f -> f.evalJobSec));
            m.put(c + ".evalCpuRatio",
                med(a[0], p, c, f -> f.evalCpuSec) / med(b[0], p, c, f -> f.evalCpuSec));
            m.put(c + ".iterations", med(b[0], p, c, f -> f.iterations) + " -> "
                + med(a[0], p, c, f -> f.iterations));
          }
          out.put(a[0] + " vs " + b[0] + " (p=" + p + ")", m);
        }
      }
      return out;
    }

    String json() {
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("environment", env);
      List<Object> bw = new ArrayList<>();
      for (int i = 0; i < bwStart.length; i++) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("threads", bwStart[i].threads());
        b.put("arrayBytes", bwStart[i].bytes());
        b.put("startGBps", bwStart[i].runsGBps());
        b.put("endGBps", bwEnd[i].runsGBps());
        b.put("medianGBps", bandwidth(i + 1));
        b.put("cpuGBps", new double[] {bwStart[i].medianCpuGBps(), bwEnd[i].medianCpuGBps()});
        bw.add(b);
      }
      root.put("bandwidth", bw);
      root.put("datasets", datasets);
      root.put("summary", configs().stream()
          .map(k -> summary(k[0], Integer.parseInt(k[1]))).toList());
      root.put("accuracy", accuracy);
      root.put("scaling", scaling());
      List<Object> raw = new ArrayList<>();
      for (Fit f : fits) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", f.shape);
        m.put("partitions", f.partitions);
        m.put("contender", f.contender);
        m.put("repeat", f.repeat);
        m.put("fitSec", f.fitSec);
        m.put("iterations", f.iterations);
        m.put("evaluations", f.evaluations);
        m.put("reportedEvaluations", f.reportedEvaluations);
        m.put("jobs", f.jobs);
        m.put("stagesRun", f.stagesRun);
        m.put("tasks", f.tasks);
        m.put("preEvalSec", f.preEvalSec);
        m.put("firstEvalSec", f.firstEvalSec);
        m.put("toFirstIterSec", f.toFirstIterSec);
        m.put("toFirstIterListenerSec", f.toFirstIterListenerSec);
        m.put("setupJobsSec", f.setupJobsSec);
        m.put("evalJobSec", f.evalJobSec);
        m.put("evalTaskSec", f.evalTaskSec);
        m.put("evalWallSec", f.evalWallSec);
        m.put("evalCpuSec", f.evalCpuSec);
        m.put("setupCpuSec", f.setupCpuSec);
        m.put("processCpuSec", f.processCpuSec);
        m.put("loadStart", f.loadStart);
        m.put("loadEnd", f.loadEnd);
        m.put("cachedBytes", f.cachedBytes);
        m.put("cachedRdds", f.cachedNames);
        m.put("gcSec", f.gcSec);
        m.put("objective", f.objective);
        m.put("intercept", f.intercept);
        m.put("jobNames", f.jobNames);
        raw.add(m);
      }
      root.put("fits", raw);
      return Json.write(root) + "\n";
    }

    String markdown() {
      StringBuilder b = new StringBuilder();
      b.append("## Fit benchmark: Spark LogisticRegression vs LogitClassifier\n\n");
      b.append(String.format(Locale.ROOT, "%s, Spark %s, master %s (%d cores), %s; regParam %s,"
              + " tol %s, maxIter %d; medians of %d alternated repeats.%n%n", env.get("java"),
          env.get("spark"), o.master, cores, env.get("blas"), o.reg, o.tol, o.maxIter,
          o.repeats));
      b.append("| data | rows | features | nnz/row | positive | input cached MB |"
          + " decode-only pass CPU s: Rows / internal rows | empty job ms: p tasks / per-core"
          + " tasks |\n");
      b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Map<String, Object> d : datasets) {
        b.append(String.format(Locale.ROOT,
            "| %s (p=%s) | %,d | %s | %.1f | %.3f | %.0f | %.2f / %.2f | %.1f / %.1f |%n",
            d.get("shape"), d.get("partitions"), (Long) d.get("rows"), d.get("features"),
            (Double) d.get("nnzPerRow"), (Double) d.get("positiveRate"),
            ((Long) d.get("inputCachedBytes")) / 1048576.0, (Double) d.get("decodePassCpuSec"),
            (Double) d.get("internalReadPassCpuSec"),
            1e3 * (Double) d.get("emptyJobSec"), 1e3 * (Double) d.get("emptyGroupedJobSec")));
      }
      b.append("\n| data | p | contender | fit s | iters | evals | jobs (passes) | stages |"
          + " to 1st iter s | setup s | 1st eval s | eval job ms | eval wall ms | eval CPU ms |"
          + " setup CPU s | process CPU s | cached MB | eval / floor |"
          + " (eval − empty job) / floor | eval CPU / CPU floor | GC s | load |\n");
      b.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
          + "|---:|---:|---:|---:|---:|---:|\n");
      for (String[] k : configs()) {
        int p = Integer.parseInt(k[1]);
        Map<String, Object> s = summary(k[0], p);
        for (String c : List.of(SPARK, OURS, FOCAL, FLOAT)) {
          @SuppressWarnings("unchecked")
          Map<String, Object> m = (Map<String, Object>) s.get(c);
          if (m == null) {
            continue;
          }
          b.append(String.format(Locale.ROOT, "| %s | %d | %s | %.2f | %.0f | %.0f | %.0f | %.0f"
                  + " | %.2f | %.2f | %.3f | %.1f | %.1f | %.1f | %.2f | %.2f | %.1f | %.2f | %.2f"
                  + " | %.2f | %.2f | %.1f |%n", k[0], p, c,
              d(m, "fitSec"), d(m, "iterations"), d(m, "evaluations"), d(m, "jobs"),
              d(m, "stagesRun"), d(m, "toFirstIterSec"), d(m, "setupSec"), d(m, "firstEvalSec"),
              1e3 * d(m, "evalJobSec"), 1e3 * d(m, "evalWallSec"), 1e3 * d(m, "evalCpuSec"),
              d(m, "setupCpuSec"), d(m, "processCpuSec"), d(m, "cachedBytes") / 1048576.0,
              d(m, "evalJobOverFloor"), d(m, "evalJobLessEmptyJobOverFloor"),
              d(m, "evalCpuOverCpuFloor"), d(m, "gcSec"),
              d(m, "loadAverage")));
        }
      }
      b.append("\n| data | p | fit Spark/ours | to 1st iter Spark/ours | setup Spark/ours |"
          + " eval job Spark/ours | eval wall Spark/ours | eval CPU Spark/ours |"
          + " setup CPU Spark/ours | process CPU Spark/ours | cached Spark/ours |"
          + " focal/bce eval job | focal/bce eval CPU | float/double eval job |"
          + " float/double cached | objective float/double − 1 |"
          + " objective ours−Spark (rel) | max rel coef diff | normwise coef diff |"
          + " Spark vs optimum (max rel / normwise) | ours vs optimum (max rel / normwise) |\n");
      b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
          + "|---:|---:|---:|---:|---:|\n");
      for (String[] k : configs()) {
        int p = Integer.parseInt(k[1]);
        @SuppressWarnings("unchecked")
        Map<String, Object> r = (Map<String, Object>) summary(k[0], p).get("ratios");
        if (r == null) {
          continue;
        }
        Map<String, Object> acc = accuracy.stream().filter(a -> a.get("shape").equals(k[0])
            && a.get("partitions").equals(p)).findFirst().orElse(Map.of());
        b.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f"
                + " | %.2f | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s"
                + " | %s / %s"
                + " |%n", k[0], p,
            d(r, "fitSparkOverOurs"), d(r, "toFirstIterSparkOverOurs"),
            d(r, "setupSparkOverOurs"), d(r, "evalJobSparkOverOurs"),
            d(r, "evalWallSparkOverOurs"), d(r, "evalCpuSparkOverOurs"),
            d(r, "setupCpuSparkOverOurs"), d(r, "processCpuSparkOverOurs"),
            d(r, "cachedSparkOverOurs"), opt(r, "evalJobFocalOverBce", "%.2f"),
            opt(r, "evalCpuFocalOverBce", "%.2f"), opt(r, "evalJobFloatOverDouble", "%.2f"),
            opt(r, "cachedFloatOverDouble", "%.3f"), opt(r, "objectiveFloatMinusDoubleRel", "%.2e"),
            opt(acc, "objectiveRelDiff", "%.2e"),
            opt(acc, "maxRelCoefDiff", "%.2e"), opt(acc, "normwiseCoefDiff", "%.2e"),
            opt(acc, "sparkVsOptimumMaxRel", "%.1e"), opt(acc, "sparkVsOptimumNormwise", "%.1e"),
            opt(acc, "oursVsOptimumMaxRel", "%.1e"), opt(acc, "oursVsOptimumNormwise", "%.1e")));
      }
      b.append("\nMemory bandwidth (stream-read of a ").append(o.bandwidthMb)
          .append(" MiB double[], median of 7 runs, start / end of the run):");
      for (int i = 0; i < bwStart.length; i++) {
        b.append(String.format(Locale.ROOT, " %d thread(s) %.2f / %.2f GB/s wall, %.2f / %.2f GB/s"
                + " per CPU second;", i + 1, bwStart[i].medianGBps(), bwEnd[i].medianGBps(),
            bwStart[i].medianCpuGBps(), bwEnd[i].medianCpuGBps()));
      }
      b.append(" floor = cached bytes / wall bandwidth(min(p, cores) threads); CPU floor = cached"
          + " bytes / per-CPU-second bandwidth, compared with the evaluation's task CPU time;"
          + " empty job = a treeAggregate over p tiny cached partitions doing nothing (Spark's"
          + " fixed cost of one evaluation job), run as p tasks (as Spark's LogisticRegression"
          + " evaluates) and, in local mode, as one task per core (as LogitClassifier does);"
          + " (eval − empty job) subtracts the contender's own layout.\n");
      Map<String, Object> sc = scaling();
      if (!sc.isEmpty()) {
        b.append("\nScaling (dense, same features): ").append(sc).append('\n');
      }
      return b.toString();
    }

    private static String opt(Map<String, Object> m, String k, String format) {
      return m.containsKey(k) ? String.format(Locale.ROOT, format, d(m, k)) : "–";
    }

    private static double d(Map<String, Object> m, String k) {
      Object v = m.get(k);
      return v == null ? Double.NaN : ((Number) v).doubleValue();
    }
  }

  /** Minimal JSON writer for maps, lists, arrays, numbers, strings and booleans. */
  static final class Json {
    private Json() {}

    static String write(Object o) {
      StringBuilder b = new StringBuilder();
      write(b, o, "");
      return b.toString();
    }

    private static void write(StringBuilder b, Object o, String indent) {
      if (o == null) {
        b.append("null");
      } else if (o instanceof Map<?, ?> m) {
        b.append("{");
        String in = indent + "  ";
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          b.append(first ? "\n" : ",\n").append(in);
          string(b, String.valueOf(e.getKey()));
          b.append(": ");
          write(b, e.getValue(), in);
          first = false;
        }
        b.append(first ? "}" : "\n" + indent + "}");
      } else if (o instanceof List<?> l) {
        b.append("[");
        String in = indent + "  ";
        for (int i = 0; i < l.size(); i++) {
          b.append(i == 0 ? "\n" : ",\n").append(in);
          write(b, l.get(i), in);
        }
        b.append(l.isEmpty() ? "]" : "\n" + indent + "]");
      } else if (o instanceof double[] a) {
        b.append(Arrays.stream(a).mapToObj(Json::number).collect(Collectors.joining(", ", "[",
            "]")));
      } else if (o instanceof Double || o instanceof Float) {
        b.append(number(((Number) o).doubleValue()));
      } else if (o instanceof Number || o instanceof Boolean) {
        b.append(o);
      } else {
        string(b, o.toString());
      }
    }

    private static String number(double v) {
      return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    private static void string(StringBuilder b, String s) {
      b.append('"');
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          default -> {
            if (c < 0x20) {
              b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      b.append('"');
    }
  }
}
