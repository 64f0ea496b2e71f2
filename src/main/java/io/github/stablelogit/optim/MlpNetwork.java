package io.github.stablelogit.optim;

import io.github.stablelogit.loss.DetMath;
import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The shape of a feed-forward network with one logit output: layer sizes d, h₁, …, h_L, 1, the
 * hidden activation, and the layout of all weights in one flat parameter vector θ. Layer k (0 ≤ k
 * ≤ L) maps n_k inputs to n_{k+1} outputs with a weight matrix W_k stored column-major (n_{k+1}
 * rows, entry (r, c) at {@code weightOffset(k) + c·n_{k+1} + r}) followed by its n_{k+1} biases.
 * Hidden layers apply the activation; the last layer is linear and its single output is the logit
 * z. With no hidden layer the network is the linear model z = wᵀx + b.
 */
public final class MlpNetwork implements Serializable {

  private static final long serialVersionUID = 1L;

  private final int[] sizes;
  private final MlpActivation activation;
  private final int[] offsets;

  /**
   * @param numFeatures d
   * @param hidden hidden layer sizes (each ≥ 1; empty for the linear model)
   * @param activation hidden activation
   */
  public MlpNetwork(int numFeatures, int[] hidden, MlpActivation activation) {
    for (int h : hidden) {
      if (h < 1) {
        throw new IllegalArgumentException("hidden layer sizes must be >= 1, got "
            + Arrays.toString(hidden));
      }
    }
    this.sizes = new int[hidden.length + 2];
    sizes[0] = numFeatures;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[hidden.length + 1] = 1;
    this.activation = activation;
    this.offsets = new int[hidden.length + 2];
    for (int k = 0; k <= hidden.length; k++) {
      offsets[k + 1] = offsets[k] + sizes[k] * sizes[k + 1] + sizes[k + 1];
    }
  }

  /** @return number of weight layers (hidden layers + 1) */
  public int numLayers() {
    return sizes.length - 1;
  }

  /** @return layer sizes d, h₁, …, h_L, 1 (a copy) */
  public int[] sizes() {
    return sizes.clone();
  }

  /** @return the input size d */
  public int numFeatures() {
    return sizes[0];
  }

  /** @return the hidden activation */
  public MlpActivation activation() {
    return activation;
  }

  /** @return the number of parameters: every weight and bias */
  public int numParams() {
    return offsets[offsets.length - 1];
  }

  /**
   * @param k layer index, 0 ≤ k &lt; {@link #numLayers()}
   * @return inputs of layer k
   */
  public int in(int k) {
    return sizes[k];
  }

  /**
   * @param k layer index
   * @return outputs of layer k
   */
  public int out(int k) {
    return sizes[k + 1];
  }

  /**
   * @param k layer index
   * @return where W_k starts in θ
   */
  public int weightOffset(int k) {
    return offsets[k];
  }

  /**
   * @param k layer index
   * @return where the biases of layer k start in θ
   */
  public int biasOffset(int k) {
    return offsets[k] + sizes[k] * sizes[k + 1];
  }

  /**
   * @param j a parameter index
   * @return whether θ_j is a bias (not penalized)
   */
  public boolean isBias(int j) {
    for (int k = 0; k < numLayers(); k++) {
      if (j < offsets[k + 1]) {
        return j >= biasOffset(k);
      }
    }
    throw new IndexOutOfBoundsException(j);
  }

  /**
   * Seeded initial parameters: normal weights with the variance of {@link
   * MlpActivation#initVariance} (He for relu and gelu, Glorot for tanh), zero biases, the output
   * bias set to {@code outputBias}. Without hidden layers every weight is 0 (the linear model's
   * start).
   *
   * @param seed the seed
   * @param outputBias the initial output bias (e.g. the intercept-only optimum)
   * @return θ₀
   */
  public double[] initialParams(long seed, double outputBias) {
    double[] theta = new double[numParams()];
    SplittableRandom rnd = new SplittableRandom(seed);
    int last = numLayers() - 1;
    for (int k = 0; k < last; k++) {
      fill(theta, k, rnd, activation.initVariance(in(k), out(k), false));
    }
    if (last > 0) {
      fill(theta, last, rnd, activation.initVariance(in(last), out(last), true));
    }
    theta[biasOffset(last)] = outputBias;
    return theta;
  }

  private void fill(double[] theta, int k, SplittableRandom rnd, double variance) {
    double sd = Math.sqrt(variance);
    for (int j = weightOffset(k); j < biasOffset(k); j++) {
      theta[j] = sd * gaussian(rnd);
    }
  }

  /**
   * A standard normal draw (Box–Muller), the same bits on every JVM and JIT tier for the same
   * seed: {@link DetMath#log}, and {@link StrictMath#cos}, which is specified to the bit.
   */
  private static double gaussian(SplittableRandom rnd) {
    double u = 1.0 - rnd.nextDouble();
    return Math.sqrt(-2.0 * DetMath.log(u)) * StrictMath.cos(2.0 * Math.PI * rnd.nextDouble());
  }

  /**
   * The logit of one row given sparsely (a dense row passes every index).
   *
   * @param theta parameters
   * @param indices feature indices, or null for 0..values.length
   * @param values feature values
   * @return z
   */
  public double logit(double[] theta, int[] indices, double[] values) {
    int out = out(0);
    double[] a = Arrays.copyOfRange(theta, biasOffset(0), biasOffset(0) + out);
    int w = weightOffset(0);
    for (int k = 0; k < values.length; k++) {
      int c = indices == null ? k : indices[k];
      double v = values[k];
      if (v != 0.0) {
        for (int r = 0; r < out; r++) {
          a[r] += v * theta[w + c * out + r];
        }
      }
    }
    for (int k = 1; k < numLayers(); k++) {
      for (int r = 0; r < a.length; r++) {
        a[r] = activation.apply(a[r]);
      }
      // A plain loop, not dgemv: the same bits with or without jdk.incubator.vector.
      int o = out(k);
      double[] next = Arrays.copyOfRange(theta, biasOffset(k), biasOffset(k) + o);
      int wk = weightOffset(k);
      for (int c = 0; c < a.length; c++) {
        for (int r = 0; r < o; r++) {
          next[r] += a[c] * theta[wk + c * o + r];
        }
      }
      a = next;
    }
    return a[0];
  }
}
