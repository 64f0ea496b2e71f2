package io.github.stablelogit.bench;

import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitClassifierCV;
import io.github.stablelogit.ml.LogitClassifierCVModel;
import io.github.stablelogit.ml.LogitLossEvaluator;
import io.github.stablelogit.ml.RowHash;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Wall time of LogitClassifierCV against Spark's CrossValidator over LogitClassifier and over
 * Spark's LogisticRegression, on the same folds (a fold column) and the same regParam grid (the
 * path LogitClassifierCV chose), and of one LogitClassifier fit. One run per estimator.
 *
 * <p>Options: {@code --shape dense-100kx20} (see {@link BenchData.Shape}), {@code --folds 5},
 * {@code --lambdas 20}, {@code --elastic-net 0}, {@code --partitions 4}, {@code --master}.
 */
public final class CrossValidationBenchmark {

  private CrossValidationBenchmark() {}

  /** @param args options, see the class comment */
  public static void main(String[] args) {
    String shapeName = "dense-100kx20";
    int folds = 5;
    int lambdas = 20;
    double a = 0.0;
    int partitions = 4;
    String master = "local[*]";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--shape" -> shapeName = args[i + 1];
        case "--folds" -> folds = Integer.parseInt(args[i + 1]);
        case "--lambdas" -> lambdas = Integer.parseInt(args[i + 1]);
        case "--elastic-net" -> a = Double.parseDouble(args[i + 1]);
        case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
        case "--master" -> master = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    SparkSession spark = SparkSession.builder().master(master)
        .appName("CrossValidationBenchmark").config("spark.ui.enabled", "false").getOrCreate();
    try {
      BenchData.Shape shape = BenchData.Shape.parse(shapeName);
      Dataset<Row> raw = BenchData.build(spark, shape, partitions, 42L);
      Dataset<Row> df = raw.withColumn("fold", RowHash.fold(raw.schema(), 7L, folds)).cache();
      df.count();

      long t0 = System.nanoTime();
      new LogitClassifier().setElasticNetParam(a).setRegParam(1e-3).fit(df.drop("fold"));
      double single = (System.nanoTime() - t0) / 1e9;

      t0 = System.nanoTime();
      LogitClassifierCVModel cv = new LogitClassifierCV().setFoldCol("fold").setNumFolds(folds)
          .setNumRegParams(lambdas).setElasticNetParams(a).fit(df);
      double ours = (System.nanoTime() - t0) / 1e9;
      double[] grid = cv.pathRegParams();

      LogitClassifier clf = new LogitClassifier().setElasticNetParam(a);
      double cvOwn = crossValidator(df, clf, new ParamGridBuilder()
          .addGrid(clf.regParam(), grid).build(), new LogitLossEvaluator(), folds);
      LogisticRegression lr = new LogisticRegression().setElasticNetParam(a);
      double cvSpark = crossValidator(df, lr, new ParamGridBuilder()
          .addGrid(lr.regParam(), grid).build(), new BinaryClassificationEvaluator(), folds);
      System.out.printf(Locale.ROOT, "%s, %d folds x %d lambdas, elasticNetParam %s: single fit "
          + "%.1f s; LogitClassifierCV %.1f s (selected %s); CrossValidator(LogitClassifier) "
          + "%.1f s = %.2fx; CrossValidator(LogisticRegression) %.1f s = %.2fx; CV / single fit "
          + "= %.2f%n", shapeName, folds, grid.length, a, single, ours,
          cv.pathRegParams()[cv.bestIndex()], cvOwn, cvOwn / ours, cvSpark, cvSpark / ours,
          ours / single);
      System.out.println("grid: " + Arrays.toString(grid));
    } finally {
      spark.stop();
    }
  }

  private static double crossValidator(Dataset<Row> df, Estimator<?> e, ParamMap[] grid,
      org.apache.spark.ml.evaluation.Evaluator evaluator, int folds) {
    long t0 = System.nanoTime();
    CrossValidatorModel m = new CrossValidator().setEstimator(e).setEstimatorParamMaps(grid)
        .setEvaluator(evaluator).setNumFolds(folds).setFoldCol("fold").fit(df);
    m.avgMetrics();
    return (System.nanoTime() - t0) / 1e9;
  }
}
