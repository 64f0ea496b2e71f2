package io.github.stablelogit.ml;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.io.Persistence;
import io.github.stablelogit.optim.CurvatureKernel;
import io.github.stablelogit.optim.DataSummary;
import io.github.stablelogit.optim.InstanceBlock;
import io.github.stablelogit.optim.LbfgsMemory;
import io.github.stablelogit.optim.LogitMinimizer;
import io.github.stablelogit.optim.LogitObjective;
import io.github.stablelogit.optim.NewtonMinimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
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
 * Trains a linear binary classifier z = βᵀx + b by minimizing
 *
 * <pre>
 *   (1/Σᵢwᵢ) Σᵢ wᵢ ℓ(zᵢ, yᵢ) + λ[(1−a)/2·‖β‖² + a·‖β‖₁]
 * </pre>
 *
 * where ℓ is BCE-with-logits (with PyTorch's pos_weight) or sigmoid focal loss, as defined in
 * {@link LogitLoss}; wᵢ comes from weightCol (default 1), λ = regParam, a = elasticNetParam, and
 * the intercept is not penalised. With {@code standardization} (default) the penalty applies to
 * standardized coefficients β_jσ_j, as in Spark's LogisticRegression; coefficients are always
 * reported in the original space. The mean divides by the instance-weight sum, never by posWeight,
 * so it is one global mean whatever the partitioning.
 *
 * <p>Training packs each partition once into cached blocks (statistics gathered in the same pass),
 * evaluates the objective with BLAS over the blocks combined by {@code treeAggregate}, and
 * minimizes with breeze's L-BFGS (OWL-QN with L1), stopping when the gradient norm is below {@code
 * tol}. Bad input (NaN/Inf features, labels outside [0, 1], negative weights, mixed vector sizes,
 * empty or single-class data) fails before the optimizer starts, with a message naming the column
 * and value.
 */
public final class LogitClassifier extends Estimator<LogitClassificationModel>
    implements LogitParams<LogitClassifier>, MLWritable {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LogitClassifier.class);

  /** Block size used when maxBlockSizeInMB is 0. */
  public static final double AUTO_BLOCK_SIZE_MB = 1.0;

  private final String uid;
  private final LogitParams.Defs defs;
  private transient List<IterationListener> listeners = new ArrayList<>();
  /** The warm start, or null (not a Param: a model, not persisted with the estimator). */
  private LogitClassificationModel initialModel;

  /** @param uid this estimator's uid */
  public LogitClassifier(String uid) {
    this.uid = uid;
    this.defs = new LogitParams.Defs(this);
    setLogitDefaults();
  }

  /** A classifier with a random uid and default parameters. */
  public LogitClassifier() {
    this(Identifiable$.MODULE$.randomUID("logitClassifier"));
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public LogitParams.Defs defs() {
    return defs;
  }

  /**
   * Registers a callback that receives every optimizer iteration (objective, gradient norm, step,
   * elapsed time) on the driver, e.g. for progress bars or live plots. Not persisted.
   *
   * @param listener the callback
   * @return this
   */
  public LogitClassifier addIterationListener(IterationListener listener) {
    if (listeners == null) {
      listeners = new ArrayList<>();
    }
    listeners.add(listener);
    return this;
  }

  /**
   * Starts the optimizer at a model's coefficients and intercept instead of at the intercept-only
   * model: a warm start from a saved or in-memory model, e.g. one fitted at a nearby regParam.
   * The model must have as many features as the training data (checked when fitting). Not
   * persisted with the estimator.
   *
   * @param model the model to start from, or null for the default start
   * @return this
   */
  public LogitClassifier setInitialModel(LogitClassificationModel model) {
    this.initialModel = model;
    return this;
  }

  /** @return the warm start model, or null */
  public LogitClassificationModel getInitialModel() {
    return initialModel;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return TrainingData.trainingSchema(this, schema);
  }

  @Override
  public LogitClassificationModel fit(Dataset<?> dataset) {
    long start = System.nanoTime();
    transformSchema(dataset.schema(), true);
    Calibrator.requireValidation(this);
    TrainingData.requireValidationColumn(this);
    JavaRDD<InstanceBlock> blocks = TrainingData.packBlocks(this, dataset);
    try {
      DataSummary summary = TrainingData.summarize(blocks);
      TrainingData.validate(this, summary, "LogitClassifier");
      return fitOnBlocks(dataset, blocks, summary, start);
    } finally {
      blocks.unpersist(false);
    }
  }

  /**
   * The fit on rows already packed into cached blocks (by {@link TrainingData#pack}, with or
   * without folds) and validated: what {@link #fit} does after packing, also the refit of a
   * cross-validation on its blocks. The caller owns (and unpersists) the blocks.
   *
   * @param dataset the input the blocks were packed from (for calibration, the training summary's
   *     lazy row-level results and inference; not read here)
   * @param blocks the cached blocks of every training row
   * @param summary their statistics, validated
   * @param start System.nanoTime() at the start of the fit
   * @return the fitted model with its training summary
   */
  LogitClassificationModel fitOnBlocks(Dataset<?> dataset, JavaRDD<InstanceBlock> blocks,
      DataSummary summary, long start) {
    double posWeight = TrainingData.posWeight(this, summary);
    LogitLoss loss = lossNamed(getLoss(), posWeight);
    double shift = Calibrator.priorShift(this, posWeight);
    int d = summary.numFeatures();
    double reg = getRegParam();
    double a = getElasticNetParam();
    LogitObjective objective = objective(blocks, loss, summary,
        LogitClassificationModel.rawThreshold(getThreshold()) + shift);
    boolean newton = useNewton(objective.dimension(), summary);
    double[] x0 = new double[objective.dimension()];
    if (initialModel != null) {
      x0 = objective.fromOriginal(WarmStart.coefficients(initialModel, d, shift,
          getFeaturesCol()));
    } else if (getFitIntercept()) {
      x0[d] = TrainingData.initialIntercept(summary, loss);
    }
    LOG.info(String.format(Locale.ROOT, "fitting %s on %d rows x %d features (weight sum %s%s), "
            + "regParam=%s, elasticNetParam=%s, solver %s, %d partitions (%d tasks per "
            + "evaluation)", loss, summary.rows(), d, summary.weightSum(),
        summary.validationRows() > 0 ? ", " + summary.validationRows() + " validation rows" : "",
        reg, a, newton ? "newton" : "lbfgs", blocks.getNumPartitions(),
        objective.evaluationTasks()));
    List<IterationListener> ls = listeners == null ? List.of() : List.copyOf(listeners);
    LogitMinimizer.Result result = minimize(objective, newton, x0, reg * a, it -> {
      LogitIteration pub = LogitTrainingSummary.toPublic(it);
      ls.forEach(l -> l.onIteration(pub));
    });
    double[] coef = objective.toOriginal(result.x());
    LogitClassificationModel model = new LogitClassificationModel(uid,
        Vectors.dense(Arrays.copyOf(coef, d)), coef[d] - shift);
    double positiveFraction = objective.evaluationAt(result.x()).predictedPositiveFraction();
    List<String> warnings = TrainingData.warnings(this, summary, positiveFraction, LOG);
    LogitTrainingSummary trainingSummary = new LogitTrainingSummary(result, summary, d,
        posWeight, positiveFraction, warnings, newton ? "newton" : "lbfgs",
        objective.evaluations() + objective.hessianEvaluations(),
        objective.hessianEvaluations(), (System.nanoTime() - start) / 1e9);
    model.setSummary(trainingSummary);
    copyValues(model, ParamMap.empty()).setParent(this);
    model.setCalibrator(Calibrator.fit(this, model, dataset, summary.validationRows()));
    if (getAutoPosWeight()) {
      model.setPosWeight(posWeight);
    }
    trainingSummary.attach(model, TrainingData.trainingRows(this, dataset));
    LogitClassifier fitted = copy(ParamMap.empty());
    double[] xOpt = result.x().clone();
    trainingSummary.setInference(() -> fitted.inferenceAt(dataset, xOpt, loss), reg > 0);
    return model;
  }

  private LogitObjective objective(JavaRDD<InstanceBlock> blocks, LogitLoss loss,
      DataSummary summary, double rawThreshold) {
    return objective(blocks, loss, summary, getRegParam() * (1 - getElasticNetParam()),
        rawThreshold);
  }

  /**
   * The smooth objective of these params over {@code blocks}, with the L2 weight given (the
   * cross-validation path varies it).
   *
   * @param regL2 λ(1 − a)
   */
  LogitObjective objective(JavaRDD<InstanceBlock> blocks, LogitLoss loss, DataSummary summary,
      double regL2, double rawThreshold) {
    return objective(blocks, loss, loss::valueDerivativesAndCurvatures, summary, regL2,
        rawThreshold);
  }

  /**
   * As {@link #objective(JavaRDD, LogitLoss, DataSummary, double, double)}, with the Hessian
   * pass's kernel given: the cross-validation path keeps one per fold-model, so that a Hessian
   * pass can be recognized as one it has already run.
   *
   * @param curvature {@code loss::valueDerivativesAndCurvatures}
   */
  LogitObjective objective(JavaRDD<InstanceBlock> blocks, LogitLoss loss,
      CurvatureKernel curvature, DataSummary summary, double regL2, double rawThreshold) {
    return new LogitObjective(blocks, loss, curvature, summary, getFitIntercept(),
        getStandardization(), regL2, getAggregationDepth(), rawThreshold);
  }

  /**
   * A model with these params at the given coefficients.
   *
   * @param coef d coefficients followed by the intercept
   */
  LogitClassificationModel modelAt(double[] coef) {
    int d = coef.length - 1;
    LogitClassificationModel m = new LogitClassificationModel(uid,
        Vectors.dense(Arrays.copyOf(coef, d)), coef[d]);
    return copyValues(m, ParamMap.empty());
  }

  /**
   * The solver param applied to a problem of n optimizer variables over the rows {@code summary}
   * describes: {@code auto} counts a Newton iteration's work as the Gram's multiply-adds over the
   * rows' stored values ({@link DataSummary#hessianWork()}) plus n³ for the solve on the driver.
   */
  boolean useNewton(int n, DataSummary summary) {
    String solver = getSolver();
    if ("newton".equals(solver) && n > NEWTON_MAX_DIMENSION) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "solver newton holds the "
          + "%d x %d Hessian on the driver and in every task, and accepts at most %d features "
          + "plus intercept; use solver lbfgs (or auto) for this data.", n, n,
          NEWTON_MAX_DIMENSION));
    }
    return "newton".equals(solver) || ("auto".equals(solver) && (n <= AUTO_NEWTON_MAX_DIMENSION
        || (n <= NEWTON_MAX_DIMENSION
            && summary.hessianWork() + (double) n * n * n <= AUTO_NEWTON_MAX_WORK)));
  }

  LogitMinimizer.Result minimize(LogitObjective objective, boolean newton, double[] x0,
      double regL1, Consumer<LogitMinimizer.Iteration> listener) {
    return minimize(objective, newton, x0, regL1, listener, null);
  }

  /** As above, L-BFGS/OWL-QN carrying correction pairs in {@code memory} (null: none). */
  LogitMinimizer.Result minimize(LogitObjective objective, boolean newton, double[] x0,
      double regL1, Consumer<LogitMinimizer.Iteration> listener, LbfgsMemory memory) {
    try {
      return newton
          ? NewtonMinimizer.minimize(objective, x0, getMaxIter(), getTol(), regL1,
              getEarlyStoppingRounds(), listener)
          : LogitMinimizer.minimize(objective, x0, getMaxIter(), getTol(), regL1,
              getEarlyStoppingRounds(), listener, memory);
    } catch (LogitMinimizer.NonFiniteObjective e) {
      throw NonFiniteObjectiveException.of(e);
    }
  }

  /**
   * Wald inference at the fitted optimizer variables: the training rows packed again (the same
   * blocks and statistics, so the same variables mean the same coefficients) and one Hessian pass.
   * Only for plain BCE (a log-likelihood) without an L1 penalty, up to {@link
   * #NEWTON_MAX_DIMENSION} variables.
   */
  private WaldInference inferenceAt(Dataset<?> dataset, double[] xOpt, LogitLoss loss) {
    String refusal = inferenceRefusal(loss, xOpt.length);
    if (refusal != null) {
      throw new IllegalStateException("no standard errors for this fit: " + refusal);
    }
    JavaRDD<InstanceBlock> blocks = TrainingData.packBlocks(this, dataset);
    try {
      DataSummary summary = TrainingData.summarize(blocks);
      LogitObjective objective = objective(blocks, loss, summary, 0.0);
      int d = summary.numFeatures();
      double[] h = objective.originalHessianSum(xOpt);
      double[][] hessian = new double[d + 1][];
      for (int j = 0; j <= d; j++) {
        hessian[j] = Arrays.copyOfRange(h, j * (d + 1), (j + 1) * (d + 1));
      }
      double[] std = summary.std();
      boolean[] fixed = new boolean[d + 1];
      for (int j = 0; j < d; j++) {
        fixed[j] = !(std[j] > 0);
      }
      fixed[d] = !getFitIntercept();
      return WaldInference.of(hessian, objective.toOriginal(xOpt), fixed);
    } finally {
      blocks.unpersist(false);
    }
  }

  /** Why Wald standard errors are not available for this fit, or null when they are. */
  private String inferenceRefusal(LogitLoss loss, int dimension) {
    if (loss.isFocal() || loss.posWeight() != 1.0 || loss.labelSmoothing() != 0.0) {
      return "the loss is not a log-likelihood (" + loss + "): Wald standard errors need plain "
          + "BCE with posWeight 1 and labelSmoothing 0. Refit with those, or bootstrap.";
    }
    if (getRegParam() > 0 && getElasticNetParam() > 0) {
      return "an L1 penalty (elasticNetParam > 0) makes the objective non-differentiable at the "
          + "zero coefficients; refit with elasticNetParam 0 (or without regParam) for them.";
    }
    if (dimension > NEWTON_MAX_DIMENSION) {
      return "the Hessian would be " + dimension + " x " + dimension + ", beyond "
          + NEWTON_MAX_DIMENSION + " variables.";
    }
    return null;
  }

  @Override
  public LogitClassifier copy(ParamMap extra) {
    LogitClassifier c = copyValues(new LogitClassifier(uid), extra);
    c.initialModel = initialModel;
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
  public static MLReader<LogitClassifier> read() {
    return Persistence.paramsReader(LogitClassifier.class, LogitClassifier::new);
  }

  /**
   * @param path where an estimator was saved
   * @return the estimator
   */
  public static LogitClassifier load(String path) {
    return read().load(path);
  }
}
