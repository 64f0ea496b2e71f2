package io.github.stablelogit.ml;

import static io.github.stablelogit.ml.SchemaChecks.col;
import static org.apache.spark.sql.functions.lit;

import io.github.stablelogit.loss.LabelSmoothing;
import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.io.Persistence;
import io.github.stablelogit.optim.BlockPacker;
import io.github.stablelogit.optim.DataSummary.Problem;
import io.github.stablelogit.optim.DataSummary;
import io.github.stablelogit.optim.InstanceBlock;
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
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
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

  @Override
  public StructType transformSchema(StructType schema) {
    SchemaChecks.requireVector(schema, getFeaturesCol(), "featuresCol");
    SchemaChecks.requireNumeric(schema, getLabelCol(), "labelCol");
    if (getWeightCol() != null) {
      SchemaChecks.requireNumeric(schema, getWeightCol(), "weightCol");
    }
    if (getValidationIndicatorCol() != null) {
      SchemaChecks.requireBoolean(schema, getValidationIndicatorCol(), "validationIndicatorCol");
    }
    StructType out = SchemaChecks.appendPredictionColumns(schema, this);
    return out;
  }

  @Override
  public LogitClassificationModel fit(Dataset<?> dataset) {
    long start = System.nanoTime();
    transformSchema(dataset.schema(), true);
    Calibrator.requireValidation(this);
    if (getEarlyStoppingRounds() > 0 && getValidationIndicatorCol() == null) {
      throw new IllegalArgumentException("earlyStoppingRounds = " + getEarlyStoppingRounds()
          + " needs a validation set: set validationIndicatorCol to a boolean column marking "
          + "validation rows, or set earlyStoppingRounds to 0.");
    }
    JavaRDD<InstanceBlock> blocks = packBlocks(dataset);
    try {
      DataSummary summary = summarize(blocks);
      validate(summary);
      double posWeight = getAutoPosWeight() ? autoPosWeight(summary) : getPosWeight();
      LogitLoss loss = lossNamed(getLoss(), posWeight);
      double shift = Calibrator.priorShift(this, posWeight);
      int d = summary.numFeatures();
      double reg = getRegParam();
      double a = getElasticNetParam();
      LogitObjective objective = objective(blocks, loss, summary,
          LogitClassificationModel.rawThreshold(getThreshold()) + shift);
      boolean newton = useNewton(objective.dimension(), summary.rows());
      double[] x0 = new double[objective.dimension()];
      if (getFitIntercept()) {
        x0[d] = initialIntercept(summary, loss);
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
      List<String> warnings = new ArrayList<>();
      if (positiveFraction <= 0.0 || positiveFraction >= 1.0) {
        String w = String.format(Locale.ROOT, "the model predicts only class %s on the training "
            + "data at threshold %s (%.4g%% of the training weight is positive). For imbalanced "
            + "data set posWeight (e.g. negatives/positives) or autoPosWeight=true, use focal "
            + "loss, or tune the threshold.", positiveFraction <= 0.0 ? "0" : "1", getThreshold(),
            100.0 * summary.labelWeightSum() / summary.weightSum());
        LOG.warn(w);
        warnings.add(w);
      }
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
      String v = getValidationIndicatorCol();
      trainingSummary.attach(model, v == null ? dataset
          : dataset.filter(org.apache.spark.sql.functions.not(
              org.apache.spark.sql.functions.coalesce(col(v), lit(false)))));
      LogitClassifier fitted = copy(ParamMap.empty());
      double[] xOpt = result.x().clone();
      trainingSummary.setInference(() -> fitted.inferenceAt(dataset, xOpt, loss), reg > 0);
      return model;
    } finally {
      blocks.unpersist(false);
    }
  }

  private LogitObjective objective(JavaRDD<InstanceBlock> blocks, LogitLoss loss,
      DataSummary summary, double rawThreshold) {
    return new LogitObjective(blocks, loss, loss::valueDerivativesAndCurvatures, summary,
        getFitIntercept(), getStandardization(), getRegParam() * (1 - getElasticNetParam()),
        getAggregationDepth(), rawThreshold);
  }

  /** The solver param applied to a problem of n optimizer variables and the given rows. */
  private boolean useNewton(int n, long rows) {
    String solver = getSolver();
    if ("newton".equals(solver) && n > NEWTON_MAX_DIMENSION) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "solver newton holds the "
          + "%d x %d Hessian on the driver and in every task, and accepts at most %d features "
          + "plus intercept; use solver lbfgs (or auto) for this data.", n, n,
          NEWTON_MAX_DIMENSION));
    }
    return "newton".equals(solver) || ("auto".equals(solver) && (n <= AUTO_NEWTON_MAX_DIMENSION
        || (n <= NEWTON_MAX_DIMENSION && (double) rows * n * n <= AUTO_NEWTON_MAX_WORK)));
  }

  private LogitMinimizer.Result minimize(LogitObjective objective, boolean newton, double[] x0,
      double regL1, Consumer<LogitMinimizer.Iteration> listener) {
    try {
      return newton
          ? NewtonMinimizer.minimize(objective, x0, getMaxIter(), getTol(), regL1,
              getEarlyStoppingRounds(), listener)
          : LogitMinimizer.minimize(objective, x0, getMaxIter(), getTol(), regL1,
              getEarlyStoppingRounds(), listener);
    } catch (LogitMinimizer.NonFiniteObjective e) {
      NonFiniteObjectiveException pub = new NonFiniteObjectiveException(e.getMessage());
      pub.initCause(e);
      throw pub;
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
    JavaRDD<InstanceBlock> blocks = packBlocks(dataset);
    try {
      DataSummary summary = summarize(blocks);
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

  /** Weighted negatives over weighted positives of the training rows. */
  private double autoPosWeight(DataSummary s) {
    double pos = s.labelWeightSum();
    double neg = s.weightSum() - pos;
    if (!(pos > 0 && neg > 0)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "autoPosWeight needs both classes in labelCol '%s', but the weighted positives are %s "
              + "and the weighted negatives %s; set posWeight explicitly or add rows of the "
              + "missing class.", getLabelCol(), pos, neg));
    }
    return neg / pos;
  }

  private JavaRDD<InstanceBlock> packBlocks(Dataset<?> dataset) {
    String w = getWeightCol();
    String v = getValidationIndicatorCol();
    List<org.apache.spark.sql.Column> cols = new ArrayList<>(List.of(
        col(getFeaturesCol()),
        col(getLabelCol()).cast(DataTypes.DoubleType),
        w == null ? lit(1.0) : col(w).cast(DataTypes.DoubleType)));
    if (v != null) {
      cols.add(col(v).cast(DataTypes.BooleanType));
    }
    Dataset<Row> rows = dataset.select(cols.toArray(new org.apache.spark.sql.Column[0]));
    double mb = getMaxBlockSizeInMB() > 0 ? getMaxBlockSizeInMB() : AUTO_BLOCK_SIZE_MB;
    BlockPacker packer = new BlockPacker(getFeaturesCol(), getLabelCol(), w, mb, v != null,
        "float".equals(getPrecision()));
    JavaRDD<InstanceBlock> blocks = rows.javaRDD()
        .mapPartitionsWithIndex(packer::pack, true);
    blocks.setName(String.format(Locale.ROOT, "stablelogit blocks (maxBlockSizeInMB=%s, %s)", mb,
        getPrecision()));
    return blocks.persist(StorageLevel.MEMORY_AND_DISK());
  }

  /**
   * Merges the blocks' statistics. One small summary per partition comes to the driver and they are
   * merged in partition order: a merge order that depended on task completion would change the
   * means and deviations in their last bits, and with them the standardized problem, so repeated
   * fits would not be bit-identical.
   */
  private static DataSummary summarize(JavaRDD<InstanceBlock> blocks) {
    List<scala.Tuple2<Integer, DataSummary>> parts = blocks.mapPartitionsWithIndex((i, it) -> {
      DataSummary s = new DataSummary();
      while (it.hasNext()) {
        s.merge(it.next().summary());
      }
      return List.of(new scala.Tuple2<>(i, s)).iterator();
    }, true).collect();
    DataSummary total = new DataSummary();
    parts.stream().sorted(java.util.Comparator.comparing(scala.Tuple2::_1))
        .forEach(t -> total.merge(t._2()));
    return total;
  }

  private void validate(DataSummary s) {
    List<String> problems = new ArrayList<>();
    describe(s, Problem.NULL_FEATURES, problems, "featuresCol '" + getFeaturesCol()
        + "' is null in %d rows (first: %s). Drop or fill those rows.");
    describe(s, Problem.FEATURE_NOT_FINITE, problems, "featuresCol '" + getFeaturesCol()
        + "' contains NaN or infinite values in %d rows (first: %s). Remove those rows or impute "
        + "the values (e.g. org.apache.spark.ml.feature.Imputer) before fitting.");
    describe(s, Problem.SIZE_MISMATCH, problems, "featuresCol '" + getFeaturesCol()
        + "' holds vectors of different sizes in %d rows (first: %s). All feature vectors must "
        + "have the same size; assemble them consistently.");
    describe(s, Problem.BAD_LABEL, problems, "labelCol '" + getLabelCol()
        + "' must be in [0, 1], but %d rows are not (first: %s). Map labels to 0/1 (e.g. -1/+1 "
        + "LIBSVM labels with (y + 1) / 2) or drop rows with missing labels.");
    describe(s, Problem.BAD_WEIGHT, problems, "weightCol '" + getWeightCol()
        + "' must be finite and >= 0, but %d rows are not (first: %s). Fix or drop those rows.");
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("LogitClassifier cannot train on this data: "
          + String.join(" ", problems));
    }
    if (s.numFeatures() < 0 || (s.rows() == 0 && s.zeroWeightRows() == 0)) {
      throw new IllegalArgumentException("LogitClassifier cannot train on an empty dataset: no "
          + "rows were found. Check the filters and the input path.");
    }
    if (!(s.weightSum() > 0)) {
      throw new IllegalArgumentException("LogitClassifier cannot train: the total instance weight "
          + "in weightCol '" + getWeightCol() + "' is 0 (" + s.zeroWeightRows()
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
            getFeaturesCol(), j, mean[j]));
      }
    }
    if (s.numFeatures() == 0) {
      throw new IllegalArgumentException("featuresCol '" + getFeaturesCol()
          + "' holds vectors of size 0; there is nothing to learn from.");
    }
    if (getEarlyStoppingRounds() > 0 && s.validationRows() == 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "earlyStoppingRounds = %d needs validation rows, but validationIndicatorCol '%s' is "
              + "true in none of the %d rows. Mark some rows as validation rows (e.g. a seeded 20 "
              + "%% sample), or set earlyStoppingRounds to 0.",
          getEarlyStoppingRounds(), getValidationIndicatorCol(), s.rows()));
    }
    if (getLabelSmoothing() == 0.0) {
      double pos = s.labelWeightSum();
      double neg = s.weightSum() - pos;
      if (pos <= 0 || neg <= 0) {
        throw new IllegalArgumentException(String.format(Locale.ROOT,
            "labelCol '%s' has a single class: every one of the %d rows has label %s. A logistic "
                + "model's optimum is then at infinity. Train on data with both classes, or set "
                + "labelSmoothing > 0 to fit a finite model.",
            getLabelCol(), s.rows(), pos <= 0 ? "0" : "1"));
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
  private static double initialIntercept(DataSummary s, LogitLoss loss) {
    double eps = loss.labelSmoothing();
    double pos = LabelSmoothing.positiveWeight(s.labelWeightSum(), s.weightSum(), eps);
    double neg = s.weightSum() - pos;
    if (!(pos > 0 && neg > 0)) {
      return 0.0;
    }
    return Math.log(loss.posWeight()) + Math.log(pos) - Math.log(neg);
  }

  @Override
  public LogitClassifier copy(ParamMap extra) {
    LogitClassifier c = copyValues(new LogitClassifier(uid), extra);
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
