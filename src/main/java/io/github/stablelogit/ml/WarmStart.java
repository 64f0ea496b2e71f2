package io.github.stablelogit.ml;

import java.util.Locale;

/** A model's coefficients as the start of a fit ({@link LogitClassifier#setInitialModel}). */
final class WarmStart {

  private WarmStart() {}

  /**
   * The model's coefficients followed by its margin intercept.
   *
   * @param model the initial model
   * @param d the training data's number of features
   * @param shift log(posWeight) when probabilities are corrected (the fitted intercept is the
   *     model's plus this), else 0
   * @param featuresCol the features column, for the message
   * @return d coefficients followed by the intercept
   * @throws IllegalArgumentException when the model has another number of features
   */
  static double[] coefficients(LogitClassificationModel model, int d, double shift,
      String featuresCol) {
    if (model.numFeatures() != d) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "the initial model has %d "
          + "features, but featuresCol '%s' holds vectors of size %d: warm-start from a model "
          + "trained on the same features, or clear it with setInitialModel(null).",
          model.numFeatures(), featuresCol, d));
    }
    double[] coef = new double[d + 1];
    System.arraycopy(model.coefficients().toArray(), 0, coef, 0, d);
    coef[d] = model.intercept() + shift;
    return coef;
  }
}
