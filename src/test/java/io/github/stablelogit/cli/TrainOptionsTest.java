package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The train options and their cross-checks: plain JUnit, no SparkSession. */
class TrainOptionsTest {

  private static final String[] BASE = {"--input", "x.csv", "--label", "y", "--model", "m"};

  private static TrainOptions parse(String... extra) {
    String[] args = Arrays.copyOf(BASE, BASE.length + extra.length);
    System.arraycopy(extra, 0, args, BASE.length, extra.length);
    return TrainOptions.parse(CliArgs.parse("train", args, TrainOptions.OPTIONS,
        TrainOptions.SWITCHES));
  }

  private static void assertRejected(String messagePart, String... extra) {
    UsageException e = assertThrows(UsageException.class, () -> parse(extra));
    assertTrue(e.getMessage().contains(messagePart), e.getMessage());
  }

  @Test
  void defaultsHoldOutASeededFifth() {
    TrainOptions o = parse();
    assertEquals("x.csv", o.input);
    assertEquals("y", o.label);
    assertEquals("m", o.model);
    assertNull(o.format);
    assertNull(o.weight);
    assertEquals(List.of(), o.features);
    assertFalse(o.overwrite);
    assertEquals(0, o.partitions);
    assertEquals(0.2, o.testFraction);
    assertTrue(o.defaultTestFraction);
    assertEquals(42L, o.seed);
    assertTrue(o.splitting());
    assertFalse(o.validating());
    assertNull(o.tuneMetric);
    assertNull(o.metrics);
    assertTrue(Usage.TRAIN.contains("default 0.2 unless --validation-fraction is given; 0 "
        + "trains on"), Usage.TRAIN);
  }

  @Test
  void testFractionZeroTrainsOnAllRows() {
    TrainOptions o = parse("--test-fraction", "0");
    assertNull(o.testFraction);
    assertFalse(o.defaultTestFraction);
    assertFalse(o.splitting());
    TrainOptions given = parse("--test-fraction", "0.3", "--seed", "7");
    assertEquals(0.3, given.testFraction);
    assertFalse(given.defaultTestFraction);
    assertEquals(7L, given.seed);
  }

  @Test
  void aValidationFractionAloneMeansNoTestRows() {
    TrainOptions o = parse("--validation-fraction", "0.25", "--early-stopping-rounds", "3",
        "--tune-threshold", "F1");
    assertNull(o.testFraction);
    assertFalse(o.defaultTestFraction);
    assertEquals(0.25, o.validationFraction);
    assertTrue(o.validating());
    assertEquals("f1", o.tuneMetric);
    assertEquals(3, o.classifier.getEarlyStoppingRounds());
  }

  @Test
  void anIndicatorColumnKeepsTheDefaultTestRows() {
    TrainOptions o = parse("--validation-indicator-col", "v");
    assertEquals("v", o.validationCol);
    assertTrue(o.validating());
    assertEquals(0.2, o.testFraction);
  }

  @Test
  void columnsListsAndEstimatorFlags() {
    TrainOptions o = parse("--features", "a, b", "--drop", "c", "--weight", "w",
        "--partitions", "3", "--overwrite", "--pos-weight", "2.5", "--loss", "focal",
        "--format", "CSV", "--metrics", "out.json");
    assertEquals(List.of("a", "b"), o.features);
    assertEquals(List.of("c"), o.drop);
    assertEquals("w", o.weight);
    assertEquals(3, o.partitions);
    assertTrue(o.overwrite);
    assertEquals("csv", o.format);
    assertEquals("out.json", o.metrics);
    assertEquals(2.5, o.classifier.getPosWeight());
    assertEquals("focal", o.classifier.getLoss());
  }

  @Test
  void libsvmInputDefaultsTheLabel() {
    CliArgs a = CliArgs.parse("train", new String[] {"--input", "a9a.libsvm", "--model", "m"},
        TrainOptions.OPTIONS, TrainOptions.SWITCHES);
    assertEquals("label", TrainOptions.parse(a).label);
    CliArgs csv = CliArgs.parse("train", new String[] {"--input", "a.csv", "--model", "m"},
        TrainOptions.OPTIONS, TrainOptions.SWITCHES);
    UsageException e = assertThrows(UsageException.class, () -> TrainOptions.parse(csv));
    assertTrue(e.getMessage().contains("needs --label"), e.getMessage());
  }

  @Test
  void rejectsInvalidValuesAndContradictions() {
    assertRejected("--test-fraction must be at least 0", "--test-fraction", "1");
    assertRejected("--test-fraction must be at least 0", "--test-fraction", "-0.1");
    assertRejected("--validation-fraction must be between 0 and 1", "--validation-fraction",
        "0");
    assertRejected("--seed only applies with --test-fraction", "--test-fraction", "0",
        "--seed", "3");
    assertRejected("--validation-fraction and --validation-indicator-col",
        "--validation-fraction", "0.2", "--validation-indicator-col", "v");
    assertRejected("cannot also be the label column", "--validation-indicator-col", "y");
    assertRejected("cannot also be the weight column", "--validation-indicator-col", "w",
        "--weight", "w");
    assertRejected("--early-stopping-rounds needs validation rows", "--early-stopping-rounds",
        "5");
    assertRejected("--threshold and --tune-threshold", "--tune-threshold", "f1",
        "--threshold", "0.3");
    assertRejected("--tune-threshold must be one of", "--tune-threshold", "accuracy");
    assertRejected("cannot be a feature", "--features", "a,prediction");
    assertRejected("--partitions must be >= 1", "--partitions", "0");
    assertRejected("--format must be one of", "--format", "json");
    assertRejected("--pos-weight: posWeight must be", "--pos-weight", "-1");
    UsageException e = assertThrows(UsageException.class, () -> TrainOptions.parse(
        CliArgs.parse("train", new String[] {"--input", "x.csv", "--label", "probability",
            "--model", "m"}, TrainOptions.OPTIONS, TrainOptions.SWITCHES)));
    assertTrue(e.getMessage().contains("has a name the model writes"), e.getMessage());
  }
}
