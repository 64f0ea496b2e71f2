package io.github.stablelogit.cli;

import static io.github.stablelogit.cli.LogitJobTest.assertBadInput;
import static io.github.stablelogit.cli.LogitJobTest.assertSameMetrics;
import static io.github.stablelogit.cli.LogitJobTest.json;
import static io.github.stablelogit.cli.LogitJobTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.stablelogit.ml.LogitMLPClassificationModel;
import io.github.stablelogit.ml.SparkTestSupport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The job with {@code --model-type mlp}, end to end on the bundled breast cancer data. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogitJobMlpTest {

  private static final String BREAST_CANCER = LogitJobTest.sample("breast_cancer.csv");

  private SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  void startSpark() {
    spark = SparkTestSupport.newSession("LogitJobMlpTest");
  }

  @AfterAll
  void stopSpark() {
    spark.stop();
  }

  private static LogitMLPClassificationModel network(Path model) {
    Transformer[] stages = PipelineModel.load(model.toString()).stages();
    assertTrue(stages[stages.length - 1] instanceof LogitMLPClassificationModel);
    return (LogitMLPClassificationModel) stages[stages.length - 1];
  }

  @Test
  void trainPredictEvaluateANetworkWithAdamOnMiniBatches() throws Exception {
    Path model = tmp.resolve("net");
    Path trainJson = tmp.resolve("train.json");
    LogitJobTest.Run t = run("train", "--input", BREAST_CANCER, "--label", "label",
        "--model-type", "mlp", "--layers", "8,4", "--activation", "relu", "--solver", "adam",
        "--step-size", "0.02", "--warmup-iters", "5", "--max-grad-norm", "5",
        "--mini-batch-fraction", "0.5", "--init-seed", "3", "--max-iter", "60",
        "--reg-param", "0.001", "--test-fraction", "0", "--model", model.toString(),
        "--metrics", trainJson.toString()).ok();
    assertTrue(t.err().contains("iteration   1  objective"), t.err());
    assertTrue(t.out().contains("training: LogitMLPClassifier, bce("), t.out());
    assertTrue(t.out().contains("solver adam, 60 iterations"), t.out());
    // 30·8 + 8, 8·4 + 4, 4 + 1 parameters; no coefficient table.
    assertTrue(t.out().contains("network: 30 -> 8 (relu) -> 4 (relu) -> 1 (logit); 289 "
        + "parameters"), t.out());
    assertTrue(t.out().lines().anyMatch(l -> l.startsWith("objective: ")), t.out());
    assertFalse(t.out().lines().anyMatch(l -> l.startsWith("term")), t.out());
    assertTrue(t.out().contains("AUC-ROC"), t.out());

    JsonNode tj = json(trainJson);
    List<String> keys = new ArrayList<>();
    tj.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("command", "input", "format", "model", "label", "features", "params",
        "training", "train", "network"), keys, "stable key order");
    JsonNode params = tj.get("params");
    assertEquals("[8,4]", params.get("layers").toString());
    assertEquals("relu", params.get("activation").asText());
    assertEquals("adam", params.get("solver").asText());
    assertEquals(0.5, params.get("miniBatchFraction").asDouble());
    assertEquals(3L, params.get("seed").asLong());
    assertFalse(params.has("elasticNetParam"), params.toString());
    JsonNode training = tj.get("training");
    assertEquals("mlp", training.get("model_type").asText());
    assertEquals(61, training.get("objective_history").size());
    JsonNode net = tj.get("network");
    assertEquals("[30,8,4,1]", net.get("layer_sizes").toString());
    assertEquals(289, net.get("parameters").asInt());
    assertEquals(3, net.get("layers").size());
    assertEquals("logit", net.get("layers").get(2).get("activation").asText());
    JsonNode h = net.get("history_summary");
    assertEquals(training.get("objective_history").get(60).asDouble(),
        h.get("final_objective").asDouble());
    assertTrue(h.get("final_objective").asDouble() < h.get("initial_objective").asDouble(),
        h.toString());
    JsonNode m = tj.get("train");
    assertTrue(m.get("auc_roc").asDouble() > 0.97, m.toString());

    LogitMLPClassificationModel saved = network(model);
    assertArrayEquals(new int[] {30, 8, 4, 1}, saved.layerSizes());
    assertEquals(0.5, saved.getMiniBatchFraction());

    // evaluate on the training rows reproduces the training metrics
    Path evalJson = tmp.resolve("eval.json");
    LogitJobTest.Run e = run("evaluate", "--model", model.toString(), "--input", BREAST_CANCER,
        "--metrics", evalJson.toString()).ok();
    assertTrue(e.out().contains("AUC-ROC"), e.out());
    assertSameMetrics(m, json(evalJson).get("metrics"));
    assertEquals("[8,4]", json(evalJson).get("params").get("layers").toString());

    // predict: the saved network's probabilities
    Path parquet = tmp.resolve("pred.parquet");
    run("predict", "--model", model.toString(), "--input", BREAST_CANCER, "--output",
        parquet.toString()).ok();
    Dataset<Row> p = spark.read().parquet(parquet.toString());
    assertEquals(569, p.count());
    assertEquals(m.get("accuracy").asDouble(), p.filter("prediction = label").count() / 569.0,
        1e-12);
    List<Row> expected = PipelineModel.load(model.toString()).transform(spark.read()
        .option("header", "true").option("inferSchema", "true").csv(BREAST_CANCER))
        .select("probability").collectAsList();
    List<Row> written = p.select("probability").collectAsList();
    for (int i = 0; i < 569; i++) {
      assertEquals(((Vector) expected.get(i).get(0)).apply(1), written.get(i).getDouble(0), 0.0,
          "row " + i);
    }
  }

  @Test
  void validationEarlyStoppingCalibrationAndThresholdTuningWorkForTheNetwork() throws Exception {
    Path model = tmp.resolve("tuned");
    Path trainJson = tmp.resolve("tuned.json");
    LogitJobTest.Run t = run("train", "--input", BREAST_CANCER, "--label", "label",
        "--model-type", "mlp", "--layers", "6", "--reg-param", "0.001", "--max-iter", "200",
        "--test-fraction", "0.2", "--validation-fraction", "0.25", "--early-stopping-rounds", "5",
        "--calibration", "platt", "--tune-threshold", "f1", "--model", model.toString(),
        "--metrics", trainJson.toString()).ok();
    assertTrue(t.out().lines().anyMatch(l -> l.startsWith("validation: ")), t.out());
    assertTrue(t.out().lines().anyMatch(l -> l.startsWith("threshold: ")), t.out());
    assertTrue(t.out().contains("test @0.5"), t.out());
    JsonNode tj = json(trainJson);
    JsonNode v = tj.get("training").get("validation");
    assertTrue(v.get("rows").asLong() > 50, v.toString());
    assertEquals(tj.get("training").get("objective_history").size(),
        tj.get("training").get("validation_loss_history").size());
    double tuned = tj.get("threshold_tuning").get("threshold").asDouble();
    assertEquals(tuned, tj.get("test").get("threshold").asDouble());
    assertTrue(tj.get("test").get("auc_roc").asDouble() > 0.95, tj.get("test").toString());
    LogitMLPClassificationModel saved = network(model);
    assertEquals("platt", saved.calibrator().kind());
    assertEquals(tuned, saved.getThreshold());
    // The job's own indicator column is not an input of the saved model.
    String indicator = saved.getValidationIndicatorCol();
    assertTrue(indicator == null || indicator.isEmpty(), indicator);
    Path evalJson = tmp.resolve("tuned-eval.json");
    run("evaluate", "--model", model.toString(), "--input", BREAST_CANCER, "--metrics",
        evalJson.toString()).ok();
    assertEquals(tuned, json(evalJson).get("metrics").get("threshold").asDouble());
  }

  @Test
  void miniBatchesWithLbfgsAreRefusedWithOneLine() {
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "label", "--model-type",
        "mlp", "--mini-batch-fraction", "0.5", "--model", tmp.resolve("x").toString()),
        "needs solver adam");
    assertBadInput(run("train", "--input", BREAST_CANCER, "--label", "label", "--model-type",
        "mlp", "--cv-folds", "3", "--model", tmp.resolve("x").toString()),
        "--cv-folds only applies to --model-type linear");
  }
}
