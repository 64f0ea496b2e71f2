package io.github.stablelogit.cli;

import io.github.stablelogit.ml.SparkTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;

/**
 * Generates the saved job-pipeline fixture under src/test/resources/models/: a pipeline saved by
 * {@code LogitJob train} on {@code job-pipeline-v1-input.csv} (two numeric columns, one string
 * column and a yes/no label, so the label-mapper, indexer and encoder stages are all present),
 * and the predictions {@code LogitJob predict} wrote with it when it was saved. Later versions
 * must load that pipeline (whose metadata names the stage classes of the time) and reproduce them.
 *
 * <p>Run from the repository root only to add a new fixture version, never to refresh an existing
 * one (it refuses to): {@code mvn -q test-compile exec:exec -Dstablelogit.scope=test
 * -Dstablelogit.main=io.github.stablelogit.cli.JobPipelineFixtures -Dstablelogit.args=}.
 */
public final class JobPipelineFixtures {

  /** The fixture's version: the stage class names and layout of the job's first release. */
  static final int VERSION = 1;

  private JobPipelineFixtures() {}

  /** @return the directory of the saved pipeline */
  static Path modelDir() {
    return Paths.get("src/test/resources/models/job-pipeline-v" + VERSION);
  }

  /** @return the CSV the pipeline was trained on and predicts */
  static Path input() {
    return Paths.get("src/test/resources/models/job-pipeline-v" + VERSION + "-input.csv");
  }

  /** @return the predictions CSV written by {@code LogitJob predict} at generation time */
  static Path expected() {
    return Paths.get("src/test/resources/models/job-pipeline-v" + VERSION + "-expected.csv");
  }

  /**
   * Trains and saves the fixture, then writes its predictions.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    if (Files.exists(modelDir()) || Files.exists(expected())) {
      throw new IllegalStateException(modelDir() + " or " + expected() + " exists: fixtures of a "
          + "released format are never regenerated");
    }
    SparkSession spark = SparkTestSupport.newSession("job-pipeline-fixtures");
    try {
      // Trained on all rows: v1 was generated before the job held out 20 % by default, so
      // without this option (then rejected as out of range).
      run("train", "--input", input().toString(), "--label", "outcome", "--reg-param", "0.01",
          "--pos-weight", "1.5", "--tol", "1e-10", "--partitions", "1", "--test-fraction", "0",
          "--model", modelDir().toString());
      run("predict", "--model", modelDir().toString(), "--input", input().toString(),
          "--partitions", "1", "--output", expected().toString());
    } finally {
      spark.stop();
    }
  }

  private static void run(String... args) {
    int rc = LogitJob.run(args, System.out, System.err);
    if (rc != 0) {
      throw new IllegalStateException("LogitJob " + args[0] + " exited with " + rc);
    }
  }
}
