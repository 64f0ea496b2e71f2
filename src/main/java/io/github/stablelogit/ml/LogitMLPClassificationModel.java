package io.github.stablelogit.ml;

import io.github.stablelogit.loss.StableMath;
import io.github.stablelogit.optim.MlpActivation;
import io.github.stablelogit.optim.MlpNetwork;
import java.util.Locale;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.DenseVector;
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
 * work unchanged (z is the calibrated logit when a {@link #calibrator()} is set).
 *
 * <p>It is a Spark {@link ProbabilisticClassificationModel}, so code written for Spark's
 * classifiers takes it: {@link #predictRaw(Vector)}, {@link #predictProbability(Vector)} and
 * {@link #predict(Vector)} give one row's columns, and the decision rule can be set either as
 * {@link #setThreshold(double) threshold} t on P(y = 1) or as Spark's {@link
 * #setThresholds(double[]) thresholds} [t0, t1] (the same rule for t = t1 / (t0 + t1)); each
 * setter clears the other's value. {@link #transform} is this library's (the loss column,
 * calibration, checked inputs); Spark's per-row methods give the same numbers.
 */
public final class LogitMLPClassificationModel
    extends ProbabilisticClassificationModel<Vector, LogitMLPClassificationModel>
    implements MlpParams<LogitMLPClassificationModel>, LogitModel<LogitMLPClassificationModel>,
    MLWritable {

  private static final long serialVersionUID = 2L;

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
    this(PendingUid.begin(uid), numFeatures, hidden, activation, weights);
  }

  private LogitMLPClassificationModel(PendingUid pending, int numFeatures, int[] hidden,
      String activation, Vector weights) {
    // Spark's superclass constructors have created their Params, named by uid() = pending uid.
    this.uid = pending.end();
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
    return uid != null ? uid : PendingUid.current();
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
  @Override
  public int numFeatures() {
    return network.numFeatures();
  }

  /** @return 2 */
  @Override
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
   * The network's logit z of one feature vector: its single output, before any calibration.
   *
   * @param features a vector of size {@link #numFeatures()}
   * @return z
   */
  public double predictLogit(Vector features) {
    LogitClassificationModel.checkSize(features.size(), numFeatures(), getFeaturesCol());
    return logit(network, weights, features);
  }

  /**
   * One row's raw prediction column: [−z, z] with z the {@link #predictLogit logit}, calibrated
   * when a {@link #calibrator()} is set.
   *
   * @param features a vector of size {@link #numFeatures()}
   * @return [−z, z]
   */
  @Override
  public Vector predictRaw(Vector features) {
    double z = calibrated(predictLogit(features));
    return Vectors.dense(-z, z);
  }

  /**
   * One row's probability column: [σ(−z), σ(z)] (each without cancellation), z as in {@link
   * #predictRaw(Vector)}.
   *
   * @param features a vector of size {@link #numFeatures()}
   * @return [P(y = 0), P(y = 1)]
   */
  @Override
  public Vector predictProbability(Vector features) {
    double z = calibrated(predictLogit(features));
    return Vectors.dense(StableMath.sigmoid(-z), StableMath.sigmoid(z));
  }

  /**
   * Turns a raw prediction [−z, z] into [σ(−z), σ(z)], in place.
   *
   * @param rawPrediction a dense [−z, z], as {@link #predictRaw(Vector)} returns
   * @return the same vector, now the probabilities
   * @throws IllegalArgumentException if the vector is not dense
   */
  @Override
  public Vector raw2probabilityInPlace(Vector rawPrediction) {
    if (!(rawPrediction instanceof DenseVector dv)) {
      throw new IllegalArgumentException("raw2probabilityInPlace needs the dense raw prediction "
          + "[-z, z] of predictRaw, but got " + rawPrediction);
    }
    double[] v = dv.values();
    for (int k = 0; k < v.length; k++) {
      v[k] = StableMath.sigmoid(v[k]);
    }
    return dv;
  }

  /**
   * @param rawPrediction [−z, z]
   * @return 1.0 if z &gt; logit(threshold), as the prediction column
   */
  @Override
  public double raw2prediction(Vector rawPrediction) {
    return rawPrediction.apply(1) > LogitClassificationModel.rawThreshold(getThreshold())
        ? 1.0 : 0.0;
  }

  /**
   * @param probability [P(y = 0), P(y = 1)]
   * @return 1.0 if P(y = 1) &gt; threshold
   */
  @Override
  public double probability2prediction(Vector probability) {
    return probability.apply(1) > getThreshold() ? 1.0 : 0.0;
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
  @Override
  public double probabilityOfPositive(Vector features) {
    return StableMath.sigmoid(calibrated(predictLogit(features)));
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
   * @return 1.0 if σ(z) &gt; threshold, else 0.0 (the prediction column)
   */
  @Override
  public double predict(Vector features) {
    return calibrated(predictLogit(features))
        > LogitClassificationModel.rawThreshold(getThreshold()) ? 1.0 : 0.0;
  }

  /**
   * The threshold t on P(y = 1) in use: t1 / (t0 + t1) when Spark's {@code thresholds} are set,
   * else the {@code threshold} param (default 0.5).
   *
   * @return t
   * @throws IllegalArgumentException if thresholds are not two values, or both params are set
   *     to different rules
   */
  @Override
  public double getThreshold() {
    if (!isSet(thresholds())) {
      return MlpParams.super.getThreshold();
    }
    double[] ts = $(thresholds());
    return isSet(threshold()) ? BinaryThresholds.consistent(MlpParams.super.getThreshold(), ts)
        : BinaryThresholds.threshold(ts);
  }

  /**
   * Sets the threshold on P(y = 1) and clears Spark's {@code thresholds}.
   *
   * @param v threshold in [0, 1]
   * @return this
   */
  @Override
  public LogitMLPClassificationModel setThreshold(double v) {
    setValid(threshold(), v);
    clear(thresholds());
    return this;
  }

  /** @return Spark's thresholds: the set ones, or [1 − t, t] of {@link #getThreshold()} */
  @Override
  public double[] getThresholds() {
    return isSet(thresholds()) ? $(thresholds()).clone()
        : BinaryThresholds.thresholds(getThreshold());
  }

  /**
   * Sets Spark's thresholds [t0, t1] and {@code threshold} = t1 / (t0 + t1), the same rule.
   *
   * @param v two finite values ≥ 0, not both 0
   * @return this
   */
  @Override
  public LogitMLPClassificationModel setThresholds(double[] v) {
    double t = BinaryThresholds.threshold(v);
    set(thresholds(), ParamChecks.requireValid(thresholds(), v.clone()));
    set(threshold(), t);
    return this;
  }

  @Override
  public LogitMLPClassificationModel setFeaturesCol(String v) {
    set(featuresCol(), ParamChecks.requireValid(featuresCol(), ParamChecks.NAME, v));
    return this;
  }

  @Override
  public LogitMLPClassificationModel setLabelCol(String v) {
    set(labelCol(), ParamChecks.requireValid(labelCol(), ParamChecks.NAME, v));
    return this;
  }

  @Override
  public LogitMLPClassificationModel setPredictionCol(String v) {
    return MlpParams.super.setPredictionCol(v);
  }

  @Override
  public LogitMLPClassificationModel setRawPredictionCol(String v) {
    return MlpParams.super.setRawPredictionCol(v);
  }

  @Override
  public LogitMLPClassificationModel setProbabilityCol(String v) {
    return MlpParams.super.setProbabilityCol(v);
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
    getThreshold();
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

  /** Spark's (private) hook for its training summaries; declared so javac sees one method. */
  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public scala.Tuple3 findSummaryModel() {
    return super.findSummaryModel();
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
