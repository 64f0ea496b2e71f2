package io.github.stablelogit.ml;

import io.github.stablelogit.loss.LogitLoss;
import java.io.Serializable;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The parameters that define a {@link LogitLoss} besides its name — posWeight, focalGamma,
 * focalAlpha and labelSmoothing — declared once for every estimator, model and evaluator of this
 * library, and the one place where parameters become a {@link LogitLoss} ({@link #lossNamed}).
 *
 * <p>Each implementing class owns one {@link Defs}, created in its constructor after its uid is
 * set; the public no-argument accessors below are what Spark's reflection finds.
 *
 * @param <S> the implementing class, returned by setters for chaining
 */
public interface LossParams<S extends LossParams<S>> extends Params {

  /** The Param instances of one owner. */
  final class Defs implements Serializable {
    private static final long serialVersionUID = 1L;

    final DoubleParam posWeight;
    final DoubleParam focalGamma;
    final DoubleParam focalAlpha;
    final DoubleParam labelSmoothing;

    /** @param o the owner, whose uid must already be set */
    public Defs(Params o) {
      posWeight = ParamChecks.doubleParam(o, "posWeight",
          "weight of the positive-class term, as PyTorch's pos_weight (finite, > 0)",
          ParamChecks.FINITE_POSITIVE);
      focalGamma = ParamChecks.doubleParam(o, "focalGamma",
          "focal loss focusing parameter gamma (finite, >= 0)", ParamChecks.FINITE_NON_NEGATIVE);
      focalAlpha = ParamChecks.doubleParam(o, "focalAlpha",
          "focal loss class balance alpha in [0, 1], or < 0 for alpha_t = 1 (no balancing)",
          ParamChecks.doubles("in [0, 1], or < 0 to disable class balancing",
              v -> v <= 1 && v > Double.NEGATIVE_INFINITY));
      labelSmoothing = ParamChecks.doubleParam(o, "labelSmoothing",
          "label smoothing epsilon in [0, 1): labels become y(1 - eps) + eps/2",
          ParamChecks.doubles("in [0, 1)", v -> v >= 0 && v < 1));
    }
  }

  /** @return this owner's loss Param instances */
  Defs lossDefs();

  /** Sets the defaults (posWeight 1, γ 2, α 0.25, ε 0); called by each constructor. */
  default void setLossDefaults() {
    Defs p = lossDefs();
    setDefault(p.posWeight, 1.0);
    setDefault(p.focalGamma, 2.0);
    setDefault(p.focalAlpha, 0.25);
    setDefault(p.labelSmoothing, 0.0);
  }

  /** @return positive-class weight (default 1) */
  default DoubleParam posWeight() {
    return lossDefs().posWeight;
  }

  /** @return focal γ (default 2) */
  default DoubleParam focalGamma() {
    return lossDefs().focalGamma;
  }

  /** @return focal α (default 0.25) */
  default DoubleParam focalAlpha() {
    return lossDefs().focalAlpha;
  }

  /** @return label smoothing ε (default 0) */
  default DoubleParam labelSmoothing() {
    return lossDefs().labelSmoothing;
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

  /** @param v positive-class weight, finite and &gt; 0 @return this */
  default S setPosWeight(double v) {
    return setValid(posWeight(), v);
  }

  /** @param v focal γ, finite and ≥ 0 @return this */
  default S setFocalGamma(double v) {
    return setValid(focalGamma(), v);
  }

  /** @param v focal α in [0, 1], or &lt; 0 for α_t = 1 @return this */
  default S setFocalAlpha(double v) {
    return setValid(focalAlpha(), v);
  }

  /** @param v label smoothing ε in [0, 1) @return this */
  default S setLabelSmoothing(double v) {
    return setValid(labelSmoothing(), v);
  }

  /**
   * The loss of the given name with these parameters.
   *
   * @param name "bce" or "focal"
   * @param posWeight the positive-class weight to use (the parameter's value, or the one
   *     autoPosWeight computed from the data)
   * @return the loss
   */
  default LogitLoss lossNamed(String name, double posWeight) {
    return LogitLoss.of(name, getFocalGamma(), getFocalAlpha(), posWeight, getLabelSmoothing());
  }

  /**
   * Sets a Param after checking the value with the Param's own validator (the one Spark applies
   * to values in a {@code ParamMap}).
   *
   * @param param one of this owner's Params
   * @param value the value
   * @param <T> the value type
   * @return this
   * @throws IllegalArgumentException naming the parameter, its range and the value
   */
  @SuppressWarnings("unchecked")
  default <T> S setValid(Param<T> param, T value) {
    set(param, ParamChecks.requireValid(param, value));
    return (S) this;
  }
}
