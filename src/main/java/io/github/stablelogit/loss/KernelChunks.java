package io.github.stablelogit.loss;

import static io.github.stablelogit.loss.LogitLossKernel.MIN_NORMAL_E;
import static io.github.stablelogit.loss.LogitLossKernel.afterLog;
import static io.github.stablelogit.loss.LogitLossKernel.curvatureBracket;
import static io.github.stablelogit.loss.LogitLossKernel.focalRatio;
import static io.github.stablelogit.loss.LogitLossKernel.ifNegative;
import static io.github.stablelogit.loss.LogitLossKernel.powM;
import static io.github.stablelogit.loss.LogitLossKernel.row;

/**
 * The batch loops of the loss kernel without lanes: the BCE loop, the general loop (focal loss
 * with γ = 0, rows with a second weight), and focal loss for γ &gt; 0 in passes, each with an
 * optional curvature output, and the dispatch of the BCE and focal batches to the lane-wise
 * kernel ({@link BceLanes}) when that is on. The loops take the rows in chunks of {@link
 * KernelScratch#CHUNK}, the exp and the log of a whole chunk first ({@link #expLogPass}), the rest
 * by the operations of {@link LogitLossKernel#row}, so every row has the row code's bits
 * ({@code KernelChunksTest}). Thread-local scratch ({@link KernelScratch}) holds the passes'
 * results, so the class keeps no state of its own. Static only, as {@link LogitLossKernel}.
 */
final class KernelChunks {

  private KernelChunks() {}

  /**
   * The rows in chunks of {@link KernelScratch#CHUNK}: e^(−|z|), then 1/(1 + e) and log(1 + e), for
   * the whole chunk ({@link #expLogPass}), then the rest of {@link LogitLossKernel#row} row by row;
   * the second weights and their sum, and the curvatures, are optional (null). Each row's
   * operations are {@link LogitLossKernel#row}'s, so the bits are too; split into passes, the exp
   * and log of many rows overlap in the processor instead of each row waiting for its own (20 → 13
   * ns a BCE row).
   */
  static double rows(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] otherWeights, double[] otherSum, double[] derivatives,
      double[] curvatures, int n) {
    KernelScratch s = KernelScratch.get();
    double sum = 0.0;
    double other = 0.0;
    for (int c = 0; c < n; c += KernelScratch.CHUNK) {
      int len = Math.min(KernelScratch.CHUNK, n - c);
      expLogPass(margins, c, len, s);
      for (int k = 0; k < len; k++) {
        int i = c + k;
        double v = afterLog(loss, margins[i], labels[from + i], s.rowE[k], s.rowInv[k],
            s.rowL1p[k], derivatives, curvatures, i);
        if (otherWeights != null) {
          other += otherWeights[from + i] * v;
        }
        sum += weighted(v, weights, from + i, derivatives, curvatures, i);
      }
    }
    if (otherSum != null) {
      otherSum[0] = other;
    }
    return sum;
  }

  /**
   * For k &lt; len: e = e^(−|z|) of margins[start + k], 1/(1 + e) and log(1 + e) into the row
   * loops' scratch arrays, as {@link LogitLossKernel#row} forms them ({@link
   * DetMath#expNonPositive(double)}, {@link DetMath#logOneToTwo}), in passes with independent
   * iterations: the exp's three ({@link DetMath#expNonPositive(double[], int, double[], double[],
   * double[], double[], double[])}); the log's table entries; the division and the rest
   * of the log. The passes without table reads are loops C2 vectorizes, with the same bits, every
   * operation being correctly rounded however it runs (one loop each for the exp and the log
   * before: a BCE row 13.3–13.6 → 7.1–9.7 ns, README "The exp and log in passes").
   */
  static void expLogPass(double[] margins, int start, int len, KernelScratch s) {
    double[] e = s.rowE;
    double[] inv = s.rowInv;
    double[] l1p = s.rowL1p;
    double[] invc = s.tableA;
    double[] logc = s.tableB;
    // Every pass reads and writes from index 0 (DetMath.expNonPositive says why): the margins go
    // to e, which the exp overwrites; inv and l1p hold its reduced arguments and powers of two
    // until the last pass.
    System.arraycopy(margins, start, e, 0, len);
    DetMath.expNonPositive(e, len, e, inv, l1p, invc, logc);
    for (int k = 0; k < len; k++) {
      int i = DetMath.unitInterval(1.0 + e[k]);
      invc[k] = DetMath.UNIT_INVC[i];
      logc[k] = DetMath.UNIT_LOGC[i];
    }
    for (int k = 0; k < len; k++) {
      double ek = e[k];
      double u = 1.0 + ek;
      double iu = 1.0 / u;
      inv[k] = iu;
      l1p[k] = DetMath.unitLog(logc[k], Math.fma(u, invc[k], -1.0)) - ((u - 1.0) - ek) * iu;
    }
  }

  /**
   * The focal batch kernel: {@link #rows} without second weights. For γ &gt; 0 lane-wise by {@link
   * BceLanes#lanes} when that is on, else {@link #focalPasses}; {@link #rows} for γ = 0. All give
   * the same bits.
   */
  static double focalBatch(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int n) {
    if (loss.gamma() > 0.0) {
      BceLanes lanes = BceLanes.lanes(n);
      return lanes != null
          ? lanes.focal(loss, margins, from, labels, weights, derivatives, curvatures, n)
          : focalPasses(loss, margins, from, labels, weights, derivatives, curvatures, n);
    }
    return rows(loss, margins, from, labels, weights, null, null, derivatives, curvatures, n);
  }

  /**
   * {@link #focalBatch} for γ &gt; 0 in passes over each chunk, as the lane-wise kernel takes them:
   * the exp and log ({@link #expLogPass}); B, B', m, α_t and the brackets of every row; m^γ; the
   * products and the sum. Without a call per row and with the rows' divisions and powers
   * independent of each other, 17–18 → 13.7 ns a row for γ = 2 and 17–18 → 15.6 for γ = 1/2
   * (README, "Focal rows in passes"). Each row gets {@link LogitLossKernel#row}'s
   * operations, so its bits; a row for which the row code takes another path (e^(−|z|) not a
   * normal number, m below {@link LogitLoss#directPowFloor()}, NaN) is handed to it.
   */
  static double focalPasses(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int n) {
    double eps = loss.labelSmoothing();
    double pw = loss.posWeight();
    double gamma = loss.gamma();
    double floor = loss.directPowFloor();
    KernelScratch s = KernelScratch.get();
    double[] b = s.l1p;
    double[] m = s.m;
    double[] p = s.e;
    double[] alphaT = s.alphaT;
    double[] bracket = s.bracket;
    double[] curvBracket = s.curvBracket;
    double sum = 0.0;
    for (int c = 0; c < n; c += KernelScratch.CHUNK) {
      int len = Math.min(KernelScratch.CHUNK, n - c);
      expLogPass(margins, c, len, s);
      for (int k = 0; k < len; k++) {
        int i = c + k;
        double z = margins[i];
        double y = labels[from + i];
        double yp = LabelSmoothing.positive(y, eps);
        double q = LabelSmoothing.negative(y, eps);
        double e = s.rowE[k];
        double inv = s.rowInv[k];
        double l1p = s.rowL1p[k];
        double ei = e * inv;
        double sigPos = ifNegative(z, ei, inv);
        double sigNeg = ifNegative(z, inv, ei);
        double pwy = pw * yp;
        double bk = pwy * (Math.max(-z, 0.0) + l1p) + q * (Math.max(z, 0.0) + l1p);
        double db = q * sigPos - pwy * sigNeg;
        double r = focalRatio(z, y, yp, q, eps, e, ei);
        b[k] = bk;
        alphaT[k] = loss.classWeight(yp, q);
        // −1 (below every floor) sends the row to the row code, which forms r otherwise there.
        m[k] = e >= MIN_NORMAL_E ? yp * sigNeg + q * sigPos : -1.0;
        bracket[k] = gamma * r * bk + db;
        if (curvatures != null) {
          curvBracket[k] = curvatureBracket(gamma, r, bk, db, (q + pwy) * (sigPos * sigNeg),
              sigNeg - sigPos);
        }
      }
      for (int k = 0; k < len; k++) {
        p[k] = m[k] >= floor ? powM(gamma, m[k]) : 0.0;
      }
      for (int k = 0; k < len; k++) {
        int i = c + k;
        if (!(m[k] >= floor)) {
          sum = focalRows(loss, margins, from, labels, weights, derivatives, curvatures, i, i + 1,
              sum);
          continue;
        }
        double at = alphaT[k];
        double pk = p[k];
        derivatives[i] = at * (pk * bracket[k]);
        if (curvatures != null) {
          curvatures[i] = at * (pk * curvBracket[k]);
        }
        sum += weighted(at * (pk * b[k]), weights, from + i, derivatives, curvatures, i);
      }
    }
    return sum;
  }

  /**
   * Rows [start, end) of {@link #rows} without second weights, their weighted losses added to
   * {@code sum} in row order: the same operations, so the same bits.
   */
  static double focalRows(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int start, int end,
      double sum) {
    for (int i = start; i < end; i++) {
      double v = row(loss, margins[i], labels[from + i], derivatives, curvatures, i);
      sum += weighted(v, weights, from + i, derivatives, curvatures, i);
    }
    return sum;
  }

  /**
   * Row i's loss v times its weight (v itself without weights), its derivative and curvature
   * scaled by the weight in place.
   */
  private static double weighted(double v, double[] weights, int wi, double[] derivatives,
      double[] curvatures, int i) {
    if (weights == null) {
      return v;
    }
    double w = weights[wi];
    derivatives[i] *= w;
    if (curvatures != null) {
      curvatures[i] *= w;
    }
    return w * v;
  }

  /**
   * The BCE batch kernel: the arithmetic of {@link LogitLossKernel#row} for BCE, operation for
   * operation (so the results are bit-identical). The curvatures are optional (null). Lane-wise by
   * {@link BceLanes#lanes} when that is on, else {@link #bceRows}; the two give the same bits.
   */
  static double bceBatch(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int n) {
    BceLanes lanes = BceLanes.lanes(n);
    if (lanes != null) {
      return lanes.bce(loss, margins, from, labels, weights, derivatives, curvatures, n);
    }
    return bceRows(loss, margins, from, labels, weights, derivatives, curvatures, 0, n, 0.0);
  }

  /**
   * Rows [start, n) of {@link #bceBatch}, their weighted losses added to {@code sum} in row order;
   * in chunks as {@link #rows}, the rest of each row in a loop without data-dependent branches
   * (the tests of null are loop-invariant, so the JIT can unswitch them).
   */
  static double bceRows(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int start, int n, double sum) {
    double eps = loss.labelSmoothing();
    double pw = loss.posWeight();
    KernelScratch s = KernelScratch.get();
    for (int c = start; c < n; c += KernelScratch.CHUNK) {
      int len = Math.min(KernelScratch.CHUNK, n - c);
      expLogPass(margins, c, len, s);
      double[] es = s.rowE;
      double[] invs = s.rowInv;
      double[] l1ps = s.rowL1p;
      for (int k = 0; k < len; k++) {
        int i = c + k;
        double z = margins[i];
        double y = labels[from + i];
        double yp = LabelSmoothing.positive(y, eps);
        double q = LabelSmoothing.negative(y, eps);
        double e = es[k];
        double inv = invs[k];
        double l1p = l1ps[k];
        double ei = e * inv;
        double sigPos = ifNegative(z, ei, inv);
        double sigNeg = ifNegative(z, inv, ei);
        double pwy = pw * yp;
        double b = pwy * (Math.max(-z, 0.0) + l1p) + q * (Math.max(z, 0.0) + l1p);
        double db = q * sigPos - pwy * sigNeg;
        double ddb = curvatures != null ? (q + pwy) * (sigPos * sigNeg) : 0.0;
        if (weights != null) {
          double w = weights[from + i];
          sum += w * b;
          derivatives[i] = db * w;
          if (curvatures != null) {
            curvatures[i] = ddb * w;
          }
        } else {
          sum += b;
          derivatives[i] = db;
          if (curvatures != null) {
            curvatures[i] = ddb;
          }
        }
      }
    }
    return sum;
  }

}
