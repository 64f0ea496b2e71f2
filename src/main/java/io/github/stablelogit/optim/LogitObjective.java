package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * The training objective as a differentiable function of the optimizer's variables, evaluated over
 * cached blocks in one Spark job per evaluation ({@link #pass}):
 *
 * <pre>
 *   f = (1/Σw) Σ w_i ℓ(z_i, y_i) + λ(1−a)/2 · Σ_j p_j²,   z_i = βᵀx_i + b
 * </pre>
 *
 * where p_j is the standardized coefficient β_jσ_j when {@code standardization} is on and β_j
 * otherwise (Spark's LogisticRegression convention). The L1 part λa·Σ|p_j| is left to OWL-QN, which
 * receives the per-coordinate weights from {@link #l1Weights}.
 *
 * <p>The optimizer works in standardized space for conditioning, without a scaled copy of the data:
 * its variables are γ_j = β_jσ_j (then β_j = γ_j/σ_j is what the blocks see) and, with an
 * intercept, the intercept of virtually centered features b̃ = b + Σ μ_jβ_j. Features with σ_j = 0
 * carry no information and keep β_j = 0, as in Spark.
 *
 * <p>With the penalty on raw coefficients ({@code standardization} off) the L2 term's curvature in
 * γ_j is λ/σ_j², which for features on scales from 1e-3 to 1e3 spans twelve orders of magnitude and
 * stalls L-BFGS. There the variables are additionally scaled, x_j = γ_j·s_j with
 * s_j = √(1 + λ/σ_j²), so that every coordinate's curvature (loss ≲ 1 in standardized space, plus
 * the penalty) is of order one: a fixed diagonal preconditioner. With standardization on, s_j = 1.
 *
 * <p>Each evaluation is one Spark job. It reads the cached blocks in about one task per core
 * ({@link ExecutorGroups}: several cached partitions of the same executor per task, on that
 * executor) instead of one task per cached partition: Spark's cost per task and the tree's extra
 * stage above four partitions otherwise dominate small evaluations (in local mode an empty
 * treeAggregate over 200 cached partitions takes ≈ 0.3 s, over two ≈ 10 ms). The sums do not
 * depend on that grouping ({@link BlockAggregator}).
 */
public final class LogitObjective implements HessianObjective {

  /** The cached blocks, one per partition. */
  private final JavaRDD<InstanceBlock> blocks;
  private final JavaSparkContext jsc;
  private final LogitLoss loss;
  private final int numFeatures;
  private final LinearCoordinates coordinates;
  private final int aggregationDepth;
  private final double validationWeightSum;
  private final double rawThreshold;
  private int evaluations;
  private int lastTasks;
  private Evaluation last;
  /** Per-row values, derivatives and curvatures for Hessian passes; null without one. */
  private CurvatureKernel curvature;
  private int hessianEvaluations;
  /** The optimizer variables of the last Hessian pass, and its G (see {@link #gramAt}). */
  private double[] lastGramX;
  private double[] lastGram;
  /** The shared rounds of this objective's passes ({@link #passingThrough}), or null. */
  private LockstepPasses lockstep;
  private int excludedFold = -1;

  /**
   * What one pass over the blocks measured besides the objective and gradient.
   *
   * @param x the optimizer variables evaluated
   * @param objective the smooth objective
   * @param validationLoss weighted mean loss on validation rows (NaN without validation rows)
   * @param predictedPositiveFraction share of training weight with σ(z) above the threshold
   */
  public record Evaluation(double[] x, double objective, double validationLoss,
      double predictedPositiveFraction) {}

  /**
   * @param blocks cached training blocks
   * @param loss the loss
   * @param summary statistics of the blocks
   * @param fitIntercept whether the model has an intercept
   * @param standardization whether the penalty applies to standardized coefficients
   * @param regL2 λ(1−a)
   * @param aggregationDepth treeAggregate depth
   * @param rawThreshold decision threshold on the margin, for the predicted-positive diagnostic
   */
  public LogitObjective(JavaRDD<InstanceBlock> blocks, LogitLoss loss, DataSummary summary,
      boolean fitIntercept, boolean standardization, double regL2, int aggregationDepth,
      double rawThreshold) {
    this.blocks = blocks;
    this.jsc = JavaSparkContext.fromSparkContext(blocks.context());
    this.loss = loss;
    this.numFeatures = summary.numFeatures();
    this.coordinates = new LinearCoordinates(summary, fitIntercept, standardization, regL2);
    this.aggregationDepth = aggregationDepth;
    this.validationWeightSum = summary.validationWeightSum();
    this.rawThreshold = rawThreshold;
  }

  /**
   * The measurements of the pass at {@code x}: those of the last evaluation when it was at the same
   * point (the optimizer's accepted point usually is), otherwise one more pass.
   *
   * @param x optimizer variables
   * @return the evaluation at x
   */
  public Evaluation evaluationAt(double[] x) {
    if (last == null || !java.util.Arrays.equals(last.x(), x)) {
      evaluate(x, new double[x.length]);
    }
    return last;
  }

  /** @return how many tasks the last evaluation ran (the next one's plan before the first) */
  public int evaluationTasks() {
    return lastTasks > 0 ? lastTasks : ExecutorGroups.tasks(blocks, jsc).getNumPartitions();
  }

  /** @return the number of optimizer variables: d, plus 1 with an intercept */
  public int dimension() {
    return coordinates.dimension();
  }

  @Override
  public double validationLoss(double[] x) {
    return hasValidation() ? evaluationAt(x).validationLoss() : Double.NaN;
  }

  /** @return whether the blocks hold validation rows */
  public boolean hasValidation() {
    return validationWeightSum > 0;
  }

  /** @return how many times the objective was evaluated (one pass over the blocks each) */
  @Override
  public int evaluations() {
    return evaluations;
  }

  /**
   * Per-variable L1 weights for OWL-QN: λa for standardized coefficients, λa/(σ_j·s_j) when the
   * penalty is on the original coefficients (|β_j| = |x_j|/(σ_j·s_j)), and 0 for the intercept and
   * constant features.
   *
   * @param regL1 λa
   * @return weights, one per optimizer variable
   */
  @Override
  public double[] l1Weights(double regL1) {
    return coordinates.l1Weights(regL1);
  }

  @Override
  public double[] penaltyCurvature() {
    return coordinates.penaltyCurvature();
  }


  /**
   * Maps optimizer variables to coefficients in the original space.
   *
   * @param x optimizer variables
   * @return d coefficients followed by the intercept (0 without one)
   */
  public double[] toOriginal(double[] x) {
    return coordinates.toOriginal(x);
  }


  /**
   * Maps coefficients in the original space to optimizer variables: the inverse of {@link
   * #toOriginal} (a warm start from a model). Coefficients of constant features (σ_j = 0), which
   * the optimizer keeps at 0, are dropped, and the intercept without {@code fitIntercept}.
   *
   * @param coef d coefficients followed by the intercept
   * @return optimizer variables, length {@link #dimension()}
   */
  public double[] fromOriginal(double[] coef) {
    return coordinates.fromOriginal(coef);
  }


  /**
   * Whether the same optimizer variables give the same coefficients in both objectives (the same
   * statistics, intercept and preconditioning; the L2 weight changes the preconditioning only
   * when the penalty is on the original coefficients). Then a fit warm-started at where a fit of
   * {@code other} ended can start at its variables exactly, instead of at their round trip through
   * the original coefficients.
   *
   * @param other another objective
   * @return whether x means the same model in both
   */
  public boolean sameVariables(LogitObjective other) {
    return coordinates.sameMapping(other.coordinates);
  }

  /**
   * Evaluates the smooth part of the objective.
   *
   * @param x optimizer variables
   * @param gradient output, same length
   * @return the objective value (without the L1 part)
   */
  @Override
  public double evaluate(double[] x, double[] gradient) {
    evaluations++;
    BlockAggregator agg = pass(x, bc -> new BlockAggregator(loss, bc, numFeatures, rawThreshold),
        BlockAggregator::add, BlockAggregator::merge);
    double value = coordinates.valueAndGradient(x, agg.gradientSum(), agg.lossSum(), gradient);
    last = new Evaluation(x.clone(), value,
        validationWeightSum > 0 ? agg.validationLossSum() / validationWeightSum : Double.NaN,
        agg.predictedPositiveWeight() / coordinates.weightSum());
    return value;
  }

  // ---- Second-order: the Hessian pass (HessianAggregator) for NewtonMinimizer and inference ----

  /**
   * An objective that can also give its Hessian ({@link #evaluateWithHessian}).
   *
   * @param blocks cached training blocks
   * @param loss the loss
   * @param curvature the loss's per-row values, derivatives and curvatures (production code:
   *     {@code loss::valueDerivativesAndCurvatures}); its values and derivatives must be bit for
   *     bit those of {@code loss.valueAndDerivatives}
   * @param summary statistics of the blocks
   * @param fitIntercept whether the model has an intercept
   * @param standardization whether the penalty applies to standardized coefficients
   * @param regL2 λ(1−a)
   * @param aggregationDepth treeAggregate depth
   * @param rawThreshold decision threshold on the margin, for the predicted-positive diagnostic
   */
  public LogitObjective(JavaRDD<InstanceBlock> blocks, LogitLoss loss, CurvatureKernel curvature,
      DataSummary summary, boolean fitIntercept, boolean standardization, double regL2,
      int aggregationDepth, double rawThreshold) {
    this(blocks, loss, summary, fitIntercept, standardization, regL2, aggregationDepth,
        rawThreshold);
    this.curvature = java.util.Objects.requireNonNull(curvature, "curvature");
  }

  /** @return how many Hessian passes ran (each one pass over the blocks, not in evaluations()) */
  @Override
  public int hessianEvaluations() {
    return hessianEvaluations;
  }

  /**
   * One Hessian pass: a Spark job ({@link HessianAggregator} over the tasks of {@link
   * ExecutorGroups}, as {@link #evaluate}) at the coefficients of {@code x}. Remembers G and
   * the diagnostics of the pass ({@link #evaluationAt} needs no further pass at x).
   */
  private HessianAggregator gramPass(double[] x) {
    if (curvature == null) {
      throw new IllegalStateException("this LogitObjective has no curvature kernel: construct it "
          + "with one to evaluate Hessians");
    }
    hessianEvaluations++;
    HessianAggregator agg = pass(x,
        bc -> new HessianAggregator(curvature, bc, numFeatures, rawThreshold),
        HessianAggregator::add, HessianAggregator::merge);
    lastGramX = x.clone();
    lastGram = agg.gram();
    return agg;
  }

  /** @return G = Σ c_i x̃_i x̃_iᵀ at x ((d+1)², row-major): the last pass's, or a new pass */
  private double[] gramAt(double[] x) {
    if (lastGramX == null || !java.util.Arrays.equals(lastGramX, x)) {
      gramPass(x);
    }
    return lastGram;
  }

  /**
   * Evaluates the objective, its gradient and its Hessian in the optimizer's variables in one pass
   * over the blocks. Value and gradient are bit for bit those of {@link #evaluate} at x (the same
   * sums and the same arithmetic on them). With θ = (β, b) = J x the linear map of
   * {@link #toOriginal} and G the Gram matrix of {@link HessianAggregator},
   *
   * <pre>
   *   H = Jᵀ (G / W) J + diag(λ · (∂p_j/∂x_j)²)
   * </pre>
   *
   * where W = Σw and p_j the penalized coefficient (∂p_j/∂x_j = 1/s_j standardized, 1/(s_jσ_j)
   * otherwise). J is the identity scaled by 1/(s_jσ_j) on the coefficients plus, with an
   * intercept, the row b = x_d − Σ μ_jβ_j; so the loss part is the Gram of the centered rows,
   * (G_jk − μ_j G_kd − μ_k G_jd + μ_jμ_k G_dd)/(W s_jσ_j s_kσ_k), formed on the driver from the
   * uncentered sums (rounding relative to an entry grows like (1 + |μ|/σ)²·ε). Constant features
   * (σ_j = 0, β_j fixed at 0) get a unit diagonal and zeros elsewhere, so H stays invertible.
   *
   * @param x optimizer variables, n = {@link #dimension()}
   * @param gradient output, length n
   * @param hessian output, n×n row-major, symmetric
   * @return the objective value (without the L1 part)
   */
  @Override
  public double evaluateWithHessian(double[] x, double[] gradient, double[] hessian) {
    HessianAggregator agg = gramPass(x);
    double[] sums = agg.gradientSum();
    double value = coordinates.valueAndGradient(x, sums, agg.lossSum(), gradient);
    last = new Evaluation(x.clone(), value,
        validationWeightSum > 0 ? agg.validationLossSum() / validationWeightSum : Double.NaN,
        agg.predictedPositiveWeight() / coordinates.weightSum());
    coordinates.hessian(lastGram, hessian);
    return value;
  }

  /**
   * The Hessian of the penalized objective with respect to the original coefficients (β, b),
   * scaled by W = Σw (a sum over rows, not a mean):
   *
   * <pre>
   *   G + W · diag(λσ_j² standardized, λ otherwise; 0 for b)
   * </pre>
   *
   * (d + 1)×(d + 1), row-major, b last. For BCE without penalty this is the observed Fisher
   * information Σ w σ(z)σ(−z) x̃x̃ᵀ, and its inverse the usual asymptotic covariance of (β, b) when
   * w are frequency weights (with a penalty, the inverse is the covariance of the penalized
   * estimate's quadratic approximation; for focal loss only the positive part of each row's
   * curvature enters, see {@link HessianAggregator}). Fixed coefficients (constant features, and b
   * without an intercept) get a zero row and column with a unit diagonal so the matrix stays
   * invertible: their entries of the inverse are meaningless and must be reported as 0.
   *
   * <p>Reuses the G of the last Hessian pass when it was at x, otherwise runs one.
   *
   * @param x optimizer variables
   * @return the (d + 1)² matrix, row-major
   */
  public double[] originalHessianSum(double[] x) {
    return coordinates.originalHessianSum(gramAt(x));
  }


  /**
   * Runs this objective's passes as requests in {@code passes}' rounds (same sums, shared jobs).
   *
   * @param passes the rounds, over the blocks this objective was made with (packed with folds)
   * @param excludedFold the fold this model does not train on, or −1 (its blocks: the others)
   * @return this
   */
  public LogitObjective passingThrough(LockstepPasses passes, int excludedFold) {
    this.lockstep = passes;
    this.excludedFold = excludedFold;
    return this;
  }

  /**
   * True when the passes run in shared rounds ({@link #passingThrough}): there a model's next fit
   * starts at this fit's last point, and its first Hessian request is answered from this fit's
   * last Hessian pass.
   */
  @Override
  public boolean wantsLastHessian() {
    return lockstep != null;
  }

  /**
   * One pass over the cached blocks at x: one Spark job, about one task per core ({@link
   * ExecutorGroups}). With no tree level between the tasks and the driver the coefficients ride
   * inline in the job's closure ({@link ExecutorGroups#aggregate}'s direct path: no broadcast to
   * write and remove, no Scala closure to clean, every evaluation); otherwise they are broadcast
   * for the job's duration ({@link ExecutorGroups.Shipping}).
   */
  private <A extends PassSums> A pass(double[] x,
      java.util.function.Function<Broadcast<BlockAggregator.Coefficients>, A> zero,
      Function2<A, InstanceBlock, A> add, Function2<A, A, A> merge) {
    double[] coef = toOriginal(x);
    double[] beta = java.util.Arrays.copyOf(coef, numFeatures);
    if (lockstep != null) {
      return lockstep.submit(excludedFold, beta, coef[numFeatures], zero);
    }
    BlockAggregator.Coefficients c = new BlockAggregator.Coefficients(beta, coef[numFeatures]);
    JavaRDD<InstanceBlock> tasks = ExecutorGroups.tasks(blocks, jsc);
    lastTasks = tasks.getNumPartitions();
    return ExecutorGroups.aggregateTasks(tasks, jsc, ship -> zero.apply(ship.ship(c)), add, merge,
        aggregationDepth);
  }

}
