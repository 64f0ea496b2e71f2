package io.github.stablelogit.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitClassifierCV;
import io.github.stablelogit.ml.LogitClassifierCVModel;
import io.github.stablelogit.ml.LogitLossEvaluator;
import io.github.stablelogit.ml.RowHash;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Wall time of LogitClassifierCV (K fold-models in lockstep, one pass per round) against Spark's
 * CrossValidator over LogitClassifier and over Spark's LogisticRegression, on the same folds (a
 * fold column), the same regParam grid (the path LogitClassifierCV chose) and the same selection
 * metric (the held-out mean BCE: metric loss, LogitLossEvaluator), and of one LogitClassifier fit
 * at the default tol. Prints, per data set and elasticNetParam, the times, their ratios and the
 * regParam each selected. One run of each.
 *
 * <p>Options: {@code --data dense-50kx20,a9a,bank} (a {@link BenchData.Shape}, {@code a9a}: the
 * LIBSVM file under {@code --data-dir}/a9a, {@code bank}: bank marketing with its categorical
 * columns one-hot encoded and duration dropped), {@code --elastic-nets 0,0.5}, {@code --folds 5},
 * {@code --lambdas 20}, {@code --partitions 4}, {@code --data-dir /work/shared/data},
 * {@code --skip-spark-lr} (leave out the slowest), {@code --ours-only} (leave out both
 * CrossValidator runs), {@code --solver auto|lbfgs|newton} (our estimators' solver, default auto),
 * {@code --spark-tol 1e-6} and {@code --spark-max-iter 100} (Spark LogisticRegression's tol and
 * maxIter, its defaults unless given: tighter values show whether a different selected regParam
 * is Spark's stopping rule), {@code --spark-window k} (Spark LR's grid: only the k regParams
 * each side of the one LogitClassifierCV selected, and its held-out losses printed next to
 * ours; default the whole grid), {@code --master}.
 */
public final class CrossValidationBenchmark {

  private static final String[] BANK_CATEGORICAL = {"job", "marital", "education", "default",
      "housing", "loan", "contact", "month", "day_of_week", "poutcome"};
  private static final String[] BANK_NUMERIC = {"age", "campaign", "pdays", "previous",
      "emp_var_rate", "cons_price_idx", "cons_conf_idx", "euribor3m", "nr_employed"};

  private CrossValidationBenchmark() {}

  /** @param args options, see the class comment */
  public static void main(String[] args) {
    String data = "dense-50kx20,a9a,bank";
    String alphas = "0,0.5";
    int folds = 5;
    int lambdas = 20;
    int partitions = 4;
    String dir = "/work/shared/data";
    boolean sparkLr = true;
    boolean crossValidator = true;
    String master = "local[*]";
    String solver = "auto";
    double sparkTol = 1e-6;
    int sparkMaxIter = 100;
    int sparkWindow = -1;
    for (int i = 0; i < args.length; i += 2) {
      if (args[i].equals("--skip-spark-lr")) {
        sparkLr = false;
        i--;
        continue;
      }
      if (args[i].equals("--ours-only")) {
        sparkLr = false;
        crossValidator = false;
        i--;
        continue;
      }
      switch (args[i]) {
        case "--data" -> data = args[i + 1];
        case "--elastic-nets" -> alphas = args[i + 1];
        case "--folds" -> folds = Integer.parseInt(args[i + 1]);
        case "--lambdas" -> lambdas = Integer.parseInt(args[i + 1]);
        case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
        case "--data-dir" -> dir = args[i + 1];
        case "--master" -> master = args[i + 1];
        case "--solver" -> solver = args[i + 1];
        case "--spark-tol" -> sparkTol = Double.parseDouble(args[i + 1]);
        case "--spark-max-iter" -> sparkMaxIter = Integer.parseInt(args[i + 1]);
        case "--spark-window" -> sparkWindow = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    SparkSession spark = SparkSession.builder().master(master)
        .appName("CrossValidationBenchmark").config("spark.ui.enabled", "false").getOrCreate();
    List<String> lines = new ArrayList<>();
    try {
      for (String name : data.split(",")) {
        Dataset<Row> raw = load(spark, name.trim(), dir, partitions);
        Dataset<Row> df = raw.withColumn("fold", RowHash.fold(raw.schema(), 7L, folds)).cache();
        long rows = df.count();
        for (String s : alphas.split(",")) {
          double a = Double.parseDouble(s);
          String line = run(df, name + " (" + rows + " rows)", a, folds, lambdas, solver,
              sparkLr ? new LogisticRegression().setElasticNetParam(a).setTol(sparkTol)
                  .setMaxIter(sparkMaxIter) : null, sparkWindow, crossValidator);
          System.out.println(line);
          lines.add(line);
        }
        df.unpersist();
      }
      System.out.println("summary:");
      lines.forEach(System.out::println);
    } finally {
      spark.stop();
    }
  }

  private static String run(Dataset<Row> df, String name, double a, int folds, int lambdas,
      String solver, LogisticRegression spark, int sparkWindow, boolean crossValidator) {
    long t0 = System.nanoTime();
    new LogitClassifier().setElasticNetParam(a).setRegParam(1e-3).setSolver(solver)
        .fit(df.drop("fold"));
    double single = (System.nanoTime() - t0) / 1e9;

    t0 = System.nanoTime();
    LogitClassifierCVModel cv = new LogitClassifierCV().setFoldCol("fold").setNumFolds(folds)
        .setNumRegParams(lambdas).setElasticNetParams(a).setSolver(solver).fit(df);
    double ours = (System.nanoTime() - t0) / 1e9;
    double[] grid = cv.pathRegParams();
    if (!crossValidator) {
      return String.format(Locale.ROOT, "%s, %d folds x %d lambdas, elasticNetParam %s: single "
          + "fit %.1f s; LogitClassifierCV %.1f s (selected %.4g) = %.2fx single fit", name,
          folds, grid.length, a, single, ours, grid[cv.bestIndex()], ours / single);
    }

    LogitClassifier clf = new LogitClassifier().setElasticNetParam(a).setSolver(solver);
    double[] own = crossValidator(df, clf, new ParamGridBuilder()
        .addGrid(clf.regParam(), grid).build(), folds);
    String lr = "CrossValidator(LogisticRegression) skipped";
    if (spark != null) {
      int best = cv.bestIndex();
      int from = sparkWindow < 0 ? 0 : Math.max(0, best - sparkWindow);
      int to = sparkWindow < 0 ? grid.length : Math.min(grid.length, best + sparkWindow + 1);
      double[] sparkGrid = java.util.Arrays.copyOfRange(grid, from, to);
      double[] s = crossValidator(df, spark, new ParamGridBuilder()
          .addGrid(spark.regParam(), sparkGrid).build(), folds);
      if (sparkWindow >= 0) {
        StringBuilder b = new StringBuilder("held-out loss (ours / Spark LR):");
        for (int k = 0; k < sparkGrid.length; k++) {
          b.append(String.format(Locale.ROOT, " %.4g: %.9f / %.9f;", sparkGrid[k],
              cv.avgMetrics()[from + k], s[2 + k]));
        }
        System.out.println(b);
      }
      lr = String.format(Locale.ROOT, "CrossValidator(LogisticRegression, tol %s, maxIter %d) "
          + "%.1f s = %.2fx (selected %.4g)", spark.getTol(), spark.getMaxIter(), s[0],
          s[0] / ours, s[1]);
    }
    return String.format(Locale.ROOT, "%s, %d folds x %d lambdas, elasticNetParam %s: single "
        + "fit %.1f s; LogitClassifierCV %.1f s (selected %.4g) = %.2fx single fit; "
        + "CrossValidator(LogitClassifier) %.1f s = %.2fx (selected %.4g); %s", name, folds,
        grid.length, a, single, ours, grid[cv.bestIndex()], ours / single, own[0],
        own[0] / ours, own[1], lr);
  }

  /** @return {wall seconds, selected regParam, average metric per grid point...} */
  private static double[] crossValidator(Dataset<Row> df, Estimator<?> e, ParamMap[] grid,
      int folds) {
    long t0 = System.nanoTime();
    CrossValidatorModel m = new CrossValidator().setEstimator(e).setEstimatorParamMaps(grid)
        .setEvaluator(new LogitLossEvaluator()).setNumFolds(folds).setFoldCol("fold").fit(df);
    double seconds = (System.nanoTime() - t0) / 1e9;
    Model<?> best = m.bestModel();
    double[] out = new double[2 + m.avgMetrics().length];
    out[0] = seconds;
    out[1] = (Double) best.getOrDefault(best.getParam("regParam"));
    System.arraycopy(m.avgMetrics(), 0, out, 2, m.avgMetrics().length);
    return out;
  }

  private static Dataset<Row> load(SparkSession spark, String name, String dir,
      int partitions) {
    if (name.equals("a9a")) {
      Dataset<Row> d = spark.read().format("libsvm").option("numFeatures", "123")
          .load(dir + "/a9a/a9a_train.libsvm");
      return d.withColumn("label", when(col("label").gt(0), 1.0).otherwise(0.0))
          .repartition(partitions);
    }
    if (name.equals("bank")) {
      Dataset<Row> d = spark.read().option("header", "true").option("sep", ";")
          .option("inferSchema", "true").csv(dir + "/bank_marketing/bank-additional-full.csv.gz");
      for (String c : d.columns()) {
        d = d.withColumnRenamed(c, c.replace('.', '_'));
      }
      d = d.withColumn("label", when(col("y").equalTo("yes"), 1.0).otherwise(0.0));
      List<PipelineStage> stages = new ArrayList<>();
      String[] encoded = new String[BANK_CATEGORICAL.length];
      for (int i = 0; i < BANK_CATEGORICAL.length; i++) {
        String c = BANK_CATEGORICAL[i];
        stages.add(new StringIndexer().setInputCol(c).setOutputCol(c + "_i"));
        encoded[i] = c + "_v";
        stages.add(new OneHotEncoder().setInputCol(c + "_i").setOutputCol(encoded[i]));
      }
      String[] inputs = new String[encoded.length + BANK_NUMERIC.length];
      System.arraycopy(encoded, 0, inputs, 0, encoded.length);
      System.arraycopy(BANK_NUMERIC, 0, inputs, encoded.length, BANK_NUMERIC.length);
      stages.add(new VectorAssembler().setInputCols(inputs).setOutputCol("features"));
      Dataset<Row> f = new Pipeline().setStages(stages.toArray(new PipelineStage[0])).fit(d)
          .transform(d);
      return f.select("features", "label").repartition(partitions);
    }
    return BenchData.build(spark, BenchData.Shape.parse(name), partitions, 42L);
  }
}
