package io.github.stablelogit.loss;

/**
 * Double-double (compensated) summation, the one implementation used for every sum whose result
 * must not depend on how Spark groups and merges partial results (the training objective and
 * gradient, the evaluator's loss and weight sums).
 *
 * <p><b>Layout.</b> Static methods over a plain {@code double[]} holding n sums side by side, sum k
 * as the pair (hi, lo) at indices 2k and 2k + 1: no object per sum, so a gradient of d components
 * is one array and adding to it allocates nothing.
 *
 * <p><b>Arithmetic.</b> Adding x to sum k is Knuth's error-free two-sum: hi ← fl(hi + x), and the
 * exact rounding error of that addition is added to lo in plain double. Merging adds the other
 * lo to lo, then the other hi by a two-sum. This is Ogita, Rump and Oishi's Sum2 ("Accurate sum
 * and dot product", SIAM J. Sci. Comput. 26, 2005): the value hi + lo of n terms x_i is the exact
 * sum S rounded, up to |δ| ≤ γ²_{n−1} Σ|x_i| with γ_n = nu/(1 − nu), u = 2⁻⁵³. For sums of
 * non-negative terms (losses, weights) that is a relative error u + O(n²u²), and for
 * any data with Σ|x_i|/|S| ≪ 1/(n²u) it is the correctly rounded S: the result does not depend
 * on the order of the terms or of the merges, short of S lying within δ of a rounding boundary.
 * lo is deliberately not renormalized into hi after each addition: that would cost three more
 * operations per addition, and the training objective's bits, which refits must reproduce, are
 * defined by this arithmetic.
 *
 * <p><b>Non-finite terms and overflow.</b> The result follows the plain floating-point sum: once
 * hi is ±∞ or NaN it stays so (∞ + finite = ∞, ∞ − ∞ = NaN, NaN absorbs everything) and lo is
 * set to 0. Without that guard the error term of a two-sum whose sum overflows is (a − (∞ − ∞)),
 * NaN, so an overflowing sum of finite positive losses would read as NaN, which callers take for
 * "undefined" (e.g. "no validation rows") rather than "too large". With a finite rounded sum the
 * guard never triggers, and no intermediate of the two-sum overflows (Boldo, Graillat and Muller,
 * "On the robustness of the 2Sum and Fast2Sum algorithms", ACM TOMS 44, 2017), so finite results
 * are unaffected by it.
 */
public final class CompensatedSum {

  private CompensatedSum() {}

  /**
   * New sums, all zero.
   *
   * @param n how many sums
   * @return an array of 2n zeros: n sums in the layout of this class
   */
  public static double[] zeros(int n) {
    return new double[2 * n];
  }

  /**
   * Adds a term to sum k.
   *
   * @param sums the sums
   * @param k which sum
   * @param x the term, any double
   */
  public static void add(double[] sums, int k, double x) {
    int i = 2 * k;
    double a = sums[i];
    double s = a + x;
    if (!Double.isFinite(s)) {
      // Overflow, or a non-finite term: keep the IEEE sum (see the class comment).
      sums[i] = s;
      sums[i + 1] = 0.0;
      return;
    }
    // Two-sum: (a − (s − bb)) + (x − bb) is exactly a + x − s, whatever the magnitudes.
    double bb = s - a;
    sums[i] = s;
    sums[i + 1] += (a - (s - bb)) + (x - bb);
  }

  /**
   * Adds the terms of {@code xs} to the sums 0..n−1 (term j to sum j).
   *
   * @param sums the sums, at least n of them
   * @param xs the terms
   * @param n how many terms
   */
  public static void addAll(double[] sums, double[] xs, int n) {
    for (int k = 0; k < n; k++) {
      add(sums, k, xs[k]);
    }
  }

  /**
   * Merges other sums into these, sum by sum.
   *
   * @param sums the sums to add to
   * @param other sums of the same count
   */
  public static void merge(double[] sums, double[] other) {
    for (int i = 0; i < other.length; i += 2) {
      // The other's error part first: it is small, and the two-sum of the high parts then
      // captures the rounding of the only large addition exactly.
      sums[i + 1] += other[i + 1];
      add(sums, i / 2, other[i]);
    }
  }

  /**
   * The value of sum k.
   *
   * @param sums the sums
   * @param k which sum
   * @return hi + lo, rounded once
   */
  public static double value(double[] sums, int k) {
    return sums[2 * k] + sums[2 * k + 1];
  }
}
