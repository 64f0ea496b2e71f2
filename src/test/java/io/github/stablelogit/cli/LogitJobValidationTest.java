package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.stablelogit.cli.LogitJobTest.Run;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.SparkTestSupport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code train --validation-fraction}, {@code --early-stopping-rounds} and {@code
 * --tune-threshold} end to end, in process, on a quarter of the bank-marketing sample (every fourth
 * row: 10,297 rows, 11 % positive) and on the breast-cancer sample.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogitJobValidationTest {

  private static final Path BANK =
      SparkTestSupport.sampleData().resolve("bank-additional-full.csv.gz");
  private static final String BREAST_CANCER =
      SparkTestSupport.sampleData().resolve("breast_cancer.csv").toString();

  private SparkSession spark;

  @TempDir
  Path tmp;

  /** Every fourth data row of the bank-marketing sample, with its header (written once). */
  private Path bank;
  private long bankRows;

  @BeforeAll
  void startSpark(@TempDir Path dir) throws IOException {
    spark = SparkTestSupport.newSession("LogitJobValidationTest");
    bank = dir.resolve("bank-quarter.csv");
    List<String> kept = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(BANK)), StandardCharsets.UTF_8))) {
      kept.add(r.readLine());
      String line;
      for (int i = 0; (line = r.readLine()) != null; i++) {
        if (!line.isBlank() && i % 4 == 0) {
          kept.add(line);
        }
      }
    }
    Files.write(bank, kept, StandardCharsets.UTF_8);
    bankRows = kept.size() - 1;
  }

  @AfterAll
  void stopSpark() {
    spark.stop();
  }

  private static Run run(String... args) {
    return LogitJobTest.run(args);
  }

  private static JsonNode json(Path p) throws IOException {
    return new ObjectMapper().readTree(p.toFile());
  }

  /** Exit code 2 and one error line, the last on stderr (after any progress lines). */
  private static void assertBadInput(Run r, String expectedPart) {
    String what = "stderr was:\n" + r.err() + "\nstdout was:\n" + r.out();
    assertEquals(2, r.rc(), what);
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.stream().filter(l -> l.startsWith("error: ")).count(), what);
    String last = lines.get(lines.size() - 1);
    assertTrue(last.startsWith("error: "), what);
    assertTrue(last.contains(expectedPart), what);
    assertFalse(r.err().contains("Exception"), what);
  }

  private static LogitClassificationModel classifier(PipelineModel pm) {
    return (LogitClassificationModel) pm.stages()[pm.stages().length - 1];
  }

  /** (P(y = 1), y) of each row, scored by the saved pipeline. */
  private static List<double[]> scores(PipelineModel pm, Dataset<Row> rows) {
    List<double[]> out = new ArrayList<>();
    for (Row r : pm.transform(rows).select(Columns.LABEL, "probability").collectAsList()) {
      out.add(new double[] {((Vector) r.get(1)).apply(1), r.getDouble(0)});
    }
    return out;
  }

  /** F1 of the rule p &gt; t, counted directly. */
  private static double f1Above(List<double[]> scored, double t) {
    long tp = 0;
    long fp = 0;
    long fn = 0;
    for (double[] s : scored) {
      boolean predicted = s[0] > t;
      boolean positive = s[1] == 1.0;
      tp += predicted && positive ? 1 : 0;
      fp += predicted && !positive ? 1 : 0;
      fn += !predicted && positive ? 1 : 0;
    }
    return 2.0 * tp / (2.0 * tp + fp + fn);
  }

  // ------------------------------------------------------------ threshold tuning

  @Test
  void tunedThresholdIsTheBruteForceBestF1OfTheValidationRowsAndHelpsOnTestRows()
      throws Exception {
    Path model = tmp.resolve("tuned");
    Path metrics = tmp.resolve("tuned.json");
    Run r = run("train", "--input", bank.toString(), "--label", "y", "--drop", "duration",
        "--test-fraction", "0.25", "--validation-fraction", "0.25", "--seed", "11",
        "--tune-threshold", "f1", "--max-iter", "25", "--model", model.toString(),
        "--metrics", metrics.toString()).ok();
    JsonNode j = json(metrics);
    JsonNode tuning = j.get("threshold_tuning");
    assertEquals("f1", tuning.get("metric").asText());
    assertEquals("validation", tuning.get("source").asText());
    double tuned = tuning.get("threshold").asDouble();

    // Saved with the model.
    PipelineModel pm = PipelineModel.load(model.toString());
    assertEquals(tuned, classifier(pm).getThreshold(), 0.0);
    assertNull(classifier(pm).getValidationIndicatorCol(), "the job's indicator is not saved");

    // The same split, recomputed from the input; the validation rows scored by the saved model.
    Dataset<Row> input = InputData.read(spark, bank.toString(), null, -1).data();
    Holdout.Split split = Holdout.split(input, 0.25, 0.25, 11L);
    Dataset<Row> validation = split.train().filter(col(split.validationCol()));
    List<double[]> scored = scores(pm, validation);
    assertEquals(j.get("training").get("validation").get("rows").asLong(), scored.size());
    assertEquals(j.get("validation").get("rows").asLong(), scored.size());
    assertEquals(j.get("test").get("rows").asLong(), split.test().count());

    // Brute force: every distinct score s as the cut p >= s; the best F1, ties to the largest s.
    List<Double> distinct = scored.stream().map(s -> s[0]).distinct()
        .sorted(Comparator.reverseOrder()).toList();
    double best = -1;
    int bestK = -1;
    long pos = scored.stream().filter(s -> s[1] == 1.0).count();
    for (int k = 0; k < distinct.size(); k++) {
      double cut = distinct.get(k);
      long tp = scored.stream().filter(s -> s[0] >= cut && s[1] == 1.0).count();
      long fp = scored.stream().filter(s -> s[0] >= cut && s[1] == 0.0).count();
      double f1 = 2.0 * tp / (2.0 * tp + fp + (pos - tp));
      if (f1 > best + 1e-12) {
        best = f1;
        bestK = k;
      }
    }
    double cut = distinct.get(bestK);
    double below = bestK + 1 < distinct.size() ? distinct.get(bestK + 1) : 0.0;
    // The saved threshold selects exactly the rows with p >= cut, halfway to the next score.
    assertTrue(below < tuned && tuned < cut, below + " < " + tuned + " < " + cut);
    assertEquals(below + (cut - below) / 2, tuned, Math.ulp(cut), "the midpoint");
    assertEquals(best, f1Above(scored, tuned), 1e-12);
    assertEquals(best, tuning.get("value").asDouble(), 1e-12);
    assertEquals(f1Above(scored, 0.5), tuning.get("value_at_default").asDouble(), 1e-12);
    assertTrue(best > f1Above(scored, 0.5) + 0.05, r.out());

    // Held-out rows are scored at the tuned threshold, and F1 is better there than at 0.5.
    JsonNode test = j.get("test");
    JsonNode testAtDefault = j.get(Tuning.TEST_AT_DEFAULT_JSON);
    assertEquals(tuned, test.get("threshold").asDouble(), 0.0);
    assertEquals(0.5, testAtDefault.get("threshold").asDouble(), 0.0);
    assertTrue(test.get("f1").asDouble() > testAtDefault.get("f1").asDouble() + 0.05,
        test.get("f1") + " vs " + testAtDefault.get("f1"));
    assertTrue(r.out().contains("threshold: " + String.format(java.util.Locale.ROOT, "%.4f", tuned)
        + ", tuned for F1 on "), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("metric") && l.contains("validation")
        && l.contains("test @0.5")), r.out());

    // evaluate uses the saved threshold.
    Path testRows = tmp.resolve("test-rows.parquet");
    split.test().write().parquet(testRows.toString());
    Path e1 = tmp.resolve("eval-tuned.json");
    run("evaluate", "--model", model.toString(), "--input", testRows.toString(),
        "--metrics", e1.toString()).ok();
    JsonNode evaluated = json(e1).get("metrics");
    assertEquals(tuned, evaluated.get("threshold").asDouble(), 0.0);
    assertEquals(test.get("f1").asDouble(), evaluated.get("f1").asDouble(), 1e-12);
  }

  @ParameterizedTest
  @ValueSource(strings = {"platt", "isotonic"})
  void precisionTargetIsTheBruteForceBestRecallOfTheValidationRows(String calibration)
      throws Exception {
    Path model = tmp.resolve("tuned-precision-" + calibration);
    Path metrics = tmp.resolve("tuned-precision-" + calibration + ".json");
    Run r = run("train", "--input", bank.toString(), "--label", "y", "--drop", "duration",
        "--test-fraction", "0.25", "--validation-fraction", "0.25", "--seed", "11",
        "--tune-threshold", "precision >= 0.60", "--max-iter", "25", "--calibration", calibration,
        "--model",
        model.toString(), "--metrics", metrics.toString()).ok();
    JsonNode j = json(metrics);
    JsonNode tuning = j.get("threshold_tuning");
    assertEquals("precision>=0.6", tuning.get("metric").asText());
    double tuned = tuning.get("threshold").asDouble();
    PipelineModel pm = PipelineModel.load(model.toString());
    assertEquals(tuned, classifier(pm).getThreshold(), 0.0);
    // The calibrator was fitted on the validation rows and saved; tuning saw its probabilities.
    assertEquals(calibration, classifier(pm).calibrator().kind());
    Dataset<Row> input = InputData.read(spark, bank.toString(), null, -1).data();
    Holdout.Split split = Holdout.split(input, 0.25, 0.25, 11L);
    List<double[]> scored = scores(pm, split.train().filter(col(split.validationCol())));

    // Brute force: the highest recall of a cut p >= s with precision >= 0.6.
    long pos = scored.stream().filter(s -> s[1] == 1.0).count();
    double best = -1;
    for (double cut : scored.stream().mapToDouble(s -> s[0]).distinct().toArray()) {
      long tp = scored.stream().filter(s -> s[0] >= cut && s[1] == 1.0).count();
      long fp = scored.stream().filter(s -> s[0] >= cut && s[1] == 0.0).count();
      if ((double) tp / (tp + fp) >= 0.6) {
        best = Math.max(best, (double) tp / pos);
      }
    }
    assertTrue(best > 0, "feasible");
    assertEquals(best, tuning.get("value").asDouble(), 1e-12);
    assertEquals(best, tuning.get("recall").asDouble(), 1e-12);
    JsonNode validation = j.get("validation");
    assertEquals(best, validation.get("recall").asDouble(), 1e-12);
    assertTrue(validation.get("precision").asDouble() >= 0.6, validation.toString());
    assertTrue(r.out().contains("tuned for recall at precision>=0.6 on "), r.out());
    // Every dataset reports its reliability.
    for (String set : List.of("train", "validation", "test")) {
      assertTrue(j.get(set).get("ece").asDouble() > 0, set);
      assertTrue(j.get(set).get("brier").asDouble() > 0, set);
    }
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ECE (10 equal-mass bins)")), r.out());
  }

  @Test
  void unreachablePrecisionIsRefusedWithTheBestAchievable() throws Exception {
    // Training rows: y = 1 when x + noise > 0. The validation rows' highest x is a negative, so
    // every cut p >= s holds it: precision 1 is out of reach.
    StringBuilder sb = new StringBuilder("y,x,v\n");
    java.util.Random rnd = new java.util.Random(3);
    for (int i = 0; i < 300; i++) {
      double x = rnd.nextGaussian();
      boolean val = i % 3 == 0;
      sb.append(x + rnd.nextGaussian() > 0 ? 1 : 0).append(',').append(val ? Math.min(x, 2) : x)
          .append(',').append(val).append('\n');
    }
    sb.append("0,5,true\n");
    Path data = Files.writeString(tmp.resolve("unreachable.csv"), sb.toString());
    Path never = tmp.resolve("never-precision");
    assertBadInput(run("train", "--input", data.toString(), "--label", "y", "--test-fraction", "0",
        "--validation-indicator-col", "v", "--tune-threshold", "precision>=1", "--model",
        never.toString()), "--tune-threshold precision>=1 on the 101 validation rows: "
        + "precision>=1 cannot be met: the highest precision at any threshold is");
    assertFalse(Files.exists(never));
  }

  @Test
  void malformedTargetsExitTwoWithOneErrorLine() {
    String m = tmp.resolve("never").toString();
    String[] base = {"train", "--input", BREAST_CANCER, "--label", "label", "--model", m};
    for (String[] c : new String[][] {
        {"precision>=1.5", "'precision>=1.5': the bound of precision>= must be in (0, 1]"},
        {"recall>=", "'recall>=': '' is not a number"},
        {"cost:1", "'cost:1': cost: needs two costs, FP,FN"},
        {"cost:-1,5", "'cost:-1,5': the costs must be finite, >= 0 and not both 0"},
        {"cost:a,5", "'cost:a,5': 'a' is not a number"},
        {"precision<=0.9", "'precision<=0.9': unknown target"}}) {
      assertBadInput(run(concat(base, "--tune-threshold", c[0])),
          "--tune-threshold must be one of f1, f0.5, f2, youden, precision>=P, recall>=R or "
          + "cost:FP,FN, but was " + c[1]);
    }
    assertBadInput(run(concat(base, "--calibration", "isotonic")),
        "--calibration isotonic is fitted on validation rows: add --validation-fraction F");
    assertBadInput(run(concat(base, "--calibration", "sigmoid")),
        "calibration must be one of [none, prior, platt, isotonic], but was 'sigmoid'");
  }

  @Test
  void withoutValidationRowsTheThresholdIsTunedOnTrainingRowsWithANote() throws Exception {
    Path model = tmp.resolve("bc");
    Path metrics = tmp.resolve("bc.json");
    // Label smoothing changes the loss, not the 0/1 labels: tuning works.
    Run r = run("train", "--input", BREAST_CANCER, "--label", "label", "--reg-param", "0.001",
        "--max-iter", "40", "--label-smoothing", "0.1", "--tune-threshold", "F2",
        "--test-fraction", "0",
        "--model", model.toString(), "--metrics", metrics.toString()).ok();
    List<String> notes = r.out().lines().filter(l -> l.startsWith("note: the threshold was tuned "
        + "on the training rows")).toList();
    assertEquals(1, notes.size(), r.out());
    assertTrue(notes.get(0).contains("--validation-fraction"), notes.get(0));
    JsonNode j = json(metrics);
    JsonNode tuning = j.get("threshold_tuning");
    assertEquals("f2", tuning.get("metric").asText());
    assertEquals("training", tuning.get("source").asText());
    assertEquals(569, tuning.get("rows").asLong());
    assertFalse(j.has("validation"));
    double t = tuning.get("threshold").asDouble();
    assertEquals(t, j.get("params").get("threshold").asDouble(), 0.0);
    assertEquals(t, j.get("train").get("threshold").asDouble(), 0.0);
    assertTrue(tuning.get("value").asDouble() >= tuning.get("value_at_default").asDouble());

    // predict applies the tuned threshold.
    Path pred = tmp.resolve("bc-pred.csv");
    run("predict", "--model", model.toString(), "--input", BREAST_CANCER, "--output",
        pred.toString()).ok();
    List<String> lines = Files.readAllLines(pred);
    assertEquals(570, lines.size());
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      assertEquals(Double.parseDouble(f[1]) > t ? 1.0 : 0.0, Double.parseDouble(f[0]), line);
    }
  }

  // ------------------------------------------------------------ early stopping

  @Test
  void earlyStoppingWithAValidationFractionStopsAtTheBestValidationLoss() throws Exception {
    Path model = tmp.resolve("early");
    Path metrics = tmp.resolve("early.json");
    // tol 0: only early stopping (or max-iter) can end this fit.
    Run r = run("train", "--input", bank.toString(), "--label", "y", "--drop", "duration",
        "--validation-fraction", "0.3", "--seed", "5", "--early-stopping-rounds", "3",
        "--tol", "0", "--max-iter", "300", "--model", model.toString(),
        "--metrics", metrics.toString()).ok();
    JsonNode j = json(metrics);
    JsonNode training = j.get("training");
    JsonNode v = training.get("validation");
    int iterations = training.get("iterations").asInt();
    assertTrue(iterations < 300, r.err());
    assertTrue(v.get("stopped_early").asBoolean(), training.toString());
    assertFalse(training.get("converged").asBoolean());
    assertEquals(3, v.get("early_stopping_rounds").asInt());

    // The lowest validation loss of the recorded history (index = iteration number).
    JsonNode history = training.get("validation_loss_history");
    assertEquals(iterations + 1, history.size());
    int argmin = -1;
    for (int i = 0; i < history.size(); i++) {
      if (!history.get(i).isNull()
          && (argmin < 0 || history.get(i).asDouble() < history.get(argmin).asDouble())) {
        argmin = i;
      }
    }
    assertEquals(argmin, v.get("best_iteration").asInt());
    assertEquals(argmin, v.get("model_iteration").asInt());
    assertEquals(iterations - 3, argmin, "three iterations without improvement after the best");
    assertEquals(history.get(argmin).asDouble(), v.get("best_loss").asDouble(), 0.0);
    // The saved model is the best iterate: its mean loss on the validation rows is that loss.
    assertEquals(v.get("best_loss").asDouble(),
        j.get("validation").get("mean_training_loss").asDouble(), 1e-9);
    assertTrue(r.out().contains("lowest validation loss") && r.out().contains("at iteration "
        + argmin + "; stopped early at iteration " + iterations), r.out());
    assertTrue(r.err().contains("validation 0."), "progress lines show the validation loss");

    // Validation rows: the recomputed split's, left out of the training rows.
    Dataset<Row> input = InputData.read(spark, bank.toString(), null, -1).data();
    Holdout.Split split = Holdout.split(input, null, 0.3, 5L);
    long marked = split.train().filter(col(split.validationCol())).count();
    assertEquals(marked, v.get("rows").asLong());
    assertEquals(bankRows - marked, training.get("rows").asLong());
    assertEquals(0.3, (double) marked / bankRows, 0.02);

    // The model does not need the indicator column at predict time.
    Path pred = tmp.resolve("early-pred.parquet");
    run("predict", "--model", model.toString(), "--input", bank.toString(), "--output",
        pred.toString()).ok();
    Dataset<Row> p = spark.read().parquet(pred.toString());
    assertEquals(bankRows, p.count());
    assertFalse(List.of(p.columns()).contains(split.validationCol()));
  }

  @Test
  void validationMarkingIgnoresPartitioningAndFollowsTheSeed() {
    Dataset<Row> input = InputData.read(spark, BREAST_CANCER, null, -1).data();
    Set<String> a = validationKeys(Holdout.split(input, null, 0.3, 7L));
    Set<String> b = validationKeys(Holdout.split(input.repartition(3), null, 0.3, 7L));
    Set<String> c = validationKeys(Holdout.split(input, null, 0.3, 8L));
    assertEquals(a, b);
    assertFalse(a.equals(c));
    // 569 rows: 0.3 +- 4 standard deviations
    assertEquals(0.3, a.size() / 569.0, 4 * Math.sqrt(0.3 * 0.7 / 569));
  }

  private static Set<String> validationKeys(Holdout.Split s) {
    return s.train().filter(col(s.validationCol())).collectAsList().stream()
        .map(r -> r.mkString(",")).collect(Collectors.toSet());
  }

  // ------------------------------------------------------------ bad input

  @Test
  void badCombinationsExitTwoWithOneErrorLine() throws Exception {
    String m = tmp.resolve("never").toString();
    String[] base = {"train", "--input", BREAST_CANCER, "--label", "label", "--model", m,
        "--max-iter", "5"};
    assertBadInput(run(concat(base, "--validation-fraction", "0.2", "--validation-indicator-col",
        "v")), "--validation-fraction and --validation-indicator-col");
    assertBadInput(run(concat(base, "--validation-fraction", "1")),
        "--validation-fraction must be between 0 and 1");
    assertBadInput(run(concat(base, "--validation-fraction", "0")),
        "--validation-fraction must be between 0 and 1");
    assertBadInput(run(concat(base, "--early-stopping-rounds", "5")),
        "--early-stopping-rounds needs validation rows: add --validation-fraction");
    assertBadInput(run(concat(base, "--tune-threshold", "accuracy")),
        "--tune-threshold must be one of f1, f0.5, f2, youden");
    assertBadInput(run(concat(base, "--tune-threshold", "f1", "--threshold", "0.3")),
        "--threshold and --tune-threshold");
    assertBadInput(run(concat(base, "--seed", "3", "--test-fraction", "0")),
        "--seed only applies with --test-fraction "
        + "or --validation-fraction");
    assertBadInput(run(concat(base, "--validation-indicator-col", "nope")),
        "validation indicator column 'nope' does not exist");
    assertBadInput(run(concat(base, "--validation-indicator-col", "mean_radius")),
        "validation indicator column 'mean_radius' must be boolean");
    assertBadInput(run(concat(base, "--validation-indicator-col", "label")),
        "cannot also be the label column");

    // A user indicator column: validation rows of one class cannot tune a threshold; no
    // validation row at all is an error too. Column names with dots are taken literally.
    StringBuilder sb = new StringBuilder("y,x,v.flag,never,sample.weight\n");
    java.util.Random rnd = new java.util.Random(1);
    for (int i = 0; i < 200; i++) {
      double x = rnd.nextGaussian();
      int y = x + rnd.nextGaussian() > 0 ? 1 : 0;
      sb.append(y).append(',').append(x).append(',').append(y == 0 && i % 4 == 0)
          .append(",false,").append(1 + i % 3).append('\n');
    }
    Path data = Files.writeString(tmp.resolve("indicator.csv"), sb.toString());
    String[] own = {"train", "--input", data.toString(), "--label", "y", "--max-iter", "5",
        "--weight", "sample.weight", "--test-fraction", "0"};
    assertBadInput(run(concat(own, "--model", m, "--validation-indicator-col", "v.flag",
        "--tune-threshold", "f1")),
        "--tune-threshold f1 cannot tune on the validation rows: label column 'y' has a single "
        + "class");
    assertBadInput(run(concat(own, "--model", m, "--validation-indicator-col", "never")),
        "validation indicator column 'never' is true in no row");
    // ... while the same column trains, and is not a feature.
    Path metrics = tmp.resolve("indicator.json");
    run(concat(own, "--validation-indicator-col", "v.flag", "--metrics", metrics.toString(),
        "--model", tmp.resolve("indicator-model").toString())).ok();
    JsonNode j = json(metrics);
    assertEquals("[\"x\",\"never\"]", j.get("features").get("numeric").toString());
    assertEquals("v.flag", j.get("training").get("validation").get("indicator_col").asText());
    assertTrue(j.get("training").get("validation").get("rows").asLong() > 0);
    assertFalse(Files.exists(tmp.resolve("never")));
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void helpListsTheNewOptions() {
    Run r = run("help", "train").ok();
    for (String flag : List.of("--validation-fraction", "--validation-indicator-col",
        "--tune-threshold", "--early-stopping-rounds")) {
      assertTrue(r.out().contains(flag), flag);
    }
  }
}
