package io.github.stablelogit.ml;

import io.github.stablelogit.loss.LogitLoss;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

/**
 * The parameters shared by {@link LogitClassifier} and {@link LogitClassificationModel}, declared
 * once. Names, meanings and defaults follow Spark's LogisticRegression where Spark has the parameter.
 *
 * <p>Each implementing class owns one {@link Defs} created in its constructor after its uid is set;
 * the public no-argument accessors below are what Spark's reflection finds. Setters reject invalid
 * values at once with a message naming the parameter and its allowed range (values set through a
 * {@code ParamMap}, e.g. by CrossValidator, are checked by Spark with the same ranges).
 *
 * @param <S> the implementing class, returned by setters for chaining
 */
public interface LogitParams<S extends LogitParams<S>> extends Params {

  /** Loss names accepted by {@link #loss()}. */
  String[] SUPPORTED_LOSSES = {"bce", "focal"};

  /** Storage precisions accepted by {@link #precision()}. */
  String[] SUPPORTED_PRECISIONS = {"double", "float"};

  /** The Param instances of one owner. */
  final class Defs {
    final Param<String> featuresCol;
    final Param<String> labelCol;
    final Param<String> weightCol;
    final Param<String> predictionCol;
    final Param<String> rawPredictionCol;
    final Param<String> probabilityCol;
    final DoubleParam threshold;
    final IntParam maxIter;
    final DoubleParam tol;
    final DoubleParam regParam;
    final DoubleParam elasticNetParam;
    final BooleanParam fitIntercept;
    final BooleanParam standardization;
    final IntParam aggregationDepth;
    final DoubleParam maxBlockSizeInMB;
    final Param<String> loss;
    final DoubleParam posWeight;
    final DoubleParam focalGamma;
    final DoubleParam focalAlpha;
    final DoubleParam labelSmoothing;
    final BooleanParam autoPosWeight;
    final BooleanParam correctProbabilities;
    final Param<String> validationIndicatorCol;
    final IntParam earlyStoppingRounds;
    final Param<String> lossCol;
    final Param<String> precision;

    /** @param o the owner, whose uid must already be set */
    public Defs(Params o) {
      featuresCol = new Param<>(o, "featuresCol", "features column name (Vector)");
      labelCol = new Param<>(o, "labelCol", "label column name (numeric, values in [0, 1])");
      weightCol = new Param<>(o, "weightCol",
          "instance weight column name (numeric, finite, >= 0); unset means all weights are 1");
      predictionCol = new Param<>(o, "predictionCol", "prediction column name");
      rawPredictionCol = new Param<>(o, "rawPredictionCol",
          "raw prediction column name: the vector [-z, z] of the logit z");
      probabilityCol = new Param<>(o, "probabilityCol",
          "class probability column name: the vector [1 - sigmoid(z), sigmoid(z)]");
      threshold = new DoubleParam(o, "threshold",
          "threshold in [0, 1] on P(label = 1) above which the prediction is 1",
          ParamValidators.inRange(0.0, 1.0));
      maxIter = new IntParam(o, "maxIter", "maximum number of iterations (>= 0)",
          ParamValidators.gtEq(0));
      tol = new DoubleParam(o, "tol", "convergence tolerance on the gradient norm (>= 0): stop "
          + "when max|g| <= tol * |objective| (g in standardized variables)",
          ParamValidators.gtEq(0));
      regParam = new DoubleParam(o, "regParam", "regularization strength lambda (>= 0)",
          ParamValidators.gtEq(0));
      elasticNetParam = new DoubleParam(o, "elasticNetParam",
          "elastic net mixing a in [0, 1]: 0 is L2, 1 is L1", ParamValidators.inRange(0.0, 1.0));
      fitIntercept = new BooleanParam(o, "fitIntercept", "whether to fit an intercept term");
      standardization = new BooleanParam(o, "standardization",
          "whether the penalty applies to standardized coefficients (coefficients are always "
              + "reported in the original space)");
      aggregationDepth = new IntParam(o, "aggregationDepth",
          "suggested depth for treeAggregate (>= 2)", ParamValidators.gtEq(2));
      maxBlockSizeInMB = new DoubleParam(o, "maxBlockSizeInMB",
          "maximum memory in MB for stacking input rows into blocks (>= 0); 0 chooses automatically",
          ParamValidators.gtEq(0.0));
      loss = new Param<>(o, "loss", "loss function: bce or focal",
          ParamValidators.inArray(SUPPORTED_LOSSES));
      posWeight = new DoubleParam(o, "posWeight",
          "weight of the positive-class term, as PyTorch's pos_weight (finite, > 0)",
          ParamValidators.inRange(0.0, Double.MAX_VALUE, false, true));
      focalGamma = new DoubleParam(o, "focalGamma", "focal loss focusing parameter gamma (>= 0)",
          ParamValidators.inRange(0.0, Double.MAX_VALUE, true, true));
      focalAlpha = new DoubleParam(o, "focalAlpha",
          "focal loss class balance alpha in [0, 1], or < 0 for alpha_t = 1 (no balancing)",
          ParamValidators.ltEq(1.0));
      labelSmoothing = new DoubleParam(o, "labelSmoothing",
          "label smoothing epsilon in [0, 1): labels become y(1 - eps) + eps/2",
          ParamValidators.inRange(0.0, 1.0, true, false));
      autoPosWeight = new BooleanParam(o, "autoPosWeight", "whether to set posWeight to the "
          + "weighted negatives / weighted positives of the training data (overrides posWeight)");
      correctProbabilities = new BooleanParam(o, "correctProbabilities", "whether to shift the "
          + "intercept by -log(posWeight) after training so that probabilities estimate the real "
          + "class frequency again (rankings are unchanged)");
      validationIndicatorCol = new Param<>(o, "validationIndicatorCol", "boolean column: true "
          + "marks validation rows, left out of training and scored every iteration");
      earlyStoppingRounds = new IntParam(o, "earlyStoppingRounds", "stop when the validation "
          + "loss has not improved for this many iterations and return the best iterate "
          + "(0 = off; needs validationIndicatorCol)", ParamValidators.gtEq(0));
      lossCol = new Param<>(o, "lossCol", "model output column with each row's unweighted loss, "
          + "added when the label column is present (empty = not produced)");
      precision = new Param<>(o, "precision", "storage precision of the cached training features: "
          + "double, or float (half the memory and memory traffic; arithmetic stays in double, "
          + "the features are rounded to float once)", ParamValidators.inArray(SUPPORTED_PRECISIONS));
    }
  }

  /** @return this owner's Param instances */
  Defs defs();

  /** Sets Spark's defaults and ours; called by each constructor after {@link #defs()} exists. */
  default void setLogitDefaults() {
    Defs p = defs();
    setDefault(p.featuresCol, "features");
    setDefault(p.labelCol, "label");
    setDefault(p.predictionCol, "prediction");
    setDefault(p.rawPredictionCol, "rawPrediction");
    setDefault(p.probabilityCol, "probability");
    setDefault(p.threshold, 0.5);
    setDefault(p.maxIter, 100);
    setDefault(p.tol, 1e-6);
    setDefault(p.regParam, 0.0);
    setDefault(p.elasticNetParam, 0.0);
    setDefault(p.fitIntercept, true);
    setDefault(p.standardization, true);
    setDefault(p.aggregationDepth, 2);
    setDefault(p.maxBlockSizeInMB, 0.0);
    setDefault(p.loss, "bce");
    setDefault(p.posWeight, 1.0);
    setDefault(p.focalGamma, 2.0);
    setDefault(p.focalAlpha, 0.25);
    setDefault(p.labelSmoothing, 0.0);
    setDefault(p.autoPosWeight, false);
    setDefault(p.correctProbabilities, false);
    setDefault(p.earlyStoppingRounds, 0);
    setDefault(p.lossCol, "");
    setDefault(p.precision, "double");
  }

  // ---- Param accessors: Spark finds Params through these public no-argument methods.

  /** @return features column name (default "features") */
  default Param<String> featuresCol() {
    return defs().featuresCol;
  }

  /** @return label column name (default "label") */
  default Param<String> labelCol() {
    return defs().labelCol;
  }

  /** @return instance weight column name (unset: all weights 1) */
  default Param<String> weightCol() {
    return defs().weightCol;
  }

  /** @return prediction column name (default "prediction") */
  default Param<String> predictionCol() {
    return defs().predictionCol;
  }

  /** @return raw prediction column name (default "rawPrediction") */
  default Param<String> rawPredictionCol() {
    return defs().rawPredictionCol;
  }

  /** @return probability column name (default "probability") */
  default Param<String> probabilityCol() {
    return defs().probabilityCol;
  }

  /** @return decision threshold on P(y = 1) (default 0.5) */
  default DoubleParam threshold() {
    return defs().threshold;
  }

  /** @return maximum iterations (default 100) */
  default IntParam maxIter() {
    return defs().maxIter;
  }

  /** @return gradient tolerance (default 1e-6) */
  default DoubleParam tol() {
    return defs().tol;
  }

  /** @return regularization strength λ (default 0) */
  default DoubleParam regParam() {
    return defs().regParam;
  }

  /** @return elastic net mixing a (default 0 = L2) */
  default DoubleParam elasticNetParam() {
    return defs().elasticNetParam;
  }

  /** @return whether to fit an intercept (default true) */
  default BooleanParam fitIntercept() {
    return defs().fitIntercept;
  }

  /** @return whether the penalty is on standardized coefficients (default true) */
  default BooleanParam standardization() {
    return defs().standardization;
  }

  /** @return treeAggregate depth (default 2) */
  default IntParam aggregationDepth() {
    return defs().aggregationDepth;
  }

  /** @return block size limit in MB, 0 = automatic (default 0) */
  default DoubleParam maxBlockSizeInMB() {
    return defs().maxBlockSizeInMB;
  }

  /** @return loss name, "bce" or "focal" (default "bce") */
  default Param<String> loss() {
    return defs().loss;
  }

  /** @return positive-class weight (default 1) */
  default DoubleParam posWeight() {
    return defs().posWeight;
  }

  /** @return focal γ (default 2) */
  default DoubleParam focalGamma() {
    return defs().focalGamma;
  }

  /** @return focal α (default 0.25) */
  default DoubleParam focalAlpha() {
    return defs().focalAlpha;
  }

  /** @return label smoothing ε (default 0) */
  default DoubleParam labelSmoothing() {
    return defs().labelSmoothing;
  }

  /** @return whether posWeight is set from the class balance (default false) */
  default BooleanParam autoPosWeight() {
    return defs().autoPosWeight;
  }

  /** @return whether the intercept is shifted by −log(posWeight) after training (default false) */
  default BooleanParam correctProbabilities() {
    return defs().correctProbabilities;
  }

  /** @return boolean column marking validation rows (unset: no validation set) */
  default Param<String> validationIndicatorCol() {
    return defs().validationIndicatorCol;
  }

  /** @return early stopping patience in iterations (default 0 = off) */
  default IntParam earlyStoppingRounds() {
    return defs().earlyStoppingRounds;
  }

  /** @return per-row loss output column of the model (default "" = not produced) */
  default Param<String> lossCol() {
    return defs().lossCol;
  }

  /** @return storage precision of the cached training features, "double" or "float" */
  default Param<String> precision() {
    return defs().precision;
  }

  // ---- Getters

  /** @return storage precision of the cached training features ("double" or "float") */
  default String getPrecision() {
    return $(precision());
  }

  /** @return whether posWeight is set from the class balance */
  default boolean getAutoPosWeight() {
    return (Boolean) $(autoPosWeight());
  }

  /** @return whether probabilities are corrected for posWeight */
  default boolean getCorrectProbabilities() {
    return (Boolean) $(correctProbabilities());
  }

  /** @return the validation indicator column, or null when unset or empty */
  default String getValidationIndicatorCol() {
    return isDefined(validationIndicatorCol()) && !$(validationIndicatorCol()).isEmpty()
        ? $(validationIndicatorCol()) : null;
  }

  /** @return early stopping patience (0 = off) */
  default int getEarlyStoppingRounds() {
    return (Integer) $(earlyStoppingRounds());
  }

  /** @return per-row loss column name ("" = not produced) */
  default String getLossCol() {
    return $(lossCol());
  }

  /** @return features column name */
  default String getFeaturesCol() {
    return $(featuresCol());
  }

  /** @return label column name */
  default String getLabelCol() {
    return $(labelCol());
  }

  /** @return weight column name, or null when unset or empty */
  default String getWeightCol() {
    return isDefined(weightCol()) && !$(weightCol()).isEmpty() ? $(weightCol()) : null;
  }

  /** @return prediction column name */
  default String getPredictionCol() {
    return $(predictionCol());
  }

  /** @return raw prediction column name */
  default String getRawPredictionCol() {
    return $(rawPredictionCol());
  }

  /** @return probability column name */
  default String getProbabilityCol() {
    return $(probabilityCol());
  }

  /** @return decision threshold */
  default double getThreshold() {
    return (Double) $(threshold());
  }

  /** @return maximum iterations */
  default int getMaxIter() {
    return (Integer) $(maxIter());
  }

  /** @return gradient tolerance */
  default double getTol() {
    return (Double) $(tol());
  }

  /** @return λ */
  default double getRegParam() {
    return (Double) $(regParam());
  }

  /** @return a */
  default double getElasticNetParam() {
    return (Double) $(elasticNetParam());
  }

  /** @return whether an intercept is fitted */
  default boolean getFitIntercept() {
    return (Boolean) $(fitIntercept());
  }

  /** @return whether the penalty is on standardized coefficients */
  default boolean getStandardization() {
    return (Boolean) $(standardization());
  }

  /** @return treeAggregate depth */
  default int getAggregationDepth() {
    return (Integer) $(aggregationDepth());
  }

  /** @return block size limit in MB (0 = automatic) */
  default double getMaxBlockSizeInMB() {
    return (Double) $(maxBlockSizeInMB());
  }

  /** @return loss name */
  default String getLoss() {
    return $(loss());
  }

  /** @return positive-class weight */
  default double getPosWeight() {
    return (Double) $(posWeight());
  }

  /** @return focal γ */
  default double getFocalGamma() {
    return (Double) $(focalGamma());
  }

  /** @return focal α */
  default double getFocalAlpha() {
    return (Double) $(focalAlpha());
  }

  /** @return label smoothing ε */
  default double getLabelSmoothing() {
    return (Double) $(labelSmoothing());
  }

  /**
   * The loss these parameters describe.
   *
   * @return a {@link LogitLoss}
   */
  default LogitLoss logitLoss() {
    return "focal".equals(getLoss())
        ? LogitLoss.focal(getFocalGamma(), getFocalAlpha(), getPosWeight(), getLabelSmoothing())
        : LogitLoss.bce(getPosWeight(), getLabelSmoothing());
  }

  // ---- Setters, each validating with a message that names the parameter and its range

  /** @param v features column name @return this */
  default S setFeaturesCol(String v) {
    return setChecked(featuresCol(), ParamChecks.requireName("featuresCol", v));
  }

  /** @param v label column name @return this */
  default S setLabelCol(String v) {
    return setChecked(labelCol(), ParamChecks.requireName("labelCol", v));
  }

  /** @param v weight column name (empty string: all weights 1) @return this */
  default S setWeightCol(String v) {
    return setChecked(weightCol(), v == null ? "" : v);
  }

  /** @param v prediction column name (empty: not produced) @return this */
  default S setPredictionCol(String v) {
    return setChecked(predictionCol(), v == null ? "" : v);
  }

  /** @param v raw prediction column name (empty: not produced) @return this */
  default S setRawPredictionCol(String v) {
    return setChecked(rawPredictionCol(), v == null ? "" : v);
  }

  /** @param v probability column name (empty: not produced) @return this */
  default S setProbabilityCol(String v) {
    return setChecked(probabilityCol(), v == null ? "" : v);
  }

  /** @param v threshold in [0, 1] @return this */
  default S setThreshold(double v) {
    ParamChecks.check(v >= 0 && v <= 1, "threshold", v, "in [0, 1]");
    return setChecked(threshold(), v);
  }

  /** @param v maximum iterations ≥ 0 @return this */
  default S setMaxIter(int v) {
    ParamChecks.check(v >= 0, "maxIter", v, ">= 0");
    return setChecked(maxIter(), v);
  }

  /** @param v tolerance ≥ 0 @return this */
  default S setTol(double v) {
    ParamChecks.check(v >= 0 && v < Double.POSITIVE_INFINITY, "tol", v, "a finite number >= 0");
    return setChecked(tol(), v);
  }

  /** @param v λ ≥ 0 @return this */
  default S setRegParam(double v) {
    ParamChecks.check(v >= 0 && v < Double.POSITIVE_INFINITY, "regParam", v, "a finite number >= 0");
    return setChecked(regParam(), v);
  }

  /** @param v a in [0, 1] @return this */
  default S setElasticNetParam(double v) {
    ParamChecks.check(v >= 0 && v <= 1, "elasticNetParam", v, "in [0, 1]");
    return setChecked(elasticNetParam(), v);
  }

  /** @param v whether to fit an intercept @return this */
  default S setFitIntercept(boolean v) {
    return setChecked(fitIntercept(), v);
  }

  /** @param v whether to penalize standardized coefficients @return this */
  default S setStandardization(boolean v) {
    return setChecked(standardization(), v);
  }

  /** @param v treeAggregate depth ≥ 2 @return this */
  default S setAggregationDepth(int v) {
    ParamChecks.check(v >= 2, "aggregationDepth", v, ">= 2");
    return setChecked(aggregationDepth(), v);
  }

  /** @param v block size limit in MB ≥ 0 (0 = automatic) @return this */
  default S setMaxBlockSizeInMB(double v) {
    ParamChecks.check(v >= 0 && v < Double.POSITIVE_INFINITY, "maxBlockSizeInMB", v, "a finite number >= 0");
    return setChecked(maxBlockSizeInMB(), v);
  }

  /** @param v "bce" or "focal" (case-insensitive) @return this */
  default S setLoss(String v) {
    String name = v == null ? "" : v.trim().toLowerCase(Locale.ROOT);
    if (!Arrays.asList(SUPPORTED_LOSSES).contains(name)) {
      throw new IllegalArgumentException("loss must be one of " + Arrays.toString(SUPPORTED_LOSSES)
          + ", but was '" + v + "'");
    }
    return setChecked(loss(), name);
  }

  /** @param v positive-class weight, finite and &gt; 0 @return this */
  default S setPosWeight(double v) {
    ParamChecks.check(v > 0 && v < Double.POSITIVE_INFINITY, "posWeight", v, "a finite number > 0");
    return setChecked(posWeight(), v);
  }

  /** @param v focal γ ≥ 0 @return this */
  default S setFocalGamma(double v) {
    ParamChecks.check(v >= 0 && v < Double.POSITIVE_INFINITY, "focalGamma", v, "a finite number >= 0");
    return setChecked(focalGamma(), v);
  }

  /** @param v focal α in [0, 1], or &lt; 0 for α_t = 1 @return this */
  default S setFocalAlpha(double v) {
    ParamChecks.check(v <= 1 && v > Double.NEGATIVE_INFINITY, "focalAlpha", v,
        "in [0, 1], or < 0 to disable class balancing");
    return setChecked(focalAlpha(), v);
  }

  /** @param v label smoothing ε in [0, 1) @return this */
  default S setLabelSmoothing(double v) {
    ParamChecks.check(v >= 0 && v < 1, "labelSmoothing", v, "in [0, 1)");
    return setChecked(labelSmoothing(), v);
  }

  /** @param v whether to set posWeight from the class balance @return this */
  default S setAutoPosWeight(boolean v) {
    return setChecked(autoPosWeight(), v);
  }

  /** @param v whether to correct probabilities for posWeight @return this */
  default S setCorrectProbabilities(boolean v) {
    return setChecked(correctProbabilities(), v);
  }

  /** @param v boolean validation indicator column ("" = none) @return this */
  default S setValidationIndicatorCol(String v) {
    return setChecked(validationIndicatorCol(), v == null ? "" : v);
  }

  /** @param v early stopping patience ≥ 0 (0 = off) @return this */
  default S setEarlyStoppingRounds(int v) {
    ParamChecks.check(v >= 0, "earlyStoppingRounds", v, ">= 0");
    return setChecked(earlyStoppingRounds(), v);
  }

  /** @param v per-row loss column name ("" = not produced) @return this */
  default S setLossCol(String v) {
    return setChecked(lossCol(), v == null ? "" : v);
  }

  @SuppressWarnings("unchecked")
  private <T> S setChecked(Param<T> param, T value) {
    set(param, value);
    return (S) this;
  }

}
