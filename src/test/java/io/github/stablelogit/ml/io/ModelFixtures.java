package io.github.stablelogit.ml.io;

import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassificationModelIO;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitMLPClassificationModel;
import io.github.stablelogit.ml.LogitMLPClassifier;
import io.github.stablelogit.ml.SparkTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Generates the saved-model fixtures under src/test/resources/models/: one model per data format
 * version, with the probabilities it gave on the first rows of sample-data/breast_cancer.csv when
 * it was saved. Later versions of the library must load each fixture and reproduce them.
 *
 * <p>Run from the repository root when a new format version is introduced (never to refresh an
 * existing fixture): {@code mvn -q test-compile exec:exec -Dstablelogit.scope=test
 * -Dstablelogit.main=io.github.stablelogit.ml.io.ModelFixtures -Dstablelogit.args=} for the
 * linear model, {@code -Dstablelogit.args="mlp N"} for format version N of the network model
 * ({@link LogitMLPClassificationModel}, fixtures {@code mlp-model-vN}).
 */
public final class ModelFixtures {

  /** Rows of breast_cancer.csv whose probabilities are recorded. */
  public static final int ROWS = 20;

  private ModelFixtures() {}

  static Path modelDir(int version) {
    return modelDir("logit-model", version);
  }

  static Path expectedFile(int version) {
    return expectedFile("logit-model", version);
  }

  /**
   * @param kind "logit-model" or "mlp-model"
   * @param version the data format version
   * @return the fixture's directory, relative to the repository root
   */
  public static Path modelDir(String kind, int version) {
    return Paths.get("src/test/resources/models/" + kind + "-v" + version);
  }

  /**
   * @param kind "logit-model" or "mlp-model"
   * @param version the data format version
   * @return the CSV of the probabilities the fixture gave when it was saved
   */
  public static Path expectedFile(String kind, int version) {
    return Paths.get("src/test/resources/models/" + kind + "-v" + version + "-expected.csv");
  }

  /**
   * @param model a fitted model
   * @param data breast_cancer.csv as {@link SparkTestSupport#breastCancer} reads it
   * @return P(y=1) for the first {@link #ROWS} rows
   */
  public static double[] probabilities(Transformer model, Dataset<Row> data) {
    List<Row> rows = model.transform(data.limit(ROWS)).select("probability").collectAsList();
    return rows.stream().mapToDouble(r -> ((Vector) r.get(0)).apply(1)).toArray();
  }

  public static void main(String[] args) throws IOException {
    boolean mlp = args.length > 0 && "mlp".equals(args[0]);
    int version = mlp ? Integer.parseInt(args[1]) : LogitClassificationModelIO.FORMAT_VERSION;
    String kind = mlp ? "mlp-model" : "logit-model";
    Path dir = modelDir(kind, version);
    if (Files.exists(dir)) {
      throw new IllegalStateException(dir + " exists: fixtures of a released format are never "
          + "regenerated");
    }
    SparkSession spark = SparkTestSupport.newSession("model-fixtures");
    try {
      Dataset<Row> data = SparkTestSupport.breastCancer(spark).coalesce(1);
      // Since version 2: isotonic calibration fitted on every fourth row (version 1 had none).
      Dataset<Row> marked = data.withColumn("isVal", org.apache.spark.sql.functions
          .monotonically_increasing_id().mod(4).equalTo(0));
      Transformer model = mlp ? saveNetwork(marked, dir) : saveLinear(marked, dir);
      String lines = java.util.Arrays.stream(probabilities(model, data))
          .mapToObj(p -> String.format(Locale.ROOT, "%.17g", p))
          .collect(Collectors.joining("\n", "probability\n", "\n"));
      Files.writeString(expectedFile(kind, version), lines);
    } finally {
      spark.stop();
    }
  }

  private static Transformer saveLinear(Dataset<Row> marked, Path dir) throws IOException {
    LogitClassificationModel model = new LogitClassifier().setLoss("focal").setFocalGamma(1.5)
        .setFocalAlpha(0.4).setPosWeight(2.0).setRegParam(1e-2).setThreshold(0.4)
        .setTol(1e-10).setValidationIndicatorCol("isVal").setCalibration("isotonic")
        .fit(marked);
    model.write().save(dir.toString());
    return model;
  }

  /** Network format version 1: two tanh layers, focal loss, platt calibration, threshold 0.4. */
  private static Transformer saveNetwork(Dataset<Row> marked, Path dir) throws IOException {
    LogitMLPClassificationModel model = new LogitMLPClassifier().setLayers(new int[] {5, 3})
        .setLoss("focal").setFocalGamma(1.5).setFocalAlpha(0.4).setPosWeight(2.0)
        .setRegParam(1e-2).setThreshold(0.4).setMaxIter(60).setValidationIndicatorCol("isVal")
        .setCalibration("platt").fit(marked);
    model.write().save(dir.toString());
    return model;
  }
}
