package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.SparkTestSupport;
import io.github.stablelogit.ml.feature.BinaryLabelMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job pipeline saved before {@code BinaryLabelMapper} moved to {@code ml.feature} (its metadata
 * names {@code io.github.stablelogit.cli.BinaryLabelMapper}) loads with the current code, as the
 * new class, and predicts what it predicted when it was saved ({@link JobPipelineFixtures}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobPipelineFixtureTest {

  private SparkSession spark;

  @TempDir
  Path tmp;

  @BeforeAll
  void startSpark() {
    spark = SparkTestSupport.newSession("JobPipelineFixtureTest");
  }

  @AfterAll
  void stopSpark() {
    spark.stop();
  }

  private List<String> expectedLines() throws Exception {
    return Files.readAllLines(JobPipelineFixtures.expected());
  }

  @Test
  void theStoredClassNameIsTheOldOne() throws Exception {
    Path stages = JobPipelineFixtures.modelDir().resolve("stages");
    try (var s = Files.walk(stages)) {
      assertTrue(s.filter(p -> p.toString().contains("binaryLabelMapper")
          && p.getFileName().toString().startsWith("part-")).anyMatch(p -> read(p).contains(
              "\"class\":\"io.github.stablelogit.cli.BinaryLabelMapper\"")));
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void pipelineModelLoadGivesTheSamePredictions() throws Exception {
    PipelineModel pm = PipelineModel.load(JobPipelineFixtures.modelDir().toString());
    Transformer[] stages = pm.stages();
    assertTrue(stages[0] instanceof BinaryLabelMapper, stages[0].getClass().getName());
    BinaryLabelMapper mapper = (BinaryLabelMapper) stages[0];
    assertEquals("outcome", mapper.getInputCol());
    assertEquals("yes", mapper.getPositive());
    assertEquals("no", mapper.getNegative());
    assertTrue(stages[stages.length - 1] instanceof LogitClassificationModel);

    List<Row> rows = pm.transform(spark.read().option("header", "true")
        .option("inferSchema", "true").csv(JobPipelineFixtures.input().toString())
        .coalesce(1)).select("prediction", "probability").collectAsList();
    List<String> expected = expectedLines();
    assertEquals(expected.size() - 1, rows.size());
    for (int i = 0; i < rows.size(); i++) {
      String[] f = expected.get(i + 1).split(",");
      assertEquals(Double.parseDouble(f[0]), rows.get(i).getDouble(0), "row " + i);
      assertEquals(Double.parseDouble(f[1]), ((Vector) rows.get(i).get(1)).apply(1), 1e-15,
          "row " + i);
    }

    // Saved again, the stage is stored under its new name and loads as such.
    Path resaved = tmp.resolve("resaved");
    pm.write().save(resaved.toString());
    PipelineModel again = PipelineModel.load(resaved.toString());
    assertEquals(BinaryLabelMapper.class, again.stages()[0].getClass());
    assertEquals("outcome", ((BinaryLabelMapper) again.stages()[0]).getInputCol());
  }

  @Test
  @SuppressWarnings("deprecation")
  void theDeprecatedAliasReadsTheOldStageAsTheNewClass() throws Exception {
    Path stage;
    try (var s = Files.list(JobPipelineFixtures.modelDir().resolve("stages"))) {
      stage = s.filter(p -> p.getFileName().toString().startsWith("0_binaryLabelMapper"))
          .findFirst().orElseThrow();
    }
    BinaryLabelMapper m = io.github.stablelogit.cli.BinaryLabelMapper.load(stage.toString());
    assertEquals(BinaryLabelMapper.class, m.getClass());
    assertEquals("binaryLabelMapper_e8138f147894", m.uid());
    assertEquals(Columns.LABEL, m.getOutputCol());
    assertEquals(false, m.getNumeric());
  }

  @Test
  void logitJobPredictWritesTheSameFile() throws Exception {
    Path out = tmp.resolve("predictions.csv");
    LogitJobTest.run("predict", "--model", JobPipelineFixtures.modelDir().toString(), "--input",
        JobPipelineFixtures.input().toString(), "--partitions", "1", "--output", out.toString())
        .ok();
    assertEquals(expectedLines(), Files.readAllLines(out));

    // evaluate reads the old pipeline's label mapping, too.
    LogitJobTest.Run e = LogitJobTest.run("evaluate", "--model",
        JobPipelineFixtures.modelDir().toString(), "--input",
        JobPipelineFixtures.input().toString()).ok();
    assertTrue(e.out().contains("positive class (1) = 'yes'"), e.out());
  }
}
