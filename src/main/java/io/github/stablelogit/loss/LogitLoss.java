package io.github.stablelogit.loss;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * A binary classification loss evaluated on the logit z (the margin βᵀx + b), never on a
 * probability ({@link ProbabilityLoss} scores probabilities with the same parameters).
 *
 * <p><b>Definitions.</b> With ε = labelSmoothing, pw = posWeight and σ the logistic function:
 *
 * <ul>
 *   <li>Smoothed label ({@link LabelSmoothing}): y' = y(1−ε) + ε/2. Labels may be soft, anywhere
 *       in [0, 1].
 *   <li>BCE: ℓ(z, y) = −[pw·y'·log σ(z) + (1−y')·log(1−σ(z))], as PyTorch's {@code
 *       BCEWithLogitsLoss(pos_weight=pw)}.
 *   <li>Focal (Lin et al., 2017, "Focal Loss for Dense Object Detection"): ℓ(z, y) = −α_t (1−p_t)^γ
 *       [pw·y'·log σ(z) + (1−y')·log(1−σ(z))], with p_t = σ(z)y' + (1−σ(z))(1−y'), α_t = αy' +
 *       (1−α)(1−y') when α ≥ 0 and α_t = 1 when α &lt; 0 — the conventions of {@code
 *       torchvision.ops.sigmoid_focal_loss}. With γ = 0 and α &lt; 0 it is exactly BCE; 0^0 = 1.
 * </ul>
 *
 * <p><b>Numerics.</b> Everything is computed from z in forms that neither overflow nor cancel:
 * −log σ(z) = softplus(−z), −log(1−σ(z)) = softplus(z), and 1−p_t = y'·σ(−z) + (1−y')·σ(z), a sum
 * of non-negative terms instead of a difference. The focal derivative is analytic,
 *
 * <pre>
 *   dℓ/dz = α_t m^γ [γ (m'/m) B + B'],   m = 1−p_t,  m'/m = (1−2y') / (y'/σ(z) + (1−y')/σ(−z)),
 *   B = pw·y'·softplus(−z) + (1−y')·softplus(z),   B' = (1−y')σ(z) − pw·y'·σ(−z),
 * </pre>
 *
 * so the factor m^(γ−1), which is unbounded for γ &lt; 1 as m → 0, never appears on its own. When
 * m^γ would underflow while B is large, the product is formed in log space.
 *
 * <p><b>Second derivative</b> ({@link #secondDerivative}, the per-row weight of a Newton step's
 * Hessian XᵀDX). With B'' = (pw·y' + 1 − y')·σ(z)σ(−z) and m'' = m'·(σ(−z) − σ(z)),
 *
 * <pre>
 *   BCE:    d²ℓ/dz² = B'' ≥ 0,
 *   focal:  d²ℓ/dz² = α_t [γ(γ−1) m^(γ−2) m'² B + γ m^(γ−1) m'' B + 2γ m^(γ−1) m' B' + m^γ B'']
 *                   = α_t m^γ [γ r ((γ−1) r B + (σ(−z) − σ(z)) B + 2B') + B''],   r = m'/m.
 * </pre>
 *
 * The second line is what is evaluated: the powers of m are combined into m^γ before anything is
 * computed and |r| ≤ |1−2y'| ≤ 1, so m^(γ−2)·m'², unbounded factor times vanishing factor for
 * 0 &lt; γ &lt; 1 as m → 0 (hard labels, saturated logits), is never formed. Focal loss is not
 * convex: its curvature is negative e.g. at wrong-side saturated logits, where ℓ ≈ pw·|z|·(1 −
 * γσ(−|z|)) gives ℓ'' ≈ −γ·pw·|z|·σ(−|z|). BCE and γ = 0 curvatures are one non-negative product.
 *
 * <p>For every finite logit, labels in [0, 1], γ ≥ 0, α &lt; 0 or in [0, 1] and pw &gt; 0 the
 * value, derivative and second derivative are finite and never NaN.
 *
 * <p>Instances are immutable, thread-safe and {@link Serializable}; they carry no Spark types.
 */
public final class LogitLoss implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The loss names {@link #of} accepts, in lower case: "bce" and "focal". */
  public static final List<String> SUPPORTED = List.of("bce", "focal");

  private final boolean focal;
  private final double gamma;
  private final double alpha;
  private final double posWeight;
  private final double labelSmoothing;
  /**
   * m at or above which m^γ is a normal number, {@link LogitLossKernel#directPowFloor}; derived
   * from γ, so not serialized.
   */
  private final transient double directPowFloor;

  private LogitLoss(
      boolean focal, double gamma, double alpha, double posWeight, double labelSmoothing) {
    checkArgument(posWeight > 0 && posWeight < Double.POSITIVE_INFINITY,
        "posWeight", posWeight, "a finite number > 0");
    LabelSmoothing.checked(labelSmoothing);
    checkArgument(gamma >= 0 && gamma < Double.POSITIVE_INFINITY,
        "focalGamma", gamma, "a finite number >= 0");
    checkArgument(alpha <= 1 && alpha > Double.NEGATIVE_INFINITY,
        "focalAlpha", alpha, "in [0, 1], or < 0 for no class weighting (alpha_t = 1)");
    this.focal = focal;
    this.gamma = gamma;
    this.alpha = alpha;
    this.posWeight = posWeight;
    this.labelSmoothing = labelSmoothing;
    this.directPowFloor = LogitLossKernel.directPowFloor(gamma);
  }

  /**
   * Binary cross-entropy on logits.
   *
   * @param posWeight weight pw &gt; 0 of the positive-class term (1 = plain BCE)
   * @param labelSmoothing ε in [0, 1); labels become y(1−ε) + ε/2
   * @return the loss
   * @throws IllegalArgumentException if a parameter is outside its range or NaN
   */
  public static LogitLoss bce(double posWeight, double labelSmoothing) {
    return new LogitLoss(false, 0.0, -1.0, posWeight, labelSmoothing);
  }

  /**
   * Sigmoid focal loss on logits.
   *
   * @param gamma focusing parameter γ ≥ 0 (0 &lt; γ &lt; 1 allowed)
   * @param alpha class balance α in [0, 1], or any α &lt; 0 for α_t = 1
   * @param posWeight weight pw &gt; 0 of the positive-class term inside the cross-entropy
   * @param labelSmoothing ε in [0, 1)
   * @return the loss
   * @throws IllegalArgumentException if a parameter is outside its range or NaN
   */
  public static LogitLoss focal(
      double gamma, double alpha, double posWeight, double labelSmoothing) {
    return new LogitLoss(true, gamma, alpha, posWeight, labelSmoothing);
  }

  /**
   * The loss named {@code name}, the one place that maps a loss name and parameters to a loss.
   *
   * @param name "bce" or "focal" ({@link #SUPPORTED}), case-insensitive, surrounding blanks ignored
   * @param gamma γ, used by focal only
   * @param alpha α, used by focal only
   * @param posWeight pw
   * @param labelSmoothing ε
   * @return {@link #bce bce(posWeight, labelSmoothing)} or {@link #focal focal(gamma, alpha,
   *     posWeight, labelSmoothing)}
   * @throws IllegalArgumentException if the name is not supported or a parameter the loss uses is
   *     outside its range
   */
  public static LogitLoss of(
      String name, double gamma, double alpha, double posWeight, double labelSmoothing) {
    return checkName(name).equals("focal")
        ? focal(gamma, alpha, posWeight, labelSmoothing)
        : bce(posWeight, labelSmoothing);
  }

  /**
   * Whether the batch kernel ({@link #valueAndDerivatives}) evaluates several rows at a time with
   * {@code jdk.incubator.vector} in this JVM now: with {@code -Dstablelogit.kernel.lanes=always}
   * from the start, by default once its warm-up found it faster than the scalar loops. Code
   * around the kernel with a lane-wise form of its own (the gradient product of dense chunks)
   * uses it only where the kernel is lane-wise from the start, never switching to it mid-run, where
   * a cold vector path ran as boxed objects for many evaluations. Either way every result has the
   * same bits.
   *
   * @return whether the lane-wise kernel is in use
   */
  public static boolean laneWise() {
    return BceLanes.active();
  }

  /**
   * Validates a loss name.
   *
   * @param name a loss name, case-insensitive, surrounding blanks ignored
   * @return the name as in {@link #SUPPORTED}
   * @throws IllegalArgumentException "loss must be one of [bce, focal], but was 'x'" otherwise
   */
  public static String checkName(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    if (!SUPPORTED.contains(n)) {
      throw new IllegalArgumentException(
          "loss must be one of " + SUPPORTED + ", but was '" + name + "'");
    }
    return n;
  }

  /** @return the name of the loss, "bce" or "focal" (an element of {@link #SUPPORTED}) */
  public String name() {
    return focal ? "focal" : "bce";
  }

  /** @return true for focal loss, false for BCE */
  public boolean isFocal() {
    return focal;
  }

  /** @return γ (0 for BCE) */
  public double gamma() {
    return gamma;
  }

  /** @return α (negative, meaning α_t = 1, for BCE) */
  public double alpha() {
    return alpha;
  }

  /** @return the positive-class weight pw */
  public double posWeight() {
    return posWeight;
  }

  /** @return the label smoothing ε */
  public double labelSmoothing() {
    return labelSmoothing;
  }

  /**
   * The unweighted loss of one row.
   *
   * @param logit the margin z, any finite double
   * @param label y in [0, 1]
   * @return ℓ(z, y) ≥ 0
   */
  public double value(double logit, double label) {
    return LogitLossKernel.row(this, logit, label, new double[1], null, 0);
  }

  /**
   * The derivative of the unweighted loss of one row with respect to the logit.
   *
   * @param logit the margin z, any finite double
   * @param label y in [0, 1]
   * @return dℓ/dz
   */
  public double derivative(double logit, double label) {
    double[] d = new double[1];
    LogitLossKernel.row(this, logit, label, d, null, 0);
    return d[0];
  }

  /**
   * The second derivative of the unweighted loss of one row with respect to the logit, the row's
   * contribution (before its weight) to the Hessian XᵀDX of a Newton step.
   *
   * <p>BCE: ℓ'' = B'' = (pw·y' + 1 − y')·σ(z)σ(−z) ≥ 0. Focal: ℓ'' = α_t m^γ [γ r ((γ−1) r B +
   * (σ(−z) − σ(z)) B + 2B') + B''] with m, r = m'/m, B and B' as in the class documentation; it is
   * negative where focal loss is concave. Finite for every finite logit.
   *
   * @param logit the margin z, any finite double
   * @param label y in [0, 1]
   * @return d²ℓ/dz²
   */
  public double secondDerivative(double logit, double label) {
    double[] c = new double[1];
    LogitLossKernel.row(this, logit, label, new double[1], c, 0);
    return c[0];
  }

  /**
   * The batch kernel: for i in [0, n), {@code derivatives[i] = w_i · dℓ/dz(margins[i], labels[i])},
   * and the return value is Σ w_i ℓ(margins[i], labels[i]). No allocation.
   *
   * @param margins logits z_i
   * @param labels labels y_i in [0, 1]
   * @param weights instance weights w_i ≥ 0, or null for all 1
   * @param derivatives output; may be the same array as {@code margins}
   * @param n number of rows
   * @return the weighted loss sum
   */
  public double valueAndDerivatives(
      double[] margins, double[] labels, double[] weights, double[] derivatives, int n) {
    return valueAndDerivatives(margins, 0, labels, weights, derivatives, n);
  }

  /**
   * The batch kernel on a range of rows: for i in [0, n), {@code derivatives[i] = w · dℓ/dz} at
   * margin {@code margins[i]} with label {@code labels[from + i]} and weight {@code weights[from +
   * i]}; the return value is the weighted loss sum. No allocation.
   *
   * @param margins logits z_i, indexed from 0
   * @param from index in {@code labels} and {@code weights} of the first row
   * @param labels labels in [0, 1]
   * @param weights instance weights ≥ 0, or null for all 1
   * @param derivatives output, indexed from 0; may be the same array as {@code margins}
   * @param n number of rows
   * @return the weighted loss sum
   */
  public double valueAndDerivatives(double[] margins, int from, double[] labels, double[] weights,
      double[] derivatives, int n) {
    if (!focal) {
      return KernelChunks.bceBatch(this, margins, from, labels, weights, derivatives, null, n);
    }
    return KernelChunks.focalBatch(this, margins, from, labels, weights, derivatives, null, n);
  }

  /**
   * The batch kernel of a Newton (Hessian) pass: value and derivatives bit for bit as {@link
   * #valueAndDerivatives(double[], int, double[], double[], double[], int)}, and for i in [0, n)
   * {@code curvatures[i] = w · d²ℓ/dz²} ({@link #secondDerivative}) at margin {@code margins[i]}
   * with label {@code labels[from + i]} and weight {@code weights[from + i]}. Focal curvatures may
   * be negative. No allocation.
   *
   * @param margins logits z_i, indexed from 0
   * @param from index in {@code labels} and {@code weights} of the first row
   * @param labels labels in [0, 1]
   * @param weights instance weights ≥ 0, or null for all 1
   * @param derivatives output w·ℓ', indexed from 0; may be the same array as {@code margins}
   * @param curvatures output w·ℓ'', indexed from 0; may be the same array as {@code margins}, not
   *     as {@code derivatives}
   * @param n number of rows
   * @return the weighted loss sum Σ w ℓ
   */
  public double valueDerivativesAndCurvatures(double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int n) {
    if (!focal) {
      return KernelChunks.bceBatch(this, margins, from, labels, weights, derivatives,
          curvatures, n);
    }
    return KernelChunks.focalBatch(this, margins, from, labels, weights, derivatives,
        curvatures, n);
  }

  /**
   * The batch kernel for rows that carry a second weight (e.g. validation weights beside training
   * weights): derivatives and the returned sum as {@link #valueAndDerivatives(double[], int,
   * double[], double[], double[], int)} with {@code weights}, and Σ otherWeights_i ℓ_i written to
   * {@code otherSum[0]} — bit for bit what a second call with {@code otherWeights} would return, at
   * the cost of computing each row's loss once. No allocation.
   *
   * @param margins logits z_i, indexed from 0
   * @param from index in {@code labels}, {@code weights} and {@code otherWeights} of the first row
   * @param labels labels in [0, 1]
   * @param weights instance weights ≥ 0 for the derivatives and the returned sum
   * @param otherWeights second weights ≥ 0
   * @param otherSum output: element 0 receives the sum under {@code otherWeights}
   * @param derivatives output, indexed from 0; may be the same array as {@code margins}
   * @param n number of rows
   * @return the weighted loss sum under {@code weights}
   */
  public double valueAndDerivatives(double[] margins, int from, double[] labels, double[] weights,
      double[] otherWeights, double[] otherSum, double[] derivatives, int n) {
    return KernelChunks.rows(this, margins, from, labels, weights, otherWeights, otherSum,
        derivatives, null, n);
  }

  /**
   * The focal class weight α_t = α·y' + (1−α)(1−y'), or 1 when α &lt; 0 (no class weighting).
   *
   * @param yp the smoothed label y'
   * @param q 1 − y', formed by {@link LabelSmoothing#negative}
   * @return α_t
   */
  double classWeight(double yp, double q) {
    return alpha >= 0 ? alpha * yp + (1.0 - alpha) * q : 1.0;
  }

  /** @return m at or above which the kernel forms m^γ directly, not in log space */
  double directPowFloor() {
    return directPowFloor;
  }

  /** Re-creates the instance after deserialization, so derived fields are set and checked. */
  private Object readResolve() {
    return new LogitLoss(focal, gamma, alpha, posWeight, labelSmoothing);
  }

  private static void checkArgument(boolean ok, String name, double value, String range) {
    if (!ok) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "%s must be %s, but was %s", name, range, value));
    }
  }

  @Override
  public String toString() {
    return focal
        ? String.format(Locale.ROOT, "focal(gamma=%s, alpha=%s, posWeight=%s, labelSmoothing=%s)",
            gamma, alpha, posWeight, labelSmoothing)
        : String.format(Locale.ROOT, "bce(posWeight=%s, labelSmoothing=%s)", posWeight,
            labelSmoothing);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LogitLoss)) {
      return false;
    }
    LogitLoss other = (LogitLoss) o;
    return focal == other.focal
        && Double.compare(gamma, other.gamma) == 0
        && Double.compare(alpha, other.alpha) == 0
        && Double.compare(posWeight, other.posWeight) == 0
        && Double.compare(labelSmoothing, other.labelSmoothing) == 0;
  }

  @Override
  public int hashCode() {
    int h = Boolean.hashCode(focal);
    h = 31 * h + Double.hashCode(gamma);
    h = 31 * h + Double.hashCode(alpha);
    h = 31 * h + Double.hashCode(posWeight);
    return 31 * h + Double.hashCode(labelSmoothing);
  }
}
