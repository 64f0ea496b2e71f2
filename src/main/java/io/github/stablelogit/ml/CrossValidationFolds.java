package io.github.stablelogit.ml;

import static io.github.stablelogit.ml.SchemaChecks.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import io.github.stablelogit.optim.DataSummary;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The folds of a cross-validation: the fold of each row (the user's fold column, checked, or a
 * seeded hash of the row's values, {@link RowHash#fold}), and the checks that every fold can be
 * trained without and evaluated on.
 */
final class CrossValidationFolds {

  private CrossValidationFolds() {}

  /**
   * The fold id column: foldCol's values, after checking they are integers in [0, numFolds) and
   * not all equal (one Spark job), or the hashed assignment.
   *
   * @param p the cross-validation params
   * @param dataset the input
   * @return an integer column expression over dataset
   */
  static Column assign(CrossValidationParams<?> p, Dataset<?> dataset) {
    int k = p.getNumFolds();
    String name = p.getFoldCol();
    if (name == null) {
      return RowHash.fold(dataset.schema(), p.getSeed(), k);
    }
    Column c = col(name);
    Row r = dataset.agg(min(c), max(c), count(when(c.isNull(), 1)), countDistinct(c),
        count(when(c.cast(DataTypes.IntegerType).cast(DataTypes.DoubleType)
            .notEqual(c.cast(DataTypes.DoubleType)), 1))).first();
    long nulls = r.getLong(2);
    if (nulls > 0 || r.getLong(4) > 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "foldCol '%s' must hold "
          + "integer fold ids, but %d rows are null and %d not integers. Fill or drop them.",
          name, nulls, r.getLong(4)));
    }
    if (r.isNullAt(0)) {
      throw new IllegalArgumentException("LogitClassifierCV cannot cross-validate an empty "
          + "dataset: foldCol '" + name + "' has no rows. Check the filters and the input path.");
    }
    double lo = ((Number) r.get(0)).doubleValue();
    double hi = ((Number) r.get(1)).doubleValue();
    if (lo < 0 || hi >= k) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "foldCol '%s' must hold fold "
          + "ids in [0, numFolds = %d), but its values range from %s to %s. Set numFolds to the "
          + "number of folds, or renumber them from 0.", name, k, r.get(0), r.get(1)));
    }
    if (r.getLong(3) < 2) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "foldCol '%s' has a single "
          + "value (%s): cross-validation needs at least two folds. Assign rows to numFolds = %d "
          + "folds, or unset foldCol to let the rows be hashed into folds.", name, r.get(0), k));
    }
    return c.cast(DataTypes.IntegerType);
  }

  /**
   * Checks that every fold has rows of both classes, and so does the rest of the data (the
   * fold-model's training rows).
   *
   * @param summaries each fold's statistics
   * @param total all rows' statistics (already validated as {@link LogitClassifier} does)
   * @param p the cross-validation params (foldCol)
   * @param lp the estimator params (labelCol, labelSmoothing)
   */
  static void check(DataSummary[] summaries, DataSummary total, CrossValidationParams<?> p,
      LogitParams<?> lp) {
    int k = summaries.length;
    String how = p.getFoldCol() == null ? "hashed into " + k + " folds (numFolds)"
        : "in foldCol '" + p.getFoldCol() + "'";
    if (total.rows() < k) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "LogitClassifierCV needs at "
          + "least as many rows as folds, but there are %d rows and %d folds. Lower numFolds or "
          + "add rows.", total.rows(), k));
    }
    for (int f = 0; f < k; f++) {
      DataSummary s = summaries[f];
      double pos = s.labelWeightSum();
      double neg = s.weightSum() - pos;
      if (s.rows() == 0 || pos <= 0 || neg <= 0) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "fold %d of the rows %s "
            + "has %d rows of weight %s, %s of them positive: every fold needs rows of both "
            + "classes in labelCol '%s' to be evaluated on. Use fewer folds, another seed, or "
            + "folds stratified by label.", f, how, s.rows(), s.weightSum(), pos,
            lp.getLabelCol()));
      }
      double trainPos = total.labelWeightSum() - pos;
      double trainNeg = total.weightSum() - total.labelWeightSum() - neg;
      if (lp.getLabelSmoothing() == 0.0 && (trainPos <= 0 || trainNeg <= 0)) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "the rows outside fold %d "
            + "(%s) have a single class in labelCol '%s', so the model trained on them would be "
            + "at infinity. Use other folds, or set labelSmoothing > 0.", f, how,
            lp.getLabelCol()));
      }
    }
  }
}
