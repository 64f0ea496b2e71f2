package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.ml.LogitModel;
import io.github.stablelogit.ml.LogitTrainingSummary;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code train} reports, held once and rendered twice: as the lines and metrics table on
 * stdout ({@link #print}) and as the metrics JSON ({@link #toJson}).
 */
final class TrainReport {

  private final TrainOptions options;
  private final String format;
  private final Labels.Spec label;
  private final FeaturePlan plan;
  private final LogitModel<?> model;
  private final LogitTrainingSummary summary;
  private final double pipelineSeconds;
  /** null without validation rows. */
  private final Validation validation;
  /** null without --tune-threshold. */
  private final Tuning tuning;
  /** Dataset name (table header) → its metrics, in display order. */
  private final Map<String, Metrics.Result> results;
  private final String savedTo;
  /** A warning from saving the model, or null. */
  private final String warning;
  /** The coefficient table or the network layout. */
  private final ModelSection section;

  /**
   * @param options the options
   * @param format the input's format
   * @param label the label mapping
   * @param plan the feature columns
   * @param model the fitted classifier (at its final threshold)
   * @param pipelineSeconds seconds of the whole pipeline fit
   * @param validation the validation summary, or null
   * @param tuning the threshold tuning, or null
   * @param results metrics per dataset, in display order
   * @param savedTo where the model was saved (qualified)
   * @param warning a warning from saving the model, or null
   * @param section the model's own section: coefficients or network layout
   */
  TrainReport(TrainOptions options, String format, Labels.Spec label, FeaturePlan plan,
      LogitModel<?> model, double pipelineSeconds, Validation validation,
      Tuning tuning, Map<String, Metrics.Result> results, String savedTo, String warning,
      ModelSection section) {
    this.options = options;
    this.format = format;
    this.label = label;
    this.plan = plan;
    this.model = model;
    this.summary = model.summary();
    this.pipelineSeconds = pipelineSeconds;
    this.validation = validation;
    this.tuning = tuning;
    this.results = results;
    this.savedTo = savedTo;
    this.warning = warning;
    this.section = section;
  }

  /** @return the metrics JSON, keys in a stable order */
  ObjectNode toJson() {
    ObjectNode json = Json.object();
    json.put("command", "train");
    json.put("input", options.input);
    json.put("format", format);
    json.put("model", savedTo);
    Json.label(json.putObject("label"), label);
    ObjectNode fj = json.putObject("features");
    Json.strings(fj.putArray("numeric"), plan.numeric);
    Json.strings(fj.putArray("categorical"), plan.categorical);
    Json.strings(fj.putArray("vector"), plan.vectors);
    Json.strings(fj.putArray("dropped"), plan.dropped);
    Json.strings(fj.putArray("ignored"), plan.ignored);
    fj.put("dimension", model.numFeatures());
    if (options.weight != null) {
      json.put("weight", options.weight);
    }
    Json.params(json.putObject("params"), model);
    if (options.splitting()) {
      ObjectNode sj = json.putObject("split");
      if (options.testFraction != null) {
        sj.put("test_fraction", options.testFraction);
      }
      if (options.validationFraction != null) {
        sj.put("validation_fraction", options.validationFraction);
      }
      sj.put("seed", options.seed);
    }
    ObjectNode tj = json.putObject("training");
    tj.put("model_type", options.modelType.flag);
    tj.put("solver", summary.solver());
    tj.put("iterations", summary.totalIterations());
    tj.put("converged", summary.converged());
    tj.put("convergence_reason", summary.convergenceReason());
    tj.put("rows", summary.numRows());
    tj.put("objective_evaluations", summary.objectiveEvaluations());
    tj.put("training_seconds", Json.seconds(summary.trainingSeconds()));
    tj.put("pipeline_seconds", Json.seconds(pipelineSeconds));
    if (validation != null) {
      ObjectNode vj = tj.putObject("validation");
      if (options.validationCol != null) {
        vj.put("indicator_col", options.validationCol);
      }
      validation.toJson(vj, options.classifier.getEarlyStoppingRounds());
    }
    Json.doubles(tj.putArray("objective_history"), summary.objectiveHistory());
    Json.doubles(tj.putArray("gradient_norm_history"), summary.gradientNormHistory());
    if (validation != null) {
      Json.doubles(tj.putArray("validation_loss_history"), summary.validationLossHistory());
    }
    if (tuning != null) {
      tuning.toJson(json.putObject("threshold_tuning"));
    }
    for (Map.Entry<String, Metrics.Result> e : results.entrySet()) {
      String key = e.getKey().equals(Tuning.TEST_AT_DEFAULT) ? Tuning.TEST_AT_DEFAULT_JSON
          : e.getKey();
      e.getValue().toJson(json.putObject(key));
    }
    section.toJson(json);
    return json;
  }

  /**
   * Prints the summary lines and the metrics table.
   *
   * @param out stdout
   */
  void print(PrintStream out) {
    out.println(String.format(Locale.ROOT, "features: %s -> %d dimensions", plan.describe(),
        model.numFeatures()));
    out.println(String.format(Locale.ROOT, "training: %s%s, solver %s, %d iterations (%s), "
            + "%.2f s (%.2f s with feature preparation)",
        options.modelType == ModelType.LINEAR ? "" : options.modelType.estimator + ", ",
        model.logitLoss(), summary.solver(), summary.totalIterations(),
        summary.converged() ? "converged" : summary.stoppedEarly() ? "stopped early"
            : "not converged", summary.trainingSeconds(), pipelineSeconds));
    if (validation != null) {
      out.println(validation.describe(options.validationFraction, options.validationCol,
          options.classifier.getEarlyStoppingRounds()));
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
    if (options.metrics != null) {
      out.println("metrics written to " + options.metrics);
    }
    out.println();
    out.print(Metrics.table(results));
    section.print(out);
  }
}
