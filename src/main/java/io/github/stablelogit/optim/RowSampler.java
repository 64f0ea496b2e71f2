package io.github.stablelogit.optim;

import java.io.Serializable;

/**
 * The seeded mini-batch of one optimizer step, chosen row by row from the row's own values so that
 * it depends on neither the partitioning, the packing into blocks nor the row order: training row i
 * is in step t's batch iff a 64-bit hash of (seed, t, label, weight, and the index and bits of
 * every non-zero feature value) read as a number in [0, 1) is below the fraction. A row stored
 * dense or in CSR form, in double or in single precision widened to double, hashes alike (zeros
 * are skipped in both). Identical rows are chosen together.
 */
final class RowSampler implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final double fraction;
  private final long stepKey;

  /**
   * @param fraction the share of rows chosen on average, in (0, 1)
   * @param seed the seed
   * @param step the step whose batch this is
   */
  RowSampler(double fraction, long seed, int step) {
    this.fraction = fraction;
    this.stepKey = mix(mix(seed) * GOLDEN + step);
  }

  /** SplitMix64's finalizer: a bijective 64-bit mix. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** One round of xxHash64's accumulation (a few operations per value; mixed at the end). */
  private static long add(long h, long v) {
    return Long.rotateLeft(h + v * 0xC2B2AE3D27D4EB4FL, 31) * GOLDEN;
  }

  private static long add(long h, int index, double value) {
    return value == 0.0 ? h : add(h, Double.doubleToLongBits(value) ^ (index * GOLDEN));
  }

  /** The hash of row i of a block, without the seed and step. */
  static long rowHash(InstanceBlock b, int i) {
    return mix(contentHash(b, i));
  }

  private static long contentHash(InstanceBlock b, int i) {
    long h = add(add(0x27D4EB2F165667C5L, Double.doubleToLongBits(b.labels()[i])),
        Double.doubleToLongBits(b.weights()[i]));
    int d = b.numFeatures();
    if (b.isSparse()) {
      int[] ptr = b.rowPtr();
      for (int k = ptr[i]; k < ptr[i + 1]; k++) {
        h = add(h, b.csrColumn(k), b.csrValue(k));
      }
    } else if (b.denseDouble() != null) {
      double[] x = b.denseDouble();
      for (int j = 0, at = i * d; j < d; j++) {
        h = add(h, j, x[at + j]);
      }
    } else {
      float[] x = b.denseFloat();
      for (int j = 0, at = i * d; j < d; j++) {
        h = add(h, j, x[at + j]);
      }
    }
    return h;
  }

  /**
   * @param b a block
   * @param i a row of it
   * @return whether the row is in this step's batch (validation rows always are: they are scored,
   *     not trained on)
   */
  boolean selects(InstanceBlock b, int i) {
    double[] vw = b.validationWeights();
    if (vw != null && vw[i] > 0) {
      return true;
    }
    long u = mix(rowHash(b, i) * GOLDEN + stepKey) >>> 11;
    return u * 0x1.0p-53 < fraction;
  }
}
