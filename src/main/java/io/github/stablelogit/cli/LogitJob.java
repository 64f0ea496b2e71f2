package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.udf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.ml.IterationListener;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitThresholdMetrics;
import io.github.stablelogit.ml.LogitTrainingSummary;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorSizeHint;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import scala.Option;

/**
 * The stablelogit command-line job: {@code train}, {@code predict} and {@code evaluate} binary
 * classifiers from CSV, Parquet or LIBSVM files. Run it with {@code mvn compile exec:exec} (embedded
 * local Spark) or {@code spark-submit --class io.github.stablelogit.cli.LogitJob <jar> train …}.
 * {@code help} lists the options.
 *
 * <p>Exit codes: 0 success; 2 for input the user can fix (bad option or value, missing file or
 * column, non-binary label, existing model directory), with one {@code error:} line on stderr; 1
 * for any other failure.
 */
public final class LogitJob {

  /** One flag per LogitClassifier parameter (see {@link EstimatorFlags}). */
  static final List<String> ESTIMATOR_OPTIONS = EstimatorFlags.names();

  private static final List<String> COMMON = List.of("input", "format", "partitions", "master");
  private static final List<String> TRAIN_OPTIONS = concat(COMMON, List.of("label", "features",
      "weight", "drop", "model", "metrics", "test-fraction", "validation-fraction",
      "validation-indicator-col", "seed", "tune-threshold"), ESTIMATOR_OPTIONS);
  private static final List<String> PREDICT_OPTIONS = concat(COMMON, List.of("model", "output",
      "threshold"));
  private static final List<String> EVALUATE_OPTIONS = concat(COMMON, List.of("model", "label",
      "metrics", "threshold"));

  private LogitJob() {}

  /**
   * Runs the job and exits with its code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    int rc = run(args, System.out, System.err);
    System.out.flush();
    System.err.flush();
    System.exit(rc);
  }

  /**
   * Runs one command in this JVM (reusing an active SparkSession, if any).
   *
   * @param args the command line, e.g. {@code train --input x.csv --label y --model m}
   * @param out receives results
   * @param err receives progress lines and errors
   * @return the exit code: 0 success, 1 failure, 2 invalid input
   */
  static int run(String[] args, PrintStream out, PrintStream err) {
    boolean debug = Arrays.asList(args).contains("--debug");
    try {
      JobLogging.configure();
      if (args.length == 0) {
        err.print(Usage.GENERAL);
        return 2;
      }
      String cmd = args[0];
      String[] rest = Arrays.copyOfRange(args, 1, args.length);
      List<String> restList = Arrays.asList(rest);
      switch (cmd) {
        case "help":
        case "--help":
        case "-h":
          if (rest.length == 0) {
            out.print(Usage.GENERAL);
            return 0;
          }
          out.print(usageOf(rest[0]));
          return 0;
        case "train":
        case "predict":
        case "evaluate":
          if (restList.contains("--help") || restList.contains("-h")) {
            out.print(usageOf(cmd));
            return 0;
          }
          break;
        default:
          throw new UsageException("unknown command '" + cmd + "'; the commands are train, "
              + "predict, evaluate and help");
      }
      List<String> switches = cmd.equals("evaluate") ? List.of("debug")
          : List.of("overwrite", "debug");
      List<String> options = cmd.equals("train") ? TRAIN_OPTIONS
          : cmd.equals("predict") ? PREDICT_OPTIONS : EVALUATE_OPTIONS;
      CliArgs a = CliArgs.parse(cmd, rest, options, switches);
      switch (cmd) {
        case "train":
          return train(a, out, err);
        case "predict":
          return predict(a, out);
        default:
          return evaluate(a, out);
      }
    } catch (UsageException e) {
      err.println("error: " + oneLine(e.getMessage()));
      if (debug) {
        e.printStackTrace(err);
      }
      return 2;
    } catch (Throwable t) {
      err.println("error: " + describe(t) + (debug ? "" : " (add --debug for the stack trace)"));
      if (debug) {
        t.printStackTrace(err);
      }
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static String usageOf(String cmd) {
    switch (cmd) {
      case "train":
        return Usage.TRAIN;
      case "predict":
        return Usage.PREDICT;
      case "evaluate":
        return Usage.EVALUATE;
      default:
        throw new UsageException("no help for '" + cmd + "'; the commands are train, predict, "
            + "evaluate");
    }
  }

  // ---------------------------------------------------------------- train

  private static int train(CliArgs a, PrintStream out, PrintStream err) throws Exception {
    String input = a.require("input");
    String format = a.has("format") ? InputData.checkFormat(a.get("format")) : null;
    String label;
    if (a.has("label")) {
      label = a.require("label");
    } else if ("libsvm".equals(format) || (format == null && "libsvm".equals(formatByName(input)))) {
      label = "label";
    } else {
      label = a.require("label");
    }
    String modelDir = a.require("model");
    String weight = a.has("weight") ? a.require("weight") : null;
    List<String> features = a.getList("features");
    List<String> drop = a.getList("drop");
    boolean overwrite = a.has("overwrite");
    int partitions = partitions(a);
    Double testFraction = fraction(a, "test-fraction");
    Double validationFraction = fraction(a, "validation-fraction");
    String validationCol = a.has("validation-indicator-col")
        ? a.require("validation-indicator-col") : null;
    long seed = a.has("seed") ? a.getLong("seed") : 42L;
    if (a.has("seed") && testFraction == null && validationFraction == null) {
      throw new UsageException("--seed only applies with --test-fraction or --validation-fraction");
    }
    if (validationFraction != null && validationCol != null) {
      throw new UsageException("--validation-fraction and --validation-indicator-col both choose "
          + "the validation rows; give only one of them");
    }
    if (validationCol != null) {
      if (validationCol.equals(label) || validationCol.equals(weight)) {
        throw new UsageException("the validation indicator column '" + validationCol
            + "' cannot also be the " + (validationCol.equals(label) ? "label" : "weight")
            + " column");
      }
    }
    boolean validating = validationFraction != null || validationCol != null;
    String tuneMetric = tuneMetric(a);
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
    LogitClassifier clf = estimator(a);
    if (clf.getEarlyStoppingRounds() > 0 && !validating) {
      throw new UsageException("--early-stopping-rounds needs validation rows: add "
          + "--validation-fraction F (e.g. 0.2) or --validation-indicator-col COL");
    }

    try (Session session = Session.open(a.get("master"), "stablelogit train")) {
      SparkSession spark = session.spark;
      out.println(session.describe());
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      Path modelPath = new Path(modelDir);
      FileSystem mfs = modelPath.getFileSystem(conf);
      if (mfs.exists(modelPath) && !overwrite) {
        throw ModelStore.existing(mfs.makeQualified(modelPath));
      }
      InputData.Loaded in = InputData.read(spark, input, format, -1);
      Dataset<Row> df = setAside(in.data(), out);
      if (partitions > 0) {
        df = df.repartition(partitions);
      }
      if (weight != null) {
        DataType wt = Columns.require(df.schema(), weight, "weight column");
        if (!(wt instanceof NumericType)) {
          throw new UsageException("weight column '" + weight + "' must be numeric, but has type "
              + wt.simpleString());
        }
        if (weight.equals(label)) {
          throw new UsageException("the label column cannot also be the weight column");
        }
      }
      if (validationCol != null) {
        DataType vt = Columns.require(df.schema(), validationCol, "validation indicator column");
        if (!(vt instanceof BooleanType)) {
          throw new UsageException("validation indicator column '" + validationCol + "' must be "
              + "boolean (true marks a validation row), but has type " + vt.simpleString());
        }
      }
      df = df.persist();
      List<Dataset<Row>> cached = new ArrayList<>(List.of(df));
      try {
        Labels.Spec spec = Labels.analyze(df, label);
        out.println(spec.describe());
        FeaturePlan plan = FeaturePlan.choose(df, label, weight, validationCol, features, drop,
            note -> out.println("note: " + note));
        plan.requireComplete(df, weight);

        Holdout.Split split = Holdout.split(df, testFraction, validationFraction, seed);
        Dataset<Row> train = split.train();
        Dataset<Row> test = split.test();
        if (test != null) {
          train = train.persist();
          test = test.persist();
          cached.add(train);
          cached.add(test);
        }
        String indicator = validationCol != null ? validationCol : split.validationCol();

        clf.setFeaturesCol(Columns.FEATURES).setLabelCol(Columns.LABEL);
        if (weight != null) {
          clf.setWeightCol(weight);
        }
        if (indicator != null) {
          clf.setValidationIndicatorCol(indicator);
        }
        clf.addIterationListener(progress(err));
        List<PipelineStage> stages = new ArrayList<>();
        stages.add(spec.mapper());
        stages.addAll(plan.stages());
        stages.add(clf);
        Pipeline pipeline = new Pipeline().setStages(stages.toArray(new PipelineStage[0]));

        long t0 = System.nanoTime();
        PipelineModel pm;
        try {
          pm = pipeline.fit(train);
        } catch (IllegalArgumentException e) {
          throw new UsageException("cannot train: " + oneLine(e.getMessage()), e);
        }
        double pipelineSeconds = (System.nanoTime() - t0) / 1e9;
        LogitClassificationModel model = classifierOf(pm);
        LogitTrainingSummary summary = model.summary();
        err.println(String.format(Locale.ROOT, "%s after %d iterations: %s",
            summary.converged() ? "converged" : summary.stoppedEarly() ? "stopped early"
                : "stopped (not converged)",
            summary.totalIterations(), summary.convergenceReason()));
        if (split.validationCol() != null) {
          // The job's own indicator is not an input column at predict time.
          model.setValidationIndicatorCol("");
        }

        Dataset<Row> fitRows = train;
        Dataset<Row> validationRows = null;
        Validation validation = null;
        if (indicator != null) {
          Column isValidation = coalesce(col(Columns.quote(indicator)), lit(false));
          fitRows = train.filter(not(isValidation));
          validationRows = train.filter(isValidation);
          validation = Validation.of(summary);
          if (validation.rows == 0) {
            throw new UsageException(validationFraction != null
                ? String.format(Locale.ROOT, "--validation-fraction %s marked none of the %d "
                    + "training rows as validation rows; use a larger fraction",
                    a.get("validation-fraction"), summary.numRows())
                : "validation indicator column '" + validationCol + "' is true in no row; mark "
                    + "some validation rows or leave the option out");
          }
        }

        Tuning tuning = null;
        if (tuneMetric != null) {
          tuning = Tuning.run(pm, validationRows != null ? validationRows : fitRows,
              validationRows != null ? "validation" : "training", tuneMetric, weight, label,
              validationFraction != null ? "; a larger --validation-fraction may help" : "",
              validationRows != null ? summary.numValidationRows() : summary.numRows());
          model.setThreshold(tuning.threshold);
        }

        Map<String, Metrics.Result> results = new LinkedHashMap<>();
        results.put("train", Metrics.compute(pm.transform(fitRows), weight, model.logitLoss(),
            model.getThreshold()));
        if (validationRows != null) {
          results.put("validation", Metrics.compute(pm.transform(validationRows), weight,
              model.logitLoss(), model.getThreshold()));
        }
        if (test != null) {
          results.put("test", Metrics.compute(pm.transform(test), weight, model.logitLoss(),
              model.getThreshold()));
          if (tuning != null) {
            // The held-out rows at the untuned threshold: the same scores, the default rule.
            LogitClassificationModel untuned = model.copy(ParamMap.empty())
                .setThreshold(Tuning.DEFAULT_THRESHOLD);
            Dataset<Row> assembled = pm.transform(test).drop(model.getPredictionCol(),
                model.getProbabilityCol(), model.getRawPredictionCol());
            results.put(Tuning.TEST_AT_DEFAULT, Metrics.compute(untuned.transform(assembled),
                weight, untuned.logitLoss(), untuned.getThreshold()));
          }
        }

        String warning = ModelStore.replace(mfs, modelPath, overwrite,
            tmp -> pm.write().save(tmp.toString()));
        String savedTo = mfs.makeQualified(modelPath).toString();

        ObjectNode json = newJson();
        json.put("command", "train");
        json.put("input", input);
        json.put("format", in.format());
        json.put("model", savedTo);
        labelJson(json.putObject("label"), spec);
        ObjectNode fj = json.putObject("features");
        strings(fj.putArray("numeric"), plan.numeric);
        strings(fj.putArray("categorical"), plan.categorical);
        strings(fj.putArray("vector"), plan.vectors);
        strings(fj.putArray("dropped"), plan.dropped);
        strings(fj.putArray("ignored"), plan.ignored);
        fj.put("dimension", model.numFeatures());
        if (weight != null) {
          json.put("weight", weight);
        }
        paramsJson(json.putObject("params"), model);
        if (testFraction != null || validationFraction != null) {
          ObjectNode sj = json.putObject("split");
          if (testFraction != null) {
            sj.put("test_fraction", testFraction);
          }
          if (validationFraction != null) {
            sj.put("validation_fraction", validationFraction);
          }
          sj.put("seed", seed);
        }
        ObjectNode tj = json.putObject("training");
        tj.put("iterations", summary.totalIterations());
        tj.put("converged", summary.converged());
        tj.put("convergence_reason", summary.convergenceReason());
        tj.put("rows", summary.numRows());
        tj.put("objective_evaluations", summary.objectiveEvaluations());
        tj.put("training_seconds", round(summary.trainingSeconds()));
        tj.put("pipeline_seconds", round(pipelineSeconds));
        if (validation != null) {
          ObjectNode vj = tj.putObject("validation");
          if (validationCol != null) {
            vj.put("indicator_col", validationCol);
          }
          validation.toJson(vj, clf.getEarlyStoppingRounds());
        }
        doubles(tj.putArray("objective_history"), summary.objectiveHistory());
        doubles(tj.putArray("gradient_norm_history"), summary.gradientNormHistory());
        if (validation != null) {
          doubles(tj.putArray("validation_loss_history"), summary.validationLossHistory());
        }
        if (tuning != null) {
          tuning.toJson(json.putObject("threshold_tuning"));
        }
        for (Map.Entry<String, Metrics.Result> e : results.entrySet()) {
          String key = e.getKey().equals(Tuning.TEST_AT_DEFAULT) ? Tuning.TEST_AT_DEFAULT_JSON
              : e.getKey();
          e.getValue().toJson(json.putObject(key));
        }
        String metricsPath = a.get("metrics");
        if (metricsPath != null) {
          writeJson(conf, metricsPath, json);
        }

        out.println(String.format(Locale.ROOT, "features: %s -> %d dimensions", plan.describe(),
            model.numFeatures()));
        out.println(String.format(Locale.ROOT, "training: %s in %d iterations (%s), %.2f s "
                + "(%.2f s with feature preparation)",
            model.logitLoss(), summary.totalIterations(),
            summary.converged() ? "converged" : summary.stoppedEarly() ? "stopped early"
                : "not converged", summary.trainingSeconds(), pipelineSeconds));
        if (validation != null) {
          out.println(validation.describe(validationFraction, validationCol,
              clf.getEarlyStoppingRounds()));
        }
        if (tuning != null) {
          if (tuning.source.equals("training")) {
            out.println("note: the threshold was tuned on the training rows, which flatters it; "
                + "--validation-fraction F tunes it on held-out validation rows");
          }
          out.println(tuning.describe());
        }
        out.println("model saved to " + savedTo);
        if (warning != null) {
          out.println("warning: " + warning);
        }
        if (metricsPath != null) {
          out.println("metrics written to " + metricsPath);
        }
        out.println();
        out.print(Metrics.table(results));
        return 0;
      } finally {
        cached.forEach(d -> d.unpersist(false));
      }
    }
  }

  /** A fraction option in (0, 1), or null when absent. */
  private static Double fraction(CliArgs a, String name) {
    if (!a.has(name)) {
      return null;
    }
    double f = a.getDouble(name);
    if (!(f > 0 && f < 1)) {
      throw new UsageException("--" + name + " must be between 0 and 1 (exclusive), but was "
          + a.get(name));
    }
    return f;
  }

  /** The --tune-threshold metric in canonical form, or null. */
  private static String tuneMetric(CliArgs a) {
    if (!a.has("tune-threshold")) {
      return null;
    }
    String m = a.get("tune-threshold").trim().toLowerCase(Locale.ROOT);
    if (!LogitThresholdMetrics.OPTIMIZABLE_METRICS.contains(m)) {
      throw new UsageException("--tune-threshold must be one of "
          + String.join(", ", LogitThresholdMetrics.OPTIMIZABLE_METRICS) + ", but was '"
          + a.get("tune-threshold") + "'");
    }
    return m;
  }

  /** Builds the estimator from the flags; invalid values are UsageExceptions naming the flag. */
  static LogitClassifier estimator(CliArgs a) {
    return EstimatorFlags.apply(a);
  }

  private static IterationListener progress(PrintStream err) {
    return it -> err.println(String.format(Locale.ROOT,
        "iteration %3d  objective %.10f  |gradient| %.3e%s  %7.2f s", it.iteration(),
        it.objective(), it.gradientNorm(), Double.isNaN(it.validationLoss()) ? ""
            : String.format(Locale.ROOT, "  validation %.10f", it.validationLoss()),
        it.elapsedSeconds()));
  }

  // ---------------------------------------------------------------- predict

  private static int predict(CliArgs a, PrintStream out) throws Exception {
    String modelDir = a.require("model");
    String input = a.require("input");
    String output = a.require("output");
    String format = a.has("format") ? InputData.checkFormat(a.get("format")) : null;
    Double threshold = threshold(a);
    int partitions = partitions(a);
    boolean overwrite = a.has("overwrite");
    try (Session session = Session.open(a.get("master"), "stablelogit predict")) {
      SparkSession spark = session.spark;
      out.println(session.describe());
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      Path outPath = new Path(output);
      FileSystem ofs = outPath.getFileSystem(conf);
      if (ofs.exists(outPath) && !overwrite) {
        throw new UsageException("output '" + output + "' already exists; pass --overwrite to "
            + "replace it");
      }
      Parts parts = Parts.load(spark, modelDir);
      if (threshold != null) {
        parts.classifier.setThreshold(threshold);
      }
      InputData.Loaded in = InputData.read(spark, input, format, parts.libsvmSize());
      Dataset<Row> df = setAside(in.data(), out);
      parts.requireInputs(df);
      if (partitions > 0) {
        df = df.repartition(partitions);
      }
      List<Column> cols = new ArrayList<>();
      cols.add(col("prediction"));
      cols.add(probabilityOfOne().apply(col("probability")).alias("probability"));
      List<String> passed = new ArrayList<>();
      for (StructField f : df.schema().fields()) {
        if (isScalar(f.dataType())) {
          cols.add(col(Columns.quote(f.name())));
          passed.add(f.name());
        }
      }
      Dataset<Row> result = parts.model.transform(df).select(cols.toArray(new Column[0]));
      boolean csv = output.toLowerCase(Locale.ROOT).endsWith(".csv");
      if (csv) {
        writeSingleCsv(ofs, outPath, overwrite, result);
      } else {
        result.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
            .parquet(output);
      }
      out.println(String.format(Locale.ROOT, "wrote predictions to %s (%s): prediction, "
              + "probability%s", ofs.makeQualified(outPath), csv ? "CSV" : "Parquet",
          passed.isEmpty() ? "" : ", " + String.join(", ", passed)));
      return 0;
    }
  }

  private static UserDefinedFunction probabilityOfOne() {
    return udf((UDF1<Vector, Double>) v -> v == null ? null : v.apply(1), DataTypes.DoubleType);
  }

  private static boolean isScalar(DataType t) {
    return t instanceof NumericType || t instanceof StringType || t instanceof BooleanType
        || t instanceof DateType || t instanceof TimestampType || t instanceof TimestampNTZType;
  }

  /** Writes one CSV file with a header: Spark writes a temporary sibling directory, then moves its single part. */
  private static void writeSingleCsv(FileSystem checked, Path target, boolean overwrite,
      Dataset<Row> result) throws IOException {
    // The raw local file system moves the part file without its .crc side file.
    FileSystem fs = checked instanceof LocalFileSystem local ? local.getRaw() : checked;
    Path file = fs.makeQualified(target);
    Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp-" + UUID.randomUUID());
    try {
      result.coalesce(1).write().option("header", "true").csv(tmp.toString());
      FileStatus[] part = fs.listStatus(tmp, p -> p.getName().startsWith("part-"));
      if (part.length != 1) {
        throw new IOException("expected one part file in " + tmp + ", found " + part.length);
      }
      if (fs.exists(file)) {
        if (!overwrite || !fs.delete(file, true)) {
          throw new IOException("cannot replace " + file);
        }
      }
      if (!fs.rename(part[0].getPath(), file)) {
        throw new IOException("cannot move " + part[0].getPath() + " to " + file);
      }
    } finally {
      fs.delete(tmp, true);
    }
  }

  // ---------------------------------------------------------------- evaluate

  private static int evaluate(CliArgs a, PrintStream out) throws Exception {
    String modelDir = a.require("model");
    String input = a.require("input");
    String format = a.has("format") ? InputData.checkFormat(a.get("format")) : null;
    Double threshold = threshold(a);
    int partitions = partitions(a);
    String label = a.has("label") ? a.require("label") : null;
    try (Session session = Session.open(a.get("master"), "stablelogit evaluate")) {
      SparkSession spark = session.spark;
      out.println(session.describe());
      Parts parts = Parts.load(spark, modelDir);
      if (threshold != null) {
        parts.classifier.setThreshold(threshold);
      }
      if (label != null) {
        parts.mapper.setInputCol(label);
      }
      Labels.Spec spec = Labels.of(parts.mapper);
      InputData.Loaded in = InputData.read(spark, input, format, parts.libsvmSize());
      Dataset<Row> df = setAside(in.data(), out);
      Columns.require(df.schema(), spec.column(), "label column");
      parts.requireInputs(df);
      if (partitions > 0) {
        df = df.repartition(partitions);
      }
      df = df.persist();
      try {
        Labels.requireMapped(parts.mapper.transform(df), spec);
        String weight = parts.classifier.getWeightCol();
        if (weight != null && !Columns.has(df.schema(), weight)) {
          out.println("note: the model was trained with weight column '" + weight + "', which "
              + "the input lacks; the metrics are unweighted");
          weight = null;
        }
        out.println(spec.describe().replace("[as trained]", "(as in training)"));
        Metrics.Result r = Metrics.compute(parts.model.transform(df), weight,
            parts.classifier.logitLoss(), parts.classifier.getThreshold());
        ObjectNode json = newJson();
        json.put("command", "evaluate");
        json.put("input", input);
        json.put("format", in.format());
        json.put("model", modelDir);
        labelJson(json.putObject("label"), spec);
        if (weight != null) {
          json.put("weight", weight);
        }
        paramsJson(json.putObject("params"), parts.classifier);
        r.toJson(json.putObject("metrics"));
        String metricsPath = a.get("metrics");
        if (metricsPath != null) {
          writeJson(spark.sparkContext().hadoopConfiguration(), metricsPath, json);
          out.println("metrics written to " + metricsPath);
        }
        out.println();
        Map<String, Metrics.Result> cols = new LinkedHashMap<>();
        cols.put("value", r);
        out.print(Metrics.table(cols));
        return 0;
      } finally {
        df.unpersist(false);
      }
    }
  }

  // ---------------------------------------------------------------- shared

  /** The stages of a saved job model the commands need. */
  static final class Parts {
    final PipelineModel model;
    final BinaryLabelMapper mapper;
    final LogitClassificationModel classifier;
    final Transformer[] stages;

    private Parts(PipelineModel model, BinaryLabelMapper mapper,
        LogitClassificationModel classifier) {
      this.model = model;
      this.mapper = mapper;
      this.classifier = classifier;
      this.stages = model.stages();
    }

    static Parts load(SparkSession spark, String dir) throws IOException {
      Path p = new Path(dir);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new UsageException("model directory '" + dir + "' does not exist; check --model");
      }
      if (!fs.exists(new Path(p, "metadata")) || !fs.exists(new Path(p, "stages"))) {
        throw new UsageException("'" + dir + "' is not a model saved by 'LogitJob train' (it has "
            + "no metadata/ and stages/ inside); check --model");
      }
      PipelineModel pm;
      try {
        pm = PipelineModel.load(dir);
      } catch (Exception e) { // includes Spark's AnalysisException, a checked exception
        throw new UsageException("'" + dir + "' is not a model saved by 'LogitJob train': "
            + rootMessage(e), e);
      }
      Transformer[] st = pm.stages();
      if (st.length < 2 || !(st[0] instanceof BinaryLabelMapper)
          || !(st[st.length - 1] instanceof LogitClassificationModel)) {
        throw new UsageException("'" + dir + "' is a Spark pipeline, but not one saved by "
            + "'LogitJob train' (it should start with a BinaryLabelMapper and end with a "
            + "LogitClassificationModel)");
      }
      return new Parts(pm, (BinaryLabelMapper) st[0], (LogitClassificationModel) st[st.length - 1]);
    }

    /** The vector size of a model trained on LIBSVM input, or -1. */
    int libsvmSize() {
      for (Transformer t : stages) {
        if (t instanceof VectorSizeHint h && h.getInputCol().equals("features")) {
          return h.getSize();
        }
      }
      return -1;
    }

    /** Fails naming the input columns the model reads that {@code df} lacks. */
    void requireInputs(Dataset<Row> df) {
      Set<String> produced = new LinkedHashSet<>();
      Set<String> needed = new LinkedHashSet<>();
      for (Transformer t : stages) {
        if (t instanceof StringIndexerModel s) {
          for (String c : s.getInputCols()) {
            needed.add(unquote(c));
          }
          produced.addAll(Arrays.asList(s.getOutputCols()));
        } else if (t instanceof VectorSizeHint h) {
          needed.add(h.getInputCol());
        } else if (t instanceof VectorAssembler v) {
          for (String c : v.getInputCols()) {
            String u = unquote(c);
            if (!u.startsWith(Columns.PREFIX)) {
              needed.add(u);
            }
          }
        }
      }
      needed.removeAll(produced);
      List<String> missing = new ArrayList<>();
      for (String c : needed) {
        if (!Columns.has(df.schema(), c)) {
          missing.add(c);
        }
      }
      if (!missing.isEmpty()) {
        throw new UsageException(String.format(Locale.ROOT, "the input lacks column%s %s, which "
                + "the model was trained with; the input has: %s", missing.size() > 1 ? "s" : "",
            String.join(", ", missing), Columns.list(df.schema())));
      }
    }
  }

  static String unquote(String c) {
    if (c.length() >= 2 && c.startsWith("`") && c.endsWith("`")) {
      return c.substring(1, c.length() - 1).replace("``", "`");
    }
    return c;
  }

  /** Drops input columns that collide with what the pipeline writes, saying so. */
  private static Dataset<Row> setAside(Dataset<Row> df, PrintStream out) {
    List<String> reserved = new ArrayList<>(Columns.OUTPUTS);
    reserved.add(Columns.LABEL);
    reserved.add(Columns.FEATURES);
    for (String r : reserved) {
      if (Columns.has(df.schema(), r)) {
        out.println("note: ignoring input column '" + r + "': the model writes a column of that "
            + "name");
        df = df.drop(r);
      }
    }
    return df;
  }

  private static LogitClassificationModel classifierOf(PipelineModel pm) {
    Transformer[] st = pm.stages();
    return (LogitClassificationModel) st[st.length - 1];
  }

  private static Double threshold(CliArgs a) {
    if (!a.has("threshold")) {
      return null;
    }
    double t = a.getDouble("threshold");
    if (!(t >= 0 && t <= 1)) {
      throw new UsageException("--threshold must be in [0, 1], but was " + a.get("threshold"));
    }
    return t;
  }

  private static int partitions(CliArgs a) {
    if (!a.has("partitions")) {
      return 0;
    }
    int n = a.getInt("partitions");
    if (n < 1) {
      throw new UsageException("--partitions must be >= 1, but was " + n);
    }
    return n;
  }

  static String formatByName(String path) {
    try {
      return InputData.inferFormat(path, new FileStatus[0]);
    } catch (UsageException e) {
      return null;
    }
  }

  private static ObjectNode newJson() {
    return new ObjectMapper().createObjectNode();
  }

  private static void labelJson(ObjectNode n, Labels.Spec spec) {
    n.put("column", spec.column());
    n.put("positive", spec.positive());
    n.put("negative", spec.negative());
    n.put("numeric", spec.numeric());
    n.put("rule", spec.rule());
  }

  /** Every non-column parameter of the classifier, in the flags' order, by its Spark name. */
  private static void paramsJson(ObjectNode n, Params m) {
    for (EstimatorFlags.Flag f : EstimatorFlags.all()) {
      Param<?> p = m.hasParam(f.name()) ? m.getParam(f.name()) : null;
      Object v = p == null ? null : EstimatorFlags.valueOf(m, p);
      if (v == null) {
        continue;
      }
      if (v instanceof Double d) {
        Metrics.putDouble(n, f.name(), d);
      } else if (v instanceof Integer i) {
        n.put(f.name(), i);
      } else if (v instanceof Long l) {
        n.put(f.name(), l);
      } else if (v instanceof Boolean b) {
        n.put(f.name(), b);
      } else {
        n.put(f.name(), v.toString());
      }
    }
  }

  private static void strings(ArrayNode arr, List<String> values) {
    values.forEach(arr::add);
  }

  private static void doubles(ArrayNode arr, double[] values) {
    for (double v : values) {
      if (Double.isFinite(v)) {
        arr.add(v);
      } else {
        arr.addNull();
      }
    }
  }

  private static double round(double seconds) {
    return Math.round(seconds * 1000.0) / 1000.0;
  }

  /** Writes pretty JSON (keys in insertion order) through Hadoop, without .crc side files. */
  static void writeJson(Configuration conf, String path, ObjectNode json) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    if (fs instanceof LocalFileSystem local) {
      fs = local.getRaw();
    }
    Path q = fs.makeQualified(p);
    if (q.getParent() != null && !fs.exists(q.getParent())) {
      fs.mkdirs(q.getParent());
    }
    byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsBytes(json);
    try (OutputStream os = fs.create(q, true)) {
      os.write(bytes);
      os.write('\n');
    }
  }

  /** One line: the first line of the message, whitespace collapsed. */
  static String oneLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    String first = message.strip();
    int nl = first.indexOf('\n');
    if (nl >= 0) {
      first = first.substring(0, nl);
    }
    return first.replaceAll("\\s+", " ").strip();
  }

  static String oneLine(Throwable t) {
    return oneLine(t.getMessage() != null ? t.getMessage() : t.toString());
  }

  /** The root cause's class and first message line: what went wrong, without the stack. */
  static String describe(Throwable t) {
    return rootOf(t).getClass().getSimpleName() + ": " + rootMessage(t);
  }

  /** The first line of the root cause's message (or of the outermost one's, if it has none). */
  static String rootMessage(Throwable t) {
    Throwable root = rootOf(t);
    return oneLine(root.getMessage() != null ? root.getMessage() : t.getMessage());
  }

  private static Throwable rootOf(Throwable t) {
    Throwable root = t;
    Set<Throwable> seen = new LinkedHashSet<>();
    while (root.getCause() != null && seen.add(root)) {
      root = root.getCause();
    }
    return root;
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    List<String> out = new ArrayList<>();
    for (List<String> l : lists) {
      out.addAll(l);
    }
    return List.copyOf(out);
  }

  /** The SparkSession of a command: an active one is reused (and left running), else created. */
  static final class Session implements AutoCloseable {
    final SparkSession spark;
    private final boolean owned;

    private Session(SparkSession spark, boolean owned) {
      this.spark = spark;
      this.owned = owned;
    }

    /**
     * @param master --master, or null: spark-submit's (system property spark.master) if set,
     *     else an embedded local[*]
     * @param appName the application name
     */
    static Session open(String master, String appName) {
      Option<SparkSession> existing = SparkSession.getActiveSession();
      if (existing.isEmpty()) {
        existing = SparkSession.getDefaultSession();
      }
      if (existing.isDefined() && !existing.get().sparkContext().isStopped()) {
        return new Session(existing.get(), false);
      }
      SparkSession.Builder b = SparkSession.builder().appName(appName);
      String effective = master;
      if (master == null && System.getProperty("spark.master") == null) {
        effective = "local[*]";
      }
      if (effective != null) {
        b = b.master(effective);
        if (System.getProperty("spark.master") == null && effective.startsWith("local")) {
          JobLogging.quietEmbedded();
          b = b.config("spark.ui.enabled", "false")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1");
        }
      }
      return new Session(b.getOrCreate(), true);
    }

    /** @return e.g. "Spark 4.2.0, master local[*] (embedded)" */
    String describe() {
      return "Spark " + spark.version() + ", master " + spark.sparkContext().master()
          + (owned ? "" : " (existing session)");
    }

    @Override
    public void close() {
      if (owned) {
        spark.stop();
      }
    }
  }
}
