package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** {@code evaluate}: the metrics of a saved model on labelled data, as a table and JSON. */
final class EvaluateCommand {

  /** The options that take a value. */
  static final List<String> OPTIONS = List.of("input", "format", "partitions", "master", "model",
      "label", "metrics", "threshold");

  /** The switches. */
  static final List<String> SWITCHES = List.of("debug");

  private EvaluateCommand() {}

  /**
   * @param a the parsed command line
   * @param out results
   * @return the exit code (0)
   * @throws UsageException on input the user can fix
   * @throws Exception on other failures
   */
  static int run(CliArgs a, PrintStream out) throws Exception {
    String modelDir = a.require("model");
    String input = a.require("input");
    String format = a.format();
    Double threshold = a.threshold();
    int partitions = a.partitions();
    String label = a.has("label") ? a.require("label") : null;
    try (Session session = Session.open(a.get("master"), "stablelogit evaluate")) {
      out.println(session.describe());
      SavedPipeline saved = SavedPipeline.load(session.spark, modelDir);
      if (threshold != null) {
        saved.classifier.setThreshold(threshold);
      }
      if (label != null) {
        saved.mapper.setInputCol(label);
      }
      Labels.Spec spec = Labels.of(saved.mapper);
      InputData.Loaded in = InputData.read(session.spark, input, format, saved.libsvmSize());
      Dataset<Row> df = InputData.withoutReserved(in.data(), out);
      Columns.require(df.schema(), spec.column(), "label column");
      saved.requireInputs(df);
      if (partitions > 0) {
        df = df.repartition(partitions);
      }
      df = df.persist();
      try {
        Labels.requireMapped(saved.mapper.transform(df), spec);
        String weight = saved.classifier.getWeightCol();
        if (weight != null && !Columns.has(df.schema(), weight)) {
          out.println("note: the model was trained with weight column '" + weight + "', which "
              + "the input lacks; the metrics are unweighted");
          weight = null;
        }
        out.println(spec.describe().replace("[as trained]", "(as in training)"));
        Metrics.Result r = Metrics.compute(saved.model.transform(df), weight,
            saved.classifier.logitLoss(), saved.classifier.getThreshold());
        ObjectNode json = Json.object();
        json.put("command", "evaluate");
        json.put("input", input);
        json.put("format", in.format());
        json.put("model", modelDir);
        Json.label(json.putObject("label"), spec);
        if (weight != null) {
          json.put("weight", weight);
        }
        Json.params(json.putObject("params"), saved.classifier);
        r.toJson(json.putObject("metrics"));
        String metricsPath = a.get("metrics");
        if (metricsPath != null) {
          Json.write(session.spark.sparkContext().hadoopConfiguration(), metricsPath, json);
          out.println("metrics written to " + metricsPath);
        }
        out.println();
        out.print(Metrics.table(Map.of("value", r)));
        return 0;
      } finally {
        df.unpersist(false);
      }
    }
  }
}
