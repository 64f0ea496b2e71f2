package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockMoments#dense}: the weighted means and M2 are the plain sums in row order, and a
 * column equal on every weighted row gets exactly that value and M2 = 0, also when it differs on
 * rows of weight 0 and when the other columns have long stopped being compared.
 */
class BlockMomentsTest {

  /** Columns: 0 constant, 1 differs on the last row only, 2 constant on weighted rows, 3–4 vary. */
  @Test
  void constantColumnsGetTheirValueAndTheOthersThePlainSums() {
    check(false);
  }

  /**
   * No constant column: the comparisons stop once every column has varied, which column 1 does
   * only on the last row.
   */
  @Test
  void aColumnThatVariesOnlyOnTheLastRowVaries() {
    check(true);
  }

  private static void check(boolean allVary) {
    int rows = 2000;
    int d = 5;
    SplittableRandom r = new SplittableRandom(21);
    double[] x = new double[rows * d];
    double[] w = new double[rows];
    double wSum = 0;
    for (int i = 0; i < rows; i++) {
      w[i] = i % 7 == 3 ? 0.0 : 0.5 + r.nextDouble();
      wSum += w[i];
      x[i * d] = allVary ? r.nextGaussian() : 0.1;
      x[i * d + 1] = i == rows - 1 ? 0.2 : 0.1;
      x[i * d + 2] = allVary ? r.nextGaussian() : w[i] > 0 ? 0.3 : r.nextGaussian();
      x[i * d + 3] = r.nextGaussian();
      x[i * d + 4] = r.nextGaussian() * 1e3 + 7;
    }
    double[] mean = new double[d];
    double[] m2 = new double[d];
    BlockMoments.dense(x, rows, d, w, wSum, mean, m2);

    for (int j = 0; j < d; j++) {
      if (!allVary && (j == 0 || j == 2)) {
        continue;
      }
      double s = 0;
      for (int i = 0; i < rows; i++) {
        s += w[i] * x[i * d + j];
      }
      double mj = s * (1.0 / wSum);
      double q = 0;
      for (int i = 0; i < rows; i++) {
        double dev = x[i * d + j] - mj;
        q += w[i] * dev * dev;
      }
      assertEquals(mj, mean[j], 0.0, "mean of column " + j);
      assertEquals(q, m2[j], 0.0, "M2 of column " + j);
      assertTrue(m2[j] > 0, "column " + j + " varies");
    }
    if (!allVary) {
      assertEquals(0.1, mean[0], 0.0);
      assertEquals(0.0, m2[0], 0.0);
      assertEquals(0.3, mean[2], 0.0);
      assertEquals(0.0, m2[2], 0.0);
    }
  }
}
