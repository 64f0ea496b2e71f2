package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.SparkTestSupport;
import io.github.stablelogit.ml.feature.BinaryLabelMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job end to end, in process, on the bundled sample data: one local[2] session for the class,
 * which {@link LogitJob#run} reuses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogitJobTest {

  private static final String BREAST_CANCER = sample("breast_cancer.csv");
  private static final String BANK = sample("bank-additional-full.csv.gz");
  /**
   * Keeps the breast cancer fits short: a little L2 makes them converge in a few dozen steps. They
   * train on all rows (--test-fraction 0; the job holds out 20 % by default).
   */
  private static final String[] QUICK = {"--reg-param", "0.001", "--max-iter", "60",
      "--test-fraction", "0"};

  private SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  void startSpark() {
    spark = SparkTestSupport.newSession("LogitJobTest");
  }

  @AfterAll
  void stopSpark() {
    spark.stop();
  }

  static String sample(String name) {
    return SparkTestSupport.sampleData().resolve(name).toString();
  }

  /** The outcome of one in-process run. */
  record Run(int rc, String out, String err) {
    Run ok() {
      assertEquals(0, rc, () -> "exit " + rc + "\nstdout:\n" + out + "\nstderr:\n" + err);
      return this;
    }
  }

  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = LogitJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A quick breast cancer training: the given options plus {@link #QUICK}. */
  private static Run trainQuick(String... options) {
    String[] all = new String[1 + options.length + QUICK.length];
    all[0] = "train";
    System.arraycopy(options, 0, all, 1, options.length);
    System.arraycopy(QUICK, 0, all, 1 + options.length, QUICK.length);
    return run(all);
  }

  static JsonNode json(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }

  static void assertBadInput(Run r, String expectedPart) {
    String what = "stderr was:\n" + r.err + "\nstdout was:\n" + r.out;
    assertEquals(2, r.rc, what);
    List<String> lines = r.err.lines().toList();
    assertEquals(1, lines.size(), what);
    assertTrue(lines.get(0).startsWith("error: "), what);
    assertTrue(lines.get(0).contains(expectedPart), what);
    assertFalse(r.err.contains("Exception"), what);
    assertFalse(r.err.contains("\tat ") || r.err.contains("    at "), what);
  }

  // ------------------------------------------------------------ breast cancer

  @Test
  void trainPredictEvaluateOnBreastCancer() throws Exception {
    Path model = tmp.resolve("bc-model");
    Path trainJson = tmp.resolve("train.json");
    Run t = trainQuick("--input", BREAST_CANCER, "--label", "label",
        "--model", model.toString(), "--metrics", trainJson.toString()).ok();
    assertTrue(Files.isDirectory(model.resolve("stages")), t.out);
    assertTrue(t.out.contains("AUC-ROC"), t.out);
    assertTrue(t.err.contains("iteration   1  objective"), t.err);
    assertTrue(t.out.contains("model saved to"), t.out);
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".bc-model")),
          "no temporary or backup directories are left");
    }

    JsonNode tj = json(trainJson);
    List<String> keys = new ArrayList<>();
    tj.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("command", "input", "format", "model", "label", "features", "params",
        "training", "train", "inference", "coefficients"), keys, "stable key order");
    // 30 features: the coefficient table is printed, and every term is in the JSON with its
    // Wald statistics (an L2 fit: the inverse penalized Hessian).
    assertTrue(tj.get("inference").get("available").asBoolean(), tj.get("inference").toString());
    assertTrue(tj.get("inference").get("penalized").asBoolean());
    JsonNode coefficients = tj.get("coefficients");
    assertEquals(31, coefficients.size());
    assertEquals("mean_radius", coefficients.get(0).get("term").asText());
    assertEquals("intercept", coefficients.get(30).get("term").asText());
    for (JsonNode c : coefficients) {
      assertTrue(c.get("std_error").asDouble() > 0, c.toString());
      assertEquals(c.get("estimate").asDouble() / c.get("std_error").asDouble(),
          c.get("z").asDouble(), 1e-12 * Math.abs(c.get("z").asDouble()) + 1e-300, c.toString());
    }
    assertTrue(t.out.lines().anyMatch(l -> l.startsWith("term") && l.endsWith("p")), t.out);
    assertTrue(t.out.lines().anyMatch(l -> l.startsWith("worst_texture ")), t.out);
    JsonNode m = tj.get("train");
    assertTrue(m.get("auc_roc").asDouble() > 0.95, m.toString());
    assertTrue(m.get("auc_pr").asDouble() > 0.9, m.toString());
    assertEquals(569, m.get("rows").asLong());
    assertEquals(212.0 / 569, m.get("positive_rate").asDouble(), 1e-12);
    JsonNode cm = m.get("confusion_matrix");
    assertEquals(569, cm.get("tp").asLong() + cm.get("fp").asLong() + cm.get("fn").asLong()
        + cm.get("tn").asLong());
    assertEquals(212, cm.get("tp").asLong() + cm.get("fn").asLong());
    assertTrue(m.get("mean_bce").asDouble() > 0 && m.get("mean_bce").asDouble() < 0.2);
    JsonNode training = tj.get("training");
    assertEquals(training.get("iterations").asInt() + 1, training.get("objective_history").size());
    assertTrue(training.get("converged").isBoolean());
    assertTrue(training.get("training_seconds").asDouble() > 0);
    assertEquals(30, tj.get("features").get("numeric").size());
    assertEquals(30, tj.get("features").get("dimension").asInt());
    assertEquals(0.001, tj.get("params").get("regParam").asDouble());

    // The saved model is a plain PipelineModel: mapper, assembler, classifier.
    PipelineModel pm = PipelineModel.load(model.toString());
    Transformer[] stages = pm.stages();
    assertTrue(stages[0] instanceof BinaryLabelMapper);
    assertTrue(stages[stages.length - 1] instanceof LogitClassificationModel);

    // evaluate on the same data reproduces the training metrics
    Path evalJson = tmp.resolve("eval.json");
    Run e = run("evaluate", "--model", model.toString(), "--input", BREAST_CANCER,
        "--metrics", evalJson.toString()).ok();
    assertTrue(e.out.contains("AUC-ROC"), e.out);
    JsonNode em = json(evalJson).get("metrics");
    assertSameMetrics(m, em);

    // predict: Parquet with prediction, probability and the scalar input columns
    Path parquet = tmp.resolve("pred.parquet");
    run("predict", "--model", model.toString(), "--input", BREAST_CANCER, "--output",
        parquet.toString()).ok();
    Dataset<Row> p = spark.read().parquet(parquet.toString());
    String[] cols = p.columns();
    assertEquals(2 + 31, cols.length);
    assertEquals("prediction", cols[0]);
    assertEquals("probability", cols[1]);
    assertEquals("label", cols[2]);
    assertEquals("mean_radius", cols[3]);
    assertEquals(569, p.count());
    double agree = p.filter("prediction = label").count() / 569.0;
    assertEquals(m.get("accuracy").asDouble(), agree, 1e-12);
    assertEquals(0, p.filter("probability < 0 OR probability > 1 OR probability IS NULL")
        .count());
    assertEquals(0, p.filter("(probability > 0.5) <> (prediction = 1.0)").count());

    // Parquet input: the predictions themselves; their prediction/probability columns are set
    // aside (the model writes its own), and the metrics are those of training again.
    Path again = tmp.resolve("again.json");
    Run pe = run("evaluate", "--model", model.toString(), "--input", parquet.toString(),
        "--metrics", again.toString()).ok();
    assertTrue(pe.out.contains("note: ignoring input column 'prediction'"), pe.out);
    assertEquals("parquet", json(again).get("format").asText());
    assertSameMetrics(m, json(again).get("metrics"));

    // predict to .csv: one CSV file with a header; an existing output needs --overwrite
    Path csv = Files.writeString(tmp.resolve("pred.csv"), "old content\n");
    assertBadInput(run("predict", "--model", model.toString(), "--input", BREAST_CANCER,
        "--output", csv.toString()), "--overwrite");
    assertEquals("old content", Files.readString(csv).strip());
    run("predict", "--model", model.toString(), "--input", BREAST_CANCER, "--output",
        csv.toString(), "--overwrite", "--threshold", "0.9").ok();
    assertTrue(Files.isRegularFile(csv));
    List<String> lines = Files.readAllLines(csv);
    assertEquals(570, lines.size());
    assertTrue(lines.get(0).startsWith("prediction,probability,label,mean_radius,"), lines.get(0));
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertEquals(Double.parseDouble(f[1]) > 0.9 ? 1.0 : 0.0, Double.parseDouble(f[0]), line);
    }
    try (Stream<Path> s = Files.list(tmp)) {
      assertTrue(s.noneMatch(x -> x.getFileName().toString().startsWith(".pred.csv")));
    }
  }

  @Test
  void byDefaultASeededFifthIsHeldOutAndTestFractionZeroTrainsOnAll() throws Exception {
    Path json = tmp.resolve("default.json");
    Run d = run("train", "--input", BREAST_CANCER, "--label", "label", "--reg-param", "0.001",
        "--max-iter", "60", "--model", tmp.resolve("default-model").toString(),
        "--metrics", json.toString()).ok();
    assertTrue(d.out.contains("note: 0.2 of the rows are held out as test rows (the default "
        + "--test-fraction, seed 42); --test-fraction 0 trains on all rows"), d.out);
    assertTrue(d.out.lines().anyMatch(l -> l.startsWith("metric") && l.endsWith("test")), d.out);
    JsonNode j = json(json);
    List<String> keys = new ArrayList<>();
    j.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("command", "input", "format", "model", "label", "features", "params",
        "split", "training", "train", "test", "inference", "coefficients"), keys);
    assertEquals(0.2, j.get("split").get("test_fraction").asDouble());
    assertEquals(42, j.get("split").get("seed").asLong());
    long trainRows = j.get("train").get("rows").asLong();
    long testRows = j.get("test").get("rows").asLong();
    assertEquals(569, trainRows + testRows);
    assertEquals(trainRows, j.get("training").get("rows").asLong());
    assertEquals(0.2, testRows / 569.0, 0.05);

    // The same split as --test-fraction 0.2 --seed 42 given explicitly (without the note).
    Path explicit = tmp.resolve("explicit.json");
    Run e = run("train", "--input", BREAST_CANCER, "--label", "label", "--reg-param", "0.001",
        "--max-iter", "60", "--model", tmp.resolve("explicit-model").toString(),
        "--metrics", explicit.toString(), "--test-fraction", "0.2", "--seed", "42").ok();
    assertFalse(e.out.contains("the default --test-fraction"), e.out);
    assertSameMetrics(j.get("test"), json(explicit).get("test"));

    Path all = tmp.resolve("all.json");
    run("train", "--input", BREAST_CANCER, "--label", "label", "--reg-param", "0.001",
        "--max-iter", "60", "--model", tmp.resolve("all-model").toString(),
        "--metrics", all.toString(), "--test-fraction", "0").ok();
    JsonNode a = json(all);
    assertFalse(a.has("split") || a.has("test"), a.toString());
    assertEquals(569, a.get("train").get("rows").asLong());
  }

  static void assertSameMetrics(JsonNode expected, JsonNode actual) {
    Iterator<String> names = expected.fieldNames();
    while (names.hasNext()) {
      String k = names.next();
      JsonNode a = expected.get(k);
      JsonNode b = actual.get(k);
      if (a.isNumber()) {
        assertEquals(a.asDouble(), b.asDouble(), 1e-9 * Math.max(1, Math.abs(a.asDouble())), k);
      } else if (a.isObject()) {
        assertSameMetrics(a, b);
      } else {
        assertEquals(a, b, k);
      }
    }
  }

  @Test
  void overwriteReplacesAModelAndWithoutItTheOldOneIsUntouched() throws Exception {
    Path model = tmp.resolve("existing");
    Files.createDirectories(model);
    Path marker = Files.writeString(model.resolve("MARKER"), "keep me");

    Run r = trainQuick("--input", BREAST_CANCER, "--label", "label",
        "--model", model.toString());
    assertBadInput(r, "already exists; pass --overwrite");
    assertEquals("keep me", Files.readString(marker));

    // A failing training (here: a label the job rejects) leaves the old model as it was.
    r = trainQuick("--input", BREAST_CANCER, "--label", "mean_radius",
        "--model", model.toString(), "--overwrite");
    assertEquals(2, r.rc);
    assertEquals("keep me", Files.readString(marker));

    trainQuick("--input", BREAST_CANCER, "--label", "label", "--features",
        "mean_radius,mean_texture,worst_area", "--model", model.toString(), "--overwrite").ok();
    assertFalse(Files.exists(marker));
    PipelineModel pm = PipelineModel.load(model.toString());
    LogitClassificationModel m = (LogitClassificationModel) pm.stages()[pm.stages().length - 1];
    assertEquals(3, m.numFeatures());
  }

  // ------------------------------------------------------------ bad input

  @Test
  void badInputExitsTwoWithOneLine() throws Exception {
    String model = tmp.resolve("never").toString();
    assertBadInput(run("train", "--input", tmp.resolve("missing.csv").toString(), "--label", "y",
        "--model", model), "does not exist");
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "diagnosis",
        "--model", model), "label column 'diagnosis' does not exist");
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "mean_radius",
        "--model", model), "is not binary");
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "label",
        "--model", model, "--pos-weigth", "2"), "unknown option --pos-weigth");
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "label",
        "--model", model, "--pos-weight", "-1"),
        "posWeight must be a finite number > 0, but was -1.0");
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "label",
        "--model", model, "--features", "mean_radius,no_such_column"),
        "feature column 'no_such_column' does not exist");
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "label",
        "--model", model, "--drop", "nope"), "--drop names column 'nope'");
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "label",
        "--model", model, "--weight", "nope"), "weight column 'nope' does not exist");
    Path single = tmp.resolve("single.csv");
    Files.writeString(single, "y,x\n1,0.5\n1,0.7\n");
    assertBadInput(run("train", "--input", single.toString(), "--label", "y", "--model", model),
        "single value");
    Path gaps = tmp.resolve("gaps.csv");
    Files.writeString(gaps, "y,x,z\n1,0.5,1\n0,,2\n1,0.7,3\n0,0.1,4\n");
    assertBadInput(run("train", "--input", gaps.toString(), "--label", "y", "--model", model),
        "feature column 'x' is missing");
    Path nolabel = tmp.resolve("nolabel.csv");
    Files.writeString(nolabel, "y,x\n1,0.5\n,0.7\n0,0.1\n");
    assertBadInput(run("train", "--input", nolabel.toString(), "--label", "y", "--model", model),
        "empty (null or NaN) in 1 rows");
    assertBadInput(run("predict", "--model", tmp.resolve("nomodel").toString(), "--input",
        BREAST_CANCER, "--output", tmp.resolve("o.parquet").toString()), "does not exist");
    assertBadInput(run("evaluate", "--model", tmp.toString(), "--input", BREAST_CANCER),
        "is not a model saved by 'LogitJob train'");
    assertFalse(Files.exists(tmp.resolve("never")));
  }

  // ------------------------------------------------------------ LIBSVM

  @Test
  void libsvmWithMinusOnePlusOneLabels() throws Exception {
    Path data = tmp.resolve("toy.libsvm");
    StringBuilder sb = new StringBuilder();
    java.util.Random rnd = new java.util.Random(7);
    for (int i = 0; i < 300; i++) {
      double x1 = rnd.nextGaussian();
      double x2 = rnd.nextGaussian();
      boolean pos = x1 + 0.5 * x2 + 0.3 * rnd.nextGaussian() > 0;
      sb.append(pos ? "+1" : "-1").append(" 1:").append(x1).append(" 2:").append(x2);
      if (i % 3 == 0) {
        sb.append(" 5:1");
      }
      sb.append('\n');
    }
    Files.writeString(data, sb.toString());
    Path model = tmp.resolve("svm-model");
    Path metrics = tmp.resolve("svm.json");
    Run t = run("train", "--input", data.toString(), "--model", model.toString(), "--metrics",
        metrics.toString(), "--max-iter", "25", "--test-fraction", "0").ok();
    assertTrue(t.out.contains("-1/+1 mapped to 0/1"), t.out);
    JsonNode j = json(metrics);
    assertEquals("libsvm", j.get("format").asText());
    assertEquals(5, j.get("features").get("dimension").asInt());
    assertTrue(j.get("train").get("auc_roc").asDouble() > 0.95, j.toString());
    JsonNode cm = j.get("train").get("confusion_matrix");
    long positives = sb.toString().lines().filter(l -> l.startsWith("+1")).count();
    assertEquals(positives, cm.get("tp").asLong() + cm.get("fn").asLong());

    // Data with fewer features (max index 2) still gets the trained size, 5.
    Path small = tmp.resolve("small.svm");
    Files.writeString(small, "1 1:2.0 2:0.5\n-1 1:-2.0\n");
    Path out = tmp.resolve("svm-pred.parquet");
    run("predict", "--model", model.toString(), "--input", small.toString(), "--output",
        out.toString()).ok();
    List<Row> rows = spark.read().parquet(out.toString()).orderBy("label").collectAsList();
    assertEquals(2, rows.size());
    assertEquals(List.of("prediction", "probability", "label"),
        List.of(spark.read().parquet(out.toString()).columns()));
    assertEquals(0.0, rows.get(0).getDouble(0));
    assertEquals(1.0, rows.get(1).getDouble(0));

    // 0/1 LIBSVM labels are accepted too
    Path zeroOne = tmp.resolve("zero-one.txt");
    Files.writeString(zeroOne, sb.toString().replace("+1 ", "1 ").replace("-1 ", "0 "));
    Run z = run("evaluate", "--model", model.toString(), "--input", zeroOne.toString());
    assertEquals(2, z.rc, "a model trained on -1/+1 knows only those values: " + z.err);
    Run t01 = run("train", "--input", zeroOne.toString(), "--model",
        tmp.resolve("m01").toString(), "--max-iter", "5", "--test-fraction", "0").ok();
    assertTrue(t01.out.contains("positive class (1) = 1, negative (0) = 0 [0/1]"), t01.out);
  }

  // ------------------------------------------------------------ labels, weights, mixed columns

  @Test
  void labelMappingRules() {
    record Case(List<Object> values, String positive, String rulePart) {}
    List<Case> cases = List.of(
        new Case(List.of("no", "yes", "no"), "yes", "no/yes"),
        new Case(List.of("Positive", "Negative"), "Positive", "negative/positive"),
        new Case(List.of("Y", "N", "N"), "Y", "n/y"),
        new Case(List.of("0", "1"), "1", "0/1"),
        new Case(List.of("dog", "cat", "dog"), "dog", "lexicographically larger"),
        new Case(List.of(true, false), "true", "boolean"),
        new Case(List.of(-1, 1, 1), "1.0", "-1/+1 mapped to 0/1"),
        new Case(List.of(1.0, 0.0), "1.0", "0/1"),
        new Case(List.of(2L, 1L), "2.0", "the larger value is positive"));
    for (Case c : cases) {
      Dataset<Row> df = frame(c.values());
      Labels.Spec spec = Labels.analyze(df, "v");
      assertEquals(c.positive(), spec.positive(), c.toString());
      assertTrue(spec.rule().contains(c.rulePart()), spec.rule());
      List<Row> mapped = spec.mapper().transform(df).select(Columns.LABEL).collectAsList();
      for (int i = 0; i < mapped.size(); i++) {
        double expected = String.valueOf(c.values().get(i)).equals(c.positive())
            || (spec.numeric() && Double.parseDouble(String.valueOf(c.values().get(i)))
                == Double.parseDouble(c.positive())) ? 1.0 : 0.0;
        assertEquals(expected, mapped.get(i).getDouble(0), c.toString());
      }
    }
    // Without the label column the mapper passes the data through (prediction input).
    Dataset<Row> noLabel = frame(List.of("a")).withColumnRenamed("v", "x");
    assertEquals(List.of("x"), List.of(new BinaryLabelMapper()
        .configure("v", Columns.LABEL, "b", "a", false).transform(noLabel).columns()));
  }

  private Dataset<Row> frame(List<Object> values) {
    Object first = values.get(0);
    org.apache.spark.sql.types.DataType t = first instanceof String
        ? org.apache.spark.sql.types.DataTypes.StringType
        : first instanceof Boolean ? org.apache.spark.sql.types.DataTypes.BooleanType
        : first instanceof Integer ? org.apache.spark.sql.types.DataTypes.IntegerType
        : first instanceof Long ? org.apache.spark.sql.types.DataTypes.LongType
        : org.apache.spark.sql.types.DataTypes.DoubleType;
    List<Row> rows = new ArrayList<>();
    values.forEach(v -> rows.add(org.apache.spark.sql.RowFactory.create(v)));
    return spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
        .add("v", t));
  }

  @Test
  void semicolonCsvWithWeightsStringsBooleansAndDottedNames() throws Exception {
    StringBuilder sb = new StringBuilder("\"outcome\";\"x.y\";\"color\";\"flag\";\"w\"\n");
    java.util.Random rnd = new java.util.Random(3);
    String[] colors = {"red", "green", "blue"};
    double positiveWeight = 0;
    double totalWeight = 0;
    for (int i = 0; i < 240; i++) {
      double x = rnd.nextGaussian();
      String color = colors[i % 3];
      boolean flag = rnd.nextBoolean();
      double z = 1.5 * x + (color.equals("red") ? 1.0 : -0.5) + (flag ? 0.5 : 0.0);
      boolean pos = z + rnd.nextGaussian() > 0;
      double w = 1 + (i % 4);
      totalWeight += w;
      positiveWeight += pos ? w : 0;
      sb.append(pos ? "\"up\"" : "\"down\"").append(';').append(x).append(";\"").append(color)
          .append("\";").append(flag).append(';').append(w).append('\n');
    }
    Path data = Files.writeString(tmp.resolve("mixed.csv"), sb.toString());
    Path model = tmp.resolve("mixed-model");
    Path metrics = tmp.resolve("mixed.json");
    Run t = run("train", "--input", data.toString(), "--label", "outcome", "--weight", "w",
        "--model", model.toString(), "--metrics", metrics.toString(), "--max-iter", "30",
        "--test-fraction", "0").ok();
    assertTrue(t.out.contains("positive class (1) = 'up'"), t.out);
    assertTrue(t.out.contains("lexicographically larger"), t.out);
    JsonNode j = json(metrics);
    assertEquals(List.of("x.y", "flag"), List.of(j.get("features").get("numeric").get(0)
        .asText(), j.get("features").get("numeric").get(1).asText()));
    assertEquals("color", j.get("features").get("categorical").get(0).asText());
    // x.y, flag, the 3 colors and StringIndexer's "__unknown" (OneHotEncoder drops its own extra
    // invalid bucket): an unseen color gets the unknown column, whose coefficient stays 0.
    assertEquals(6, j.get("features").get("dimension").asInt());
    assertEquals("w", j.get("weight").asText());
    JsonNode m = j.get("train");
    assertEquals(totalWeight, m.get("weight_sum").asDouble(), 1e-9);
    assertEquals(positiveWeight / totalWeight, m.get("positive_rate").asDouble(), 1e-12);
    JsonNode cm = m.get("confusion_matrix");
    assertEquals(positiveWeight, cm.get("tp").asDouble() + cm.get("fn").asDouble(), 1e-9);
    assertTrue(m.get("auc_roc").asDouble() > 0.8, m.toString());

    // Unseen category and no label/weight columns at prediction time.
    Path unseen = Files.writeString(tmp.resolve("new.csv"),
        "x.y;color;flag\n0.5;purple;true\n-2.0;red;false\n");
    Path out = tmp.resolve("new-pred.csv");
    run("predict", "--model", model.toString(), "--input", unseen.toString(), "--output",
        out.toString()).ok();
    List<String> lines = Files.readAllLines(out);
    assertEquals("prediction,probability,x.y,color,flag", lines.get(0));
    assertEquals(3, lines.size());
  }

  // ------------------------------------------------------------ bank marketing

  @Test
  void bankMarketingOneHotAndPosWeightRaisesRecall() throws Exception {
    double[] recall = new double[2];
    String[] posWeights = {"1", "8"};
    for (int i = 0; i < 2; i++) {
      Path metrics = tmp.resolve("bank-" + posWeights[i] + ".json");
      Run r = run("train", "--input", BANK, "--label", "y", "--drop", "duration",
          "--max-iter", "30", "--pos-weight", posWeights[i], "--partitions", "2",
          "--test-fraction", "0",
          "--model", tmp.resolve("bank-" + posWeights[i]).toString(),
          "--metrics", metrics.toString(), "--overwrite").ok();
      JsonNode j = json(metrics);
      assertEquals("yes", j.get("label").get("positive").asText());
      assertEquals(10, j.get("features").get("categorical").size(), j.toString());
      assertEquals(9, j.get("features").get("numeric").size());
      assertEquals("duration", j.get("features").get("dropped").get(0).asText());
      // 9 numeric + 53 categories + one "__unknown" column per categorical column
      assertEquals(72, j.get("features").get("dimension").asInt(), r.out);
      JsonNode m = j.get("train");
      assertEquals(41188, m.get("rows").asLong());
      assertEquals(4640.0 / 41188, m.get("positive_rate").asDouble(), 1e-12);
      assertTrue(m.get("auc_roc").asDouble() > 0.75, m.toString());
      assertTrue(j.get("training").get("iterations").asInt() <= 30, r.err);
      recall[i] = m.get("recall").asDouble();
    }
    assertTrue(recall[1] > recall[0] + 0.2,
        "posWeight 8 should raise recall: " + recall[0] + " -> " + recall[1]);
  }
}
