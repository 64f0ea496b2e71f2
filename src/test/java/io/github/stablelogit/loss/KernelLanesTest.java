package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The kernel's branch-free exp gives the bits of {@link DetMath#exp}, its log on [1, 2] is exact at
 * the ends and total, and the lane-wise BCE kernel ({@link VectorBceKernel}) gives the bits of the
 * row-by-row loop ({@link KernelChunks#bceRows}) for every combination of its inputs, and so
 * does the lane-wise focal kernel (that of {@link KernelChunks#rows}).
 */
class KernelLanesTest {

  @Test
  void expNonPositiveIsDetMathExpBitForBit() {
    SplittableRandom r = new SplittableRandom(3);
    double[] edges = {-0.0, 0.0, -Double.MIN_VALUE, -1e-300, -0x1p-60, -1.0, -708.0, -708.4,
        -709.0, -744.44, -745.0, -745.13, -745.14, -745.2, -746.0, -800.0, -1e300,
        Double.NEGATIVE_INFINITY};
    for (double x : edges) {
      assertBits(DetMath.exp(x), DetMath.expNonPositive(x), "exp(" + x + ")");
    }
    for (int i = 0; i < 200_000; i++) {
      double x = i % 2 == 0 ? -750.0 * r.nextDouble() : -Math.scalb(r.nextDouble(), -r.nextInt(60));
      assertBits(DetMath.exp(x), DetMath.expNonPositive(x), "exp(" + x + ")");
    }
  }

  @Test
  void theExpPassesGiveTheBitsOfTheScalarExp() {
    // Arguments of either sign (the passes take −|z|), where e^x is subnormal, at and beyond the
    // clamp, the infinities and NaN; with stale scratch, and in place.
    double[] edges = {-0.0, 0.0, Double.MIN_VALUE, -1e-300, 0x1p-60, -1.0, 708.0, -708.4, 709.0,
        -744.44, 745.0, -745.13, 745.14, -745.2, 746.0, -800.0, 1e300, Double.NEGATIVE_INFINITY,
        Double.POSITIVE_INFINITY, Double.NaN, Double.longBitsToDouble(0xfff8000000000001L)};
    SplittableRandom r = new SplittableRandom(7);
    double[] z = new double[edges.length + 100_000];
    System.arraycopy(edges, 0, z, 0, edges.length);
    for (int i = edges.length; i < z.length; i++) {
      double m = i % 3 == 0 ? 750.0 * r.nextDouble() : Math.scalb(r.nextDouble(), -r.nextInt(60));
      z[i] = r.nextBoolean() ? m : -m;
    }
    int len = z.length;
    double[][] scratch = new double[4][len];
    for (double[] a : scratch) {
      Arrays.fill(a, Double.NaN);
    }
    double[] e = new double[len];
    double[] inPlace = z.clone();
    DetMath.expNonPositive(z, len, e, scratch[0], scratch[1], scratch[2], scratch[3]);
    DetMath.expNonPositive(inPlace, len, inPlace, scratch[0], scratch[1], scratch[2], scratch[3]);
    for (int k = 0; k < len; k++) {
      double x = -Math.abs(z[k]);
      assertBits(DetMath.expNonPositive(x), e[k], "exp(" + x + ")");
      assertBits(e[k], inPlace[k], "exp(" + x + ") in place");
    }
  }

  @Test
  void logOneToTwoIsExactAtItsEndsAndNeverThrows() {
    // The ends: log 1 = +0 and log 2 rounded to nearest (the accuracy in between is
    // DetMathReferenceTest's).
    assertBits(0.0, DetMath.logOneToTwo(1.0), "log 1");
    assertBits(0x1.62e42fefa39efp-1, DetMath.logOneToTwo(2.0), "log 2");
    assertTrue(Double.isNaN(DetMath.logOneToTwo(Double.NaN)), "log NaN");
    assertTrue(Double.isNaN(DetMath.logOneToTwo(Double.longBitsToDouble(0xfff8000000000001L))),
        "log of a negative NaN");
    // Outside [1, 2] the result is meaningless, but the table index stays in range.
    double[] outside = {0.0, -0.0, 0.5, Math.nextDown(1.0), Math.nextUp(2.0), 3.0, 1e300,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1.5, Double.MIN_VALUE};
    for (double u : outside) {
      DetMath.logOneToTwo(u);
    }
  }

  @Test
  void theLaneWiseKernelGivesTheBitsOfTheRowByRowLoop() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "jdk.incubator.vector is not loaded");
    BceLanes lanes = new VectorBceKernel();
    SplittableRandom r = new SplittableRandom(5);
    LogitLoss[] losses = {LogitLoss.bce(1.0, 0.0), LogitLoss.bce(3.0, 0.1),
        LogitLoss.bce(0.25, 0.01)};
    // Row counts below, at and across a chunk of 256 rows (and one of 512) and a vector's lanes;
    // an offset into the labels and weights.
    int[] sizes = {1, 7, 8, 9, 64, 255, 256, 257, 511, 512, 513, 1030, 2048};
    for (int n : sizes) {
      int from = n % 3;
      double[] z = new double[n];
      double[] y = new double[from + n];
      double[] w = new double[from + n];
      for (int i = 0; i < n; i++) {
        z[i] = margin(r, i);
      }
      for (int i = 0; i < from + n; i++) {
        y[i] = i % 4 == 0 ? r.nextDouble() : r.nextDouble() < 0.3 ? 1.0 : 0.0;
        w[i] = i % 11 == 0 ? 0.0 : 0.1 + 2 * r.nextDouble();
      }
      for (LogitLoss loss : losses) {
        for (double[] weights : new double[][] {null, w}) {
          for (boolean curv : new boolean[] {false, true}) {
            String what = loss + " n=" + n + " weights=" + (weights != null) + " curv=" + curv;
            double[] d1 = new double[n];
            double[] c1 = curv ? new double[n] : null;
            double s1 = KernelChunks.bceRows(loss, z, from, y, weights, d1, c1, 0, n, 0.0);
            double[] d2 = new double[n];
            double[] c2 = curv ? new double[n] : null;
            double s2 = lanes.bce(loss, z, from, y, weights, d2, c2, n);
            assertBits(s1, s2, what + " sum");
            assertArrayBits(d1, d2, what + " derivatives");
            if (curv) {
              assertArrayBits(c1, c2, what + " curvatures");
            }
            // The derivatives may overwrite the margins.
            double[] alias = z.clone();
            double s3 = lanes.bce(loss, alias, from, y, weights, alias, null, n);
            assertBits(s1, s3, what + " sum, aliased");
            assertArrayBits(d1, alias, what + " derivatives, aliased");
          }
        }
      }
    }
  }

  @Test
  void theLaneWiseFocalKernelGivesTheBitsOfTheRowByRowLoop() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "jdk.incubator.vector is not loaded");
    BceLanes lanes = new VectorBceKernel();
    SplittableRandom r = new SplittableRandom(6);
    // γ = 2, 1, 1/2 have their own forms of m^γ, the others go through DetMath.pow.
    double[] gammas = {0.5, 1.0, 2.0, 3.7, 0.3};
    double[] alphas = {-1.0, 0.25};
    double[] posWeights = {1.0, 3.0};
    double[] smoothings = {0.0, 0.1};
    // Below, at and across a vector's lanes and a chunk of 256 rows (and one of 512), with odd
    // remainders.
    int[] sizes = {3, 8, 13, 61, 256, 263, 512, 1031};
    for (int n : sizes) {
      int from = n % 3;
      double[] moderate = new double[n];
      double[] extreme = new double[n];
      double[] y = new double[from + n];
      double[] w = new double[from + n];
      for (int i = 0; i < n; i++) {
        // Moderate logits keep every lane in the range of the lane-wise formula.
        moderate[i] = i % 7 == 3 ? (i % 2 == 0 ? 40.0 : -40.0) : 4.0 * r.nextGaussian();
        extreme[i] = i % 6 == 0 ? focalEdge(i / 6) : 3.0 * r.nextGaussian();
      }
      for (int i = 0; i < from + n; i++) {
        y[i] = i % 4 == 0 ? r.nextDouble() : i % 9 == 1 ? -0.0 : r.nextDouble() < 0.3 ? 1.0 : 0.0;
        w[i] = i % 11 == 0 ? 0.0 : 0.1 + 2 * r.nextDouble();
      }
      for (double gamma : gammas) {
        for (double alpha : alphas) {
          for (double pw : posWeights) {
            for (double eps : smoothings) {
              LogitLoss loss = LogitLoss.focal(gamma, alpha, pw, eps);
              for (double[] z : new double[][] {moderate, extreme}) {
                for (double[] weights : new double[][] {null, w}) {
                  for (boolean curv : new boolean[] {false, true}) {
                    String what = loss + " n=" + n + " moderate=" + (z == moderate) + " weights="
                        + (weights != null) + " curv=" + curv;
                    assertFocalLanes(lanes, loss, z, from, y, weights, curv, what);
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  private static void assertFocalLanes(BceLanes lanes, LogitLoss loss, double[] z, int from,
      double[] y, double[] weights, boolean curv, String what) {
    int n = z.length;
    double[] d1 = new double[n];
    double[] c1 = curv ? new double[n] : null;
    double s1 = KernelChunks.rows(loss, z, from, y, weights, null, null, d1, c1, n);
    double[] d2 = new double[n];
    double[] c2 = curv ? new double[n] : null;
    double s2 = lanes.focal(loss, z, from, y, weights, d2, c2, n);
    assertBits(s1, s2, what + " sum");
    assertArrayBits(d1, d2, what + " derivatives");
    if (curv) {
      assertArrayBits(c1, c2, what + " curvatures");
    }
    // The derivatives, or the curvatures, may overwrite the margins.
    double[] alias = z.clone();
    double s3 = lanes.focal(loss, alias, from, y, weights, alias, null, n);
    assertBits(s1, s3, what + " sum, aliased derivatives");
    assertArrayBits(d1, alias, what + " derivatives, aliased");
    if (curv) {
      alias = z.clone();
      double[] d3 = new double[n];
      double s4 = lanes.focal(loss, alias, from, y, weights, d3, alias, n);
      assertBits(s1, s4, what + " sum, aliased curvatures");
      assertArrayBits(d1, d3, what + " derivatives, aliased curvatures");
      assertArrayBits(c1, alias, what + " curvatures, aliased");
    }
  }

  /** Saturated, underflowing and huge logits, and ±0. */
  private static double focalEdge(int j) {
    double[] edges = {0.0, -0.0, 40.0, -40.0, 41.5, -55.0, 700.0, -700.0, 708.5, -708.5, 745.0,
        -745.0, 800.0, -800.0, 1e300, -1e300, 1e-300, -1e-300, 36.7, -36.7, 350.0, -350.0};
    return edges[j % edges.length];
  }

  /** Mostly N(0, 3²), with ±0, saturating, underflowing and huge logits mixed in. */
  private static double margin(SplittableRandom r, int i) {
    double[] edges = {0.0, -0.0, 708.5, -708.5, 745.0, -745.0, 745.2, -745.2, 800.0, -800.0,
        1e300, -1e300, 1e-300, -1e-300, 36.7, -36.7};
    return i % 5 == 0 ? edges[(i / 5) % edges.length] : 3.0 * r.nextGaussian();
  }

  private static void assertBits(double want, double got, String what) {
    assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got),
        what + ": want " + want + ", got " + got);
  }

  private static void assertArrayBits(double[] want, double[] got, String what) {
    for (int i = 0; i < want.length; i++) {
      if (Double.doubleToRawLongBits(want[i]) != Double.doubleToRawLongBits(got[i])) {
        assertEquals(Arrays.toString(want), Arrays.toString(got), what + " at " + i);
        assertBits(want[i], got[i], what + " at " + i);
      }
    }
  }
}
