package io.github.stablelogit.ml;

import io.github.stablelogit.optim.MlpActivation;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The parameters of the network model ({@link LogitMLPClassifier}) besides those every classifier
 * shares ({@link ClassifierParams}); names follow Spark's MultilayerPerceptronClassifier where it
 * has them.
 *
 * @param <S> the implementing class, returned by setters for chaining
 */
public interface MlpParams<S extends MlpParams<S>> extends ClassifierParams<S> {

  /** Solvers accepted by {@link #solver()}. */
  List<String> SUPPORTED_SOLVERS = List.of("lbfgs", "adam");

  /** Activations accepted by {@link #activation()}. */
  List<String> SUPPORTED_ACTIVATIONS = MlpActivation.NAMES;

  /** The Param instances of one owner. */
  final class Defs implements Serializable {
    private static final long serialVersionUID = 1L;

    final ClassifierParams.Defs classifierDefs;
    final IntArrayParam layers;
    final Param<String> activation;
    final LongParam seed;
    final DoubleParam regParam;
    final BooleanParam standardization;
    final Param<String> solver;
    final DoubleParam stepSize;
    final IntParam warmupIters;
    final DoubleParam maxGradNorm;
    final DoubleParam miniBatchFraction;
    final Param<Vector> initialWeights;

    /** @param o the owner, whose uid must already be set */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Defs(Params o) {
      classifierDefs = new ClassifierParams.Defs(o);
      layers = new IntArrayParam(o, "layers", "hidden layer sizes, each >= 1 (empty: the "
          + "linear model)", (scala.Function1) new ParamChecks.Valid("hidden layer sizes >= 1",
              v -> java.util.Arrays.stream((int[]) v).allMatch(h -> h >= 1)));
      activation = ParamChecks.stringParam(o, "activation", "hidden activation: relu, tanh or "
          + "gelu", ParamChecks.oneOf(SUPPORTED_ACTIVATIONS));
      seed = new LongParam(o, "seed", "random seed of the initial weights");
      regParam = ParamChecks.doubleParam(o, "regParam", "L2 strength lambda on the weights, "
          + "not the biases (finite, >= 0)", ParamChecks.FINITE_NON_NEGATIVE);
      standardization = ParamChecks.booleanParam(o, "standardization", "whether the first "
          + "layer's penalty applies to weights on standardized features (the fitted network "
          + "always takes raw features)");
      solver = ParamChecks.stringParam(o, "solver", "optimizer: lbfgs (full batch) or adam "
          + "(linear warm-up, cosine decay, gradient clipping)",
          ParamChecks.oneOf(SUPPORTED_SOLVERS));
      stepSize = ParamChecks.doubleParam(o, "stepSize", "adam's peak learning rate (finite, > 0)",
          ParamChecks.FINITE_POSITIVE);
      warmupIters = ParamChecks.intParam(o, "warmupIters", "adam's linear warm-up length in "
          + "iterations (>= 0)", ParamChecks.INT_NON_NEGATIVE);
      maxGradNorm = ParamChecks.doubleParam(o, "maxGradNorm", "adam: clip the gradient to this "
          + "Euclidean norm (finite, >= 0; 0 = no clipping)", ParamChecks.FINITE_NON_NEGATIVE);
      miniBatchFraction = ParamChecks.doubleParam(o, "miniBatchFraction", "adam: each step's "
          + "gradient is the weighted mean over the training rows a seeded hash of (seed, step, "
          + "row values) selects with this probability, the same rows for any partitioning "
          + "(in (0, 1]; 1 = full batch)", ParamChecks.doubles("in (0, 1]", v -> v > 0 && v <= 1));
      initialWeights = new Param<Vector>(o, "initialWeights", "initial network parameters on "
          + "raw features, in the layout of LogitMLPClassificationModel.weights()",
          (scala.Function1) ParamChecks.ANY);
    }
  }

  /** @return this owner's Param instances */
  Defs defs();

  @Override
  default ClassifierParams.Defs classifierDefs() {
    return defs().classifierDefs;
  }

  /** Sets the defaults; called by each constructor after {@link #defs()} exists. */
  default void setMlpDefaults() {
    setClassifierDefaults();
    Defs p = defs();
    setDefault(p.layers, new int[] {32});
    setDefault(p.activation, "tanh");
    setDefault(p.seed, (long) "LogitMLPClassifier".hashCode());
    setDefault(p.regParam, 0.0);
    setDefault(p.standardization, true);
    setDefault(p.solver, "lbfgs");
    setDefault(p.stepSize, 0.01);
    setDefault(p.warmupIters, 0);
    setDefault(p.maxGradNorm, 0.0);
    setDefault(p.miniBatchFraction, 1.0);
  }

  /** @return hidden layer sizes (default [32]) */
  default IntArrayParam layers() {
    return defs().layers;
  }

  /** @return hidden activation (default "tanh") */
  default Param<String> activation() {
    return defs().activation;
  }

  /** @return the seed of the initialization */
  default LongParam seed() {
    return defs().seed;
  }

  /** @return L2 strength on the weights (default 0) */
  default DoubleParam regParam() {
    return defs().regParam;
  }

  /** @return whether the first layer's penalty is on standardized weights (default true) */
  default BooleanParam standardization() {
    return defs().standardization;
  }

  /** @return the optimizer, "lbfgs" or "adam" (default "lbfgs") */
  default Param<String> solver() {
    return defs().solver;
  }

  /** @return adam's peak learning rate (default 0.01) */
  default DoubleParam stepSize() {
    return defs().stepSize;
  }

  /** @return adam's warm-up iterations (default 0) */
  default IntParam warmupIters() {
    return defs().warmupIters;
  }

  /** @return adam's clipping norm (default 0 = off) */
  default DoubleParam maxGradNorm() {
    return defs().maxGradNorm;
  }

  /** @return adam's mini-batch fraction of the training rows (default 1 = full batch) */
  default DoubleParam miniBatchFraction() {
    return defs().miniBatchFraction;
  }

  /** @return initial parameters (unset: seeded initialization) */
  default Param<Vector> initialWeights() {
    return defs().initialWeights;
  }

  /** @return hidden layer sizes */
  default int[] getLayers() {
    return $(layers());
  }

  /** @return hidden activation */
  default String getActivation() {
    return $(activation());
  }

  /** @return the seed */
  default long getSeed() {
    return (Long) $(seed());
  }

  /** @return L2 strength */
  default double getRegParam() {
    return (Double) $(regParam());
  }

  /** @return whether the first layer's penalty is on standardized weights */
  default boolean getStandardization() {
    return (Boolean) $(standardization());
  }

  /** @return the optimizer */
  default String getSolver() {
    return $(solver());
  }

  /** @return adam's peak learning rate */
  default double getStepSize() {
    return (Double) $(stepSize());
  }

  /** @return adam's warm-up iterations */
  default int getWarmupIters() {
    return (Integer) $(warmupIters());
  }

  /** @return adam's clipping norm (0 = off) */
  default double getMaxGradNorm() {
    return (Double) $(maxGradNorm());
  }

  /** @return adam's mini-batch fraction (1 = full batch) */
  default double getMiniBatchFraction() {
    return (Double) $(miniBatchFraction());
  }

  /** @return the initial parameters, or null when unset */
  default Vector getInitialWeights() {
    return isDefined(initialWeights()) ? $(initialWeights()) : null;
  }

  /** @param v hidden layer sizes, each ≥ 1 (empty: linear model) @return this */
  default S setLayers(int[] v) {
    return setValid(layers(), v.clone());
  }

  /** @param v "relu", "tanh" or "gelu" (case-insensitive) @return this */
  default S setActivation(String v) {
    return setValid(activation(), ParamChecks.normalize(v, SUPPORTED_ACTIVATIONS));
  }

  /** @param v the seed @return this */
  default S setSeed(long v) {
    return setValid(seed(), v);
  }

  /** @param v L2 strength, finite and ≥ 0 @return this */
  default S setRegParam(double v) {
    return setValid(regParam(), v);
  }

  /** @param v whether the first layer's penalty is on standardized weights @return this */
  default S setStandardization(boolean v) {
    return setValid(standardization(), v);
  }

  /** @param v "lbfgs" or "adam" (case-insensitive) @return this */
  default S setSolver(String v) {
    return setValid(solver(), ParamChecks.normalize(v, SUPPORTED_SOLVERS));
  }

  /** @param v adam's peak learning rate, finite and &gt; 0 @return this */
  default S setStepSize(double v) {
    return setValid(stepSize(), v);
  }

  /** @param v adam's warm-up iterations ≥ 0 @return this */
  default S setWarmupIters(int v) {
    return setValid(warmupIters(), v);
  }

  /** @param v adam's clipping norm, finite and ≥ 0 (0 = off) @return this */
  default S setMaxGradNorm(double v) {
    return setValid(maxGradNorm(), v);
  }

  /**
   * Adam's mini-batches: step t's gradient (and the objective it reports) is the weighted mean
   * over the training rows whose hash of (seed, t, label, weight, feature values) falls below
   * {@code v}, plus the penalty; unselected rows are skipped. The choice depends on neither the
   * partitioning nor the row order (identical rows are chosen together); validation rows are
   * always scored. Only with solver adam.
   *
   * @param v the fraction, in (0, 1] (1 = full batch)
   * @return this
   */
  default S setMiniBatchFraction(double v) {
    return setValid(miniBatchFraction(), v);
  }

  /** @param v initial parameters on raw features @return this */
  default S setInitialWeights(Vector v) {
    return setValid(initialWeights(), v);
  }
}
