package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.ml.ClassifierParams;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitClassifierCVModel;
import io.github.stablelogit.ml.LogitModel;
import io.github.stablelogit.ml.LogitTrainingSummary;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * {@code train}: reads the input, fits the pipeline (label mapping, feature stages, classifier),
 * optionally tunes the threshold, computes the metrics of each dataset, saves the model and
 * reports ({@link TrainReport}).
 */
final class TrainCommand {

  private final TrainOptions o;
  private final PrintStream out;
  private final PrintStream err;
  /** Datasets to unpersist when the command ends. */
  private final List<Dataset<Row>> cached = new ArrayList<>();

  private TrainCommand(TrainOptions options, PrintStream out, PrintStream err) {
    this.o = options;
    this.out = out;
    this.err = err;
  }

  /**
   * @param options the parsed options
   * @param out results
   * @param err progress lines
   * @return the exit code (0)
   * @throws UsageException on input the user can fix
   * @throws Exception on other failures
   */
  static int run(TrainOptions options, PrintStream out, PrintStream err) throws Exception {
    try (Session session = Session.open(options.master, "stablelogit train")) {
      out.println(session.describe());
      TrainCommand c = new TrainCommand(options, out, err);
      try {
        c.train(session);
      } finally {
        c.cached.forEach(d -> d.unpersist(false));
      }
      return 0;
    }
  }

  /** The rows of one fit: those it trains on, its validation rows and the held-out ones. */
  private record Rows(Dataset<Row> fit, Dataset<Row> validation, Dataset<Row> test) {}

  private void train(Session session) throws Exception {
    Path modelPath = new Path(o.model);
    FileSystem mfs = modelPath.getFileSystem(session.spark.sparkContext().hadoopConfiguration());
    if (mfs.exists(modelPath) && !o.overwrite) {
      throw ModelStore.existing(mfs.makeQualified(modelPath));
    }
    InputData.Loaded in = InputData.read(session.spark, o.input, o.format, -1);
    Dataset<Row> df = InputData.withoutReserved(in.data(), out);
    if (o.partitions > 0) {
      df = df.repartition(o.partitions);
    }
    checkColumns(df.schema());
    df = df.persist();
    cached.add(df);
    Labels.Spec spec = Labels.analyze(df, o.label);
    out.println(spec.describe());
    FeaturePlan plan = FeaturePlan.choose(df, o.label, o.weight, o.validationCol, o.features,
        o.drop, note -> out.println("note: " + note));
    plan.requireComplete(df, o.weight);
    if (o.defaultTestFraction) {
      out.println(String.format(Locale.ROOT, "note: %s of the rows are held out as test rows "
          + "(the default --test-fraction, seed %d); --test-fraction 0 trains on all rows",
          o.testFraction, o.seed));
    }

    Holdout.Split split = Holdout.split(df, o.testFraction, o.validationFraction, o.seed);
    Dataset<Row> train = split.train();
    Dataset<Row> test = split.test();
    if (test != null) {
      train = train.persist();
      test = test.persist();
      cached.add(train);
      cached.add(test);
    }
    String indicator = o.validationCol != null ? o.validationCol : split.validationCol();

    ClassifierParams<?> clf = o.classifier;
    clf.setFeaturesCol(Columns.FEATURES).setLabelCol(Columns.LABEL);
    if (o.weight != null) {
      clf.setWeightCol(o.weight);
    }
    if (indicator != null) {
      clf.setValidationIndicatorCol(indicator);
    }
    ModelType.listen(clf, it -> err.println(progressLine(it.iteration(), it.objective(),
        it.gradientNorm(), it.validationLoss(), it.elapsedSeconds())));
    List<PipelineStage> stages = new ArrayList<>();
    stages.add(spec.mapper());
    stages.addAll(plan.stages());
    stages.add(o.cv == null ? (PipelineStage) clf
        : o.cv.estimator((LogitClassifier) clf, o.seed));
    Pipeline pipeline = new Pipeline().setStages(stages.toArray(new PipelineStage[0]));

    long t0 = System.nanoTime();
    PipelineModel pipelineFit;
    try {
      pipelineFit = pipeline.fit(train);
    } catch (IllegalArgumentException e) {
      throw new UsageException("cannot train: " + Errors.oneLine(e.getMessage()), e);
    }
    double pipelineSeconds = (System.nanoTime() - t0) / 1e9;
    LogitClassifierCVModel cvModel = o.cv == null ? null
        : (LogitClassifierCVModel) pipelineFit.stages()[pipelineFit.stages().length - 1];
    if (cvModel != null) {
      out.println(CrossValidationOptions.table(cvModel));
    }
    // With cross-validation the pipeline keeps the selected model, refitted on all rows.
    PipelineModel pm = cvModel == null ? pipelineFit
        : CrossValidationOptions.withBest(pipelineFit, cvModel, train);
    LogitModel<?> model = SavedPipeline.classifierOf(pm);
    LogitTrainingSummary summary = model.summary();
    err.println(String.format(Locale.ROOT, "%s after %d iterations: %s",
        summary.converged() ? "converged" : summary.stoppedEarly() ? "stopped early"
            : "stopped (not converged)",
        summary.totalIterations(), summary.convergenceReason()));
    if (split.validationCol() != null) {
      // The job's own indicator is not an input column at predict time.
      model.setValidationIndicatorCol("");
    }

    Rows rows = new Rows(train, null, test);
    Validation validation = null;
    if (indicator != null) {
      Column isValidation = coalesce(col(Columns.quote(indicator)), lit(false));
      rows = new Rows(train.filter(not(isValidation)), train.filter(isValidation), test);
      validation = Validation.of(summary);
      if (validation.rows == 0) {
        throw new UsageException(o.validationFraction != null
            ? String.format(Locale.ROOT, "--validation-fraction %s marked none of the %d "
                + "training rows as validation rows; use a larger fraction",
                o.validationFraction, summary.numRows())
            : "validation indicator column '" + o.validationCol + "' is true in no row; mark "
                + "some validation rows or leave the option out");
      }
    }
    Tuning tuning = null;
    if (o.tuneMetric != null) {
      boolean held = rows.validation() != null;
      tuning = Tuning.run(pm, held ? rows.validation() : rows.fit(),
          held ? "validation" : "training", o.tuneMetric, o.weight, o.label,
          o.validationFraction != null ? "; a larger --validation-fraction may help" : "",
          held ? summary.numValidationRows() : summary.numRows());
      model.setThreshold(tuning.threshold);
    }
    Map<String, Metrics.Result> results = metrics(pm, model, rows, tuning != null);

    String warning = ModelStore.replace(mfs, modelPath, o.overwrite,
        tmp -> pm.write().save(tmp.toString()));
    ModelSection section = ModelType.section(model,
        pm.transform(train).schema().apply(Columns.FEATURES));
    TrainReport report = new TrainReport(o, in.format(), spec, plan, model, pipelineSeconds,
        validation, tuning, results, mfs.makeQualified(modelPath).toString(), warning, section);
    if (o.metrics != null) {
      ObjectNode json = report.toJson();
      if (cvModel != null) {
        json.set("cross_validation", CrossValidationOptions.toJson(cvModel));
      }
      Json.write(session.spark.sparkContext().hadoopConfiguration(), o.metrics, json);
    }
    report.print(out);
  }

  /** The metrics of each dataset at the model's threshold (and the test rows at 0.5 if tuned). */
  private Map<String, Metrics.Result> metrics(PipelineModel pm, LogitModel<?> model,
      Rows rows, boolean tuned) {
    Map<String, Metrics.Result> results = new LinkedHashMap<>();
    results.put("train", Metrics.compute(pm.transform(rows.fit()), o.weight, model.logitLoss(),
        model.getThreshold()));
    if (rows.validation() != null) {
      results.put("validation", Metrics.compute(pm.transform(rows.validation()), o.weight,
          model.logitLoss(), model.getThreshold()));
    }
    if (rows.test() != null) {
      results.put("test", Metrics.compute(pm.transform(rows.test()), o.weight,
          model.logitLoss(), model.getThreshold()));
      if (tuned) {
        // The held-out rows at the untuned threshold: the same scores, the default rule.
        LogitModel<?> untuned = (LogitModel<?>) ((Transformer) model).copy(ParamMap.empty());
        untuned.setThreshold(Tuning.DEFAULT_THRESHOLD);
        Dataset<Row> assembled = pm.transform(rows.test()).drop(model.getPredictionCol(),
            model.getProbabilityCol(), model.getRawPredictionCol());
        results.put(Tuning.TEST_AT_DEFAULT, Metrics.compute(untuned.transform(assembled),
            o.weight, untuned.logitLoss(), untuned.getThreshold()));
      }
    }
    return results;
  }

  /** The checks of the weight and validation indicator columns that need the schema. */
  private void checkColumns(StructType schema) {
    if (o.weight != null) {
      DataType wt = Columns.require(schema, o.weight, "weight column");
      if (!(wt instanceof NumericType)) {
        throw new UsageException("weight column '" + o.weight + "' must be numeric, but has type "
            + wt.simpleString());
      }
      if (o.weight.equals(o.label)) {
        throw new UsageException("the label column cannot also be the weight column");
      }
    }
    if (o.validationCol != null) {
      DataType vt = Columns.require(schema, o.validationCol, "validation indicator column");
      if (!(vt instanceof BooleanType)) {
        throw new UsageException("validation indicator column '" + o.validationCol + "' must be "
            + "boolean (true marks a validation row), but has type " + vt.simpleString());
      }
    }
  }

  /**
   * One progress line of the optimizer (the job's iteration listener prints it on stderr).
   *
   * @param iteration the iteration number
   * @param objective the objective
   * @param gradientNorm the gradient norm
   * @param validationLoss the validation loss, or NaN without validation rows
   * @param seconds seconds since the fit started
   * @return the line
   */
  static String progressLine(int iteration, double objective, double gradientNorm,
      double validationLoss, double seconds) {
    return String.format(Locale.ROOT, "iteration %3d  objective %.10f  |gradient| %.3e%s  %7.2f s",
        iteration, objective, gradientNorm, Double.isNaN(validationLoss) ? ""
            : String.format(Locale.ROOT, "  validation %.10f", validationLoss), seconds);
  }
}
