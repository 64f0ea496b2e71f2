package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowProducts} with {@code jdk.incubator.vector}: the scalar formula with its partial sums
 * in vector lanes. Each lane is an independent chain of fma, so how many lanes a vector has
 * changes no bit.
 *
 * <p>Margins: the eight partial sums s_0..s_7 of a row are the lanes of two 4-lane vectors, two
 * rows at a time; the tail (d mod 8 elements) and the final combination are the scalar form's.
 *
 * <p>Gradient: g_j in the lanes, a block of up to four vectors of columns held in registers
 * while all the chunk's rows are added to it in order, then the next block; the last d mod L
 * columns by the scalar loop. Its vectors are the loss kernel's ({@code SPECIES_MAX}) when those
 * hold 8 or 4 doubles, else 256-bit. Once compiled it takes about 60 % of the scalar sweep's
 * time per row at d = 200 (23 against 39–45 ns, {@code CpuTimeBenchmark --filter products}); but
 * until C2 has compiled
 * it, vector code runs far slower than the scalar loop (a first evaluation of 250k × 200 rows
 * took 0.38 s instead of 0.03), so it runs only in a JVM whose loss kernel is lane-wise from the
 * start ({@link LogitLoss#laneWise()} when this class loads: {@code
 * -Dstablelogit.kernel.lanes=always}), and the scalar sweep otherwise, even after the kernel's
 * warm-up has switched it. Switched on there, mid-run in a JVM busy with fits, the lane-wise
 * gradient often ran for many evaluations in code that performs its vector operations as objects
 * (the API's fallback: gigabytes of boxed vectors, a collection in most fits): in three of four
 * runs the task CPU of 1M × 50 evaluations reached 120–135 ms for float rows or 142–154 ms for
 * double rows, against 55–61 and 65–89 with the scalar sweep; where it did not (d = 200, and one
 * run at d = 50), float evaluations took about 23 % less and double ones the same. Same bits either
 * way.
 *
 * <p>Single-precision rows are read directly where the widest vectors hold eight or four doubles
 * (AVX-512, AVX2) and are the preferred width ({@link #readsFloats}; elsewhere the caller widens a
 * chunk first): each vector of doubles is loaded as as many floats and converted, exactly, into
 * {@code SPECIES_MAX}, the one float-to-double conversion {@link VectorFloatWidening} makes too. A
 * second conversion of another shape in the same JVM (from 128-bit floats into 256-bit doubles
 * next to 256 into 512, say) made C2 compile whichever ran second with boxed vectors, 6 to 20
 * times slower per row. With eight lanes the margins keep a row's eight partial sums in the lanes
 * of one vector, four rows at a time; with four, in two vectors, two rows at a time (the double
 * form's loop). The gradient is the double form's, on converted vectors, where the double
 * gradient is lane-wise, and the scalar sweep of floats elsewhere.
 *
 * <p>Loaded by name only when the module is present.
 */
final class VectorRowProducts extends RowProducts {

  private static final VectorSpecies<Double> DOTS = DoubleVector.SPECIES_256;
  private static final VectorSpecies<Double> S =
      DoubleVector.SPECIES_MAX.length() == 8 || DoubleVector.SPECIES_MAX.length() == 4
          ? DoubleVector.SPECIES_MAX : DoubleVector.SPECIES_256;
  private static final int L = S.length();
  /** As many floats as {@link #S} has doubles. */
  private static final VectorSpecies<Float> SF =
      VectorSpecies.of(float.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
  /** Whether single-precision rows are read directly (see the class documentation). */
  private static final boolean READS_FLOATS = (L == 8 || L == 4)
      && S.vectorBitSize() == DoubleVector.SPECIES_PREFERRED.vectorBitSize();

  /**
   * Whether the gradient product runs lane-wise in this JVM: fixed when the class loads (see the
   * class documentation).
   */
  private static final boolean GRADIENT_LANE_WISE = LogitLoss.laneWise();

  /** Public no-arg constructor, for loading by name. */
  public VectorRowProducts() {}

  @Override
  boolean usable() {
    int preferred = DoubleVector.SPECIES_PREFERRED.vectorBitSize();
    return preferred >= DOTS.vectorBitSize() && S.vectorBitSize() <= preferred;
  }

  @Override
  void addDots(double[] a, int at, int d, int len, double[] beta, double[] z) {
    int full = d & ~7;
    int i = 0;
    // two rows at a time: four independent chains of fma
    for (; i + 1 < len; i += 2) {
      int row = at + i * d;
      int next = row + d;
      DoubleVector lo = DoubleVector.zero(DOTS);
      DoubleVector hi = DoubleVector.zero(DOTS);
      DoubleVector lo2 = DoubleVector.zero(DOTS);
      DoubleVector hi2 = DoubleVector.zero(DOTS);
      for (int j = 0; j < full; j += 8) {
        DoubleVector b0 = DoubleVector.fromArray(DOTS, beta, j);
        DoubleVector b1 = DoubleVector.fromArray(DOTS, beta, j + 4);
        lo = DoubleVector.fromArray(DOTS, a, row + j).fma(b0, lo);
        hi = DoubleVector.fromArray(DOTS, a, row + j + 4).fma(b1, hi);
        lo2 = DoubleVector.fromArray(DOTS, a, next + j).fma(b0, lo2);
        hi2 = DoubleVector.fromArray(DOTS, a, next + j + 4).fma(b1, hi2);
      }
      z[i] += end(a, row, full, d, beta, lo, hi);
      z[i + 1] += end(a, next, full, d, beta, lo2, hi2);
    }
    for (; i < len; i++) {
      int row = at + i * d;
      DoubleVector lo = DoubleVector.zero(DOTS);
      DoubleVector hi = DoubleVector.zero(DOTS);
      for (int j = 0; j < full; j += 8) {
        lo = DoubleVector.fromArray(DOTS, a, row + j)
            .fma(DoubleVector.fromArray(DOTS, beta, j), lo);
        hi = DoubleVector.fromArray(DOTS, a, row + j + 4)
            .fma(DoubleVector.fromArray(DOTS, beta, j + 4), hi);
      }
      z[i] += end(a, row, full, d, beta, lo, hi);
    }
  }

  private static double end(double[] a, int row, int full, int d, double[] beta, DoubleVector lo,
      DoubleVector hi) {
    return tail(a, null, row, full, d, beta, lo.lane(0), lo.lane(1), lo.lane(2), lo.lane(3),
        hi.lane(0), hi.lane(1), hi.lane(2), hi.lane(3));
  }

  // The gradient: each block of columns is its own small method, so that C2 inlines every vector
  // operation in it (a vector operation it does not inline is boxed, once per row).

  @Override
  void addTransposed(double[] a, int at, int d, int len, double[] v, double[] g) {
    if (GRADIENT_LANE_WISE) {
      addTransposedLaneWise(a, at, d, len, v, g);
    } else {
      transposed(a, null, at, d, len, v, g);
    }
  }

  @Override
  void addTransposedLaneWise(double[] a, int at, int d, int len, double[] v, double[] g) {
    int j = 0;
    for (; j + 4 * L <= d; j += 4 * L) {
      columns4(a, at + j, d, len, v, g, j);
    }
    if (j + 2 * L <= d) {
      columns2(a, at + j, d, len, v, g, j);
      j += 2 * L;
    }
    if (j + L <= d) {
      columns1(a, at + j, d, len, v, g, j);
      j += L;
    }
    if (j < d) {
      columns(a, null, at, d, 0, len, v, g, j);
    }
  }

  /** g[j..j+4L) += Σ_i v_i x_i[j..j+4L), rows in order; {@code first} indexes x_0j. */
  private static void columns4(double[] a, int first, int d, int len, double[] v, double[] g,
      int j) {
    DoubleVector g0 = DoubleVector.fromArray(S, g, j);
    DoubleVector g1 = DoubleVector.fromArray(S, g, j + L);
    DoubleVector g2 = DoubleVector.fromArray(S, g, j + 2 * L);
    DoubleVector g3 = DoubleVector.fromArray(S, g, j + 3 * L);
    for (int i = 0, row = first; i < len; i++, row += d) {
      DoubleVector vi = DoubleVector.broadcast(S, v[i]);
      g0 = DoubleVector.fromArray(S, a, row).fma(vi, g0);
      g1 = DoubleVector.fromArray(S, a, row + L).fma(vi, g1);
      g2 = DoubleVector.fromArray(S, a, row + 2 * L).fma(vi, g2);
      g3 = DoubleVector.fromArray(S, a, row + 3 * L).fma(vi, g3);
    }
    g0.intoArray(g, j);
    g1.intoArray(g, j + L);
    g2.intoArray(g, j + 2 * L);
    g3.intoArray(g, j + 3 * L);
  }

  /** As {@link #columns4} for 2L columns. */
  private static void columns2(double[] a, int first, int d, int len, double[] v, double[] g,
      int j) {
    DoubleVector g0 = DoubleVector.fromArray(S, g, j);
    DoubleVector g1 = DoubleVector.fromArray(S, g, j + L);
    for (int i = 0, row = first; i < len; i++, row += d) {
      DoubleVector vi = DoubleVector.broadcast(S, v[i]);
      g0 = DoubleVector.fromArray(S, a, row).fma(vi, g0);
      g1 = DoubleVector.fromArray(S, a, row + L).fma(vi, g1);
    }
    g0.intoArray(g, j);
    g1.intoArray(g, j + L);
  }

  /** As {@link #columns4} for L columns. */
  private static void columns1(double[] a, int first, int d, int len, double[] v, double[] g,
      int j) {
    DoubleVector g0 = DoubleVector.fromArray(S, g, j);
    for (int i = 0, row = first; i < len; i++, row += d) {
      g0 = DoubleVector.fromArray(S, a, row).fma(DoubleVector.broadcast(S, v[i]), g0);
    }
    g0.intoArray(g, j);
  }

  // Single-precision rows (only where READS_FLOATS; else the widening forms of RowProducts). The
  // loops are the double ones with another load, written out again: one method choosing its load
  // by testing which array is null merges two vectors at the test, and C2 compiled the merged
  // vectors as boxed objects (margins of both types in one JVM: 43 and 121 ns per row at d = 50
  // and 200, against 7 and 17 for these loops).

  @Override
  boolean readsFloats() {
    return READS_FLOATS;
  }

  @Override
  void addDots(float[] a, int at, int d, int len, double[] beta, double[] z) {
    if (!READS_FLOATS) {
      super.addDots(a, at, d, len, beta, z);
      return;
    }
    if (L == 4) {
      dotsOfFloats4(a, at, d, len, beta, z);
      return;
    }
    int full = d & ~7;
    int i = 0;
    // four rows at a time, the eight partial sums of each in one vector
    for (; i + 3 < len; i += 4) {
      int r0 = at + i * d;
      int r1 = r0 + d;
      int r2 = r1 + d;
      int r3 = r2 + d;
      DoubleVector s0 = DoubleVector.zero(S);
      DoubleVector s1 = DoubleVector.zero(S);
      DoubleVector s2 = DoubleVector.zero(S);
      DoubleVector s3 = DoubleVector.zero(S);
      for (int j = 0; j < full; j += 8) {
        DoubleVector b = DoubleVector.fromArray(S, beta, j);
        s0 = widened(a, r0 + j).fma(b, s0);
        s1 = widened(a, r1 + j).fma(b, s1);
        s2 = widened(a, r2 + j).fma(b, s2);
        s3 = widened(a, r3 + j).fma(b, s3);
      }
      z[i] += end(a, r0, full, d, beta, s0);
      z[i + 1] += end(a, r1, full, d, beta, s1);
      z[i + 2] += end(a, r2, full, d, beta, s2);
      z[i + 3] += end(a, r3, full, d, beta, s3);
    }
    for (; i < len; i++) {
      int row = at + i * d;
      DoubleVector s0 = DoubleVector.zero(S);
      for (int j = 0; j < full; j += 8) {
        s0 = widened(a, row + j).fma(DoubleVector.fromArray(S, beta, j), s0);
      }
      z[i] += end(a, row, full, d, beta, s0);
    }
  }

  /**
   * The margins of single-precision rows with 4-lane vectors (256-bit, AVX2): the double form's
   * loop, the eight partial sums of a row in two vectors, two rows at a time.
   */
  private static void dotsOfFloats4(float[] a, int at, int d, int len, double[] beta,
      double[] z) {
    int full = d & ~7;
    int i = 0;
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
        lo = widened(a, row + j).fma(b0, lo);
        hi = widened(a, row + j + 4).fma(b1, hi);
        lo2 = widened(a, next + j).fma(b0, lo2);
        hi2 = widened(a, next + j + 4).fma(b1, hi2);
      }
      z[i] += end(a, row, full, d, beta, lo, hi);
      z[i + 1] += end(a, next, full, d, beta, lo2, hi2);
    }
    for (; i < len; i++) {
      int row = at + i * d;
      DoubleVector lo = DoubleVector.zero(S);
      DoubleVector hi = DoubleVector.zero(S);
      for (int j = 0; j < full; j += 8) {
        lo = widened(a, row + j).fma(DoubleVector.fromArray(S, beta, j), lo);
        hi = widened(a, row + j + 4).fma(DoubleVector.fromArray(S, beta, j + 4), hi);
      }
      z[i] += end(a, row, full, d, beta, lo, hi);
    }
  }

  private static double end(float[] a, int row, int full, int d, double[] beta, DoubleVector lo,
      DoubleVector hi) {
    return tail(null, a, row, full, d, beta, lo.lane(0), lo.lane(1), lo.lane(2), lo.lane(3),
        hi.lane(0), hi.lane(1), hi.lane(2), hi.lane(3));
  }

  private static double end(float[] a, int row, int full, int d, double[] beta, DoubleVector s) {
    return tail(null, a, row, full, d, beta, s.lane(0), s.lane(1), s.lane(2), s.lane(3),
        s.lane(4), s.lane(5), s.lane(6), s.lane(7));
  }

  @Override
  void addTransposed(float[] a, int at, int d, int len, double[] v, double[] g) {
    if (!READS_FLOATS) {
      super.addTransposed(a, at, d, len, v, g);
    } else if (GRADIENT_LANE_WISE) {
      addTransposedLaneWise(a, at, d, len, v, g);
    } else {
      transposed(null, a, at, d, len, v, g);
    }
  }

  @Override
  void addTransposedLaneWise(float[] a, int at, int d, int len, double[] v, double[] g) {
    if (!READS_FLOATS) {
      super.addTransposedLaneWise(a, at, d, len, v, g);
      return;
    }
    int j = 0;
    for (; j + 4 * L <= d; j += 4 * L) {
      columns4(a, at + j, d, len, v, g, j);
    }
    if (j + 2 * L <= d) {
      columns2(a, at + j, d, len, v, g, j);
      j += 2 * L;
    }
    if (j + L <= d) {
      columns1(a, at + j, d, len, v, g, j);
      j += L;
    }
    if (j < d) {
      columns(null, a, at, d, 0, len, v, g, j);
    }
  }

  /** {@link #columns4(double[], int, int, int, double[], double[], int)} of floats. */
  private static void columns4(float[] a, int first, int d, int len, double[] v, double[] g,
      int j) {
    DoubleVector g0 = DoubleVector.fromArray(S, g, j);
    DoubleVector g1 = DoubleVector.fromArray(S, g, j + L);
    DoubleVector g2 = DoubleVector.fromArray(S, g, j + 2 * L);
    DoubleVector g3 = DoubleVector.fromArray(S, g, j + 3 * L);
    for (int i = 0, row = first; i < len; i++, row += d) {
      DoubleVector vi = DoubleVector.broadcast(S, v[i]);
      g0 = widened(a, row).fma(vi, g0);
      g1 = widened(a, row + L).fma(vi, g1);
      g2 = widened(a, row + 2 * L).fma(vi, g2);
      g3 = widened(a, row + 3 * L).fma(vi, g3);
    }
    g0.intoArray(g, j);
    g1.intoArray(g, j + L);
    g2.intoArray(g, j + 2 * L);
    g3.intoArray(g, j + 3 * L);
  }

  /** {@link #columns2(double[], int, int, int, double[], double[], int)} of floats. */
  private static void columns2(float[] a, int first, int d, int len, double[] v, double[] g,
      int j) {
    DoubleVector g0 = DoubleVector.fromArray(S, g, j);
    DoubleVector g1 = DoubleVector.fromArray(S, g, j + L);
    for (int i = 0, row = first; i < len; i++, row += d) {
      DoubleVector vi = DoubleVector.broadcast(S, v[i]);
      g0 = widened(a, row).fma(vi, g0);
      g1 = widened(a, row + L).fma(vi, g1);
    }
    g0.intoArray(g, j);
    g1.intoArray(g, j + L);
  }

  /** {@link #columns1(double[], int, int, int, double[], double[], int)} of floats. */
  private static void columns1(float[] a, int first, int d, int len, double[] v, double[] g,
      int j) {
    DoubleVector g0 = DoubleVector.fromArray(S, g, j);
    for (int i = 0, row = first; i < len; i++, row += d) {
      g0 = widened(a, row).fma(DoubleVector.broadcast(S, v[i]), g0);
    }
    g0.intoArray(g, j);
  }

  /** L doubles converted from the L floats at {@code off}. */
  private static DoubleVector widened(float[] a, int off) {
    return (DoubleVector) FloatVector.fromArray(SF, a, off)
        .convertShape(VectorOperators.F2D, S, 0);
  }
}
