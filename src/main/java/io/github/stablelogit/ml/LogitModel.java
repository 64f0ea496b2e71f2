package io.github.stablelogit.ml;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What every fitted binary classifier of this library offers besides its parameters: the linear
 * {@link LogitClassificationModel} and the network {@link LogitMLPClassificationModel} both score
 * rows by one logit z, with the columns, threshold, calibration and summary of {@link
 * ClassifierParams}. Code that only scores, evaluates or reports (a job, a notebook) can take
 * either through this type.
 *
 * @param <S> the implementing class, returned by setters for chaining
 */
public interface LogitModel<S extends LogitModel<S>> extends ClassifierParams<S> {

  /** @return the number of features d */
  int numFeatures();

  /** @return true when the model came from {@code fit} in this JVM and has a summary */
  boolean hasSummary();

  /**
   * @return the training summary
   * @throws IllegalStateException if the model was loaded or copied without one
   */
  LogitTrainingSummary summary();

  /**
   * P(y = 1) of one feature vector, as in the probability column. (Named apart from Spark's
   * {@code predictProbability}, which returns the vector of both class probabilities.)
   *
   * @param features a vector of size {@link #numFeatures()}
   * @return P(y = 1), calibrated when the model has a calibrator
   */
  double probabilityOfPositive(Vector features);

  /**
   * @param dataset rows with the features column
   * @return the rows with the raw prediction, probability, prediction (and loss) columns
   */
  Dataset<Row> transform(Dataset<?> dataset);
}
