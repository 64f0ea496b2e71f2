package io.github.stablelogit.optim;

import java.util.List;
import java.util.Locale;

/**
 * The hidden-layer activations of {@link MlpNetwork}: each gives the activation and its
 * derivative at a pre-activation, and {@link #forward} both for a chunk at once. GELU is the
 * exact x·Φ(x) (Φ accurate in both tails), not the tanh approximation. tanh and Φ are {@link
 * MlpMath}'s: IEEE operations and {@link io.github.stablelogit.loss.DetMath#exp} only, so the
 * network's bits do not depend on the JIT tier.
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
        return MlpMath.tanh(x);
      default:
        return MlpMath.gelu(x);
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
        return MlpMath.tanhDerivative(x);
      default:
        return MlpMath.geluDerivative(x);
    }
  }

  /**
   * A chunk's activations and derivatives in one sweep: for i &lt; n, {@code act[i]} = f(pre[i])
   * and {@code pre[i]} = f'(pre[i]) (the pre-activation is not needed once both are known; the
   * backward pass multiplies by the derivative). The same bits as {@link #apply} and {@link
   * #derivative}.
   *
   * @param pre pre-activations, overwritten by the derivatives
   * @param act the activations
   * @param n how many
   */
  void forward(double[] pre, double[] act, int n) {
    switch (this) {
      case RELU:
        for (int i = 0; i < n; i++) {
          double x = pre[i];
          act[i] = x > 0 ? x : 0.0;
          pre[i] = x > 0 ? 1.0 : 0.0;
        }
        break;
      case TANH:
        for (int i = 0; i < n; i++) {
          pre[i] = MlpMath.tanhInto(pre[i], act, i);
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          double x = pre[i];
          act[i] = MlpMath.gelu(x);
          pre[i] = MlpMath.geluDerivative(x);
        }
    }
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
