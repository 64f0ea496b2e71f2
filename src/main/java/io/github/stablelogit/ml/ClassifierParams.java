package io.github.stablelogit.ml;

import io.github.stablelogit.loss.LogitLoss;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.shared.HasFeaturesCol;
import org.apache.spark.ml.param.shared.HasLabelCol;
import org.apache.spark.ml.param.shared.HasPredictionCol;
import org.apache.spark.ml.param.shared.HasProbabilityCol;
import org.apache.spark.ml.param.shared.HasRawPredictionCol;

/**
 * The parameters every classifier of this library shares, declared once: columns, decision
 * threshold, the loss and its imbalance options ({@link LossParams} plus loss, autoPosWeight and
 * correctProbabilities), validation rows and early stopping, the per-row loss column, and the
 * optimizer and block options. Names, meanings and defaults follow Spark's LogisticRegression where
 * Spark has the parameter.
 *
 * <p>Each implementing class owns one {@link Defs} (inside its model-specific Defs) created in its
 * constructor after its uid is set; the public no-argument accessors below are what Spark's
 * reflection finds. Setters check values with the Param's own validator, the one Spark applies to
 * values set through a {@code ParamMap} (e.g. by CrossValidator), and name the parameter, its
 * range and the value when it is invalid.
 *
 * @param <S> the implementing class, returned by setters for chaining
 */
public interface ClassifierParams<S extends ClassifierParams<S>> extends LossParams<S>,
    CalibrationParams<S> {

  /** Loss names accepted by {@link #loss()}. */
  List<String> SUPPORTED_LOSSES = LogitLoss.SUPPORTED;

  /** Storage precisions accepted by {@link #precision()}. */
  List<String> SUPPORTED_PRECISIONS = List.of("double", "float");

  /** The Param instances of one owner; each Param carries the one validator its setter uses. */
  final class Defs implements Serializable {
    private static final long serialVersionUID = 1L;

    final LossParams.Defs lossDefs;
    final Param<String> featuresCol;
    final Param<String> labelCol;
    final Param<String> weightCol;
    final Param<String> predictionCol;
    final Param<String> rawPredictionCol;
    final Param<String> probabilityCol;
    final DoubleParam threshold;
    final IntParam maxIter;
    final DoubleParam tol;
    final IntParam aggregationDepth;
    final DoubleParam maxBlockSizeInMB;
    final Param<String> loss;
    final BooleanParam autoPosWeight;
    final BooleanParam correctProbabilities;
    final Param<String> validationIndicatorCol;
    final IntParam earlyStoppingRounds;
    final Param<String> lossCol;
    final Param<String> precision;
    final CalibrationParams.Defs calibrationDefs;

    /** @param o the owner, whose uid must already be set */
    public Defs(Params o) {
      lossDefs = new LossParams.Defs(o);
      // An owner that is a Spark PredictionModel already declares five of these: share its Params
      // so that each name has one Param object (Spark finds Params by reflection, by name).
      featuresCol = o instanceof HasFeaturesCol h ? h.featuresCol() : ParamChecks.stringParam(o,
          "featuresCol", "features column name (Vector)", ParamChecks.NAME);
      labelCol = o instanceof HasLabelCol h ? h.labelCol() : ParamChecks.stringParam(o,
          "labelCol", "label column name (numeric, values in [0, 1])", ParamChecks.NAME);
      weightCol = ParamChecks.stringParam(o, "weightCol", "instance weight column name (numeric, "
          + "finite, >= 0); unset or empty means all weights are 1", ParamChecks.ANY);
      predictionCol = o instanceof HasPredictionCol h ? h.predictionCol()
          : ParamChecks.stringParam(o, "predictionCol", "prediction column name", ParamChecks.ANY);
      rawPredictionCol = o instanceof HasRawPredictionCol h ? h.rawPredictionCol()
          : ParamChecks.stringParam(o, "rawPredictionCol",
              "raw prediction column name: the vector [-z, z] of the logit z", ParamChecks.ANY);
      probabilityCol = o instanceof HasProbabilityCol h ? h.probabilityCol()
          : ParamChecks.stringParam(o, "probabilityCol",
              "class probability column name: the vector [1 - sigmoid(z), sigmoid(z)]",
              ParamChecks.ANY);
      threshold = ParamChecks.doubleParam(o, "threshold",
          "threshold in [0, 1] on P(label = 1) above which the prediction is 1",
          ParamChecks.UNIT_INTERVAL);
      maxIter = ParamChecks.intParam(o, "maxIter", "maximum number of iterations (>= 0)",
          ParamChecks.INT_NON_NEGATIVE);
      tol = ParamChecks.doubleParam(o, "tol", "convergence tolerance on the gradient norm "
          + "(finite, >= 0): stop when max|g| <= tol * |objective| (g in standardized variables)",
          ParamChecks.FINITE_NON_NEGATIVE);
      aggregationDepth = ParamChecks.intParam(o, "aggregationDepth",
          "suggested depth for treeAggregate (>= 2)",
          new ParamChecks.Valid(">= 2", v -> (Integer) v >= 2));
      maxBlockSizeInMB = ParamChecks.doubleParam(o, "maxBlockSizeInMB", "maximum memory in MB "
          + "for stacking input rows into blocks (finite, >= 0); 0 chooses automatically",
          ParamChecks.FINITE_NON_NEGATIVE);
      loss = ParamChecks.stringParam(o, "loss", "loss function: bce or focal",
          ParamChecks.oneOf(SUPPORTED_LOSSES));
      autoPosWeight = ParamChecks.booleanParam(o, "autoPosWeight", "whether to set posWeight to "
          + "the weighted negatives / weighted positives of the training data (overrides "
          + "posWeight)");
      correctProbabilities = ParamChecks.booleanParam(o, "correctProbabilities", "whether to "
          + "shift the intercept by -log(posWeight) after training so that probabilities "
          + "estimate the real class frequency again (rankings are unchanged)");
      validationIndicatorCol = ParamChecks.stringParam(o, "validationIndicatorCol", "boolean "
          + "column: true marks validation rows, left out of training and scored every "
          + "iteration", ParamChecks.ANY);
      earlyStoppingRounds = ParamChecks.intParam(o, "earlyStoppingRounds", "stop when the "
          + "validation loss has not improved for this many iterations and return the best "
          + "iterate (0 = off; needs validationIndicatorCol)", ParamChecks.INT_NON_NEGATIVE);
      lossCol = ParamChecks.stringParam(o, "lossCol", "model output column with each row's "
          + "unweighted loss, added when the label column is present (empty = not produced)",
          ParamChecks.ANY);
      precision = ParamChecks.stringParam(o, "precision", "storage precision of the cached "
          + "training features: double, or float (half the memory and memory traffic; "
          + "arithmetic stays in double, the features are rounded to float once)",
          ParamChecks.oneOf(SUPPORTED_PRECISIONS));
      calibrationDefs = new CalibrationParams.Defs(o);
    }
  }

  /** @return this owner's shared classifier Param instances */
  Defs classifierDefs();

  @Override
  default LossParams.Defs lossDefs() {
    return classifierDefs().lossDefs;
  }

  /** Sets Spark's defaults and ours; called by each constructor once the Params exist. */
  default void setClassifierDefaults() {
    setLossDefaults();
    Defs p = classifierDefs();
    setDefault(p.featuresCol, "features");
    setDefault(p.labelCol, "label");
    setDefault(p.predictionCol, "prediction");
    setDefault(p.rawPredictionCol, "rawPrediction");
    setDefault(p.probabilityCol, "probability");
    setDefault(p.threshold, 0.5);
    setDefault(p.maxIter, 100);
    setDefault(p.tol, 1e-6);
    setDefault(p.aggregationDepth, 2);
    setDefault(p.maxBlockSizeInMB, 0.0);
    setDefault(p.loss, "bce");
    setDefault(p.autoPosWeight, false);
    setDefault(p.correctProbabilities, false);
    setDefault(p.earlyStoppingRounds, 0);
    setDefault(p.lossCol, "");
    setDefault(p.precision, "double");
    setCalibrationDefaults();
  }

  @Override
  default CalibrationParams.Defs calibrationDefs() {
    return classifierDefs().calibrationDefs;
  }

  /** @return features column name (default "features") */
  default Param<String> featuresCol() {
    return classifierDefs().featuresCol;
  }

  /** @return label column name (default "label") */
  default Param<String> labelCol() {
    return classifierDefs().labelCol;
  }

  /** @return instance weight column name (unset: all weights 1) */
  default Param<String> weightCol() {
    return classifierDefs().weightCol;
  }

  /** @return prediction column name (default "prediction") */
  default Param<String> predictionCol() {
    return classifierDefs().predictionCol;
  }

  /** @return raw prediction column name (default "rawPrediction") */
  default Param<String> rawPredictionCol() {
    return classifierDefs().rawPredictionCol;
  }

  /** @return probability column name (default "probability") */
  default Param<String> probabilityCol() {
    return classifierDefs().probabilityCol;
  }

  /** @return decision threshold on P(y = 1) (default 0.5) */
  default DoubleParam threshold() {
    return classifierDefs().threshold;
  }

  /** @return maximum iterations (default 100) */
  default IntParam maxIter() {
    return classifierDefs().maxIter;
  }

  /** @return gradient tolerance (default 1e-6) */
  default DoubleParam tol() {
    return classifierDefs().tol;
  }

  /** @return treeAggregate depth (default 2) */
  default IntParam aggregationDepth() {
    return classifierDefs().aggregationDepth;
  }

  /** @return block size limit in MB, 0 = automatic (default 0) */
  default DoubleParam maxBlockSizeInMB() {
    return classifierDefs().maxBlockSizeInMB;
  }

  /** @return loss name, "bce" or "focal" (default "bce") */
  default Param<String> loss() {
    return classifierDefs().loss;
  }

  /** @return whether posWeight is set from the class balance (default false) */
  default BooleanParam autoPosWeight() {
    return classifierDefs().autoPosWeight;
  }

  /** @return whether the intercept is shifted by −log(posWeight) after training (default false) */
  default BooleanParam correctProbabilities() {
    return classifierDefs().correctProbabilities;
  }

  /** @return boolean column marking validation rows (unset: no validation set) */
  default Param<String> validationIndicatorCol() {
    return classifierDefs().validationIndicatorCol;
  }

  /** @return early stopping patience in iterations (default 0 = off) */
  default IntParam earlyStoppingRounds() {
    return classifierDefs().earlyStoppingRounds;
  }

  /** @return per-row loss output column of the model (default "" = not produced) */
  default Param<String> lossCol() {
    return classifierDefs().lossCol;
  }

  /** @return storage precision of the cached training features, "double" or "float" */
  default Param<String> precision() {
    return classifierDefs().precision;
  }

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

  /**
   * The loss these parameters describe.
   *
   * @return a {@link LogitLoss}
   */
  default LogitLoss logitLoss() {
    return lossNamed(getLoss(), getPosWeight());
  }

  /** @param v features column name @return this */
  default S setFeaturesCol(String v) {
    return setValid(featuresCol(), v);
  }

  /** @param v label column name @return this */
  default S setLabelCol(String v) {
    return setValid(labelCol(), v);
  }

  /** @param v weight column name (empty string: all weights 1) @return this */
  default S setWeightCol(String v) {
    return setValid(weightCol(), v == null ? "" : v);
  }

  /** @param v prediction column name (empty: not produced) @return this */
  default S setPredictionCol(String v) {
    return setValid(predictionCol(), v == null ? "" : v);
  }

  /** @param v raw prediction column name (empty: not produced) @return this */
  default S setRawPredictionCol(String v) {
    return setValid(rawPredictionCol(), v == null ? "" : v);
  }

  /** @param v probability column name (empty: not produced) @return this */
  default S setProbabilityCol(String v) {
    return setValid(probabilityCol(), v == null ? "" : v);
  }

  /** @param v threshold in [0, 1] @return this */
  default S setThreshold(double v) {
    return setValid(threshold(), v);
  }

  /** @param v maximum iterations ≥ 0 @return this */
  default S setMaxIter(int v) {
    return setValid(maxIter(), v);
  }

  /** @param v tolerance, finite and ≥ 0 @return this */
  default S setTol(double v) {
    return setValid(tol(), v);
  }

  /** @param v treeAggregate depth ≥ 2 @return this */
  default S setAggregationDepth(int v) {
    return setValid(aggregationDepth(), v);
  }

  /** @param v block size limit in MB, finite and ≥ 0 (0 = automatic) @return this */
  default S setMaxBlockSizeInMB(double v) {
    return setValid(maxBlockSizeInMB(), v);
  }

  /** @param v "bce" or "focal" (case-insensitive) @return this */
  default S setLoss(String v) {
    return setValid(loss(), ParamChecks.normalize(v, SUPPORTED_LOSSES));
  }

  /** @param v whether to set posWeight from the class balance @return this */
  default S setAutoPosWeight(boolean v) {
    return setValid(autoPosWeight(), v);
  }

  /** @param v whether to correct probabilities for posWeight @return this */
  default S setCorrectProbabilities(boolean v) {
    return setValid(correctProbabilities(), v);
  }

  /** @param v boolean validation indicator column ("" = none) @return this */
  default S setValidationIndicatorCol(String v) {
    return setValid(validationIndicatorCol(), v == null ? "" : v);
  }

  /** @param v early stopping patience ≥ 0 (0 = off) @return this */
  default S setEarlyStoppingRounds(int v) {
    return setValid(earlyStoppingRounds(), v);
  }

  /** @param v per-row loss column name ("" = not produced) @return this */
  default S setLossCol(String v) {
    return setValid(lossCol(), v == null ? "" : v);
  }

  /**
   * Sets the storage precision of the cached training blocks. "float" stores feature values in
   * single precision (about half the cached bytes and memory traffic per evaluation); labels,
   * weights and every sum stay in double, so the fit is the double fit of the features rounded to
   * float (relative rounding ≤ 2⁻²⁴ per value).
   *
   * @param v "double" (default) or "float" (case-insensitive)
   * @return this
   */
  default S setPrecision(String v) {
    return setValid(precision(), ParamChecks.normalize(v, SUPPORTED_PRECISIONS));
  }
}
