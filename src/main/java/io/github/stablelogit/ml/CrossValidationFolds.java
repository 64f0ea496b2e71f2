package io.github.stablelogit.ml;

import static io.github.stablelogit.ml.SchemaChecks.col;

import io.github.stablelogit.optim.DataSummary;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;

/**
 * The folds of a cross-validation: the fold of each row (the user's fold column, checked, or a
 * seeded hash of the row's values, {@link RowHash#fold}), and the checks that every fold can be
 * trained without and evaluated on.
 */
final class CrossValidationFolds {

  private CrossValidationFolds() {}

  /**
   * The fold id column: foldCol (an integer column, see {@code transformSchema}), whose ids are
   * checked while the rows are packed ({@link #checkIds}), or the hashed assignment.
   *
   * @param p the cross-validation params
   * @param dataset the input
   * @return an integer column expression over dataset
   */
  static Column assign(CrossValidationParams<?> p, Dataset<?> dataset) {
    String name = p.getFoldCol();
    return name == null ? RowHash.fold(dataset.schema(), p.getSeed(), p.getNumFolds())
        : col(name);
  }

  /**
   * Refuses fold ids the packing rejected: null, or outside [0, numFolds). Before the other
   * checks of the rows, which would otherwise count the rejected rows as missing.
   *
   * @param total all rows' statistics, the packing's rejections included
   * @param p the cross-validation params
   */
  static void checkIds(DataSummary total, CrossValidationParams<?> p) {
    long bad = total.problemCount(DataSummary.Problem.BAD_FOLD);
    if (bad > 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "foldCol '%s' must hold fold "
          + "ids in [0, numFolds = %d), but %d rows do not (first: %s). Set numFolds to the "
          + "number of folds, renumber them from 0, or fill or drop the null ids.",
          p.getFoldCol(), p.getNumFolds(), bad,
          total.problemExample(DataSummary.Problem.BAD_FOLD)));
    }
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
    int withRows = 0;
    int only = -1;
    for (int f = 0; f < k; f++) {
      if (summaries[f].rows() + summaries[f].validationRows() > 0) {
        withRows++;
        only = f;
      }
    }
    if (p.getFoldCol() != null && withRows == 1) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "foldCol '%s' has a single "
          + "value (%d): cross-validation needs at least two folds. Assign rows to numFolds = %d "
          + "folds, or unset foldCol to let the rows be hashed into folds.", p.getFoldCol(), only,
          k));
    }
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
