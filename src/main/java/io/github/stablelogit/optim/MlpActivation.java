package io.github.stablelogit.optim;

import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.special.Erf;

/**
 * The hidden-layer activations of {@link MlpNetwork}: each maps a chunk of pre-activations to
 * activations in place and gives the derivative at a pre-activation. GELU is the exact
 * x·Φ(x) (Φ from erfc, accurate in both tails), not the tanh approximation.
 */
public enum MlpActivation {
  /** max(0, x); derivative 1 for x &gt; 0, else 0. */
  RELU,
  /** tanh(x). */
  TANH,
  /** x·Φ(x) with Φ the standard normal distribution function. */
  GELU;

  /** Names accepted by {@link #named}. */
  public static final List<String> NAMES = List.of("relu", "tanh", "gelu");

  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

  /**
   * @param name relu, tanh or gelu (case-insensitive)
   * @return the activation
   */
  public static MlpActivation named(String name) {
    int i = NAMES.indexOf(name.toLowerCase(Locale.ROOT));
    if (i < 0) {
      throw new IllegalArgumentException("activation must be one of " + NAMES + ", got " + name);
    }
    return values()[i];
  }

  /** @return the lower-case name */
  public String label() {
    return NAMES.get(ordinal());
  }

  /**
   * @param x pre-activation
   * @return the activation at x
   */
  double apply(double x) {
    switch (this) {
      case RELU:
        return x > 0 ? x : 0.0;
      case TANH:
        return Math.tanh(x);
      default:
        return x * phi(x);
    }
  }

  /**
   * @param x pre-activation
   * @return the derivative of the activation at x
   */
  double derivative(double x) {
    switch (this) {
      case RELU:
        return x > 0 ? 1.0 : 0.0;
      case TANH:
        double t = Math.tanh(x);
        return 1.0 - t * t;
      default:
        return phi(x) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
    }
  }

  /** Φ(x) = erfc(−x/√2)/2. */
  private static double phi(double x) {
    return 0.5 * Erf.erfc(-x * SQRT_HALF);
  }

  /**
   * The variance of the seeded initial weights of a layer: He (2/fan_in) for relu and gelu,
   * Glorot/Xavier (2/(fan_in + fan_out)) for tanh and the linear output layer.
   *
   * @param fanIn inputs of the layer
   * @param fanOut outputs of the layer
   * @param output whether the layer is the (linear) output layer
   * @return the variance
   */
  double initVariance(int fanIn, int fanOut, boolean output) {
    if (this == TANH || output) {
      return 2.0 / (fanIn + fanOut);
    }
    return 2.0 / fanIn;
  }
}
