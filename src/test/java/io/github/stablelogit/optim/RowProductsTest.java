package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link RowProducts}: the vector form (when this JVM has jdk.incubator.vector, as the build's
 * test JVMs do) gives the scalar form's bits for every width and offset, and both are accurate
 * against exact sums.
 */
class RowProductsTest {

  private static final RowProducts SCALAR = new RowProducts.Scalar();

  @Test
  void theTestJvmUsesTheVectorForm() {
    // the build runs tests with the module: otherwise the comparison below compares scalar twice
    assertEquals("VectorRowProducts", RowProducts.INSTANCE.getClass().getSimpleName());
  }

  @Test
  void vectorAndScalarFormsGiveTheSameBits() {
    SplittableRandom r = new SplittableRandom(3);
    for (int d = 1; d <= 70; d++) {
      for (int len : new int[] {1, 3, 17}) {
        int at = r.nextInt(5);
        double[] a = new double[at + len * d + 3];
        for (int k = 0; k < a.length; k++) {
          a[k] = r.nextInt(10) == 0 ? 0.0 : Math.scalb(r.nextDouble() - 0.5, r.nextInt(40) - 20);
        }
        double[] beta = gaussian(r, d);
        double[] v = gaussian(r, len);
        double[] z1 = gaussian(r, len);
        double[] z2 = z1.clone();
        SCALAR.addDots(a, at, d, len, beta, z1);
        RowProducts.INSTANCE.addDots(a, at, d, len, beta, z2);
        assertArrayEquals(bits(z1), bits(z2), "margins d=" + d + " len=" + len);
        double[] g1 = gaussian(r, d);
        double[] g2 = g1.clone();
        SCALAR.addTransposed(a, at, d, len, v, g1);
        RowProducts.INSTANCE.addTransposed(a, at, d, len, v, g2);
        assertArrayEquals(bits(g1), bits(g2), "gradient d=" + d + " len=" + len);
        // the lane-wise gradient, which fits run where the loss kernel is lane-wise from the start
        double[] g3 = gaussian(r, d);
        double[] g4 = g3.clone();
        SCALAR.addTransposed(a, at, d, len, v, g3);
        RowProducts.INSTANCE.addTransposedLaneWise(a, at, d, len, v, g4);
        assertArrayEquals(bits(g3), bits(g4), "lane-wise gradient d=" + d + " len=" + len);
      }
    }
  }

  /**
   * Single-precision rows: the products read directly (where {@link RowProducts#readsFloats}, as on
   * machines whose vectors hold eight or four doubles; the 4-lane form runs here in a JVM started
   * with {@code -XX:MaxVectorSize=32}, and in {@code SameBitsAcrossJitTiersTest}'s 256-bit run),
   * the widening forms and the scalar sweep all give the bits of the double products on the
   * widened rows.
   */
  @Test
  void singlePrecisionRowsGiveTheBitsOfTheirWidenedRows() {
    SplittableRandom r = new SplittableRandom(21);
    for (int d = 1; d <= 70; d++) {
      for (int len : new int[] {1, 3, 4, 9, 17}) {
        int at = r.nextInt(5);
        float[] f = new float[at + len * d + 3];
        for (int k = 0; k < f.length; k++) {
          f[k] = r.nextInt(10) == 0 ? 0.0f
              : (float) Math.scalb(r.nextDouble() - 0.5, r.nextInt(40) - 20);
        }
        // a subnormal float, exact in double as every float is
        f[at] = r.nextBoolean() ? Float.MIN_VALUE * 3 : f[at];
        double[] wide = new double[len * d];
        for (int k = 0; k < wide.length; k++) {
          wide[k] = f[at + k];
        }
        double[] beta = gaussian(r, d);
        double[] v = gaussian(r, len);
        double[] z1 = gaussian(r, len);
        double[] z2 = z1.clone();
        double[] z3 = z1.clone();
        SCALAR.addDots(wide, 0, d, len, beta, z1);
        RowProducts.INSTANCE.addDots(f, at, d, len, beta, z2);
        SCALAR.addDots(f, at, d, len, beta, z3);
        assertArrayEquals(bits(z1), bits(z2), "margins d=" + d + " len=" + len);
        assertArrayEquals(bits(z1), bits(z3), "scalar margins d=" + d + " len=" + len);
        double[] g1 = gaussian(r, d);
        double[] g2 = g1.clone();
        double[] g3 = g1.clone();
        double[] g4 = g1.clone();
        SCALAR.addTransposed(wide, 0, d, len, v, g1);
        RowProducts.INSTANCE.addTransposed(f, at, d, len, v, g2);
        RowProducts.INSTANCE.addTransposedLaneWise(f, at, d, len, v, g3);
        RowProducts.transposed(null, f, at, d, len, v, g4);
        assertArrayEquals(bits(g1), bits(g2), "gradient d=" + d + " len=" + len);
        assertArrayEquals(bits(g1), bits(g3), "lane-wise gradient d=" + d + " len=" + len);
        assertArrayEquals(bits(g1), bits(g4), "scalar sweep d=" + d + " len=" + len);
      }
    }
  }

  @Test
  void theScalarSweepIsTheFormulaRowByRow() {
    // g_j = fma(v_i, x_ij, g_j) over the rows in order, one at a time, against the sweep's copied
    // rows; widths up and down again, so that the sweep's scratch holds longer, older rows.
    SplittableRandom r = new SplittableRandom(11);
    for (int step = 0; step < 140; step++) {
      int d = step < 70 ? step + 1 : 140 - step;
      for (int len : new int[] {1, 4, 7, 17}) {
        int at = r.nextInt(5);
        double[] a = gaussian(r, at + len * d + 3);
        float[] f = new float[a.length];
        for (int k = 0; k < a.length; k++) {
          f[k] = (float) a[k];
        }
        double[] v = gaussian(r, len);
        double[] g = gaussian(r, d);
        double[] wantDouble = g.clone();
        double[] wantFloat = g.clone();
        for (int i = 0; i < len; i++) {
          for (int j = 0; j < d; j++) {
            int k = at + i * d + j;
            wantDouble[j] = Math.fma(v[i], a[k], wantDouble[j]);
            wantFloat[j] = Math.fma(v[i], f[k], wantFloat[j]);
          }
        }
        double[] gotDouble = g.clone();
        double[] gotFloat = g.clone();
        RowProducts.transposed(a, null, at, d, len, v, gotDouble);
        RowProducts.transposed(null, f, at, d, len, v, gotFloat);
        assertArrayEquals(bits(wantDouble), bits(gotDouble), "double rows d=" + d + " len=" + len);
        assertArrayEquals(bits(wantFloat), bits(gotFloat), "float rows d=" + d + " len=" + len);
      }
    }
  }

  @Test
  void bothProductsAreWithinTheirRoundingBoundOfExactSums() {
    SplittableRandom r = new SplittableRandom(8);
    MathContext mc = new MathContext(60);
    for (int d : new int[] {1, 7, 8, 9, 50, 123, 300}) {
      int len = 11;
      double[] a = gaussian(r, len * d);
      double[] beta = gaussian(r, d);
      double[] v = gaussian(r, len);
      double[] z = new double[len];
      double[] g = new double[d];
      RowProducts.INSTANCE.addDots(a, 0, d, len, beta, z);
      RowProducts.INSTANCE.addTransposedLaneWise(a, 0, d, len, v, g);
      for (int i = 0; i < len; i++) {
        BigDecimal exact = BigDecimal.ZERO;
        double abs = 0.0;
        for (int j = 0; j < d; j++) {
          exact = exact.add(new BigDecimal(a[i * d + j]).multiply(new BigDecimal(beta[j])), mc);
          abs += Math.abs(a[i * d + j] * beta[j]);
        }
        // eight chains of ⌈d/8⌉ fma then three additions: |error| ≤ (d/8 + 3)·ε·Σ|a_j b_j|
        double bound = (d / 8.0 + 4) * 0x1p-52 * abs;
        assertTrue(Math.abs(z[i] - exact.doubleValue()) <= bound, "dot d=" + d);
      }
      for (int j = 0; j < d; j++) {
        BigDecimal exact = BigDecimal.ZERO;
        double abs = 0.0;
        for (int i = 0; i < len; i++) {
          exact = exact.add(new BigDecimal(a[i * d + j]).multiply(new BigDecimal(v[i])), mc);
          abs += Math.abs(a[i * d + j] * v[i]);
        }
        assertTrue(Math.abs(g[j] - exact.doubleValue()) <= (len + 1) * 0x1p-52 * abs,
            "gradient d=" + d);
      }
    }
  }

  private static double[] gaussian(SplittableRandom r, int n) {
    double[] x = new double[n];
    for (int k = 0; k < n; k++) {
      double u = r.nextDouble();
      x[k] = (u - 0.5) * (1 + r.nextInt(4));
    }
    return x;
  }

  private static long[] bits(double[] x) {
    long[] b = new long[x.length];
    for (int k = 0; k < x.length; k++) {
      b[k] = Double.doubleToRawLongBits(x[k]);
    }
    return b;
  }
}
