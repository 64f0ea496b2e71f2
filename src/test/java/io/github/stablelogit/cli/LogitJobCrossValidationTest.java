package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.stablelogit.ml.SparkTestSupport;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --cv-folds}: the path table on stdout and in the metrics JSON; bad flags. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LogitJobCrossValidationTest {

  private SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  void startSpark() {
    spark = SparkTestSupport.newSession("LogitJobCrossValidationTest");
  }

  @AfterAll
  void stopSpark() {
    spark.stop();
  }

  @Test
  void crossValidatesPrintsThePathAndWritesItToTheJson() throws Exception {
    Path json = tmp.resolve("cv.json");
    LogitJobTest.Run r = LogitJobTest.run("train", "--input",
        SparkTestSupport.sampleData().resolve("breast_cancer.csv").toString(), "--label",
        "label", "--model", tmp.resolve("m").toString(), "--metrics", json.toString(),
        "--test-fraction", "0", "--cv-folds", "3", "--reg-params", "0.1,0.01,0.001").ok();
    assertTrue(r.out().contains("cross-validation (3 folds), selected regParam"), r.out());
    assertTrue(r.out().contains("loss (mean ± sd)"), r.out());
    JsonNode cv = new ObjectMapper().readTree(json.toFile()).get("cross_validation");
    assertEquals(3, cv.get("path").size());
    assertEquals(0.1, cv.get("path").get(0).get("reg_param").asDouble());
    assertEquals(3, cv.get("folds").asInt());
    assertTrue(r.out().contains("model saved to"), r.out());
  }

  @Test
  void posWeightsAreCrossValidatedAsAGridDimension() throws Exception {
    Path json = tmp.resolve("cv-pw.json");
    LogitJobTest.Run r = LogitJobTest.run("train", "--input",
        SparkTestSupport.sampleData().resolve("breast_cancer.csv").toString(), "--label",
        "label", "--model", tmp.resolve("pw").toString(), "--metrics", json.toString(),
        "--test-fraction", "0", "--cv-folds", "3", "--reg-params", "0.1,0.01",
        "--pos-weights", "1,3").ok();
    assertTrue(r.out().contains("posWeight"), r.out());
    JsonNode path = new ObjectMapper().readTree(json.toFile()).get("cross_validation")
        .get("path");
    assertEquals(4, path.size());
    assertEquals(1.0, path.get(0).get("pos_weight").asDouble());
    assertEquals(3.0, path.get(3).get("pos_weight").asDouble());
    LogitJobTest.Run bad = LogitJobTest.run("train", "--input",
        SparkTestSupport.sampleData().resolve("breast_cancer.csv").toString(), "--label",
        "label", "--model", tmp.resolve("pw2").toString(), "--cv-folds", "3", "--pos-weights",
        "1,0");
    assertEquals(2, bad.rc(), bad.err());
    assertTrue(bad.err().contains("--pos-weights"), bad.err());
  }

  @Test
  void crossValidationFlagsWithoutFoldsOrWithValidationRowsAreRefused() {
    LogitJobTest.Run r = LogitJobTest.run("train", "--input", "x.csv", "--label", "y",
        "--model", tmp.resolve("n").toString(), "--reg-params", "0.1");
    assertEquals(2, r.rc(), r.err());
    assertTrue(r.err().contains("--reg-params only applies with --cv-folds K"), r.err());
    LogitJobTest.Run v = LogitJobTest.run("train", "--input", "x.csv", "--label", "y",
        "--model", tmp.resolve("n").toString(), "--cv-folds", "3", "--validation-fraction",
        "0.2");
    assertEquals(2, v.rc(), v.err());
    assertTrue(v.err().contains("--cv-folds evaluates on held-out folds"), v.err());
  }
}
