package io.github.stablelogit.ml;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The cross-validation parameters of {@link LogitClassifierCV} (and its model): the folds, the
 * regularization path, the elastic-net grid, the metric and the selection rule.
 *
 * @param <S> the implementing class, returned by setters for chaining
 */
public interface CrossValidationParams<S extends CrossValidationParams<S>> extends Params {

  /** Metrics accepted by {@link #metric()}. */
  List<String> SUPPORTED_METRICS = List.of("loss", "areaUnderPR", "areaUnderROC", "logLoss");
  /** Rules accepted by {@link #selectionRule()}. */
  List<String> SUPPORTED_RULES = List.of("best", "oneStandardError");

  /** The Param instances of one owner. */
  final class Defs implements Serializable {
    private static final long serialVersionUID = 1L;

    final IntParam numFolds;
    final Param<String> foldCol;
    final LongParam seed;
    final DoubleArrayParam regParams;
    final IntParam numRegParams;
    final DoubleParam regParamMinRatio;
    final DoubleArrayParam elasticNetParams;
    final DoubleArrayParam posWeights;
    final Param<String> metric;
    final Param<String> selectionRule;

    /** @param o the owner, whose uid must already be set */
    @SuppressWarnings("unchecked")
    public Defs(Params o) {
      numFolds = ParamChecks.intParam(o, "numFolds", "number of folds (>= 2) when foldCol is "
          + "unset", new ParamChecks.Valid(">= 2", v -> (Integer) v >= 2));
      foldCol = ParamChecks.stringParam(o, "foldCol", "integer column of fold ids in [0, "
          + "numFolds); unset: folds from a seeded hash of each row's values", ParamChecks.NAME);
      seed = new LongParam(o, "seed", "seed of the fold assignment");
      regParams = new DoubleArrayParam(o, "regParams", "regParam values to cross-validate (any "
          + "order, finite, >= 0); unset: a path of numRegParams values from lambda_max down",
          (scala.Function1<double[], Object>) (Object) arrayOf(ParamChecks.FINITE_NON_NEGATIVE));
      numRegParams = ParamChecks.intParam(o, "numRegParams", "length of the automatic "
          + "regParam path (>= 1)", new ParamChecks.Valid(">= 1", v -> (Integer) v >= 1));
      regParamMinRatio = ParamChecks.doubleParam(o, "regParamMinRatio", "smallest regParam of the "
          + "automatic path over lambda_max, in (0, 1); unset: 1e-3 with more rows than "
          + "features, else 1e-2", ParamChecks.doubles("in (0, 1)", v -> v > 0 && v < 1));
      elasticNetParams = new DoubleArrayParam(o, "elasticNetParams", "elasticNetParam values to "
          + "cross-validate, each in [0, 1]; unset: elasticNetParam alone",
          (scala.Function1<double[], Object>) (Object) arrayOf(ParamChecks.UNIT_INTERVAL));
      posWeights = new DoubleArrayParam(o, "posWeights", "posWeight values to cross-validate, "
          + "each finite and > 0; unset: posWeight (or autoPosWeight) alone",
          (scala.Function1<double[], Object>) (Object) arrayOf(ParamChecks.FINITE_POSITIVE));
      metric = ParamChecks.stringParam(o, "metric", "held-out metric: loss (the training loss), "
          + "areaUnderPR, areaUnderROC or logLoss", ParamChecks.oneOf(SUPPORTED_METRICS));
      selectionRule = ParamChecks.stringParam(o, "selectionRule", "best (the best mean metric) "
          + "or oneStandardError (the largest regParam within one standard error of the best)",
          ParamChecks.oneOf(SUPPORTED_RULES));
    }

    private static ParamChecks.Valid arrayOf(ParamChecks.Valid each) {
      return new ParamChecks.Valid("a non-empty array of values " + each.range(), v -> {
        double[] a = (double[]) v;
        for (double x : a) {
          if (!Boolean.TRUE.equals(each.apply(x))) {
            return false;
          }
        }
        return a.length > 0;
      });
    }
  }

  /** @return this owner's Param instances */
  Defs cvDefs();

  /** Sets the defaults; called by each constructor after {@link #cvDefs()} exists. */
  default void setCrossValidationDefaults() {
    Defs p = cvDefs();
    setDefault(p.numFolds, 5);
    setDefault(p.seed, 42L);
    setDefault(p.numRegParams, 20);
    setDefault(p.metric, "loss");
    setDefault(p.selectionRule, "best");
  }

  /** @return number of folds (default 5) */
  default IntParam numFolds() {
    return cvDefs().numFolds;
  }

  /** @return fold id column (default unset) */
  default Param<String> foldCol() {
    return cvDefs().foldCol;
  }

  /** @return seed of the hashed fold assignment (default 42) */
  default LongParam seed() {
    return cvDefs().seed;
  }

  /** @return explicit regParam values (default unset: the automatic path) */
  default DoubleArrayParam regParams() {
    return cvDefs().regParams;
  }

  /** @return length of the automatic path (default 20) */
  default IntParam numRegParams() {
    return cvDefs().numRegParams;
  }

  /** @return smallest automatic regParam over lambda_max (default unset: by shape) */
  default DoubleParam regParamMinRatio() {
    return cvDefs().regParamMinRatio;
  }

  /** @return elasticNetParam values (default unset: elasticNetParam alone) */
  default DoubleArrayParam elasticNetParams() {
    return cvDefs().elasticNetParams;
  }

  /** @return posWeight values (default unset: posWeight alone) */
  default DoubleArrayParam posWeights() {
    return cvDefs().posWeights;
  }

  /** @return posWeights (a copy), or null when unset */
  default double[] getPosWeights() {
    return isDefined(posWeights()) ? $(posWeights()).clone() : null;
  }

  /**
   * @param v posWeight values, each finite and &gt; 0; the grid is posWeights × elasticNetParams ×
   *     the regParam path
   * @return this
   */
  default S setPosWeights(double... v) {
    return setCv(posWeights(), v == null ? new double[0] : v.clone());
  }

  /** @return the held-out metric (default "loss") */
  default Param<String> metric() {
    return cvDefs().metric;
  }

  /** @return the selection rule (default "best") */
  default Param<String> selectionRule() {
    return cvDefs().selectionRule;
  }

  /** @return number of folds */
  default int getNumFolds() {
    return (Integer) $(numFolds());
  }

  /** @return fold id column, or null when unset */
  default String getFoldCol() {
    return isDefined(foldCol()) ? $(foldCol()) : null;
  }

  /** @return the seed */
  default long getSeed() {
    return (Long) $(seed());
  }

  /** @return explicit regParams (a copy), or null when unset */
  default double[] getRegParams() {
    return isDefined(regParams()) ? $(regParams()).clone() : null;
  }

  /** @return length of the automatic path */
  default int getNumRegParams() {
    return (Integer) $(numRegParams());
  }

  /** @return the path's smallest ratio, or NaN when unset */
  default double getRegParamMinRatio() {
    return isDefined(regParamMinRatio()) ? (Double) $(regParamMinRatio()) : Double.NaN;
  }

  /** @return elasticNetParams (a copy), or null when unset */
  default double[] getElasticNetParams() {
    return isDefined(elasticNetParams()) ? $(elasticNetParams()).clone() : null;
  }

  /** @return the metric name */
  default String getMetric() {
    return $(metric());
  }

  /** @return the selection rule */
  default String getSelectionRule() {
    return $(selectionRule());
  }

  /** @param v number of folds, ≥ 2 @return this */
  default S setNumFolds(int v) {
    return setCv(numFolds(), v);
  }

  /** @param v an integer column of fold ids in [0, numFolds) @return this */
  default S setFoldCol(String v) {
    return setCv(foldCol(), v);
  }

  /** @param v seed of the hashed folds @return this */
  default S setSeed(long v) {
    return setCv(seed(), v);
  }

  /** @param v regParam values, finite and ≥ 0, any order @return this */
  default S setRegParams(double... v) {
    return setCv(regParams(), v == null ? new double[0] : v.clone());
  }

  /** @param v length of the automatic path, ≥ 1 @return this */
  default S setNumRegParams(int v) {
    return setCv(numRegParams(), v);
  }

  /** @param v smallest automatic regParam over lambda_max, in (0, 1) @return this */
  default S setRegParamMinRatio(double v) {
    return setCv(regParamMinRatio(), v);
  }

  /** @param v elasticNetParam values in [0, 1] @return this */
  default S setElasticNetParams(double... v) {
    return setCv(elasticNetParams(), v == null ? new double[0] : v.clone());
  }

  /** @param v "loss", "areaUnderPR", "areaUnderROC" or "logLoss" @return this */
  default S setMetric(String v) {
    return setCv(metric(), ParamChecks.normalize(v, SUPPORTED_METRICS));
  }

  /** @param v "best" or "oneStandardError" @return this */
  default S setSelectionRule(String v) {
    return setCv(selectionRule(), ParamChecks.normalize(v, SUPPORTED_RULES));
  }

  /** Sets a Param after its own validator accepted the value. */
  @SuppressWarnings("unchecked")
  private <T> S setCv(Param<T> param, T value) {
    set(param, ParamChecks.requireValid(param, value));
    return (S) this;
  }
}
