package io.github.stablelogit.ml;

import io.github.stablelogit.loss.StableMath;
import java.util.Locale;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted linear logit model: z = βᵀx + b. {@code transform} adds the same columns as Spark's
 * LogisticRegressionModel — rawPrediction = [−z, z], probability = [σ(−z), σ(z)] (each computed
 * without cancellation, so tiny probabilities keep their relative precision) and prediction = 1
 * when σ(z) &gt; threshold — so BinaryClassificationEvaluator, Pipeline, CrossValidator and
 * TrainValidationSplit work unchanged. An output column whose name is set to "" is not produced.
 *
 * <p>With a platt or isotonic {@link #calibrator()}, z in every output (rawPrediction, probability,
 * prediction and the loss column) is the calibrated logit c(z), so that probability = σ(c(z)) is
 * the calibrated probability and rawPrediction = [−c(z), c(z)] stays consistent with it; {@link
 * #margin(Vector)} is still βᵀx + b.
 */
public final class LogitClassificationModel extends Model<LogitClassificationModel>
    implements LogitParams<LogitClassificationModel>, LogitModel<LogitClassificationModel>,
    MLWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  /** The data format version this library writes: {@link LogitClassificationModelIO}. */
  public static final int FORMAT_VERSION = LogitClassificationModelIO.FORMAT_VERSION;

  private final LogitParams.Defs defs;
  private final Vector coefficients;
  private final double intercept;
  private LogitTrainingSummary summary;
  /** Applied to z in transform and predict; null without platt or isotonic calibration. */
  private Calibrator calibrator;

  /**
   * @param uid the model's uid
   * @param coefficients β in the original feature space
   * @param intercept b
   */
  public LogitClassificationModel(String uid, Vector coefficients, double intercept) {
    this.uid = uid;
    this.defs = new LogitParams.Defs(this);
    setLogitDefaults();
    this.coefficients = coefficients;
    this.intercept = intercept;
  }

  /**
   * An empty model (no features) with the given uid; it exists for Spark's reflection-based copy
   * and persistence conventions. Use {@link #load(String)} to get a usable model.
   *
   * @param uid the model's uid
   */
  public LogitClassificationModel(String uid) {
    this(uid, Vectors.dense(new double[0]), 0.0);
  }

  /** An empty model with a random uid. */
  public LogitClassificationModel() {
    this(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("logitClassifierModel"));
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public LogitParams.Defs defs() {
    return defs;
  }

  /** @return β in the original feature space */
  public Vector coefficients() {
    return coefficients;
  }

  /** @return the intercept b */
  public double intercept() {
    return intercept;
  }

  /** @return the number of features d */
  public int numFeatures() {
    return coefficients.size();
  }

  /** @return 2 */
  public int numClasses() {
    return 2;
  }

  /** @return true when this model came from {@code fit} in this JVM and has a summary */
  public boolean hasSummary() {
    return summary != null;
  }

  /**
   * @return the training summary
   * @throws IllegalStateException if the model was loaded or copied without one
   */
  public LogitTrainingSummary summary() {
    return LogitTrainingSummary.required(summary, uid);
  }

  LogitClassificationModel setSummary(LogitTrainingSummary s) {
    this.summary = s;
    return this;
  }

  /** @return the fitted platt or isotonic calibration, or null (none, or prior in b) */
  public Calibrator calibrator() {
    return calibrator;
  }

  LogitClassificationModel setCalibrator(Calibrator c) {
    this.calibrator = c;
    return this;
  }

  /**
   * The Brier score, ECE and reliability curve of this model's (calibrated) probabilities on
   * {@code data}, with {@link CalibrationMetrics#DEFAULT_BINS} equal-mass bins.
   *
   * @param data labeled data, labels 0/1 (and the weight column, if one is set)
   * @return the metrics
   */
  public CalibrationMetrics calibrationMetrics(Dataset<?> data) {
    return PredictionColumns.calibrationMetrics(copy(ParamMap.empty()), data);
  }

  /**
   * Weighted ROC, PR and precision/recall/F-measure by threshold of this model on {@code data}
   * (which needs the label column, and the weight column if one is set), with 1000 score bins.
   * Use it on held-out data to choose {@link #setThreshold}.
   *
   * @param data labeled data, labels 0/1
   * @return the metrics
   */
  public LogitThresholdMetrics thresholdMetrics(Dataset<?> data) {
    return thresholdMetrics(data, 1000);
  }

  /**
   * @param data labeled data, labels 0/1
   * @param numBins number of score bins (0 = every distinct score)
   * @return weighted threshold metrics of this model on {@code data}
   */
  public LogitThresholdMetrics thresholdMetrics(Dataset<?> data, int numBins) {
    return PredictionColumns.thresholdMetrics(copy(ParamMap.empty()), data, numBins);
  }

  /**
   * The logit z = βᵀx + b of one feature vector.
   *
   * @param features a vector of size {@link #numFeatures()}
   * @return z
   */
  public double margin(Vector features) {
    checkSize(features.size(), coefficients.size(), getFeaturesCol());
    return features.dot(coefficients) + intercept;
  }

  /**
   * @param features a feature vector
   * @return P(y = 1 | x) = σ(z), calibrated when a {@link #calibrator()} is set
   */
  public double predictProbability(Vector features) {
    return StableMath.sigmoid(calibrated(margin(features)));
  }

  /**
   * The same as {@link #predictProbability(Vector)}.
   *
   * @param features a feature vector
   * @return P(y = 1 | x), calibrated when a {@link #calibrator()} is set
   */
  @Override
  public double probabilityOfPositive(Vector features) {
    return predictProbability(features);
  }

  private double calibrated(double z) {
    return calibrator == null ? z : calibrator.logit(z);
  }

  /**
   * @param features a feature vector
   * @return 1.0 if σ(z) &gt; threshold, else 0.0
   */
  public double predict(Vector features) {
    return calibrated(margin(features)) > rawThreshold(getThreshold()) ? 1.0 : 0.0;
  }

  /** logit(t): σ(z) &gt; t ⇔ z &gt; logit(t); ±∞ at t = 1 and t = 0. */
  static double rawThreshold(double t) {
    if (t <= 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (t >= 1) {
      return Double.POSITIVE_INFINITY;
    }
    return Math.log(t) - Math.log1p(-t);
  }

  static void checkSize(int got, int expected, String featuresCol) {
    if (got != expected) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "featuresCol '%s' holds a vector of size %d, but the model was trained on %d features; "
              + "assemble the features exactly as for training", featuresCol, got, expected));
    }
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return PredictionColumns.schema(this, schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    final Vector beta = coefficients;
    final double b = intercept;
    final Calibrator cal = calibrator;
    return PredictionColumns.transform(this, uid, dataset, coefficients.size(),
        cal == null ? v -> v.dot(beta) + b : v -> cal.logit(v.dot(beta) + b));
  }

  @Override
  public LogitClassificationModel copy(ParamMap extra) {
    LogitClassificationModel m = copyValues(
        new LogitClassificationModel(uid, coefficients, intercept), extra);
    m.summary = summary;
    m.calibrator = calibrator;
    return m.setParent(parent());
  }

  @Override
  public MLWriter write() {
    return LogitClassificationModelIO.writer(this);
  }

  /** @return a reader for saved models */
  public static MLReader<LogitClassificationModel> read() {
    return LogitClassificationModelIO.reader();
  }

  /**
   * @param path where a model was saved
   * @return the model
   */
  public static LogitClassificationModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "LogitClassificationModel: uid=%s, numFeatures=%d, loss=%s",
        uid, numFeatures(), getLoss());
  }
}
