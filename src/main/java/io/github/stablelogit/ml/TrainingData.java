package io.github.stablelogit.ml;

import static io.github.stablelogit.ml.SchemaChecks.col;
import static org.apache.spark.sql.functions.lit;

import io.github.stablelogit.loss.DetMath;
import io.github.stablelogit.loss.LabelSmoothing;
import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.optim.BlockPacker;
import io.github.stablelogit.optim.DataSummary.Problem;
import io.github.stablelogit.optim.DataSummary;
import io.github.stablelogit.optim.InstanceBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The training steps every estimator of this library shares, written once: packing the selected
 * columns into cached blocks with their statistics, merging the statistics in partition order,
 * the bad-input checks with their messages, autoPosWeight, the intercept-only starting logit, the
 * early-stopping precondition and the single-class warning; and for cross-validation, blocks that
 * carry a fold id with each fold's statistics. Used by {@link LogitClassifier}, {@link
 * LogitClassifierCV} and {@link LogitMLPClassifier}.
 */
final class TrainingData {

  private TrainingData() {}

  /** @return the output schema of a fit's model, after checking the training columns */
  static StructType trainingSchema(ClassifierParams<?> p, StructType schema) {
    SchemaChecks.requireVector(schema, p.getFeaturesCol(), "featuresCol");
    SchemaChecks.requireNumeric(schema, p.getLabelCol(), "labelCol");
    if (p.getWeightCol() != null) {
      SchemaChecks.requireNumeric(schema, p.getWeightCol(), "weightCol");
    }
    if (p.getValidationIndicatorCol() != null) {
      SchemaChecks.requireBoolean(schema, p.getValidationIndicatorCol(), "validationIndicatorCol");
    }
    return SchemaChecks.appendPredictionColumns(schema, p);
  }

  /** Fails when early stopping is asked for without a validation column. */
  static void requireValidationColumn(ClassifierParams<?> p) {
    if (p.getEarlyStoppingRounds() > 0 && p.getValidationIndicatorCol() == null) {
      throw new IllegalArgumentException("earlyStoppingRounds = " + p.getEarlyStoppingRounds()
          + " needs a validation set: set validationIndicatorCol to a boolean column marking "
          + "validation rows, or set earlyStoppingRounds to 0.");
    }
  }

  /** @return the posWeight of this fit: the class balance with autoPosWeight, else posWeight */
  static double posWeight(ClassifierParams<?> p, DataSummary s) {
    return p.getAutoPosWeight() ? autoPosWeight(p, s) : p.getPosWeight();
  }

  /**
   * The warnings of a fit whose model predicts a single class on its training data (logged).
   *
   * @param positiveFraction share of the training weight predicted positive
   */
  static List<String> warnings(ClassifierParams<?> p, DataSummary summary, double positiveFraction,
      org.slf4j.Logger log) {
    List<String> warnings = new ArrayList<>();
    if (positiveFraction <= 0.0 || positiveFraction >= 1.0) {
      String w = String.format(Locale.ROOT, "the model predicts only class %s on the training "
          + "data at threshold %s (%.4g%% of the training weight is positive). For imbalanced "
          + "data set posWeight (e.g. negatives/positives) or autoPosWeight=true, use focal "
          + "loss, or tune the threshold.", positiveFraction <= 0.0 ? "0" : "1", p.getThreshold(),
          100.0 * summary.labelWeightSum() / summary.weightSum());
      log.warn(w);
      warnings.add(w);
    }
    return warnings;
  }

  /** @return the rows a training summary evaluates: those not marked as validation rows */
  static Dataset<?> trainingRows(ClassifierParams<?> p, Dataset<?> dataset) {
    String v = p.getValidationIndicatorCol();
    return v == null ? dataset
        : dataset.filter(org.apache.spark.sql.functions.not(
            org.apache.spark.sql.functions.coalesce(col(v), lit(false))));
  }

  /** Weighted negatives over weighted positives of the training rows. */
  static double autoPosWeight(ClassifierParams<?> p, DataSummary s) {
    double pos = s.labelWeightSum();
    double neg = s.weightSum() - pos;
    if (!(pos > 0 && neg > 0)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "autoPosWeight needs both classes in labelCol '%s', but the weighted positives are %s "
              + "and the weighted negatives %s; set posWeight explicitly or add rows of the "
              + "missing class.", p.getLabelCol(), pos, neg));
    }
    return neg / pos;
  }

  /** Packs the rows of {@code dataset} into cached blocks, without folds. */
  static JavaRDD<InstanceBlock> packBlocks(ClassifierParams<?> p, Dataset<?> dataset) {
    return pack(p, dataset, null, 0);
  }

  /**
   * Packs the rows of {@code dataset} into cached blocks.
   *
   * @param p the estimator's params (columns, block size, precision)
   * @param dataset the input
   * @param fold an integer column of fold ids in [0, numFolds), or null without folds
   * @param numFolds the number of folds (0 without folds)
   * @return the persisted blocks (the caller unpersists them)
   */
  static JavaRDD<InstanceBlock> pack(ClassifierParams<?> p, Dataset<?> dataset, Column fold,
      int numFolds) {
    String w = p.getWeightCol();
    String v = p.getValidationIndicatorCol();
    List<Column> cols = new ArrayList<>(List.of(
        col(p.getFeaturesCol()),
        col(p.getLabelCol()).cast(DataTypes.DoubleType),
        w == null ? lit(1.0) : col(w).cast(DataTypes.DoubleType)));
    if (v != null) {
      cols.add(col(v).cast(DataTypes.BooleanType));
    }
    if (fold != null) {
      cols.add(fold.cast(DataTypes.LongType));
    }
    Dataset<Row> rows = dataset.select(cols.toArray(new Column[0]));
    double mb = p.getMaxBlockSizeInMB() > 0 ? p.getMaxBlockSizeInMB()
        : LogitClassifier.AUTO_BLOCK_SIZE_MB;
    BlockPacker packer = new BlockPacker(p.getFeaturesCol(), p.getLabelCol(), w, mb, v != null,
        "float".equals(p.getPrecision()));
    if (fold != null) {
      packer.withFolds(numFolds);
    }
    // Spark SQL's internal rows, read without decoding them into Rows and vectors first.
    JavaRDD<InstanceBlock> blocks = rows.queryExecution().toRdd().toJavaRDD()
        .mapPartitionsWithIndex(packer::packInternal, true);
    blocks.setName(String.format(Locale.ROOT, "stablelogit blocks (maxBlockSizeInMB=%s, %s)", mb,
        p.getPrecision()));
    return blocks.persist(StorageLevel.MEMORY_AND_DISK());
  }

  /**
   * Merges the blocks' statistics. One small summary per partition comes to the driver and they are
   * merged in partition order: a merge order that depended on task completion would change the
   * means and deviations in their last bits, and with them the standardized problem, so repeated
   * fits would not be bit-identical.
   */
  static DataSummary summarize(JavaRDD<InstanceBlock> blocks) {
    return summarizeFolds(blocks, 1)[0];
  }

  /**
   * The statistics of each fold's rows, merged as {@link #summarize} does.
   *
   * @param blocks blocks packed with {@code numFolds} folds (or without folds, for 1)
   * @param numFolds the number of folds
   * @return one summary per fold
   */
  static DataSummary[] summarizeFolds(JavaRDD<InstanceBlock> blocks, int numFolds) {
    List<scala.Tuple2<Integer, DataSummary[]>> parts = blocks.mapPartitionsWithIndex((i, it) -> {
      DataSummary[] s = newSummaries(numFolds);
      while (it.hasNext()) {
        InstanceBlock b = it.next();
        s[Math.max(b.fold(), 0)].merge(b.summary());
      }
      return List.of(new scala.Tuple2<>(i, s)).iterator();
    }, true).collect();
    DataSummary[] total = newSummaries(numFolds);
    parts.stream().sorted(java.util.Comparator.comparing(scala.Tuple2::_1)).forEach(t -> {
      for (int k = 0; k < numFolds; k++) {
        total[k].merge(t._2()[k]);
      }
    });
    return total;
  }

  private static DataSummary[] newSummaries(int n) {
    DataSummary[] s = new DataSummary[n];
    for (int k = 0; k < n; k++) {
      s[k] = new DataSummary();
    }
    return s;
  }

  static void validate(ClassifierParams<?> p, DataSummary s, String estimator) {
    List<String> problems = new ArrayList<>();
    describe(s, Problem.NULL_FEATURES, problems, "featuresCol '" + p.getFeaturesCol()
        + "' is null in %d rows (first: %s). Drop or fill those rows.");
    describe(s, Problem.FEATURE_NOT_FINITE, problems, "featuresCol '" + p.getFeaturesCol()
        + "' contains NaN or infinite values in %d rows (first: %s). Remove those rows or impute "
        + "the values (e.g. org.apache.spark.ml.feature.Imputer) before fitting.");
    describe(s, Problem.MALFORMED_VECTOR, problems, "featuresCol '" + p.getFeaturesCol()
        + "' holds malformed sparse vectors in %d rows (first: %s): a sparse vector's indices must "
        + "be strictly increasing, in [0, size), one per value. Build the column with "
        + "Vectors.sparse or a feature transformer such as VectorAssembler.");
    describe(s, Problem.SIZE_MISMATCH, problems, "featuresCol '" + p.getFeaturesCol()
        + "' holds vectors of different sizes in %d rows (first: %s). All feature vectors must "
        + "have the same size; assemble them consistently.");
    describe(s, Problem.BAD_LABEL, problems, "labelCol '" + p.getLabelCol()
        + "' must be in [0, 1], but %d rows are not (first: %s). Map labels to 0/1 (e.g. -1/+1 "
        + "LIBSVM labels with (y + 1) / 2) or drop rows with missing labels.");
    describe(s, Problem.BAD_WEIGHT, problems, "weightCol '" + p.getWeightCol()
        + "' must be finite and >= 0, but %d rows are not (first: %s). Fix or drop those rows.");
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(estimator + " cannot train on this data: "
          + String.join(" ", problems));
    }
    if (s.numFeatures() < 0 || (s.rows() == 0 && s.zeroWeightRows() == 0)) {
      throw new IllegalArgumentException(estimator + " cannot train on an empty dataset: no "
          + "rows were found. Check the filters and the input path.");
    }
    if (!(s.weightSum() > 0)) {
      throw new IllegalArgumentException(estimator + " cannot train: the total instance weight "
          + "in weightCol '" + p.getWeightCol() + "' is 0 (" + s.zeroWeightRows()
          + " rows, all with weight 0). Give some rows a positive weight.");
    }
    double[] mean = s.mean();
    double[] std = s.std();
    for (int j = 0; j < mean.length; j++) {
      if (!Double.isFinite(mean[j]) || !Double.isFinite(std[j])) {
        throw new IllegalArgumentException(String.format(Locale.ROOT,
            "featuresCol '%s': feature %d is too large to train on in double precision (its "
                + "weighted mean is %s and its variance overflows). Rescale it, e.g. divide by "
                + "its maximum or take a logarithm, before fitting.",
            p.getFeaturesCol(), j, mean[j]));
      }
    }
    if (s.numFeatures() == 0) {
      throw new IllegalArgumentException("featuresCol '" + p.getFeaturesCol()
          + "' holds vectors of size 0; there is nothing to learn from.");
    }
    if (p.getEarlyStoppingRounds() > 0 && s.validationRows() == 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "earlyStoppingRounds = %d needs validation rows, but validationIndicatorCol '%s' is "
              + "true in none of the %d rows. Mark some rows as validation rows (e.g. a seeded 20 "
              + "%% sample), or set earlyStoppingRounds to 0.",
          p.getEarlyStoppingRounds(), p.getValidationIndicatorCol(), s.rows()));
    }
    if (p.getLabelSmoothing() == 0.0) {
      double pos = s.labelWeightSum();
      double neg = s.weightSum() - pos;
      if (pos <= 0 || neg <= 0) {
        throw new IllegalArgumentException(String.format(Locale.ROOT,
            "labelCol '%s' has a single class: every one of the %d rows has label %s. A logistic "
                + "model's optimum is then at infinity. Train on data with both classes, or set "
                + "labelSmoothing > 0 to fit a finite model.",
            p.getLabelCol(), s.rows(), pos <= 0 ? "0" : "1"));
      }
    }
  }

  private static void describe(DataSummary s, Problem p, List<String> out, String fmt) {
    if (s.problemCount(p) > 0) {
      out.add(String.format(Locale.ROOT, fmt, s.problemCount(p), s.problemExample(p)));
    }
  }

  /**
   * The weighted log-odds of the smoothed, pos-weighted labels: the intercept-only optimum of BCE.
   */
  static double initialIntercept(DataSummary s, LogitLoss loss) {
    double eps = loss.labelSmoothing();
    double pos = LabelSmoothing.positiveWeight(s.labelWeightSum(), s.weightSum(), eps);
    double neg = s.weightSum() - pos;
    if (!(pos > 0 && neg > 0)) {
      return 0.0;
    }
    return DetMath.log(loss.posWeight()) + DetMath.log(pos) - DetMath.log(neg);
  }
}
