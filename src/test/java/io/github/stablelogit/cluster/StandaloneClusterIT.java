package io.github.stablelogit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.stablelogit.ml.LogitClassificationModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The command-line job on a real Spark standalone cluster: a Master and two Workers, each its own
 * JVM, started from a SPARK_HOME assembled from Maven artifacts by the scripts in {@code
 * src/test/cluster/}. The packaged library jar is submitted with spark-submit (client mode, two
 * one-core executors) to run {@code LogitJob train} on the sample data; the same job is then
 * submitted with {@code --master local[2]}. Both saved models and metrics must agree to 1e-9
 * (relative), and the Master and executor logs must show that both executors ran tasks.
 *
 * <p>Runs in {@code mvn verify} (Failsafe, after packaging). Alone: {@code mvn verify
 * -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=StandaloneClusterIT}. Everything
 * lands in {@code <build dir>/standalone-it/} (logs, executor logs, models, metrics). The cluster
 * must come up within {@code -Dstablelogit.cluster.upTimeout} seconds (default 90).
 */
class StandaloneClusterIT {

  private static final String JOB = "io.github.stablelogit.cli.LogitJob";
  private static final double REL_TOL = 1e-9;
  private static final String FAST_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
  private static final Duration ASSEMBLE_TIMEOUT = Duration.ofMinutes(20);
  private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(10);

  private static Path project;
  private static Path scripts;
  private static Path jar;
  private static Path sparkHome;
  private static Path runDir;
  private static String masterUrl;
  private static String masterWebUi;
  private static final List<Long> CLUSTER_PIDS = new ArrayList<>();
  private static Thread shutdownHook;
  private static final long T0 = System.nanoTime();

  @BeforeAll
  static void startCluster() throws Exception {
    project = projectDir();
    scripts = project.resolve("src/test/cluster");
    String jarProperty = System.getProperty("stablelogit.jar");
    assertNotNull(jarProperty, "system property stablelogit.jar (the packaged library) is not set; "
        + "run this test through Failsafe: mvn verify");
    jar = Paths.get(jarProperty).toAbsolutePath();
    assertTrue(Files.isRegularFile(jar), "the packaged jar " + jar + " does not exist");
    Path buildDir = jar.getParent();
    sparkHome = buildDir.resolve("spark-home");
    runDir = buildDir.resolve("standalone-it");
    Files.createDirectories(runDir.resolve("logs"));

    // Leftovers of an interrupted earlier run in this build directory (recorded pids only).
    script(Duration.ofMinutes(1), "down-leftovers", "standalone-down.sh");
    deleteRecursively(runDir.resolve("job"));

    long t = System.nanoTime();
    script(ASSEMBLE_TIMEOUT, "assemble", "assemble-spark-home.sh", sparkHome.toString());
    System.out.printf(Locale.ROOT, "[cluster-it] SPARK_HOME %s ready in %.1f s%n", sparkHome,
        seconds(t));

    shutdownHook = new Thread(StandaloneClusterIT::stopQuietly, "stop-standalone-cluster");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    int upTimeout = Integer.getInteger("stablelogit.cluster.upTimeout", 90);
    t = System.nanoTime();
    Map<String, String> upEnv = Map.of("UP_TIMEOUT", String.valueOf(upTimeout));
    try {
      script(Duration.ofSeconds(upTimeout + 60), "up", upEnv, "standalone-up.sh", "2", "1", "1g");
    } finally {
      CLUSTER_PIDS.addAll(recordedPids());
    }
    Map<String, String> env = readEnvFile(runDir.resolve("cluster.env"));
    masterUrl = env.get("MASTER_URL");
    masterWebUi = env.get("MASTER_WEBUI_URL");
    assertNotNull(masterUrl, "standalone-up.sh wrote no MASTER_URL");
    assertNotNull(masterWebUi, "standalone-up.sh wrote no MASTER_WEBUI_URL");
    JsonNode state = masterState();
    assertEquals(2, state.path("aliveworkers").asInt(), "alive workers: " + state);
    System.out.printf(Locale.ROOT, "[cluster-it] %s up in %.1f s, pids %s%n", masterUrl,
        seconds(t), CLUSTER_PIDS);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (runDir == null) {
      return;
    }
    List<Long> pids = new ArrayList<>(CLUSTER_PIDS);
    pids.addAll(recordedPids());
    script(Duration.ofMinutes(1), "down", "standalone-down.sh");
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the hook runs anyway; standalone-down.sh is idempotent
      }
    }
    List<Long> alive = pids.stream().distinct().collect(Collectors.toList());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    do {
      alive.removeIf(p -> !isRunning(p));
      if (!alive.isEmpty()) {
        Thread.sleep(200);
      }
    } while (!alive.isEmpty() && System.nanoTime() < deadline);
    assertTrue(alive.isEmpty(), "cluster processes still alive after standalone-down.sh: " + alive);
    System.out.printf(Locale.ROOT, "[cluster-it] cluster stopped (pids %s); %.1f s in total%n",
        pids.stream().distinct().collect(Collectors.toList()), seconds(T0));
  }

  @Test
  void trainJobOnStandaloneClusterMatchesLocalRun() throws Exception {
    Path job = Files.createDirectories(runDir.resolve("job"));
    Path csv = project.resolve("sample-data/breast_cancer.csv");
    assertTrue(Files.isRegularFile(csv), csv + " is missing");

    // ---- 1. spark-submit, client mode, two 1-core executors on the two Workers
    long t = System.nanoTime();
    Submitted cluster = submit("cluster", List.of(
        "--master", masterUrl, "--deploy-mode", "client",
        "--total-executor-cores", "2", "--executor-cores", "1", "--executor-memory", "512m",
        "--conf", "spark.executor.extraJavaOptions=" + FAST_JVM,
        // start the job only when both executors are registered, so that both get tasks
        "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
        "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s"),
        csv, job.resolve("cluster-model"), job.resolve("cluster-metrics.json"));
    double clusterSeconds = seconds(t);

    // The driver's log names the application and its two executors ...
    TreeSet<String> added = allMatches(cluster.stderr,
        "Executor added: (app-[^/\\s]+/\\d+) on worker-\\S+ \\(127\\.0\\.0\\.1:\\d+\\)");
    assertEquals(2, added.size(), "executors added on the workers: " + added + "; see "
        + cluster.stderrFile);
    TreeSet<String> appIds = added.stream().map(e -> e.substring(0, e.indexOf('/')))
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(1, appIds.size(), "application ids: " + appIds);
    String appId = appIds.first();
    // ... the Master lists it as finished ...
    JsonNode app = awaitCompletedApp(appId);
    assertEquals("FINISHED", app.path("state").asText(), "application state: " + app);
    // ... and an executor on each Worker received tasks.
    Map<String, Integer> tasksPerWorker = tasksPerWorker(appId);
    assertEquals(2, tasksPerWorker.size(), "workers whose executors ran tasks of " + appId + ": "
        + tasksPerWorker);
    tasksPerWorker.forEach((w, n) -> assertTrue(n > 0, w + "'s executor received no task"));
    System.out.printf(Locale.ROOT, "[cluster-it] cluster submit: %.1f s, %s, executors %s, tasks "
        + "received per worker %s%n", clusterSeconds, appId, added, tasksPerWorker);

    // ---- 2. the same job on local[2]
    t = System.nanoTime();
    submit("local", List.of("--master", "local[2]"), csv, job.resolve("local-model"),
        job.resolve("local-metrics.json"));
    System.out.printf(Locale.ROOT, "[cluster-it] local[2] submit: %.1f s%n", seconds(t));

    // ---- 3. the same model and the same metrics
    double[][] models = loadModels(job.resolve("cluster-model"), job.resolve("local-model"));
    double[] c = models[0];
    double[] l = models[1];
    assertEquals(l.length, c.length, "number of coefficients");
    assertTrue(c.length > 10, "suspiciously few coefficients: " + c.length);
    double worst = 0;
    for (int j = 0; j < c.length; j++) {
      String what = j == c.length - 1 ? "intercept" : "coefficient " + j;
      assertClose(l[j], c[j], what);
      worst = Math.max(worst, relDiff(l[j], c[j]));
    }
    ObjectMapper mapper = new ObjectMapper();
    JsonNode cm = mapper.readTree(job.resolve("cluster-metrics.json").toFile());
    JsonNode lm = mapper.readTree(job.resolve("local-metrics.json").toFile());
    Map<String, Double> worstMetric = new TreeMap<>();
    compareJson("", lm, cm, 0.0, worstMetric);
    assertTrue(worstMetric.keySet().stream().anyMatch(k -> k.endsWith("auc_roc")),
        "the metrics have no auc_roc: " + worstMetric.keySet());
    Map.Entry<String, Double> worstEntry = worstMetric.entrySet().stream()
        .max(Map.Entry.comparingByValue()).orElseThrow();
    System.out.printf(Locale.ROOT, "[cluster-it] cluster vs local[2]: %d coefficients + intercept,"
            + " max relative difference %.3e; %d metric values, max relative difference %.3e (%s);"
            + " %s iterations, train auc_roc %s%n", c.length - 1, worst, worstMetric.size(),
        worstEntry.getValue(), worstEntry.getKey(), cm.path("training").path("iterations"),
        cm.path("train").path("auc_roc"));
  }

  // ------------------------------------------------------------------ the job

  private record Submitted(String stderr, Path stderrFile) {}

  private static Submitted submit(String name, List<String> sparkOptions, Path csv, Path model,
      Path metrics) throws Exception {
    List<String> args = new ArrayList<>();
    args.addAll(List.of("--name", "stablelogit-it-" + name, "--driver-memory", "1g",
        "--driver-java-options", FAST_JVM, "--conf", "spark.ui.enabled=false"));
    args.addAll(sparkOptions);
    args.addAll(List.of("--class", JOB, jar.toString(),
        "train", "--input", csv.toString(), "--label", "label", "--model", model.toString(),
        "--metrics", metrics.toString(), "--partitions", "4",
        // Regularized, so that the fit converges (in ~20 iterations). Unregularized, this nearly
        // separable data set is still far from its optimum after maxIter = 100, and the result
        // then depends on the order in which partition sums are merged (~1e-7 relative).
        "--reg-param", "0.01"));
    Path out = runDir.resolve("logs/submit-" + name + ".out");
    Path err = runDir.resolve("logs/submit-" + name + ".err");
    int rc = run(scriptCommand("spark-submit.sh", args), Map.of(), out, err, SUBMIT_TIMEOUT,
        "spark-submit (" + name + ")");
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    if (rc != 0) {
      fail("spark-submit (" + name + ") exited with " + rc + "; " + out + " and " + err
          + " end with:\n" + tail(Files.readString(out, StandardCharsets.UTF_8), 10) + "\n"
          + tail(stderr, 30));
    }
    assertTrue(Files.isDirectory(model), "no model at " + model);
    assertTrue(Files.isRegularFile(metrics), "no metrics at " + metrics);
    return new Submitted(stderr, err);
  }

  /** Coefficients followed by the intercept, of each saved PipelineModel's last stage. */
  private static double[][] loadModels(Path... dirs) {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("cluster-it-load")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
    try {
      double[][] out = new double[dirs.length][];
      for (int i = 0; i < dirs.length; i++) {
        Transformer[] stages = PipelineModel.load(dirs[i].toString()).stages();
        Transformer last = stages[stages.length - 1];
        assertTrue(last instanceof LogitClassificationModel,
            dirs[i] + ": the last stage is " + last.getClass().getName());
        LogitClassificationModel m = (LogitClassificationModel) last;
        double[] beta = m.coefficients().toArray();
        out[i] = java.util.Arrays.copyOf(beta, beta.length + 1);
        out[i][beta.length] = m.intercept();
      }
      return out;
    } finally {
      spark.stop();
    }
  }

  /**
   * Compares two metrics documents: the same keys, equal strings and booleans, numbers within
   * {@link #REL_TOL} relative. Wall-clock times and the model path differ by nature and are
   * skipped. Gradient norms shrink by orders of magnitude while their rounding error stays that of
   * the gradient's summands, so they are compared relative to the initial gradient norm.
   */
  private static void compareJson(String path, JsonNode expected, JsonNode actual, double floor,
      Map<String, Double> diffs) {
    String key = path.isEmpty() ? "(root)" : path;
    String leaf = path.substring(path.lastIndexOf('.') + 1);
    if (leaf.endsWith("seconds") || path.equals("model")) {
      return;
    }
    assertEquals(expected.getNodeType(), actual.getNodeType(), "type of " + key);
    if (expected.isObject()) {
      List<String> ef = new ArrayList<>();
      expected.fieldNames().forEachRemaining(ef::add);
      List<String> af = new ArrayList<>();
      actual.fieldNames().forEachRemaining(af::add);
      assertEquals(ef, af, "keys of " + key);
      for (String f : ef) {
        compareJson(path.isEmpty() ? f : path + "." + f, expected.get(f), actual.get(f), floor,
            diffs);
      }
    } else if (expected.isArray()) {
      assertEquals(expected.size(), actual.size(), "length of " + key);
      double f = leaf.equals("gradient_norm_history") && expected.size() > 0
          ? Math.abs(expected.get(0).asDouble()) : floor;
      Iterator<JsonNode> a = actual.elements();
      int i = 0;
      for (JsonNode e : expected) {
        compareJson(path + "[" + i++ + "]", e, a.next(), f, diffs);
      }
    } else if (expected.isNumber()) {
      double e = expected.asDouble();
      double c = actual.asDouble();
      double d = Math.abs(e - c) / Math.max(floor, Math.max(Math.abs(e), Math.abs(c)));
      assertTrue(Double.isNaN(d) ? e == c : d <= REL_TOL, String.format(Locale.ROOT,
          "metric %s: local[2] %s vs cluster %s (relative difference %.3e > %.0e)", key, e, c, d,
          REL_TOL));
      diffs.put(path, Double.isNaN(d) ? 0.0 : d);
    } else {
      assertEquals(expected.asText(), actual.asText(), "metric " + key);
    }
  }

  // ------------------------------------------------------------------ cluster evidence

  private static JsonNode masterState() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(masterWebUi + "/json/"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), "GET " + masterWebUi + "/json/");
    return new ObjectMapper().readTree(r.body());
  }

  /** The Master moves an application to completedapps once its driver has stopped. */
  private static JsonNode awaitCompletedApp(String appId) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode state;
    do {
      state = masterState();
      for (JsonNode app : state.path("completedapps")) {
        if (appId.equals(app.path("id").asText())) {
          return app;
        }
      }
      Thread.sleep(500);
    } while (System.nanoTime() < deadline);
    return fail("the Master does not list " + appId + " as completed: " + state);
  }

  /** Per Worker: "Got assigned task" lines in the logs of this application's executors. */
  private static Map<String, Integer> tasksPerWorker(String appId) throws IOException {
    Map<String, Integer> out = new TreeMap<>();
    Path work = runDir.resolve("work");
    try (Stream<Path> logs = Files.walk(work)) {
      for (Path log : logs.filter(p -> p.getFileName().toString().equals("stderr"))
          .filter(p -> p.getParent().getParent().getFileName().toString().equals(appId))
          .collect(Collectors.toList())) {
        String worker = work.relativize(log).getName(0).toString();
        int tasks = Pattern.compile("Got assigned task \\d+")
            .matcher(Files.readString(log, StandardCharsets.UTF_8)).results()
            .mapToInt(m -> 1).sum();
        out.merge(worker, tasks, Integer::sum);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ processes

  private static void script(Duration timeout, String logName, String script, String... args)
      throws Exception {
    script(timeout, logName, Map.of(), script, args);
  }

  private static void script(Duration timeout, String logName, Map<String, String> env,
      String script, String... args) throws Exception {
    Path out = runDir.resolve("logs/" + logName + ".log");
    int rc = run(scriptCommand(script, List.of(args)), env, out, out, timeout, script);
    if (rc != 0) {
      fail(script + " exited with " + rc + "; " + out + " ends with:\n"
          + tail(Files.readString(out, StandardCharsets.UTF_8), 40));
    }
  }

  private static List<String> scriptCommand(String script, List<String> args) {
    List<String> cmd = new ArrayList<>(List.of("bash", scripts.resolve(script).toString()));
    cmd.addAll(args);
    return cmd;
  }

  /** Runs a command (output to files); on timeout kills it and its descendants, then fails. */
  private static int run(List<String> cmd, Map<String, String> extraEnv, Path out, Path err,
      Duration timeout, String what) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile());
    Map<String, String> env = pb.environment();
    // Only our settings: a developer's Spark environment must not leak into the cluster.
    env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("PYSPARK_"));
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("RUN_DIR", runDir.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOCAL_HOSTNAME", "127.0.0.1");
    env.putAll(extraEnv);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    if (out.equals(err)) {
      pb.redirectErrorStream(true).redirectOutput(out.toFile());
    } else {
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    }
    Process p = pb.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      List<ProcessHandle> tree = p.descendants().collect(Collectors.toList());
      p.destroyForcibly();
      tree.forEach(ProcessHandle::destroyForcibly);
      p.waitFor(10, TimeUnit.SECONDS);
      fail(what + " did not finish within " + timeout.toSeconds() + " s and was killed; see "
          + out + (out.equals(err) ? "" : " and " + err));
    }
    return p.exitValue();
  }

  /** Alive and not a zombie (an exited daemon may wait a moment to be reaped by init). */
  private static boolean isRunning(long pid) {
    if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return false;
    }
    try {
      String stat = Files.readString(Paths.get("/proc/" + pid + "/stat"));
      String afterName = stat.substring(stat.lastIndexOf(')') + 1).trim();
      return !afterName.startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
  }

  private static List<Long> recordedPids() {
    Path pids = runDir.resolve("pids");
    if (!Files.isRegularFile(pids)) {
      return List.of();
    }
    try {
      return Files.readAllLines(pids).stream().map(String::trim).filter(s -> !s.isEmpty())
          .map(s -> Long.parseLong(s.split("\\s+")[0])).collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void stopQuietly() {
    try {
      new ProcessBuilder("bash", scripts.resolve("standalone-down.sh").toString())
          .redirectErrorStream(true)
          .redirectOutput(
              ProcessBuilder.Redirect.appendTo(runDir.resolve("logs/down.log").toFile()))
          .start().waitFor(60, TimeUnit.SECONDS);
    } catch (Exception | Error ignored) {
      // best effort while the JVM exits
    }
  }

  // ------------------------------------------------------------------ small helpers

  private static Path projectDir() {
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("src/test/cluster/standalone-up.sh"))) {
      p = p.getParent();
    }
    assertNotNull(p, "cannot find the project (src/test/cluster/) from " + Paths.get("")
        .toAbsolutePath());
    return p;
  }

  private static Map<String, String> readEnvFile(Path file) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    return out;
  }

  private static TreeSet<String> allMatches(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    TreeSet<String> out = new TreeSet<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines),
        all.length));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static double relDiff(double a, double b) {
    double scale = Math.max(Math.abs(a), Math.abs(b));
    return scale == 0 ? 0 : Math.abs(a - b) / scale;
  }

  private static void assertClose(double expected, double actual, String what) {
    assertTrue(relDiff(expected, actual) <= REL_TOL, String.format(Locale.ROOT,
        "%s: local[2] %s vs cluster %s (relative difference %.3e > %.0e)", what, expected, actual,
        relDiff(expected, actual), REL_TOL));
  }
}
