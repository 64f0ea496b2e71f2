package io.github.stablelogit.ml;

import static io.github.stablelogit.ml.SchemaChecks.col;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.io.Persistence;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * Evaluates scored data with the weighted BCE or focal loss of {@link LogitLoss}: the same loss
 * {@link LogitClassifier} trains on, usable as a model-selection metric in {@code CrossValidator}
 * and {@code TrainValidationSplit}. Smaller is better ({@link #isLargerBetter()} is false).
 *
 * <p>{@code metricName = "brier"} or {@code "ece"} evaluate the probabilities of probabilityCol
 * instead, as {@link CalibrationMetrics} defines them ({@link CalibrationMetrics#DEFAULT_BINS}
 * equal-mass bins; labels 0/1). {@code applyPosWeight} (default true) chooses whether the loss uses
 * posWeight: with it, the validation loss of a model trained with posWeight k (set k here) is
 * comparable with its training objective.
 *
 * <p><b>Result.</b> With wᵢ from weightCol (1 when unset) and ℓ the loss of {@link LogitLoss} with
 * this evaluator's posWeight, labelSmoothing and, for {@code metricName = "focal"}, focalGamma and
 * focalAlpha: {@code reduction = "mean"} (default) gives Σwᵢℓᵢ / Σwᵢ, {@code "sum"} gives Σwᵢℓᵢ.
 * Sums are compensated (double-double), so the result barely depends on the partitioning.
 *
 * <p><b>Input.</b> {@code input = "rawPrediction"} (default) reads the logit z from
 * rawPredictionCol — a numeric column holding z, or vectors [−z, z] of size 2 (what {@link
 * LogitClassificationModel} and Spark's LogisticRegressionModel write), of which element 1 is used
 * — and evaluates {@link LogitLoss} exactly, stably for every finite logit. {@code input =
 * "probability"} reads p = P(y = 1) from probabilityCol — a numeric column, or vectors of size 2 of
 * which element 1 is used — with PyTorch's {@code BCELoss} semantics: each log term is clamped at
 * −100,
 *
 * <pre>
 *   ℓ = −[pw·y'·max(log p, −100) + (1−y')·max(log(1−p), −100)]            (bce)
 *   ℓ = −α_t (1−p_t)^γ [pw·y'·max(log p, −100) + (1−y')·max(log(1−p), −100)]  (focal)
 * </pre>
 *
 * with p_t = p·y' + (1−p)(1−y'), so p = 0 or 1 gives a finite loss (at most 100·pw per unit of
 * weight for BCE), never NaN or ∞.
 *
 * <p><b>Prefer logits.</b> A probability carries less information than the logit it came from: for
 * z ≥ 37, σ(z) rounds to exactly 1.0 in double precision, so the loss of a confidently correct row
 * (log(1 + e^−z), e.g. 1.9e-22 at z = 50) becomes exactly 0 from the probability, and the loss of a
 * confidently wrong row is capped at 100 however wrong it is. From the logit both are exact. Use
 * {@code input = "probability"} for models that only output probabilities, or to reproduce PyTorch.
 *
 * <p><b>Validation.</b> Labels must be in [0, 1] (soft labels allowed), weights finite and ≥ 0,
 * logits finite (vectors of the form [−z, z]), probabilities in [0, 1]; nulls are invalid. The
 * checks run in the same single Spark job as the aggregation; any failure throws an {@link
 * IllegalArgumentException} naming the column, the number of invalid rows and the first invalid
 * value. An empty dataset, or a zero total weight with {@code reduction = "mean"}, is rejected too.
 * Rows of weight 0 contribute nothing.
 *
 * <p>Saved and loaded like an estimator: {@link #write()}, {@link #read()}, {@link #load(String)}.
 */
public final class LogitLossEvaluator extends Evaluator
    implements LossParams<LogitLossEvaluator>, MLWritable {

  private static final long serialVersionUID = 1L;

  /** Values of {@link #metricName()}: the losses, then the reliability metrics. */
  public static final List<String> SUPPORTED_METRICS = List.of("bce", "focal", "brier", "ece");

  /** Values of {@link #input()}. */
  public static final List<String> SUPPORTED_INPUTS = List.of("rawPrediction", "probability");

  /** Values of {@link #reduction()}. */
  public static final List<String> SUPPORTED_REDUCTIONS = List.of("mean", "sum");

  private static final int AGGREGATION_DEPTH = 2;

  private final String uid;
  private final Param<String> metricName;
  private final Param<String> labelCol;
  private final Param<String> weightCol;
  private final Param<String> rawPredictionCol;
  private final Param<String> probabilityCol;
  private final Param<String> input;
  private final LossParams.Defs lossDefs;
  private final Param<String> reduction;
  private final org.apache.spark.ml.param.BooleanParam applyPosWeight;

  /** @param uid this evaluator's uid */
  public LogitLossEvaluator(String uid) {
    this.uid = uid;
    // Params read the owner's uid when created, so they come after it.
    lossDefs = new LossParams.Defs(this);
    metricName = ParamChecks.stringParam(this, "metricName", "metric to evaluate: the loss bce "
        + "or focal, or brier or ece of the probabilities (CalibrationMetrics)",
        ParamChecks.oneOf(SUPPORTED_METRICS));
    applyPosWeight = ParamChecks.booleanParam(this, "applyPosWeight", "whether the loss uses "
        + "posWeight, as the training objective of a weighted model does (false: posWeight 1)");
    labelCol = ParamChecks.stringParam(this, "labelCol",
        "label column name (numeric, values in [0, 1])", ParamChecks.NAME);
    weightCol = ParamChecks.stringParam(this, "weightCol",
        "instance weight column name (numeric, finite, >= 0); unset or empty means all weights "
            + "are 1", ParamChecks.ANY);
    rawPredictionCol = ParamChecks.stringParam(this, "rawPredictionCol",
        "raw prediction column name, read when input = rawPrediction: the logit z as a number, or "
            + "the vector [-z, z]", ParamChecks.NAME);
    probabilityCol = ParamChecks.stringParam(this, "probabilityCol",
        "probability column name, read when input = probability: P(y = 1) as a number, or the "
            + "vector [1 - p, p]", ParamChecks.NAME);
    input = ParamChecks.stringParam(this, "input",
        "which prediction to evaluate: rawPrediction (the logit; exact for every finite logit) or "
            + "probability (PyTorch BCELoss semantics, logs clamped at -100)",
        ParamChecks.oneOf(SUPPORTED_INPUTS));
    reduction = ParamChecks.stringParam(this, "reduction",
        "how rows are combined: mean (sum(w * loss) / sum(w)) or sum (sum(w * loss))",
        ParamChecks.oneOf(SUPPORTED_REDUCTIONS));

    setLossDefaults();
    setDefault(metricName, "bce");
    setDefault(labelCol, "label");
    setDefault(rawPredictionCol, "rawPrediction");
    setDefault(probabilityCol, "probability");
    setDefault(input, "rawPrediction");
    setDefault(reduction, "mean");
    setDefault(applyPosWeight, true);
  }

  /** An evaluator with a random uid and default parameters. */
  public LogitLossEvaluator() {
    this(Identifiable$.MODULE$.randomUID("logitLossEval"));
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public LossParams.Defs lossDefs() {
    return lossDefs;
  }

  // ---- Param accessors: Spark finds Params through these public no-argument methods.

  /** @return the loss, "bce" or "focal" (default "bce") */
  public Param<String> metricName() {
    return metricName;
  }

  /** @return label column name (default "label") */
  public Param<String> labelCol() {
    return labelCol;
  }

  /** @return instance weight column name (unset: all weights 1) */
  public Param<String> weightCol() {
    return weightCol;
  }

  /** @return raw prediction column name (default "rawPrediction") */
  public Param<String> rawPredictionCol() {
    return rawPredictionCol;
  }

  /** @return probability column name (default "probability") */
  public Param<String> probabilityCol() {
    return probabilityCol;
  }

  /**
   * @return which prediction is evaluated, "rawPrediction" or "probability" (default
   *     "rawPrediction")
   */
  public Param<String> input() {
    return input;
  }

  /** @return "mean" (default) or "sum" */
  public Param<String> reduction() {
    return reduction;
  }

  /** @return whether the loss applies posWeight (default true) */
  public org.apache.spark.ml.param.BooleanParam applyPosWeight() {
    return applyPosWeight;
  }

  /** @return whether the loss applies posWeight */
  public boolean getApplyPosWeight() {
    return (Boolean) $(applyPosWeight);
  }

  /**
   * With true (the default) the loss uses this evaluator's posWeight, so that the validation loss
   * of a model trained with posWeight k (set k here too) is its training objective without the
   * penalty, term for term; with false it uses posWeight 1, the plain log loss, which compares
   * models trained with different posWeights.
   *
   * @param v whether posWeight is applied
   * @return this
   */
  public LogitLossEvaluator setApplyPosWeight(boolean v) {
    return setValid(applyPosWeight, v);
  }

  // ---- Getters

  /** @return the loss name */
  public String getMetricName() {
    return $(metricName);
  }

  /** @return label column name */
  public String getLabelCol() {
    return $(labelCol);
  }

  /** @return weight column name, or null when unset or empty */
  public String getWeightCol() {
    return isDefined(weightCol) && !$(weightCol).isEmpty() ? $(weightCol) : null;
  }

  /** @return raw prediction column name */
  public String getRawPredictionCol() {
    return $(rawPredictionCol);
  }

  /** @return probability column name */
  public String getProbabilityCol() {
    return $(probabilityCol);
  }

  /** @return "rawPrediction" or "probability" */
  public String getInput() {
    return $(input);
  }

  /** @return "mean" or "sum" */
  public String getReduction() {
    return $(reduction);
  }

  // ---- Setters, each validating with a message that names the parameter and its range

  /** @param v "bce", "focal", "brier" or "ece" (case-insensitive) @return this */
  public LogitLossEvaluator setMetricName(String v) {
    return setValid(metricName, ParamChecks.normalize(v, SUPPORTED_METRICS));
  }

  /** @param v label column name @return this */
  public LogitLossEvaluator setLabelCol(String v) {
    return setValid(labelCol, v);
  }

  /** @param v weight column name (null or empty: all weights 1) @return this */
  public LogitLossEvaluator setWeightCol(String v) {
    return setValid(weightCol, v == null ? "" : v);
  }

  /** @param v raw prediction column name @return this */
  public LogitLossEvaluator setRawPredictionCol(String v) {
    return setValid(rawPredictionCol, v);
  }

  /** @param v probability column name @return this */
  public LogitLossEvaluator setProbabilityCol(String v) {
    return setValid(probabilityCol, v);
  }

  /** @param v "rawPrediction" or "probability" (case-insensitive) @return this */
  public LogitLossEvaluator setInput(String v) {
    return setValid(input, ParamChecks.normalize(v, SUPPORTED_INPUTS));
  }

  /** @param v "mean" or "sum" (case-insensitive) @return this */
  public LogitLossEvaluator setReduction(String v) {
    return setValid(reduction, ParamChecks.normalize(v, SUPPORTED_REDUCTIONS));
  }

  /**
   * The per-row loss these parameters describe (for input "rawPrediction" it is applied as is).
   *
   * @return a {@link LogitLoss}
   */
  public LogitLoss logitLoss() {
    String m = getMetricName();
    return lossNamed(LogitLoss.SUPPORTED.contains(m) ? m : "bce",
        getApplyPosWeight() ? getPosWeight() : 1.0);
  }

  // ---- Evaluation

  /**
   * The weighted loss of a scored dataset, computed and validated in one Spark job.
   *
   * @param dataset data with the label, the prediction column chosen by {@link #input()} and, if
   *     set, the weight column
   * @return Σwℓ/Σw for reduction "mean", Σwℓ for "sum"
   * @throws IllegalArgumentException if a column is missing or has the wrong type, a value is
   *     invalid, the dataset is empty, or (for "mean") the total weight is 0
   */
  @Override
  public double evaluate(Dataset<?> dataset) {
    if (!LogitLoss.SUPPORTED.contains(getMetricName())) {
      CalibrationMetrics c = CalibrationMetrics.of(dataset, getProbabilityCol(), getLabelCol(),
          getWeightCol(), CalibrationMetrics.DEFAULT_BINS);
      return "brier".equals(getMetricName()) ? c.brier() : c.ece();
    }
    StructType schema = dataset.schema();
    boolean probability = "probability".equals(getInput());
    String predParam = probability ? "probabilityCol" : "rawPredictionCol";
    String predCol = probability ? getProbabilityCol() : getRawPredictionCol();
    DataType predType = SchemaChecks.require(schema, predCol, predParam).dataType();
    boolean vector = predType instanceof VectorUDT;
    if (!vector && !(predType instanceof NumericType)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%s '%s' must be numeric (%s) or hold ML vectors of size 2, but has type %s.",
          predParam, predCol, probability ? "P(y = 1)" : "the logit z",
          predType.simpleString()));
    }
    SchemaChecks.requireNumeric(schema, getLabelCol(), "labelCol");
    String w = getWeightCol();
    if (w != null) {
      SchemaChecks.requireNumeric(schema, w, "weightCol");
    }

    List<Column> cols = new ArrayList<>(3);
    cols.add(vector ? col(predCol) : col(predCol).cast(DataTypes.DoubleType));
    cols.add(col(getLabelCol()).cast(DataTypes.DoubleType));
    if (w != null) {
      cols.add(col(w).cast(DataTypes.DoubleType));
    }
    Dataset<Row> rows = dataset.select(cols.toArray(new Column[0]));

    LogitLossEvaluatorAggregator.PartitionScorer scorer =
        new LogitLossEvaluatorAggregator.PartitionScorer(logitLoss(), probability, vector,
            w != null);
    LogitLossEvaluatorAggregator agg = rows.javaRDD()
        .mapPartitionsWithIndex(scorer, true)
        .treeAggregate(new LogitLossEvaluatorAggregator(), LogitLossEvaluatorAggregator::merge,
            LogitLossEvaluatorAggregator::merge, AGGREGATION_DEPTH);

    if (agg.rows == 0) {
      throw new IllegalArgumentException("LogitLossEvaluator cannot evaluate an empty dataset: "
          + "no rows were found. Check the filters and the split that produced it.");
    }
    List<String> problems = new ArrayList<>();
    describe(agg, LogitLossEvaluatorAggregator.PREDICTION, problems, probability
        ? String.format(Locale.ROOT, "probabilityCol '%s' must hold P(y = 1) in [0, 1] (a number, "
            + "or a vector of size 2 whose element 1 is used)", predCol)
        : String.format(Locale.ROOT, "rawPredictionCol '%s' must hold finite logits z (a number, "
            + "or a vector [-z, z] of size 2)", predCol));
    describe(agg, LogitLossEvaluatorAggregator.LABEL, problems,
        String.format(Locale.ROOT, "labelCol '%s' must be in [0, 1]", getLabelCol()));
    describe(agg, LogitLossEvaluatorAggregator.WEIGHT, problems,
        String.format(Locale.ROOT, "weightCol '%s' must be finite and >= 0", w));
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("LogitLossEvaluator cannot evaluate this data: "
          + String.join(" ", problems));
    }

    double lossSum = agg.lossSum();
    if ("sum".equals(getReduction())) {
      return lossSum;
    }
    double weightSum = agg.weightSum();
    if (!(weightSum > 0)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "LogitLossEvaluator cannot take the mean: the total weight in weightCol '%s' is 0 (%d "
              + "rows, all with weight 0). Give some rows a positive weight, or set reduction to "
              + "'sum'.", w, agg.rows));
    }
    return lossSum / weightSum;
  }

  private static void describe(LogitLossEvaluatorAggregator agg, int kind, List<String> out,
      String requirement) {
    long n = agg.badCount(kind);
    if (n > 0) {
      out.add(String.format(Locale.ROOT, "%s, but %d of %d rows are not (first invalid value: %s).",
          requirement, n, agg.rows, agg.firstBadValue(kind)));
    }
  }

  /** @return false: a loss is minimized, so CrossValidator picks the smallest value */
  @Override
  public boolean isLargerBetter() {
    return false;
  }

  @Override
  public LogitLossEvaluator copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  // ---- Persistence

  @Override
  public MLWriter write() {
    return Persistence.paramsWriter(this);
  }

  /** @return a reader for saved evaluators */
  public static MLReader<LogitLossEvaluator> read() {
    return Persistence.paramsReader(LogitLossEvaluator.class, LogitLossEvaluator::new);
  }

  /**
   * @param path where an evaluator was saved
   * @return the evaluator
   */
  public static LogitLossEvaluator load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "LogitLossEvaluator: uid=%s, metricName=%s, input=%s, "
        + "reduction=%s", uid, getMetricName(), getInput(), getReduction());
  }
}
