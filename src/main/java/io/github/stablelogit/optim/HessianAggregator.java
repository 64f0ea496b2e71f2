package io.github.stablelogit.optim;

import io.github.stablelogit.loss.CompensatedSum;
import java.util.Arrays;
import org.apache.spark.broadcast.Broadcast;

/**
 * Sums, in one pass over blocks, what {@link BlockAggregator} sums (loss, gradient, validation
 * loss, predicted positive weight) and the weighted Gram matrix of the augmented rows x̃ = [x, 1]:
 *
 * <pre>
 *   G = Σ_i c_i x̃_i x̃_iᵀ,   c_i = w_i · max(ℓ''(z_i), 0)
 * </pre>
 *
 * For BCE ℓ'' ≥ 0 and G is the exact Hessian of Σ w ℓ with respect to (β, b). The focal loss is not
 * convex: a row's ℓ'' may be negative, and only its positive part enters G, a safeguard that keeps
 * G positive semi-definite (a Gauss–Newton-like model; Newton steps on it are still descent
 * directions, and at the optimum only the step length, not the optimum found, depends on it).
 *
 * <p>Per block, chunk by chunk ({@link InstanceBlockGram#forEachChunk}, each block read from
 * memory once): margins, then {@code kernel} gives the loss sum, dz and ℓ'', then gradient Xᵀdz,
 * the Gram (dense: dgemm on column panels of the rows scaled by √c; CSR: direct loops over the
 * pairs of non-zeros) and Σc x, Σc. The loss and gradient are formed with the same calls, in the
 * same order, as {@link BlockAggregator}, so they have the same bits when the kernel's values and
 * derivatives are those of the loss's {@code valueAndDerivatives}. Each block's sums (in double)
 * then enter the running sums in double-double arithmetic ({@link CompensatedSum}), and aggregators
 * merge the same way, so the result does not depend on how blocks are grouped into tasks or on the
 * merge order.
 *
 * <p>Memory: (d + 1)(d + 2)/2 compensated sums (two doubles each) per aggregator, plus a d×d block
 * Gram and a d×({@value InstanceBlock#CHUNK_VALUES}/d) scaled chunk per task: for moderate d only.
 */
public final class HessianAggregator extends PassSums {

  private static final long serialVersionUID = 1L;

  private final CurvatureKernel kernel;
  private final Broadcast<BlockAggregator.Coefficients> coefficients;
  private final double rawThreshold;
  /** Scratch of the Gram chunk loops; G[j][k] (j ≤ k ≤ d) follows the shared sums. */
  private transient InstanceBlockGram.GramWorkspace workspace;
  private transient double[] blockGradient;
  private transient double[] blockGram;
  private transient double[] blockCx;
  private transient double[] scratchDz;
  private transient double[] scratchCurv;

  /**
   * @param kernel per-row weighted values, derivatives and second derivatives
   * @param coefficients broadcast coefficients
   * @param numFeatures d
   * @param rawThreshold margins above it count as predicted positives (diagnostics only)
   */
  public HessianAggregator(CurvatureKernel kernel, Broadcast<BlockAggregator.Coefficients>
      coefficients, int numFeatures, double rawThreshold) {
    super(numFeatures, (numFeatures + 1) * (numFeatures + 2) / 2);
    this.kernel = kernel;
    this.coefficients = coefficients;
    this.rawThreshold = rawThreshold;
  }

  /**
   * The same kernel object (a loss's kernel made once and kept, as {@code LogitClassifierCV}'s
   * fold-models do), threshold, number of features and coefficient bits: the same sums.
   */
  @Override
  boolean sumsSameAs(PassSums other) {
    return other instanceof HessianAggregator o && kernel == o.kernel
        && numFeatures == o.numFeatures && Double.compare(rawThreshold, o.rawThreshold) == 0
        && coefficients.value().sameAs(o.coefficients.value());
  }

  /** @return index of G[j][k], j ≤ k ≤ d, among the sums */
  private int gramIndex(int j, int k) {
    return numFeatures + 4 + j + k * (k + 1) / 2;
  }

  /**
   * Adds one block.
   *
   * @param block the block
   * @return this
   */
  public HessianAggregator add(InstanceBlock block) {
    beforeBlock(block);
    int n = block.numRows();
    if (n == 0) {
      return this;
    }
    int d = numFeatures;
    if (block.numFeatures() != d) {
      throw new IllegalStateException("block has " + block.numFeatures() + " features, expected "
          + d);
    }
    ensureSums();
    if (workspace == null) {
      workspace = new InstanceBlockGram.GramWorkspace();
      blockGradient = new double[d];
      blockGram = new double[d * d];
      blockCx = new double[d];
    }
    BlockAggregator.Coefficients coef = coefficients.value();
    double[] y = block.labels();
    double[] w = block.weights();
    double[] vw = block.validationWeights();
    // Σdz, training loss, validation loss, predicted positive weight, then Σc.
    double[] blockSums = new double[5];
    Arrays.fill(blockGradient, 0.0);
    Arrays.fill(blockGram, 0.0);
    Arrays.fill(blockCx, 0.0);
    InstanceBlockGram.forEachChunk(block, InstanceBlock.blas(), coef.beta, coef.offset,
        (from, len, z, dz, c) -> {
      double predicted = 0.0;
      for (int i = 0; i < len; i++) {
        if (z[i] > rawThreshold) {
          predicted += w[from + i];
        }
      }
      blockSums[3] += predicted;
      blockSums[1] += kernel.apply(z, from, y, w, dz, c, len);
      if (vw != null) {
        // The validation loss: the same kernel under the validation weights (its derivatives are
        // discarded). Validation rows have training weight 0, so they add nothing else.
        if (scratchDz == null || scratchDz.length < len) {
          scratchDz = new double[len];
          scratchCurv = new double[len];
        }
        blockSums[2] += kernel.apply(z, from, y, vw, scratchDz, scratchCurv, len);
      }
      double dzSum = 0.0;
      double cSum = 0.0;
      for (int i = 0; i < len; i++) {
        dzSum += dz[i];
        // max(NaN, 0) is NaN: a non-finite curvature is not hidden.
        double ci = Math.max(c[i], 0.0);
        c[i] = ci;
        cSum += ci;
      }
      blockSums[0] += dzSum;
      blockSums[4] += cSum;
    }, blockGradient, blockGram, blockCx, workspace);
    CompensatedSum.addAll(sums, blockGradient, d);
    for (int k = 0; k < 4; k++) {
      CompensatedSum.add(sums, d + k, blockSums[k]);
    }
    for (int k = 0; k < d; k++) {
      for (int j = 0; j <= k; j++) {
        CompensatedSum.add(sums, gramIndex(j, k), blockGram[j + k * d]);
      }
      CompensatedSum.add(sums, gramIndex(k, d), blockCx[k]);
    }
    CompensatedSum.add(sums, gramIndex(d, d), blockSums[4]);
    return this;
  }

  /**
   * Merges another aggregator into this one in double-double arithmetic.
   *
   * @param other the other aggregator
   * @return this
   */
  public HessianAggregator merge(HessianAggregator other) {
    mergeSums(other);
    return this;
  }

  /**
   * The Gram matrix of the augmented rows, G = Σ c_i x̃_i x̃_iᵀ with x̃ = [x, 1].
   *
   * @return G, (d + 1)×(d + 1), symmetric, row-major (equally column-major)
   */
  public double[] gram() {
    int m = numFeatures + 1;
    double[] g = new double[m * m];
    for (int k = 0; k < m; k++) {
      for (int j = 0; j <= k; j++) {
        double v = total(gramIndex(j, k));
        g[j * m + k] = v;
        g[k * m + j] = v;
      }
    }
    return g;
  }
}
