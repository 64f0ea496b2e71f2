package io.github.stablelogit.cli;

import io.github.stablelogit.ml.ClassifierParams;
import io.github.stablelogit.ml.ThresholdChoice;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code train}, parsed and cross-checked without Spark: every mistake that does
 * not need the data is a {@link UsageException} before a session starts. What needs the data
 * (columns exist, have the right types) is checked by {@link TrainCommand}.
 */
final class TrainOptions {

  /** One flag per parameter of either estimator (see {@link EstimatorFlags}). */
  static final List<String> ESTIMATOR_OPTIONS = EstimatorFlags.names();

  /** The options that take a value. */
  static final List<String> OPTIONS = concat(List.of("input", "format", "partitions", "master",
      "label", "features", "weight", "drop", "model", "metrics", "test-fraction",
      "validation-fraction", "validation-indicator-col", "seed", "tune-threshold", "model-type"),
      concat(ESTIMATOR_OPTIONS, CrossValidationOptions.OPTIONS));

  /** The switches. */
  static final List<String> SWITCHES = List.of("overwrite", "debug");

  /** The test fraction without --test-fraction and --validation-fraction. */
  static final double DEFAULT_TEST_FRACTION = 0.2;

  /** The seed of the splits without --seed. */
  static final long DEFAULT_SEED = 42L;

  final String input;
  /** --format, or null to infer it. */
  final String format;
  final String label;
  final String model;
  /** --weight, or null. */
  final String weight;
  final List<String> features;
  final List<String> drop;
  final boolean overwrite;
  /** --partitions, or 0. */
  final int partitions;
  /** The fraction of rows held out as test rows, or null for none. */
  final Double testFraction;
  /** Whether {@link #testFraction} is the default, not given. */
  final boolean defaultTestFraction;
  /** --validation-fraction, or null. */
  final Double validationFraction;
  /** --validation-indicator-col, or null. */
  final String validationCol;
  final long seed;
  /** --tune-threshold in canonical form, or null. */
  final String tuneMetric;
  /** --metrics, or null. */
  final String metrics;
  /** --cv-folds and its options, or null without cross-validation. */
  final CrossValidationOptions cv;
  /** --master, or null. */
  final String master;
  /** --model-type, linear by default. */
  final ModelType modelType;
  /** The estimator the flags describe (columns not yet set). */
  final ClassifierParams<?> classifier;

  private TrainOptions(CliArgs a) {
    input = a.require("input");
    format = a.format();
    boolean libsvm = "libsvm".equals(format)
        || (format == null && "libsvm".equals(InputData.formatByName(input)));
    label = a.has("label") || !libsvm ? a.require("label") : "label";
    model = a.require("model");
    weight = a.has("weight") ? a.require("weight") : null;
    features = a.getList("features");
    drop = a.getList("drop");
    overwrite = a.has("overwrite");
    partitions = a.partitions();
    validationFraction = fraction(a, "validation-fraction", false);
    defaultTestFraction = !a.has("test-fraction") && validationFraction == null;
    Double test = defaultTestFraction ? Double.valueOf(DEFAULT_TEST_FRACTION)
        : fraction(a, "test-fraction", true);
    testFraction = test != null && test > 0 ? test : null;
    validationCol = a.has("validation-indicator-col") ? a.require("validation-indicator-col")
        : null;
    seed = a.has("seed") ? a.getLong("seed") : DEFAULT_SEED;
    tuneMetric = tuneMetric(a);
    metrics = a.get("metrics");
    master = a.get("master");
    checkCombinations(a);
    modelType = ModelType.of(a);
    classifier = EstimatorFlags.apply(a, modelType);
    if (classifier.getEarlyStoppingRounds() > 0 && !validating()) {
      throw new UsageException("--early-stopping-rounds needs validation rows: add "
          + "--validation-fraction F (e.g. 0.2) or --validation-indicator-col COL");
    }
    String cal = classifier.getCalibration();
    if ((cal.equals("platt") || cal.equals("isotonic")) && !validating()) {
      throw new UsageException("--calibration " + cal + " is fitted on validation rows: add "
          + "--validation-fraction F (e.g. 0.2) or --validation-indicator-col COL");
    }
    if (modelType != ModelType.LINEAR) {
      for (String cvOption : CrossValidationOptions.OPTIONS) {
        if (a.has(cvOption)) {
          throw new UsageException("--" + cvOption + " only applies to --model-type linear (this "
              + "is --model-type " + modelType.flag + ")");
        }
      }
    }
    cv = CrossValidationOptions.parse(a, validating());
  }

  /**
   * @param a the parsed command line of {@code train}
   * @return the options
   * @throws UsageException naming the option when one is missing, invalid or contradicts another
   */
  static TrainOptions parse(CliArgs a) {
    return new TrainOptions(a);
  }

  /** @return whether some training rows are validation rows */
  boolean validating() {
    return validationFraction != null || validationCol != null;
  }

  /** @return whether rows are split (test rows or validation rows chosen by a fraction) */
  boolean splitting() {
    return testFraction != null || validationFraction != null;
  }

  private void checkCombinations(CliArgs a) {
    if (a.has("seed") && !splitting()) {
      throw new UsageException("--seed only applies with --test-fraction or --validation-fraction"
          + " (here --test-fraction 0 and no validation fraction: nothing is split)");
    }
    if (validationFraction != null && validationCol != null) {
      throw new UsageException("--validation-fraction and --validation-indicator-col both choose "
          + "the validation rows; give only one of them");
    }
    if (validationCol != null && (validationCol.equals(label) || validationCol.equals(weight))) {
      throw new UsageException("the validation indicator column '" + validationCol
          + "' cannot also be the " + (validationCol.equals(label) ? "label" : "weight")
          + " column");
    }
    if (tuneMetric != null && a.has("threshold")) {
      throw new UsageException("--threshold and --tune-threshold both set the decision threshold; "
          + "give only one of them");
    }
    for (String f : features) {
      if (Columns.OUTPUTS.contains(f) || f.equals(Columns.LABEL) || f.equals(Columns.FEATURES)) {
        throw new UsageException("column '" + f + "' cannot be a feature: the model writes a "
            + "column of that name; rename it");
      }
    }
    if (Columns.OUTPUTS.contains(label) || label.equals(Columns.FEATURES)
        || label.equals(Columns.LABEL)) {
      throw new UsageException("label column '" + label + "' has a name the model writes; "
          + "rename it");
    }
  }

  /** A fraction option in (0, 1) (or [0, 1) with {@code zeroAllowed}), or null when absent. */
  private static Double fraction(CliArgs a, String name, boolean zeroAllowed) {
    if (!a.has(name)) {
      return null;
    }
    double f = a.getDouble(name);
    if (!((zeroAllowed ? f >= 0 : f > 0) && f < 1)) {
      throw new UsageException("--" + name + (zeroAllowed
          ? " must be at least 0 (0 holds out nothing) and below 1, but was "
          : " must be between 0 and 1 (exclusive), but was ") + a.get(name));
    }
    return f;
  }

  /** The --tune-threshold metric in canonical form, or null. */
  private static String tuneMetric(CliArgs a) {
    if (!a.has("tune-threshold")) {
      return null;
    }
    try {
      return ThresholdChoice.canonical(a.get("tune-threshold"));
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      throw new UsageException("--tune-threshold must be one of " + ThresholdChoice.FORMS
          + ", but was " + m.substring("threshold target ".length(), m.indexOf("; accepted")));
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }
}
