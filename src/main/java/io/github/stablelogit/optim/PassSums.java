package io.github.stablelogit.optim;

import io.github.stablelogit.loss.CompensatedSum;
import java.io.Serializable;

/**
 * The running sums every pass over the blocks produces, in one {@link CompensatedSum} array
 * (double-double, so the totals do not depend on grouping or merge order): Xᵀdz in [0, d), then
 * Σdz, the training loss, the validation loss and the predicted positive weight, followed by
 * whatever a subclass sums besides (the Hessian pass: its Gram matrix). Allocated with the first
 * block; an aggregator that saw no block merges as nothing.
 */
abstract class PassSums implements Serializable {

  private static final long serialVersionUID = 1L;

  /**
   * Test-only fault injection: when set, called before each block is added by any pass (gradient
   * or Hessian), on the executor (tests run with local masters, where executors share the driver's
   * JVM). Null in production.
   */
  static volatile java.util.function.Consumer<InstanceBlock> beforeBlockHook;

  /** d. */
  final int numFeatures;
  /** Sums beyond the d + 4 shared ones. */
  private final int extra;
  /** The running sums, or null before the first block. */
  double[] sums;

  PassSums(int numFeatures, int extra) {
    this.numFeatures = numFeatures;
    this.extra = extra;
  }

  /** Runs the test hook, if any, before a block is added. */
  static void beforeBlock(InstanceBlock block) {
    java.util.function.Consumer<InstanceBlock> hook = beforeBlockHook;
    if (hook != null) {
      hook.accept(block);
    }
  }

  /**
   * Whether {@code other}, a fresh pass over the same blocks, would sum exactly what this one
   * does, so that this pass's sums can answer it (see {@link LockstepPasses}).
   *
   * @param other another pass's zero
   * @return true only where the sums are provably the same bits; false by default
   */
  boolean sumsSameAs(PassSums other) {
    return false;
  }

  final void ensureSums() {
    if (sums == null) {
      sums = CompensatedSum.zeros(numFeatures + 4 + extra);
    }
  }

  /** Merges another pass's sums into these in double-double arithmetic. */
  final void mergeSums(PassSums other) {
    if (other.sums == null) {
      return;
    }
    ensureSums();
    CompensatedSum.merge(sums, other.sums);
  }

  final double total(int k) {
    return sums == null ? 0.0 : CompensatedSum.value(sums, k);
  }

  /** @return Σ w ℓ */
  public final double lossSum() {
    return total(numFeatures + 1);
  }

  /** @return Σ w ℓ over validation rows */
  public final double validationLossSum() {
    return total(numFeatures + 2);
  }

  /** @return Σw over training rows whose margin exceeds the decision threshold */
  public final double predictedPositiveWeight() {
    return total(numFeatures + 3);
  }

  /** @return (Xᵀdz, Σdz), length d + 1 */
  public final double[] gradientSum() {
    double[] g = new double[numFeatures + 1];
    for (int j = 0; j <= numFeatures; j++) {
      g[j] = total(j);
    }
    return g;
  }
}
