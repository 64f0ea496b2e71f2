package io.github.stablelogit.ml;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The parameters of the linear model, z = βᵀx + b, besides those every classifier shares ({@link
 * ClassifierParams}): the penalty (regParam, elasticNetParam), the intercept and standardization,
 * with Spark's LogisticRegression names, meanings and defaults. Implemented by {@link
 * LogitClassifier} and {@link LogitClassificationModel}.
 *
 * @param <S> the implementing class, returned by setters for chaining
 */
public interface LogitParams<S extends LogitParams<S>> extends ClassifierParams<S> {

  /** Solvers accepted by {@link #solver()}. */
  List<String> SUPPORTED_SOLVERS = List.of("auto", "lbfgs", "newton");

  /**
   * The most features (plus the intercept) the Newton solver and Wald inference accept: the
   * (d+1)² Hessian is held on the driver and in every task (128 MiB at this size).
   */
  int NEWTON_MAX_DIMENSION = 4096;

  /**
   * {@code solver = "auto"} picks Newton for up to this many optimizer variables (features plus
   * the intercept), whatever the number of rows. Measured (SolverBenchmark, README): at the
   * default tol Newton was faster than L-BFGS at 11 variables and slower at 31 on well-conditioned
   * dense data of 200,000 rows, and faster at tol 1e-12 in both.
   */
  int AUTO_NEWTON_MAX_DIMENSION = 16;

  /**
   * {@code solver = "auto"} also picks Newton when a Newton iteration's work is at most this:
   * Σ (v_i + 1)² over the training rows, v_i the values row i stores (all d features of a dense
   * row, the non-zeros of a sparse one), plus (variables)³ for the solve. A Hessian pass then
   * costs about what a Spark job's fixed overhead does, and Newton's few passes win (e.g. breast
   * cancer, 569 × 31², or one-hot a9a, 32,561 rows of 14 non-zeros).
   */
  long AUTO_NEWTON_MAX_WORK = 50_000_000L;

  /** The Param instances of one owner. */
  final class Defs implements Serializable {
    private static final long serialVersionUID = 1L;

    final ClassifierParams.Defs classifierDefs;
    final DoubleParam regParam;
    final DoubleParam elasticNetParam;
    final BooleanParam fitIntercept;
    final BooleanParam standardization;
    final Param<String> solver;

    /** @param o the owner, whose uid must already be set */
    public Defs(Params o) {
      classifierDefs = new ClassifierParams.Defs(o);
      regParam = ParamChecks.doubleParam(o, "regParam",
          "regularization strength lambda (finite, >= 0)", ParamChecks.FINITE_NON_NEGATIVE);
      elasticNetParam = ParamChecks.doubleParam(o, "elasticNetParam",
          "elastic net mixing a in [0, 1]: 0 is L2, 1 is L1", ParamChecks.UNIT_INTERVAL);
      fitIntercept = ParamChecks.booleanParam(o, "fitIntercept",
          "whether to fit an intercept term");
      standardization = ParamChecks.booleanParam(o, "standardization",
          "whether the penalty applies to standardized coefficients (coefficients are always "
              + "reported in the original space)");
      solver = ParamChecks.stringParam(o, "solver", "optimizer: lbfgs (L-BFGS, OWL-QN with L1), "
          + "newton (Newton, proximal Newton with L1: one Hessian pass per iteration, at most "
          + NEWTON_MAX_DIMENSION + " features plus intercept), or auto (newton up to "
          + AUTO_NEWTON_MAX_DIMENSION + " variables, or while the sum over rows of (stored "
          + "values + 1)^2 plus variables^3 is at most " + AUTO_NEWTON_MAX_WORK
          + ", lbfgs otherwise)", ParamChecks.oneOf(SUPPORTED_SOLVERS));
    }
  }

  /** @return this owner's Param instances */
  Defs defs();

  @Override
  default ClassifierParams.Defs classifierDefs() {
    return defs().classifierDefs;
  }

  /** Sets Spark's defaults and ours; called by each constructor after {@link #defs()} exists. */
  default void setLogitDefaults() {
    setClassifierDefaults();
    Defs p = defs();
    setDefault(p.regParam, 0.0);
    setDefault(p.elasticNetParam, 0.0);
    setDefault(p.fitIntercept, true);
    setDefault(p.standardization, true);
    setDefault(p.solver, "auto");
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

  /** @param v λ, finite and ≥ 0 @return this */
  default S setRegParam(double v) {
    return setValid(regParam(), v);
  }

  /** @param v a in [0, 1] @return this */
  default S setElasticNetParam(double v) {
    return setValid(elasticNetParam(), v);
  }

  /** @param v whether to fit an intercept @return this */
  default S setFitIntercept(boolean v) {
    return setValid(fitIntercept(), v);
  }

  /** @param v whether to penalize standardized coefficients @return this */
  default S setStandardization(boolean v) {
    return setValid(standardization(), v);
  }

  /** @return the optimizer, "auto", "lbfgs" or "newton" (default "auto") */
  default Param<String> solver() {
    return defs().solver;
  }

  /** @return the optimizer name */
  default String getSolver() {
    return $(solver());
  }

  /**
   * @param v "auto" (default: newton up to {@value #AUTO_NEWTON_MAX_DIMENSION} features plus
   *     intercept, or while Σ_i (v_i + 1)² + (features + 1)³ ≤ {@value #AUTO_NEWTON_MAX_WORK},
   *     v_i the values row i stores, all features when dense, its non-zeros when sparse; lbfgs
   *     otherwise), "lbfgs" or "newton" (case-insensitive)
   * @return this
   */
  default S setSolver(String v) {
    return setValid(solver(), ParamChecks.normalize(v, SUPPORTED_SOLVERS));
  }
}
