package io.github.stablelogit.ml;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.io.Persistence;
import io.github.stablelogit.optim.AdamMinimizer;
import io.github.stablelogit.optim.DataSummary;
import io.github.stablelogit.optim.InstanceBlock;
import io.github.stablelogit.optim.LogitMinimizer;
import io.github.stablelogit.optim.MlpActivation;
import io.github.stablelogit.optim.MlpNetwork;
import io.github.stablelogit.optim.MlpObjective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a feed-forward network with one logit output z by minimizing
 *
 * <pre>
 *   (1/Σᵢwᵢ) Σᵢ wᵢ ℓ(zᵢ, yᵢ) + λ/2 · Σ (weights)²
 * </pre>
 *
 * with exactly the losses, imbalance options, validation rows and early stopping of {@link
 * LogitClassifier} (ℓ as defined in {@link LogitLoss}; biases are not penalized). Hidden layers
 * ({@code layers}, default [32]) use the {@code activation} (tanh, relu or gelu) and start from a
 * seeded He/Glorot initialization; with {@code layers = []} the network is the linear model and
 * the fit is LogitClassifier's optimum. The first layer sees standardized features (standardization
 * is folded into its weights at the end, so the model takes raw features).
 *
 * <p>Training packs each partition once into the same cached blocks as the linear estimator and
 * runs each pass as one Spark job: per block, vectorised forward and backward passes chunk by
 * chunk (dgemm; CSR input in the first layer without densifying), combined by {@code
 * treeAggregate} in double-double arithmetic, so refits are bit-identical. Solvers: {@code lbfgs}
 * (full batch, default) or {@code adam} (warm-up, cosine decay, gradient clipping; full batch, or
 * with {@code miniBatchFraction} &lt; 1 a seeded, partition-independent share of the rows per
 * step, chosen by a hash of each row's values).
 */
public final class LogitMLPClassifier extends Estimator<LogitMLPClassificationModel>
    implements MlpParams<LogitMLPClassifier>, MLWritable {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LogitMLPClassifier.class);

  private final String uid;
  private final MlpParams.Defs defs;
  private transient List<IterationListener> listeners = new ArrayList<>();

  /** @param uid this estimator's uid */
  public LogitMLPClassifier(String uid) {
    this.uid = uid;
    this.defs = new MlpParams.Defs(this);
    setMlpDefaults();
  }

  /** A classifier with a random uid and default parameters. */
  public LogitMLPClassifier() {
    this(Identifiable$.MODULE$.randomUID("logitMLPClassifier"));
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
   * Registers a callback that receives every optimizer iteration on the driver. Not persisted.
   *
   * @param listener the callback
   * @return this
   */
  public LogitMLPClassifier addIterationListener(IterationListener listener) {
    if (listeners == null) {
      listeners = new ArrayList<>();
    }
    listeners.add(listener);
    return this;
  }

  /**
   * Warm start: the next fit starts from this model's weights (its layers, activation and number
   * of features must match the fit's).
   *
   * @param model a fitted network
   * @return this
   */
  public LogitMLPClassifier setInitialModel(LogitMLPClassificationModel model) {
    setLayers(Arrays.copyOfRange(model.layerSizes(), 1, model.layerSizes().length - 1));
    setActivation(model.getActivation());
    return setInitialWeights(model.weights());
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return TrainingData.trainingSchema(this, schema);
  }

  @Override
  public LogitMLPClassificationModel fit(Dataset<?> dataset) {
    long start = System.nanoTime();
    transformSchema(dataset.schema(), true);
    TrainingData.requireValidationColumn(this);
    Calibrator.requireValidation(this);
    if (getMiniBatchFraction() < 1 && !"adam".equals(getSolver())) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "miniBatchFraction %s "
          + "needs solver adam (solver %s takes full-batch steps); set solver adam or leave "
          + "miniBatchFraction at 1.", getMiniBatchFraction(), getSolver()));
    }
    JavaRDD<InstanceBlock> blocks = TrainingData.packBlocks(this, dataset);
    try {
      DataSummary data = TrainingData.summarize(blocks);
      TrainingData.validate(this, data, "LogitMLPClassifier");
      double posWeight = TrainingData.posWeight(this, data);
      LogitLoss loss = lossNamed(getLoss(), posWeight);
      double shift = Calibrator.priorShift(this, posWeight);
      int d = data.numFeatures();
      MlpNetwork net = new MlpNetwork(d, getLayers(), MlpActivation.named(getActivation()));
      MlpObjective objective = MlpObjective.over(blocks, loss, net, data, getStandardization(),
          getRegParam(), getAggregationDepth(),
          LogitClassificationModel.rawThreshold(getThreshold()) + shift)
          .withMiniBatches(getMiniBatchFraction(), getSeed());
      double[] x0 = startingPoint(net, objective, data, loss);
      LOG.info(String.format(Locale.ROOT, "fitting a network %s (%s, %d parameters) with %s on "
              + "%d rows (weight sum %s%s), regParam=%s, solver %s%s, %d partitions",
          Arrays.toString(net.sizes()), getActivation(), net.numParams(), loss, data.rows(),
          data.weightSum(), data.validationRows() > 0 ? ", " + data.validationRows()
              + " validation rows" : "", getRegParam(), getSolver(),
          getMiniBatchFraction() < 1 ? " (mini-batch fraction " + getMiniBatchFraction() + ")"
              : "", blocks.getNumPartitions()));
      List<IterationListener> ls = listeners == null ? List.of() : List.copyOf(listeners);
      LogitMinimizer.Result result = minimize(objective, x0, it -> {
        LogitIteration pub = LogitTrainingSummary.toPublic(it);
        ls.forEach(l -> l.onIteration(pub));
      });
      objective.useBatch(-1);
      double[] theta = objective.toOriginal(result.x());
      theta[net.biasOffset(net.numLayers() - 1)] -= shift;
      LogitMLPClassificationModel model = new LogitMLPClassificationModel(uid, d, getLayers(),
          getActivation(), Vectors.dense(theta));
      double positiveFraction = objective.predictedPositiveFraction(result.x());
      List<String> warnings = TrainingData.warnings(this, data, positiveFraction, LOG);
      LogitTrainingSummary trainingSummary = new LogitTrainingSummary(result, data, d, posWeight,
          positiveFraction, warnings, getSolver(), objective.evaluations(), 0,
          (System.nanoTime() - start) / 1e9);
      model.setSummary(trainingSummary);
      copyValues(model, ParamMap.empty()).setParent(this);
      model.setCalibrator(Calibrator.fit(this, model, dataset, data.validationRows()));
      if (getAutoPosWeight()) {
        model.setPosWeight(posWeight);
      }
      trainingSummary.attach(model::thresholdMetrics, model::calibrationMetrics,
          TrainingData.trainingRows(this, dataset));
      return model;
    } finally {
      blocks.unpersist(false);
    }
  }

  /** initialWeights when set, else the seeded initialization with the intercept-only logit. */
  private double[] startingPoint(MlpNetwork net, MlpObjective objective, DataSummary data,
      LogitLoss loss) {
    Vector w = getInitialWeights();
    if (w == null) {
      return net.initialParams(getSeed(), TrainingData.initialIntercept(data, loss));
    }
    if (w.size() != net.numParams()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "initialWeights has %d "
          + "values, but a network %s has %d parameters; give weights of a model with the same "
          + "features, layers and activation, or unset initialWeights.", w.size(),
          Arrays.toString(net.sizes()), net.numParams()));
    }
    return objective.fromOriginal(w.toArray());
  }

  private LogitMinimizer.Result minimize(MlpObjective objective, double[] x0,
      Consumer<LogitMinimizer.Iteration> listener) {
    try {
      return "adam".equals(getSolver())
          ? AdamMinimizer.minimize(objective, x0, getMaxIter(), getTol(),
              new AdamMinimizer.Schedule(getStepSize(), getWarmupIters(), getMaxGradNorm()),
              getEarlyStoppingRounds(), listener)
          : LogitMinimizer.minimize(objective, x0, getMaxIter(), getTol(), 0.0,
              getEarlyStoppingRounds(), listener);
    } catch (LogitMinimizer.NonFiniteObjective e) {
      throw NonFiniteObjectiveException.of(e);
    }
  }

  @Override
  public LogitMLPClassifier copy(ParamMap extra) {
    LogitMLPClassifier c = copyValues(new LogitMLPClassifier(uid), extra);
    if (listeners != null) {
      c.listeners.addAll(listeners);
    }
    return c;
  }

  @Override
  public MLWriter write() {
    return Persistence.paramsWriter(this);
  }

  /** @return a reader for saved estimators */
  public static MLReader<LogitMLPClassifier> read() {
    return Persistence.paramsReader(LogitMLPClassifier.class, LogitMLPClassifier::new);
  }

  /**
   * @param path where an estimator was saved
   * @return the estimator
   */
  public static LogitMLPClassifier load(String path) {
    return read().load(path);
  }
}
