package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded random problems thrown at the objective layer: rows packed by {@link BlockPacker} (dense
 * and sparse vectors, blocks of one row to all rows, one to three partitions), evaluated by
 * {@link LogitObjective} over {@link BlockAggregator} in a local Spark session. Data: 1–300 rows,
 * 1–20 features of scales 1e-8 to 1e8 with offsets, constant, binary and mostly-zero columns, hard
 * and soft labels, weights from 1e-3 to 1e3 with zeros, and a few low-weight outlier rows whose
 * logits reach 1e3 to 1e6. Parameters: BCE or focal (γ in [0, 20] including 0.25 and 0.5, α),
 * posWeight 1e-3 to 1e6, label smoothing, regParam, elasticNetParam, fitIntercept,
 * standardization; the point has coefficients of scale 0.1 to 3 and sometimes an intercept of
 * ±50 to ±800.
 *
 * <p>Each case asserts:
 *
 * <ul>
 *   <li>the objective and every gradient component are finite, and the weighted loss sum of the
 *       same blocks, aggregated by {@link BlockAggregator} on the driver, is finite and ≥ 0;
 *   <li>the objective equals a reference computed from the definition at the coefficients (β, b)
 *       that {@link LogitObjective#toOriginal} gives for the point, so that it does not depend on
 *       how the optimizer's variables are scaled: margins, penalty and weighted sums in
 *       double-double arithmetic (error ~u²), each row's loss by its own straightforward stable
 *       formula (not {@link LogitLoss}'s kernel). The tolerance N is a first-order forward error
 *       bound of the double computation, doubled: per row the loss formulas' rounding, plus
 *       |ℓ'(z)| times the dot-product bound (d + 2)u(Σ|x_j β_j| + |b| + 2Σ|μ_j β_j|) of the margin
 *       (the last term for the centered intercept), plus (2n + 8)u of the loss sum and (2d + 8)u
 *       of the penalty (u = 2⁻⁵²);
 *   <li>the gradient matches central differences of the reference along up to four coordinate
 *       directions and one random direction e (the reference moves along (β, b) + t·toOriginal(e);
 *       the map is linear), and, every {@value #SELF_CHECK_EVERY}th case, of
 *       {@link LogitObjective} itself along the random direction (each evaluation there is a
 *       Spark job). Differences D(h) at h, h/2, h/4 (h = 2⁻⁷ in the optimizer's variables;
 *       points and steps are dyadic, so x ± h·e is exact) give the Richardson extrapolations
 *       R₁ = (4D(h/2) − D(h))/3 and R₂ = (4D(h/4) − D(h/2))/3. The a-posteriori error estimate of
 *       R₂ is P = |R₁ − R₂| (its truncation error, overestimated) + 6N'/h (the values' rounding
 *       over the step: N' is the reference's own error bound, or N for LogitObjective) + a bound
 *       on the gradient's own rounding ({@link #gradientBound}). A direction is checked only if
 *       P ≤ 10⁻⁶‖g‖‖e‖; otherwise the objective's higher derivatives (γ = 20, posWeight 1e6, huge
 *       logits) or the cancellation in the margins make differences at this step unreliable, and
 *       it is counted as skipped. A checked direction must have |gᵀe − R₂| ≤ 10P. At least three
 *       quarters of the directions against the reference, and a third against LogitObjective
 *       (whose values carry the implementation's larger rounding noise), must be checkable.
 * </ul>
 *
 * <p>The smooth objective excludes the L1 part (OWL-QN handles it), so elasticNetParam &gt; 0 only
 * changes regL2 = λ(1 − a) and every case gets the gradient check. The reference takes σ (for the
 * standardized penalty) from the blocks' summary; {@link #constantFeaturesHaveZeroStd} checks σ
 * where its exact value is known. Case k uses seed {@link #BASE_SEED} + k; failures print the
 * case.
 */
class LogitObjectiveFuzzTest {

  static final long BASE_SEED = 0x0B1EC_7_1FE_0000L;
  static final int CASES = 60;
  static final double U = Math.ulp(1.0);
  static final double STEP = 0x1.0p-7;
  static final double CHECKABLE_REL = 1e-6;
  /** Every this many cases, the gradient is also checked against differences of the objective. */
  static final int SELF_CHECK_EVERY = 5;

  private static SparkSession spark;
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("objective-fuzz");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** One generated problem and the point where the objective is evaluated. */
  record Case(long seed, double[][] x, double[] y, double[] w, boolean sparse, boolean focal,
      double gamma, double alpha, double posWeight, double smoothing, double regParam,
      double elasticNet, boolean fitIntercept, boolean standardization, double blockMB,
      int partitions, double[] point) {

    LogitLoss loss() {
      return focal ? LogitLoss.focal(gamma, alpha, posWeight, smoothing)
          : LogitLoss.bce(posWeight, smoothing);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "seed %d: n=%d d=%d %s, %s, regParam=%s, "
              + "elasticNet=%s, fitIntercept=%s, standardization=%s, blocks of %s MB in %d "
              + "partitions, point %s", seed, y.length, x[0].length, sparse ? "sparse" : "dense",
          loss(), regParam, elasticNet, fitIntercept, standardization, blockMB, partitions,
          Arrays.toString(point));
    }
  }

  static Case generate(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = r.nextInt(4) == 0 ? 1 + r.nextInt(5) : 1 + r.nextInt(300);
    int d = 1 + r.nextInt(20);
    boolean sparse = r.nextBoolean();
    double[][] x = new double[n][d];
    for (int j = 0; j < d; j++) {
      double scale = r.nextInt(4) == 0 ? 1.0 : Math.pow(10, r.nextDouble(-8, 8));
      double offset = !sparse && r.nextInt(3) == 0 ? scale * r.nextDouble(-1e3, 1e3) : 0.0;
      double density = sparse ? r.nextDouble(0.02, 0.5) : 1.0;
      int kind = r.nextInt(6); // 0 constant, 1 binary, else Gaussian
      for (int i = 0; i < n; i++) {
        if (r.nextDouble() >= density) {
          continue;
        }
        x[i][j] = switch (kind) {
          case 0 -> offset + scale;
          case 1 -> r.nextBoolean() ? offset + scale : offset;
          default -> offset + scale * r.nextGaussian();
        };
      }
    }
    double[] y = new double[n];
    boolean soft = r.nextInt(3) == 0;
    double p = r.nextDouble(0.02, 0.98);
    for (int i = 0; i < n; i++) {
      y[i] = soft ? (r.nextInt(5) == 0 ? r.nextInt(2) : r.nextDouble())
          : r.nextDouble() < p ? 1 : 0;
    }
    double[] w = new double[n];
    int weights = r.nextInt(3);
    for (int i = 0; i < n; i++) {
      w[i] = switch (weights) {
        case 0 -> 1.0;
        case 1 -> r.nextInt(5) == 0 ? 0.0 : r.nextDouble(0.0, 3.0);
        default -> r.nextInt(10) == 0 ? 0.0 : Math.pow(10, r.nextDouble(-3, 3));
      };
    }
    if (r.nextInt(3) == 0) { // a few low-weight outliers: huge logits that barely move μ and σ
      for (int k = 0; k < 1 + r.nextInt(3); k++) {
        int i = r.nextInt(n);
        int j = r.nextInt(d);
        x[i][j] += (r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(3, 6))
            * Math.max(Math.abs(x[r.nextInt(n)][j]), Double.MIN_NORMAL);
        w[i] = Math.pow(10, r.nextDouble(-6, -3));
      }
    }
    if (Arrays.stream(w).allMatch(v -> v == 0.0)) {
      w[0] = 1.0;
    }
    boolean focal = r.nextInt(3) != 0;
    double gamma = switch (r.nextInt(6)) {
      case 0 -> 0.0;
      case 1 -> 0.25;
      case 2 -> 0.5;
      case 3 -> new double[] {1.0, 2.0, 20.0}[r.nextInt(3)];
      default -> r.nextDouble(0.0, 20.0);
    };
    double alpha = r.nextInt(3) == 0 ? -1.0
        : r.nextInt(4) == 0 ? r.nextInt(2) : r.nextDouble();
    double posWeight = Math.pow(10, r.nextDouble(-3, 6));
    double smoothing = r.nextBoolean() ? 0.0 : r.nextDouble(0.0, 0.9);
    double regParam = r.nextInt(4) == 0 ? 0.0 : Math.pow(10, r.nextDouble(-6, 1));
    double elasticNet = r.nextInt(3) == 0 ? r.nextDouble() : 0.0;
    boolean fitIntercept = r.nextInt(4) != 0;
    boolean standardization = r.nextBoolean();
    double blockMB = new double[] {1e-4, 1e-3, 1.0}[r.nextInt(3)];
    int partitions = 1 + r.nextInt(3);
    double sx = new double[] {0.1, 1.0, 3.0}[r.nextInt(3)];
    double[] point = new double[d + (fitIntercept ? 1 : 0)];
    for (int j = 0; j < d; j++) {
      point[j] = sx * r.nextGaussian();
    }
    if (fitIntercept) {
      point[d] = r.nextInt(10) == 0 ? (r.nextBoolean() ? 1 : -1) * r.nextDouble(50, 800)
          : 2.0 * r.nextGaussian();
    }
    for (int j = 0; j < point.length; j++) { // multiples of 2^-30: x ± h·e is exact
      point[j] = Math.scalb(Math.rint(Math.scalb(point[j], 30)), -30);
    }
    return new Case(seed, x, y, w, sparse, focal, gamma, alpha, posWeight, smoothing, regParam,
        elasticNet, fitIntercept, standardization, blockMB, partitions, point);
  }

  static List<InstanceBlock> pack(Case c) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < c.y().length; i++) {
      Vector v = Vectors.dense(c.x()[i].clone());
      rows.add(RowFactory.create(c.sparse() ? v.toSparse() : v, c.y()[i], c.w()[i]));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    new BlockPacker("features", "label", "weight", c.blockMB(), false).pack(0, rows.iterator())
        .forEachRemaining(blocks::add);
    return blocks;
  }

  /**
   * The reference objective at coefficients (β, b) in the original feature space, with error
   * bounds.
   *
   * @param value f from the definition, accurate to {@code noise}
   * @param bound bound on |f_double − f| for the implementation's double computation at the
   *     optimizer variables that map to (β, b)
   * @param noise bound on the reference's own error (row losses are rounded to double)
   * @param absDerivative |ℓ'(z_i)| per row (0 for rows of weight 0)
   * @param derivativeSpread per row, how much ℓ' changes over the implementation's margin error
   *     interval z_i ± κ_i: max(|ℓ'(z_i + κ_i) − ℓ'(z_i)|, |ℓ'(z_i − κ_i) − ℓ'(z_i)|)
   * @param weightSum Σw
   * @param maxLogit the largest |z| of a weighted row
   */
  record Reference(double value, double bound, double noise, double[] absDerivative,
      double[] derivativeSpread, double weightSum, double maxLogit) {}

  /**
   * @param betaHi β (high parts)
   * @param betaLo β (low parts, double-double)
   * @param bHi the intercept (high part)
   * @param bLo the intercept (low part)
   */
  static Reference reference(Case c, DataSummary s, double regL2, double[] betaHi,
      double[] betaLo, double bHi, double bLo) {
    int n = c.y().length;
    int d = c.x()[0].length;
    double[] mu = s.mean();
    double[] sigma = s.std();
    LogitLoss lib = c.loss();
    double absShift = 0.0; // Σ|μ_j β_j|: the cancellation in the optimizer's centered intercept
    for (int j = 0; j < d; j++) {
      absShift += Math.abs(mu[j] * betaHi[j]);
    }
    DD lossSum = new DD();
    DD weightSum = new DD();
    double implErr = 0.0;
    double refErr = 0.0;
    double[] absDerivative = new double[n];
    double[] derivativeSpread = new double[n];
    double maxLogit = 0.0;
    for (int i = 0; i < n; i++) {
      double wi = c.w()[i];
      if (wi == 0.0) {
        continue;
      }
      DD z = new DD();
      z.add(bHi, bLo);
      double absDot = 0.0;
      for (int j = 0; j < d; j++) {
        double v = c.x()[i][j];
        if (v != 0.0) {
          z.addProduct(v, betaHi[j], betaLo[j]);
          absDot += Math.abs(v * betaHi[j]);
        }
      }
      double zi = z.value();
      maxLogit = Math.max(maxLogit, Math.abs(zi));
      double[] le = rowLoss(c, zi, c.y()[i]);
      assertTrue(le[0] >= 0.0 && le[0] < Double.POSITIVE_INFINITY, "reference loss " + le[0]);
      double dl = lib.derivative(zi, c.y()[i]);
      absDerivative[i] = Math.abs(dl);
      double terms = absDot + Math.abs(bHi) + 2 * absShift;
      double kappa = (d + 2) * U * terms;
      derivativeSpread[i] = Math.max(Math.abs(lib.derivative(zi + kappa, c.y()[i]) - dl),
          Math.abs(lib.derivative(zi - kappa, c.y()[i]) - dl));
      implErr += wi * (2.0 * le[1] + absDerivative[i] * kappa);
      // z rounded to double, plus double-double's own (d + 2)u² bound
      refErr += wi * (le[1] + absDerivative[i] * (U * Math.abs(zi) + (d + 2) * U * U * terms));
      lossSum.addProduct(wi, le[0], 0.0);
      weightSum.add(wi, 0.0);
    }
    DD penalty = new DD(); // Σ p_j², p_j = β_j σ_j (standardization) or β_j
    for (int j = 0; j < d; j++) {
      double sj = c.standardization() ? sigma[j] : 1.0;
      double ph = betaHi[j] * sj;
      double pl = Math.fma(betaHi[j], sj, -ph) + betaLo[j] * sj;
      penalty.addProduct(ph, ph, 2 * pl);
    }
    double w = weightSum.value();
    double lossD = lossSum.value();
    double loss = lossSum.dividedBy(weightSum);
    double pen = 0.5 * regL2 * penalty.value();
    double bound = implErr / w + (2 * n + 8) * U * lossD / w + (2 * d + 8) * U * pen;
    double noise = refErr / w + 4 * U * (lossD / w + pen);
    return new Reference(loss + pen, bound, noise, absDerivative, derivativeSpread, w, maxLogit);
  }

  /**
   * A bound on the rounding error of the implementation's directional derivative gᵀe, where
   * (δβ, δb) are the coefficients of the direction e and A_i = Σ_j |x_ij δβ_j| + |δb| + 2Σ_j |μ_j
   * δβ_j| bounds |∂z_i/∂e| with its centering: Σ_i w_i [(n + d + 4)u |ℓ'_i| + spread_i] A_i / Σw
   * (rounding of the sums Σ w ℓ' x_j, their centering and the map back to the optimizer's
   * variables; ℓ' evaluated at a margin off by up to κ_i), plus (d + 8)u of the penalty's part.
   */
  static double gradientBound(Case c, DataSummary s, Reference ref, double regL2, double[] beta,
      double[] delta) {
    int n = c.y().length;
    int d = c.x()[0].length;
    double[] mu = s.mean();
    double[] sigma = s.std();
    double common = Math.abs(delta[d]);
    double pen = 0.0;
    for (int j = 0; j < d; j++) {
      common += 2 * Math.abs(mu[j] * delta[j]);
      double sj = c.standardization() ? sigma[j] : 1.0;
      pen += Math.abs(beta[j] * delta[j]) * sj * sj;
    }
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
      if (c.w()[i] == 0.0) {
        continue;
      }
      double a = common;
      for (int j = 0; j < d; j++) {
        a += Math.abs(c.x()[i][j] * delta[j]);
      }
      sum += c.w()[i] * ((n + d + 4) * U * ref.absDerivative()[i] + ref.derivativeSpread()[i]) * a;
    }
    return sum / ref.weightSum() + (d + 8) * U * regL2 * pen;
  }

  /** A double-double accumulator: hi + lo with |lo| ≤ u|hi| after each operation. */
  static final class DD {
    double hi;
    double lo;

    /** this += (h + l) */
    void add(double h, double l) {
      double s = hi + h;
      double bb = s - hi;
      double err = (hi - (s - bb)) + (h - bb);
      renormalize(s, err + lo + l);
    }

    /** this += a·(bh + bl), the product a·bh exact by fma */
    void addProduct(double a, double bh, double bl) {
      double p = a * bh;
      add(p, Math.fma(a, bh, -p) + a * bl);
    }

    /** @return (this / other) rounded to double */
    double dividedBy(DD other) {
      double q = hi / other.hi;
      double r = Math.fma(-q, other.hi, hi) + lo - q * other.lo;
      return q + r / other.hi;
    }

    double value() {
      return hi + lo;
    }

    private void renormalize(double s, double e) {
      hi = s + e;
      lo = e - (hi - s);
    }
  }

  /**
   * A bound on the rounding error of the implementation's directional derivative gᵀe: the sums
   * Σ w ℓ' x_j and their centering, (n + d + 4)u · Σ_i w_i |ℓ'_i| (Σ_j |x_ij e_j| / σ_j + |e_b| +
   * Σ_j |μ_j e_j| / σ_j) / Σw, plus 4u of the penalty's gradient.
   */
  static double gradientBound(Case c, DataSummary s, Reference ref, double regL2, double[] e) {
    int n = c.y().length;
    int d = c.x()[0].length;
    double[] mu = s.mean();
    double[] sigma = s.std();
    double centering = c.fitIntercept() ? Math.abs(e[d]) : 0.0;
    double pen = 0.0;
    for (int j = 0; j < d; j++) {
      if (sigma[j] > 0) {
        centering += Math.abs(mu[j] * e[j]) / sigma[j];
        double scale = c.standardization() ? 1.0 : 1.0 / (sigma[j] * sigma[j]);
        pen += Math.abs(c.point()[j] * e[j]) * scale;
      }
    }
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
      if (ref.absDerivative()[i] == 0.0) {
        continue;
      }
      double a = centering;
      for (int j = 0; j < d; j++) {
        if (sigma[j] > 0) {
          a += Math.abs(c.x()[i][j] * e[j]) / sigma[j];
        }
      }
      sum += c.w()[i] * ref.absDerivative()[i] * a;
    }
    return (n + d + 4) * U * sum / ref.weightSum() + 4 * U * regL2 * pen;
  }

  /**
   * ℓ(z, y) from the definition in {@link LogitLoss}'s javadoc, written independently, and a bound
   * on its own rounding error.
   *
   * @return {value, error bound}
   */
  static double[] rowLoss(Case c, double z, double y) {
    double eps = c.smoothing();
    double yp = y * (1 - eps) + eps / 2;
    double q = (1 - y) * (1 - eps) + eps / 2;
    double b = c.posWeight() * yp * softplus(-z) + q * softplus(z);
    if (!c.focal()) {
      return new double[] {b, 8 * U * b};
    }
    double alphaT = c.alpha() >= 0 ? c.alpha() * yp + (1 - c.alpha()) * q : 1.0;
    if (c.gamma() == 0.0) {
      return new double[] {alphaT * b, 10 * U * alphaT * b};
    }
    double m = yp * sigmoid(-z) + q * sigmoid(z); // 1 − p_t
    if (m >= 1e-200) {
      double v = alphaT * Math.pow(m, c.gamma()) * b;
      return new double[] {v, (16 + 4 * c.gamma()) * U * v};
    }
    double la = yp > 0 ? Math.log(yp) - softplus(z) : Double.NEGATIVE_INFINITY;
    double lc = q > 0 ? Math.log(q) - softplus(-z) : Double.NEGATIVE_INFINITY;
    double hi = Math.max(la, lc);
    double lo = Math.min(la, lc);
    double logM = lo == Double.NEGATIVE_INFINITY ? hi : hi + Math.log1p(Math.exp(lo - hi));
    if (b == 0.0 || alphaT == 0.0) {
      return new double[] {0.0, 0.0};
    }
    double arg = c.gamma() * logM + Math.log(b);
    double v = alphaT * Math.exp(arg);
    return new double[] {v, (16 + 4 * Math.abs(arg)) * U * v};
  }

  static double softplus(double t) {
    return Math.max(t, 0.0) + Math.log1p(Math.exp(-Math.abs(t)));
  }

  static double sigmoid(double t) {
    return t >= 0 ? 1.0 / (1.0 + Math.exp(-t)) : Math.exp(t) / (1.0 + Math.exp(t));
  }

  /** Running totals over all cases, for the summary line. */
  private int dense;
  private int sparse;
  private int wellConditioned;
  private double worstValueRel;
  private double worstValueOfBound;
  private int hugeLogits;
  private final Directions vsReference = new Directions();
  private final Directions vsItself = new Directions();

  /** Directions checked against finite differences, and the worst error relative to ‖g‖‖e‖. */
  static final class Directions {
    int checked;
    int skipped;
    double worst;
  }

  @Test
  void objectiveAndGradientMatchTheDefinitionOnRandomProblems() {
    for (int k = 0; k < CASES; k++) {
      Case c = generate(BASE_SEED + k);
      try {
        check(c, k % SELF_CHECK_EVERY == 0);
      } catch (AssertionError e) {
        fail(c + ": " + e.getMessage(), e);
      }
    }
    System.out.printf(Locale.ROOT, "[numbers] objective fuzz: %d cases (%d dense, %d sparse, %d "
            + "with logits >= 1e3); value vs double-double reference: max rel diff %.2e in the %d "
            + "cases with a bound <= 1e-12 relative, max %.2f of the bound in all; gradient vs "
            + "Richardson differences of the reference: %d directions checked (%d skipped), worst "
            + "rel error %.2e; of LogitObjective itself: %d checked (%d skipped), worst %.2e%n",
        CASES, dense, sparse,
        hugeLogits, worstValueRel, wellConditioned, worstValueOfBound, vsReference.checked,
        vsReference.skipped, vsReference.worst, vsItself.checked, vsItself.skipped,
        vsItself.worst);
    assertTrue(hugeLogits > 0);
    assertTrue(vsReference.checked >= 3 * vsReference.skipped,
        vsReference.checked + " directions checked, " + vsReference.skipped + " skipped");
    assertTrue(2 * vsItself.checked >= vsItself.skipped,
        vsItself.checked + " directions checked, " + vsItself.skipped + " skipped");
    assertTrue(wellConditioned >= CASES / 2, wellConditioned + " well-conditioned cases");
  }

  /**
   * A feature with the same value on every weighted row carries no information and must get σ = 0
   * exactly (then {@link LogitObjective} keeps β = 0), not a rounding residue such as
   * 1e-16·|value|: that would turn it into a feature of standardized values ±O(1) made of rounding
   * noise, or, without an intercept, into logits of order 1/σ.
   */
  @Test
  void constantFeaturesHaveZeroStd() {
    int constantColumns = 0;
    for (int k = 0; k < CASES; k++) {
      Case c = generate(BASE_SEED + k);
      DataSummary s = new DataSummary();
      pack(c).forEach(b -> s.merge(b.summary()));
      double[] sigma = s.std();
      for (int j = 0; j < sigma.length; j++) {
        double first = Double.NaN;
        boolean constant = true;
        for (int i = 0; i < c.y().length && constant; i++) {
          if (c.w()[i] > 0) {
            constant = Double.isNaN(first) || c.x()[i][j] == first;
            first = c.x()[i][j];
          }
        }
        if (constant) {
          constantColumns++;
          assertEquals(0.0, sigma[j], c + ": std of feature " + j + ", constant " + first);
        }
      }
    }
    assertTrue(constantColumns > 0);
  }

  private void check(Case c, boolean selfCheck) {
    if (c.sparse()) {
      sparse++;
    } else {
      dense++;
    }
    List<InstanceBlock> blocks = pack(c);
    DataSummary s = new DataSummary();
    blocks.forEach(b -> s.merge(b.summary()));
    assertFalse(s.hasProblems());
    assertEquals(c.y().length, s.rows() + s.zeroWeightRows());
    JavaRDD<InstanceBlock> rdd = jsc.parallelize(blocks, Math.min(c.partitions(), blocks.size()));
    double regL2 = c.regParam() * (1 - c.elasticNet());
    LogitObjective objective = new LogitObjective(rdd, c.loss(), s, c.fitIntercept(),
        c.standardization(), regL2, 2, 0.0);
    assertEquals(c.point().length, objective.dimension());

    double[] g = new double[c.point().length];
    double f = objective.evaluate(c.point(), g);
    assertTrue(Double.isFinite(f), "objective " + f);
    for (int j = 0; j < g.length; j++) {
      assertTrue(Double.isFinite(g[j]), "gradient[" + j + "] = " + g[j]);
    }
    // The loss part alone, from the same blocks aggregated on the driver.
    int d = s.numFeatures();
    double[] coef = objective.toOriginal(c.point());
    Broadcast<BlockAggregator.Coefficients> bc =
        jsc.broadcast(new BlockAggregator.Coefficients(Arrays.copyOf(coef, d), coef[d]));
    BlockAggregator agg = new BlockAggregator(c.loss(), bc, d, 0.0);
    blocks.forEach(agg::add);
    bc.destroy();
    double lossSum = agg.lossSum();
    assertTrue(lossSum >= 0.0 && lossSum < Double.POSITIVE_INFINITY, "loss sum " + lossSum);
    for (double v : agg.gradientSum()) {
      assertTrue(Double.isFinite(v), "gradient sum " + Arrays.toString(agg.gradientSum()));
    }

    // The reference works in the original space: f(β, b) at the model's coefficients.
    int dim = c.point().length;
    assertTrue(Arrays.stream(objective.toOriginal(new double[dim])).allMatch(v -> v == 0.0),
        "the map from optimizer variables to coefficients must be linear");
    double[] beta = Arrays.copyOf(coef, d);
    Reference ref = reference(c, s, regL2, beta, new double[d], coef[d], 0.0);
    double diff = Math.abs(f - ref.value());
    assertTrue(diff <= 2 * ref.bound(), String.format(Locale.ROOT,
        "objective %.17g, reference %.17g: diff %.3e > 2 × bound %.3e", f, ref.value(), diff,
        ref.bound()));
    if (ref.bound() <= 1e-12 * Math.abs(ref.value())) {
      wellConditioned++;
      worstValueRel = Math.max(worstValueRel, diff / Math.abs(ref.value()));
    }
    if (ref.maxLogit() >= 1e3) {
      hugeLogits++;
    }
    if (ref.bound() > 0) {
      worstValueOfBound = Math.max(worstValueOfBound, diff / ref.bound());
    }

    double gNorm = 0.0;
    for (double v : g) {
      gNorm += v * v;
    }
    gNorm = Math.sqrt(gNorm);
    SplittableRandom r = new SplittableRandom(c.seed() ^ 0x5DEECE66DL);
    List<double[]> directions = new ArrayList<>();
    int[] coords = r.ints(0, g.length).distinct().limit(Math.min(4, g.length)).toArray();
    for (int j : coords) {
      double[] e = new double[g.length];
      e[j] = 1.0;
      directions.add(e);
    }
    double[] random = new double[g.length];
    for (int j = 0; j < random.length; j++) { // multiples of 2^-10 with norm about 1
      random[j] = Math.rint(1024 * r.nextGaussian() / Math.sqrt(random.length)) / 1024;
    }
    directions.add(random);
    for (double[] e : directions) {
      // Along e the coefficients move by t·(δβ, δb), the (linear) image of e.
      double[] delta = objective.toOriginal(e);
      double[] grid = new double[6];
      double[] hi = new double[d];
      double[] lo = new double[d];
      for (int k = 0; k < 6; k++) {
        double t = STEP / (1 << (k / 2)) * (k % 2 == 0 ? 1 : -1);
        for (int j = 0; j < d; j++) {
          hi[j] = beta[j] + t * delta[j]; // t is a power of 2: t·δ is exact
          lo[j] = twoSumError(beta[j], t * delta[j], hi[j]);
        }
        double bHi = coef[d] + t * delta[d];
        grid[k] = reference(c, s, regL2, hi, lo, bHi, twoSumError(coef[d], t * delta[d], bHi))
            .value();
      }
      compare(g, e, grid, 6 * ref.noise() / STEP + gradientBound(c, s, ref, regL2, beta, delta),
          vsReference, "reference");
    }
    if (selfCheck) {
      double[] delta = objective.toOriginal(random);
      double[] grid = new double[6];
      double[] at = new double[random.length];
      double[] scratch = new double[random.length];
      for (int k = 0; k < 6; k++) {
        step(c.point(), random, STEP / (1 << (k / 2)) * (k % 2 == 0 ? 1 : -1), at);
        grid[k] = objective.evaluate(at, scratch);
      }
      compare(g, random, grid,
          6 * ref.bound() / STEP + gradientBound(c, s, ref, regL2, beta, delta), vsItself,
          "LogitObjective");
    }
  }

  /** @return the rounding error of a + b, whose double sum is {@code sum} */
  private static double twoSumError(double a, double b, double sum) {
    double bb = sum - a;
    return (a - (sum - bb)) + (b - bb);
  }

  /** at = x + t·e (exact: x is a multiple of 2^-30, t·e of 2^-19, all below 2^10). */
  private static void step(double[] x, double[] e, double t, double[] at) {
    for (int j = 0; j < x.length; j++) {
      at[j] = x[j] + t * e[j];
    }
  }

  /**
   * Checks gᵀe against the Richardson extrapolations of the central differences in {@code grid}
   * (f(x ± h e), f(x ± h/2 e), f(x ± h/4 e)) when their error estimate allows.
   *
   * @param noise the part of the error estimate not seen in the differences: rounding noise of
   *     the values over the step, and the gradient's own rounding bound
   */
  private static void compare(double[] g, double[] e, double[] grid, double noise,
      Directions stats, String what) {
    double ge = 0.0;
    double norm2 = 0.0;
    double gNorm2 = 0.0;
    for (int j = 0; j < g.length; j++) {
      ge += g[j] * e[j];
      norm2 += e[j] * e[j];
      gNorm2 += g[j] * g[j];
    }
    double scale = Math.sqrt(gNorm2 * norm2);
    if (scale == 0.0) {
      return;
    }
    double d1 = (grid[0] - grid[1]) / (2 * STEP);
    double d2 = (grid[2] - grid[3]) / STEP;
    double d4 = (grid[4] - grid[5]) / (STEP / 2);
    double r1 = (4 * d2 - d1) / 3;
    double r2 = (4 * d4 - d2) / 3;
    double predicted = Math.abs(r1 - r2) + noise;
    if (!(predicted <= CHECKABLE_REL * scale)) {
      stats.skipped++;
      return;
    }
    stats.checked++;
    double err = Math.abs(ge - r2);
    assertTrue(err <= 10 * predicted, String.format(Locale.ROOT,
        "direction %s: gradient %.17g, Richardson differences of the %s %.17g (D(h) %.17g, "
            + "D(h/2) %.17g, D(h/4) %.17g): error %.3e > 10 × estimate %.3e",
        Arrays.toString(e), ge, what, r2, d1, d2, d4, err, predicted));
    stats.worst = Math.max(stats.worst, err / scale);
  }
}
