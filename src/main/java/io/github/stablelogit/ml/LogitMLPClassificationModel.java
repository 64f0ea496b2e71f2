package io.github.stablelogit.ml;

import io.github.stablelogit.loss.StableMath;
import io.github.stablelogit.optim.MlpActivation;
import io.github.stablelogit.optim.MlpNetwork;
import java.util.Locale;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A fitted feed-forward network with one logit output z ({@link LogitMLPClassifier}). It takes raw
 * features (the training standardization is folded into the first layer) and adds the same
 * columns as {@link LogitClassificationModel}: rawPrediction = [−z, z], probability = [σ(−z),
 * σ(z)], prediction, and the per-row loss column, so Pipeline, CrossValidator and the evaluators
 * work unchanged.
 */
public final class LogitMLPClassificationModel extends Model<LogitMLPClassificationModel>
    implements MlpParams<LogitMLPClassificationModel>, LogitModel<LogitMLPClassificationModel>,
    MLWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  private final MlpParams.Defs defs;
  private final MlpNetwork network;
  private final double[] weights;
  private LogitTrainingSummary summary;
  /** Applied to z in transform and predict; null without platt or isotonic calibration. */
  private Calibrator calibrator;

  /**
   * @param uid the model's uid
   * @param numFeatures d
   * @param hidden hidden layer sizes
   * @param activation "relu", "tanh" or "gelu"
   * @param weights every parameter, in the layout of {@link #weights()}
   */
  public LogitMLPClassificationModel(String uid, int numFeatures, int[] hidden,
      String activation, Vector weights) {
    this.uid = uid;
    this.defs = new MlpParams.Defs(this);
    setMlpDefaults();
    this.network = new MlpNetwork(numFeatures, hidden, MlpActivation.named(activation));
    if (weights.size() != network.numParams()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "a network of %d features "
          + "and hidden layers %s has %d weights, but %d were given", numFeatures,
          java.util.Arrays.toString(hidden), network.numParams(), weights.size()));
    }
    this.weights = weights.toArray();
    set(layers(), hidden.clone());
    set(activation(), network.activation().label());
  }

  /**
   * An empty model (no features, no hidden layer), for Spark's reflection-based conventions. Use
   * {@link #load(String)} to get a usable model.
   *
   * @param uid the model's uid
   */
  public LogitMLPClassificationModel(String uid) {
    this(uid, 0, new int[0], "tanh", Vectors.dense(0.0));
  }

  /** An empty model with a random uid. */
  public LogitMLPClassificationModel() {
    this(Identifiable$.MODULE$.randomUID("logitMLPClassifierModel"));
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public MlpParams.Defs defs() {
    return defs;
  }

  /**
   * Every parameter on raw features, layer by layer: layer k's weight matrix (n_{k+1} × n_k,
   * column-major) followed by its n_{k+1} biases; the last layer has one output, the logit.
   *
   * @return the weights
   */
  public Vector weights() {
    return Vectors.dense(weights.clone());
  }

  /**
   * @param k layer index, 0 ≤ k ≤ number of hidden layers
   * @return the weight matrix of layer k (outputs × inputs)
   */
  public DenseMatrix layerWeights(int k) {
    int out = network.out(k);
    int in = network.in(k);
    int from = network.weightOffset(k);
    return new DenseMatrix(out, in, java.util.Arrays.copyOfRange(weights, from, from + out * in));
  }

  /**
   * @param k layer index
   * @return the biases of layer k
   */
  public Vector layerBiases(int k) {
    int from = network.biasOffset(k);
    return Vectors.dense(java.util.Arrays.copyOfRange(weights, from, from + network.out(k)));
  }

  /** @return the layer sizes: d, the hidden sizes, 1 */
  public int[] layerSizes() {
    return network.sizes();
  }

  /** @return the number of features d */
  public int numFeatures() {
    return network.numFeatures();
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

  LogitMLPClassificationModel setSummary(LogitTrainingSummary s) {
    this.summary = s;
    return this;
  }

  /**
   * The logit z of one feature vector (the raw prediction).
   *
   * @param features a vector of size {@link #numFeatures()}
   * @return z
   */
  public double predictRaw(Vector features) {
    LogitClassificationModel.checkSize(features.size(), numFeatures(), getFeaturesCol());
    return logit(network, weights, features);
  }

  private static double logit(MlpNetwork net, double[] w, Vector v) {
    if (v instanceof SparseVector sv) {
      return net.logit(w, sv.indices(), sv.values());
    }
    return net.logit(w, null, v.toDense().values());
  }

  /**
   * @param features a feature vector
   * @return P(y = 1 | x) = σ(z), calibrated when a {@link #calibrator()} is set
   */
  public double predictProbability(Vector features) {
    return StableMath.sigmoid(calibrated(predictRaw(features)));
  }

  private double calibrated(double z) {
    return calibrator == null ? z : calibrator.logit(z);
  }

  /** @return the fitted platt or isotonic calibration, or null (none, or prior in the bias) */
  public Calibrator calibrator() {
    return calibrator;
  }

  LogitMLPClassificationModel setCalibrator(Calibrator c) {
    this.calibrator = c;
    return this;
  }

  /**
   * @param features a feature vector
   * @return 1.0 if σ(z) &gt; threshold, else 0.0
   */
  public double predict(Vector features) {
    return calibrated(predictRaw(features)) > LogitClassificationModel.rawThreshold(getThreshold())
        ? 1.0 : 0.0;
  }

  /**
   * The Brier score, ECE and reliability curve of this model's probabilities on {@code data}, with
   * {@link CalibrationMetrics#DEFAULT_BINS} equal-mass bins.
   *
   * @param data labeled data, labels 0/1 (and the weight column, if one is set)
   * @return the metrics
   */
  public CalibrationMetrics calibrationMetrics(Dataset<?> data) {
    return PredictionColumns.calibrationMetrics(copy(ParamMap.empty()), data);
  }

  /**
   * @param data labeled data, labels 0/1
   * @param numBins number of score bins (0 = every distinct score)
   * @return weighted threshold metrics of this model on {@code data}
   */
  public LogitThresholdMetrics thresholdMetrics(Dataset<?> data, int numBins) {
    return PredictionColumns.thresholdMetrics(copy(ParamMap.empty()), data, numBins);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return PredictionColumns.schema(this, schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    final MlpNetwork net = network;
    final double[] w = weights;
    final Calibrator cal = calibrator;
    return PredictionColumns.transform(this, uid, dataset, numFeatures(),
        cal == null ? v -> logit(net, w, v) : v -> cal.logit(logit(net, w, v)));
  }

  @Override
  public LogitMLPClassificationModel copy(ParamMap extra) {
    LogitMLPClassificationModel m = copyValues(new LogitMLPClassificationModel(uid,
        numFeatures(), getLayers(), getActivation(), Vectors.dense(weights)), extra);
    m.summary = summary;
    m.calibrator = calibrator;
    return m.setParent(parent());
  }

  @Override
  public MLWriter write() {
    return LogitMLPClassificationModelIO.writer(this);
  }

  /** @return a reader for saved models */
  public static MLReader<LogitMLPClassificationModel> read() {
    return LogitMLPClassificationModelIO.reader();
  }

  /**
   * @param path where a model was saved
   * @return the model
   */
  public static LogitMLPClassificationModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "LogitMLPClassificationModel: uid=%s, layers=%s, "
        + "activation=%s, loss=%s", uid, java.util.Arrays.toString(network.sizes()),
        getActivation(), getLoss());
  }
}
