package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.LogitClassifier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;

/** Argument parsing, format and separator detection, help: everything before Spark starts. */
class LogitJobArgsTest {

  private static CliArgs parse(String... args) {
    return CliArgs.parse("train", args, List.of("input", "pos-weight", "max-iter", "features",
        "fit-intercept", "loss", "focal-alpha"), List.of("overwrite"));
  }

  @Test
  void parsesValuesSwitchesAndEqualsForm() {
    CliArgs a = parse("--input", "x.csv", "--pos-weight=7.9", "--overwrite", "--features",
        "a, b,c");
    assertEquals("x.csv", a.get("input"));
    assertEquals(7.9, a.getDouble("pos-weight"));
    assertTrue(a.has("overwrite"));
    assertEquals(List.of("a", "b", "c"), a.getList("features"));
  }

  @Test
  void negativeNumbersAreValues() {
    assertEquals(-1.0, parse("--focal-alpha", "-1").getDouble("focal-alpha"));
  }

  @Test
  void rejectsUnknownRepeatedAndValuelessOptions() {
    UsageException e = assertThrows(UsageException.class, () -> parse("--pos-wieght", "2"));
    assertTrue(e.getMessage().contains("did you mean --pos-weight"), e.getMessage());
    assertThrows(UsageException.class, () -> parse("--input", "a", "--input", "b"));
    assertThrows(UsageException.class, () -> parse("--input"));
    assertThrows(UsageException.class, () -> parse("--input", "--overwrite"));
    assertThrows(UsageException.class, () -> parse("--overwrite=yes"));
    assertThrows(UsageException.class, () -> parse("stray"));
    assertThrows(UsageException.class, () -> parse("--features", "a,,b").getList("features"));
  }

  @Test
  void typedGettersNameTheOption() {
    UsageException e = assertThrows(UsageException.class,
        () -> parse("--max-iter", "1e3").getInt("max-iter"));
    assertTrue(e.getMessage().startsWith("--max-iter expects an integer"), e.getMessage());
    e = assertThrows(UsageException.class,
        () -> parse("--fit-intercept", "yes").getBoolean("fit-intercept"));
    assertTrue(e.getMessage().contains("true or false"), e.getMessage());
  }

  @Test
  void estimatorFlagsReachEveryParam() {
    CliArgs a = CliArgs.parse("train", new String[] {"--loss", "FOCAL", "--pos-weight", "3",
        "--focal-gamma", "1.5", "--focal-alpha", "-1", "--label-smoothing", "0.1",
        "--reg-param", "0.01", "--elastic-net-param", "0.5", "--max-iter", "7", "--tol", "1e-4",
        "--fit-intercept", "false", "--standardization", "false", "--threshold", "0.3",
        "--aggregation-depth", "3", "--max-block-size-in-mb", "2"},
        TrainOptions.ESTIMATOR_OPTIONS, List.of());
    LogitClassifier c = EstimatorFlags.apply(a);
    assertEquals("focal", c.getLoss());
    assertEquals(3.0, c.getPosWeight());
    assertEquals(1.5, c.getFocalGamma());
    assertEquals(-1.0, c.getFocalAlpha());
    assertEquals(0.1, c.getLabelSmoothing());
    assertEquals(0.01, c.getRegParam());
    assertEquals(0.5, c.getElasticNetParam());
    assertEquals(7, c.getMaxIter());
    assertEquals(1e-4, c.getTol());
    assertFalse(c.getFitIntercept());
    assertFalse(c.getStandardization());
    assertEquals(0.3, c.getThreshold());
    assertEquals(3, c.getAggregationDepth());
    assertEquals(2.0, c.getMaxBlockSizeInMB());
  }

  @Test
  void everyClassifierParamHasAFlag() {
    for (Param<?> p : new LogitClassifier().params()) {
      if (!EstimatorFlags.isColumnParam(p.name())) {
        assertTrue(TrainOptions.ESTIMATOR_OPTIONS.contains(EstimatorFlags.kebab(p.name())),
            p.name() + " has no flag");
      }
    }
    assertTrue(TrainOptions.ESTIMATOR_OPTIONS.containsAll(List.of("loss", "pos-weight",
        "focal-gamma", "focal-alpha", "label-smoothing", "reg-param", "elastic-net-param",
        "max-iter", "tol", "fit-intercept", "standardization", "threshold", "aggregation-depth",
        "max-block-size-in-mb")), TrainOptions.ESTIMATOR_OPTIONS.toString());
    assertEquals("max-block-size-in-mb", EstimatorFlags.kebab("maxBlockSizeInMB"));
    assertEquals("pos-weight", EstimatorFlags.kebab("posWeight"));
    assertEquals("tol", EstimatorFlags.kebab("tol"));
  }

  @Test
  void invalidEstimatorValuesCarryTheLibraryMessage() {
    CliArgs a = CliArgs.parse("train", new String[] {"--pos-weight", "-1"},
        TrainOptions.ESTIMATOR_OPTIONS, List.of());
    UsageException e = assertThrows(UsageException.class, () -> EstimatorFlags.apply(a));
    assertEquals("--pos-weight: posWeight must be a finite number > 0, but was -1.0",
        e.getMessage());
  }

  @Test
  void infersFormatsFromExtensions() {
    FileStatus[] none = new FileStatus[0];
    assertEquals("csv", InputData.inferFormat("data/x.csv", none));
    assertEquals("csv", InputData.inferFormat("data/x.CSV.gz", none));
    assertEquals("parquet", InputData.inferFormat("data/x.parquet/", none));
    assertEquals("libsvm", InputData.inferFormat("a9a.libsvm", none));
    assertEquals("libsvm", InputData.inferFormat("w8a.svm", none));
    assertEquals("libsvm", InputData.inferFormat("a9a.txt", none));
    assertThrows(UsageException.class, () -> InputData.inferFormat("x.json", none));
    assertNull(InputData.formatByName("x.json"));
  }

  @Test
  void detectsTheSeparatorOutsideQuotes() {
    assertEquals(";", InputData.separatorOf("\"age\";\"job\";\"y\""));
    assertEquals(",", InputData.separatorOf("label,mean_radius,mean_texture"));
    assertEquals(",", InputData.separatorOf("\"a;b\",\"c;d\",e"));
    assertEquals("\t", InputData.separatorOf("a\tb\tc"));
    assertEquals(",", InputData.separatorOf("single"));
  }

  @Test
  void quotesNamesWithDots() {
    assertEquals("age", Columns.quote("age"));
    assertEquals("`emp.var.rate`", Columns.quote("emp.var.rate"));
    assertEquals("emp.var.rate", SavedPipeline.unquote(Columns.quote("emp.var.rate")));
  }

  @Test
  void jobLoggingOnlyReplacesDefaults() {
    assertTrue(JobLogging.class.getResource(JobLogging.RESOURCE) != null);
    assertTrue(JobLogging.isDefault(new DefaultConfiguration()));
    String before = System.getProperty("log4j2.configurationFile");
    System.setProperty("log4j2.configurationFile", "/somewhere/log4j2.xml");
    try {
      assertFalse(JobLogging.configure(), "a -Dlog4j2.configurationFile is respected");
    } finally {
      if (before == null) {
        System.clearProperty("log4j2.configurationFile");
      } else {
        System.setProperty("log4j2.configurationFile", before);
      }
    }
    // The tests' own log4j2-test.properties is a user configuration, too.
    assertFalse(JobLogging.configure());
  }

  @Test
  void oneLineMessages() {
    assertEquals("a b", Errors.oneLine("  a\t b \n\tat x.y(Z.java:1)"));
    assertEquals("IllegalStateException: inner", Errors.describe(
        new RuntimeException("outer", new IllegalStateException("inner\nmore"))));
  }

  private static String[] runCapture(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc = LogitJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new String[] {Integer.toString(rc), out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8)};
  }

  @Test
  void helpPrintsUsage() {
    String[] r = runCapture("--help");
    assertEquals("0", r[0]);
    assertTrue(r[1].contains("usage: LogitJob <command>"), r[1]);
    r = runCapture("help", "train");
    assertEquals("0", r[0]);
    for (String flag : TrainOptions.ESTIMATOR_OPTIONS) {
      assertTrue(r[1].contains("--" + flag + " "), flag);
    }
    assertTrue(runCapture("predict", "--help")[1].contains("usage: LogitJob predict"));
    assertTrue(runCapture("help", "evaluate")[1].contains("usage: LogitJob evaluate"));
  }

  @Test
  void usageErrorsBeforeSparkStartsAreOneLine() {
    String[][] cases = {
        {"frobnicate"},
        {"help", "frobnicate"},
        {"train", "--input", "x.csv", "--label", "y"},
        {"train", "--input", "x.csv", "--label", "y", "--model", "m", "--bogus", "1"},
        {"train", "--input", "x.csv", "--label", "y", "--model", "m", "--pos-weight", "-1"},
        {"train", "--input", "x.csv", "--label", "y", "--model", "m", "--loss", "hinge"},
        {"train", "--input", "x.csv", "--label", "y", "--model", "m", "--format", "json"},
        {"train", "--input", "x.csv", "--label", "y", "--model", "m", "--test-fraction", "1"},
        {"train", "--input", "x.csv", "--label", "y", "--model", "m", "--max-iter", "ten"},
        {"predict", "--model", "m", "--input", "x.csv"},
        {"evaluate", "--model", "m", "--input", "x.csv", "--threshold", "2"},
    };
    for (String[] c : cases) {
      String[] r = runCapture(c);
      String what = String.join(" ", c) + " -> " + r[2];
      assertEquals("2", r[0], what);
      assertEquals(1, r[2].lines().count(), what);
      assertTrue(r[2].startsWith("error: "), what);
      assertFalse(r[2].contains("Exception"), what);
    }
    assertEquals("2", runCapture()[0]);
  }
}
