package io.github.stablelogit.optim;

/**
 * The two products of a dense chunk of row-major rows that every linear pass computes, in an order
 * fixed by this class rather than by a BLAS implementation: the margins z_i += x_iᵀβ and the
 * gradient g += Xᵀv. A pure-Java BLAS orders its sums differently when jdk.incubator.vector is
 * present (dev.ludovic.netlib's VectorBLAS against its Java11BLAS), so passes through it give
 * different bits in JVMs started with and without the module; these give the same bits in both,
 * and in every JIT tier.
 *
 * <p>The order: a dot product x_iᵀβ keeps eight partial sums, element j going to sum j mod 8 by
 * {@code Math.fma} in increasing j; then t_k = s_k + s_{k+4} (k &lt; 4) and x_iᵀβ = (t_0 + t_1) +
 * (t_2 + t_3), and z_i += x_iᵀβ. The gradient runs over the rows in order, g_j = fma(v_i, x_ij,
 * g_j). Both are exact lane-wise operations, so {@link VectorRowProducts} (the partial sums in the
 * lanes of vectors, two rows at a time; lanes across j for the gradient, blocks of columns held
 * in registers over the chunk's rows) computes the same formula with the same bits;
 * it is used when the module is present and the hardware has at least 256-bit vectors, this
 * scalar form otherwise. {@code RowProductsTest} checks both against each other and against a
 * 50-digit reference.
 *
 * <p>Single-precision rows (blocks packed with {@code precision = "float"}) have the same two
 * products on their values widened to double, which is exact. Where the implementation {@link
 * #readsFloats}, it reads the floats directly and widens each value as it is read (half the bytes,
 * no widened copy); elsewhere callers widen a chunk and use the double products. Either way the
 * bits are those of the double products on the widened rows.
 */
abstract class RowProducts {

  /** The implementation of this JVM. */
  static final RowProducts INSTANCE = load();

  /**
   * z_i += x_iᵀβ for rows i = 0 … len − 1 starting at {@code at}.
   *
   * @param a row-major rows of d values
   * @param at offset of the first row
   * @param d columns
   * @param len rows
   * @param beta d coefficients
   * @param z len margins, added to
   */
  abstract void addDots(double[] a, int at, int d, int len, double[] beta, double[] z);

  /**
   * g_j += Σ_i v_i x_ij over rows i = 0 … len − 1 in order.
   *
   * @param a row-major rows of d values
   * @param at offset of the first row
   * @param d columns
   * @param len rows
   * @param v len per-row factors
   * @param g d sums, added to
   */
  abstract void addTransposed(double[] a, int at, int d, int len, double[] v, double[] g);

  /**
   * @return whether {@link #addDots(float[], int, int, int, double[], double[])} and {@link
   *     #addTransposed(float[], int, int, int, double[], double[])} read single-precision rows
   *     directly, faster than widening them first
   */
  boolean readsFloats() {
    return false;
  }

  /**
   * {@link #addDots(double[], int, int, int, double[], double[])} of single-precision rows: by
   * definition on the rows widened to double. This form widens a copy; implementations that
   * {@link #readsFloats} override it with the same bits.
   *
   * @param a row-major rows of d values
   * @param at offset of the first row
   * @param d columns
   * @param len rows
   * @param beta d coefficients
   * @param z len margins, added to
   */
  void addDots(float[] a, int at, int d, int len, double[] beta, double[] z) {
    addDots(widened(a, at, d, len), 0, d, len, beta, z);
  }

  /**
   * {@link #addTransposed(double[], int, int, int, double[], double[])} of single-precision rows,
   * as {@link #addDots(float[], int, int, int, double[], double[])}.
   *
   * @param a row-major rows of d values
   * @param at offset of the first row
   * @param d columns
   * @param len rows
   * @param v len per-row factors
   * @param g d sums, added to
   */
  void addTransposed(float[] a, int at, int d, int len, double[] v, double[] g) {
    addTransposed(widened(a, at, d, len), 0, d, len, v, g);
  }

  /** As {@link #addTransposedLaneWise(double[], int, int, int, double[], double[])}. */
  void addTransposedLaneWise(float[] a, int at, int d, int len, double[] v, double[] g) {
    addTransposedLaneWise(widened(a, at, d, len), 0, d, len, v, g);
  }

  private static double[] widened(float[] a, int at, int d, int len) {
    double[] w = new double[len * d];
    FloatWidening.widen(a, at, w, w.length);
    return w;
  }

  /**
   * {@link #addTransposed} in this implementation's lane-wise form, whether or not {@link
   * #addTransposed} uses it in this JVM (for tests and benchmarks; the scalar form has none).
   */
  void addTransposedLaneWise(double[] a, int at, int d, int len, double[] v, double[] g) {
    addTransposed(a, at, d, len, v, g);
  }

  /** The scalar form; also the reference of the vector one. */
  static final class Scalar extends RowProducts {
    @Override
    void addDots(double[] a, int at, int d, int len, double[] beta, double[] z) {
      int full = d & ~7;
      for (int i = 0; i < len; i++) {
        int row = at + i * d;
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        double s4 = 0.0;
        double s5 = 0.0;
        double s6 = 0.0;
        double s7 = 0.0;
        int j = 0;
        for (; j < full; j += 8) {
          s0 = Math.fma(a[row + j], beta[j], s0);
          s1 = Math.fma(a[row + j + 1], beta[j + 1], s1);
          s2 = Math.fma(a[row + j + 2], beta[j + 2], s2);
          s3 = Math.fma(a[row + j + 3], beta[j + 3], s3);
          s4 = Math.fma(a[row + j + 4], beta[j + 4], s4);
          s5 = Math.fma(a[row + j + 5], beta[j + 5], s5);
          s6 = Math.fma(a[row + j + 6], beta[j + 6], s6);
          s7 = Math.fma(a[row + j + 7], beta[j + 7], s7);
        }
        z[i] += tail(a, null, row, full, d, beta, s0, s1, s2, s3, s4, s5, s6, s7);
      }
    }

    @Override
    void addTransposed(double[] a, int at, int d, int len, double[] v, double[] g) {
      transposed(a, null, at, d, len, v, g);
    }
  }

  /**
   * The gradient product of both forms: four rows per sweep over g (the nested fma keep each
   * g_j's rows in order). The rows are {@code a}, or {@code f} when a is null. Each sweep first
   * copies its four rows (widened, for f) into arrays of their own and then reads them, and g,
   * from index 0: C2 in JDK 17 vectorized the loop only in part with the rows read in place, at
   * four different offsets (one thread, d = 200: 55–60 → 39–45 ns a row, {@code CpuTimeBenchmark
   * --filter products}). The copies are exact, so the bits are those of the rows
   * read in place.
   */
  static void transposed(double[] a, float[] f, int at, int d, int len, double[] v, double[] g) {
    double[][] rows = SweepRows.get(d);
    double[] x0 = rows[0];
    double[] x1 = rows[1];
    double[] x2 = rows[2];
    double[] x3 = rows[3];
    int i = 0;
    for (; i + 3 < len; i += 4) {
      double v0 = v[i];
      double v1 = v[i + 1];
      double v2 = v[i + 2];
      double v3 = v[i + 3];
      int r0 = at + i * d;
      copy(a, f, r0, x0, d);
      copy(a, f, r0 + d, x1, d);
      copy(a, f, r0 + 2 * d, x2, d);
      copy(a, f, r0 + 3 * d, x3, d);
      for (int j = 0; j < d; j++) {
        g[j] = Math.fma(v3, x3[j], Math.fma(v2, x2[j], Math.fma(v1, x1[j],
            Math.fma(v0, x0[j], g[j]))));
      }
    }
    columns(a, f, at, d, i, len, v, g, 0);
  }

  /** d elements of the rows from {@code from} into x: {@code a}'s, or {@code f}'s widened. */
  private static void copy(double[] a, float[] f, int from, double[] x, int d) {
    if (a != null) {
      System.arraycopy(a, from, x, 0, d);
    } else {
      FloatWidening.widen(f, from, x, d);
    }
  }

  /** Four rows of scratch per thread for {@link #transposed}, grown to the widest d seen. */
  private static final class SweepRows {
    private static final ThreadLocal<double[][]> PER_THREAD =
        ThreadLocal.withInitial(() -> new double[4][0]);

    private SweepRows() {}

    static double[][] get(int d) {
      double[][] rows = PER_THREAD.get();
      if (rows[0].length < d) {
        for (int k = 0; k < 4; k++) {
          rows[k] = new double[d];
        }
      }
      return rows;
    }
  }

  /** Element k of the rows: {@code a[k]}, or {@code f[k]} widened when a is null. */
  private static double value(double[] a, float[] f, int k) {
    return a != null ? a[k] : f[k];
  }

  /**
   * The gradient product, one row at a time, on rows {@code firstRow} … len − 1 (in order) and
   * columns j ≥ {@code fromColumn}: the last rows of {@link #transposed}'s four-row sweeps, and
   * the vector form's last columns, fewer than a vector. The rows are {@code a}, or {@code f} when
   * a is null.
   */
  static void columns(double[] a, float[] f, int at, int d, int firstRow, int len, double[] v,
      double[] g, int fromColumn) {
    for (int i = firstRow, row = at + firstRow * d; i < len; i++, row += d) {
      double vi = v[i];
      for (int j = fromColumn; j < d; j++) {
        g[j] = Math.fma(vi, value(a, f, row + j), g[j]);
      }
    }
  }

  /**
   * Adds the elements j ≥ {@code from} (fewer than eight) to their partial sums j mod 8 and ends
   * the dot product: (t_0 + t_1) + (t_2 + t_3) with t_k = s_k + s_{k+4}. The rows are {@code a},
   * or {@code f} when a is null.
   */
  static double tail(double[] a, float[] f, int row, int from, int d, double[] beta, double s0,
      double s1, double s2, double s3, double s4, double s5, double s6, double s7) {
    int rest = d - from;
    int j = from;
    if (rest > 0) {
      s0 = Math.fma(value(a, f, row + j), beta[j], s0);
    }
    if (rest > 1) {
      s1 = Math.fma(value(a, f, row + j + 1), beta[j + 1], s1);
    }
    if (rest > 2) {
      s2 = Math.fma(value(a, f, row + j + 2), beta[j + 2], s2);
    }
    if (rest > 3) {
      s3 = Math.fma(value(a, f, row + j + 3), beta[j + 3], s3);
    }
    if (rest > 4) {
      s4 = Math.fma(value(a, f, row + j + 4), beta[j + 4], s4);
    }
    if (rest > 5) {
      s5 = Math.fma(value(a, f, row + j + 5), beta[j + 5], s5);
    }
    if (rest > 6) {
      s6 = Math.fma(value(a, f, row + j + 6), beta[j + 6], s6);
    }
    return ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7));
  }

  private static RowProducts load() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      try {
        RowProducts v = (RowProducts) Class.forName(
            "io.github.stablelogit.optim.VectorRowProducts").getDeclaredConstructor().newInstance();
        if (v.usable()) {
          return v;
        }
      } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
        // the scalar form gives the same bits
      }
    }
    return new Scalar();
  }

  /** @return whether this implementation runs at native vector speed here */
  boolean usable() {
    return true;
  }
}
