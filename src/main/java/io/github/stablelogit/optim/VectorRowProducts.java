package io.github.stablelogit.optim;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowProducts} with {@code jdk.incubator.vector}: the scalar formula on 4-lane vectors
 * (256 bits whatever the hardware's widest, so the lane assignment — and the bits — never depend
 * on the machine). Partial sums s_0..s_3 are the lanes of one vector and s_4..s_7 of another; the
 * tail and the final combination are the scalar form's. Loaded by name only when the module is
 * present.
 */
final class VectorRowProducts extends RowProducts {

  private static final VectorSpecies<Double> S = DoubleVector.SPECIES_256;

  /** Public no-arg constructor, for loading by name. */
  public VectorRowProducts() {}

  @Override
  boolean usable() {
    return DoubleVector.SPECIES_PREFERRED.vectorBitSize() >= S.vectorBitSize();
  }

  @Override
  void addDots(double[] a, int at, int d, int len, double[] beta, double[] z) {
    int full = d & ~7;
    int i = 0;
    // two rows at a time: four independent chains of fma
    for (; i + 1 < len; i += 2) {
      int row = at + i * d;
      int next = row + d;
      DoubleVector lo = DoubleVector.zero(S);
      DoubleVector hi = DoubleVector.zero(S);
      DoubleVector lo2 = DoubleVector.zero(S);
      DoubleVector hi2 = DoubleVector.zero(S);
      for (int j = 0; j < full; j += 8) {
        DoubleVector b0 = DoubleVector.fromArray(S, beta, j);
        DoubleVector b1 = DoubleVector.fromArray(S, beta, j + 4);
        lo = DoubleVector.fromArray(S, a, row + j).fma(b0, lo);
        hi = DoubleVector.fromArray(S, a, row + j + 4).fma(b1, hi);
        lo2 = DoubleVector.fromArray(S, a, next + j).fma(b0, lo2);
        hi2 = DoubleVector.fromArray(S, a, next + j + 4).fma(b1, hi2);
      }
      z[i] += end(a, row, full, d, beta, lo, hi);
      z[i + 1] += end(a, next, full, d, beta, lo2, hi2);
    }
    for (; i < len; i++) {
      int row = at + i * d;
      DoubleVector lo = DoubleVector.zero(S);
      DoubleVector hi = DoubleVector.zero(S);
      for (int j = 0; j < full; j += 8) {
        lo = DoubleVector.fromArray(S, a, row + j).fma(DoubleVector.fromArray(S, beta, j), lo);
        hi = DoubleVector.fromArray(S, a, row + j + 4)
            .fma(DoubleVector.fromArray(S, beta, j + 4), hi);
      }
      z[i] += end(a, row, full, d, beta, lo, hi);
    }
  }

  private static double end(double[] a, int row, int full, int d, double[] beta, DoubleVector lo,
      DoubleVector hi) {
    return tail(a, row, full, d, beta, lo.lane(0), lo.lane(1), lo.lane(2), lo.lane(3),
        hi.lane(0), hi.lane(1), hi.lane(2), hi.lane(3));
  }

  @Override
  void addTransposed(double[] a, int at, int d, int len, double[] v, double[] g) {
    transposed(a, at, d, len, v, g);
  }
}
