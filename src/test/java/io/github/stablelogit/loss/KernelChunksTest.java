package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The batch loops of {@link KernelChunks} run in chunks, one pass for the exp and one for the
 * log of a whole chunk before the rest of each row (the focal passes split the rest into passes
 * too, handing some rows to the row code); they must give, bit for bit, what {@link
 * LogitLossKernel#row} gives row after row: every derivative, curvature and second-weight sum,
 * and the weighted sum added in row order. For every loss of the grid tests, row counts below, at
 * and across the chunk, weights and curvatures present or not, outputs in place of the margins or
 * not, logits from 0 to saturation, where e^(−|z|) is subnormal, and ±∞.
 */
class KernelChunksTest {

  private static final int[] SIZES = {1, 5, KernelScratch.CHUNK - 1, KernelScratch.CHUNK,
      KernelScratch.CHUNK + 1, 3 * KernelScratch.CHUNK + 17};

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.github.stablelogit.loss.LogitLossTest#losses")
  void chunkedLoopsGiveTheBitsOfTheRowByRowLoop(LogitLoss loss) {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int n : SIZES) {
      int from = 2;
      double[] z = new double[n];
      double[] y = new double[n + from];
      double[] w = new double[n + from];
      double[] other = new double[n + from];
      for (int i = 0; i < n; i++) {
        z[i] = i % 13 == 0 ? LogitLossTest.LOGITS[i % LogitLossTest.LOGITS.length]
            : i % 29 == 0 ? (i % 2 == 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY)
            // e^(−|z|) subnormal, σ not: the focal row code forms r in another way there.
            : i % 17 == 0 ? (i % 2 == 0 ? 1 : -1) * rnd.nextDouble(708.5, 744.5)
            : rnd.nextDouble(-60, 60);
      }
      for (int i = 0; i < n + from; i++) {
        y[i] = i % 3 == 0 ? rnd.nextInt(2) : rnd.nextDouble();
        w[i] = i % 11 == 0 ? 0.0 : rnd.nextDouble(0, 5);
        other[i] = rnd.nextDouble(0, 2);
      }
      for (double[] weights : new double[][] {null, w}) {
        for (boolean curv : new boolean[] {false, true}) {
          for (boolean alias : new boolean[] {false, true}) {
            check(loss, z, from, y, weights, other, n, curv, alias);
          }
        }
      }
    }
  }

  private static void check(LogitLoss loss, double[] z, int from, double[] y, double[] weights,
      double[] other, int n, boolean curv, boolean alias) {
    String what = LogitLossTest.describe(loss) + ", n " + n + ", weights " + (weights != null)
        + ", curvatures " + curv + ", in place " + alias;
    double[] expD = new double[n];
    double[] expC = new double[n];
    double expSum = 0.0;
    double expOther = 0.0;
    double[] d = new double[1];
    double[] c = new double[1];
    for (int i = 0; i < n; i++) {
      double v = LogitLossKernel.row(loss, z[i], y[from + i], d, curv ? c : null, 0);
      expOther += other[from + i] * v;
      if (weights == null) {
        expSum += v;
        expD[i] = d[0];
        expC[i] = c[0];
      } else {
        double wi = weights[from + i];
        expSum += wi * v;
        expD[i] = d[0] * wi;
        expC[i] = c[0] * wi;
      }
    }
    // The BCE loop, the same in two calls split at a row inside the first chunk (as the lane-wise
    // kernel calls it for its last rows), the general loop, and the focal passes (γ > 0).
    for (int path = 0; path < 4; path++) {
      if (path < 2 && loss.isFocal() || path == 3 && !(loss.gamma() > 0.0)) {
        continue;
      }
      double[] margins = z.clone();
      double[] derivatives = alias ? margins : new double[n];
      double[] curvatures = curv ? new double[n] : null;
      double[] otherSum = {Double.NaN};
      int split = path == 1 ? n / 3 : 0;
      double sum = path < 2
          ? KernelChunks.bceRows(loss, margins, from, y, weights, derivatives, curvatures,
              split, n, KernelChunks.bceRows(loss, margins, from, y, weights, derivatives,
                  curvatures, 0, split, 0.0))
          : path == 2
          ? KernelChunks.rows(loss, margins, from, y, weights, other, otherSum, derivatives,
              curvatures, n)
          : KernelChunks.focalPasses(loss, margins, from, y, weights, derivatives, curvatures,
              n);
      String where = what + (path < 2 ? ", bceRows split at " + split
          : path == 2 ? ", rows" : ", focalPasses");
      assertBits(expSum, sum, where + ": sum");
      if (path == 2) {
        assertBits(expOther, otherSum[0], where + ": second-weight sum");
      }
      for (int i = 0; i < n; i++) {
        assertBits(expD[i], derivatives[i], where + ": derivative of row " + i + " (z " + z[i]
            + ")");
        if (curv) {
          assertBits(expC[i], curvatures[i], where + ": curvature of row " + i + " (z " + z[i]
              + ")");
        }
      }
    }
  }

  private static void assertBits(double expected, double actual, String what) {
    assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual),
        what + ": " + expected + " vs " + actual);
  }
}
