package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The training objective of a {@link MlpNetwork} over cached blocks:
 *
 * <pre>
 *   f = (1/Σw) Σ w_i ℓ(z_i, y_i) + λ/2 · Σ (weights)²
 * </pre>
 *
 * with ℓ the library's loss, z_i the network's logit and the L2 penalty on every weight, never on
 * biases. As {@link LogitObjective} does for the linear model, the optimizer's variables see the
 * features standardized, x̃_j = (x_j − μ_j)/σ_j, without a standardized copy of the data: the
 * first layer's variables W̃ act on x̃, and each pass runs on the raw blocks with W₀ = W̃/σ and
 * b₀ = b̃ − W₀μ (features with σ_j = 0 keep weight 0); the gradient comes back by the chain rule.
 * With {@code standardization} the penalty applies to W̃ (scale-free), otherwise to W₀. Every other
 * layer's variables are its parameters. Each evaluation is one Spark job over about one task per
 * core ({@link ExecutorGroups}) combining {@link MlpAggregator}s as {@code treeAggregate} does
 * ({@link ExecutorGroups#aggregate}).
 * With {@link #withMiniBatches} a pass covers one step's seeded mini-batch of rows instead.
 */
public final class MlpObjective implements Objective {

  /** One pass at θ over the rows of a mini-batch, or over all rows when it is null. */
  private final BiFunction<double[], RowSampler, MlpAggregator> pass;
  private final MlpNetwork net;
  private final double regL2;
  private final boolean standardization;
  private final double weightSum;
  private final double validationWeightSum;
  private final double[] mean;
  private final double[] std;
  private int evaluations;
  private double miniBatchFraction = 1.0;
  private long miniBatchSeed;
  /** The step whose mini-batch the next evaluations use; −1: all rows. */
  private int step = -1;
  private double[] lastX;
  private int lastStep = -1;
  private double lastValidation = Double.NaN;
  private double lastPositive = Double.NaN;

  private MlpObjective(BiFunction<double[], RowSampler, MlpAggregator> pass, MlpNetwork net,
      DataSummary s, boolean standardization, double regL2) {
    this.pass = pass;
    this.net = net;
    this.regL2 = regL2;
    this.standardization = standardization;
    this.weightSum = s.weightSum();
    this.validationWeightSum = s.validationWeightSum();
    this.mean = s.mean();
    this.std = s.std();
  }

  /**
   * @param blocks cached training blocks
   * @param loss the loss
   * @param net the network's shape
   * @param summary statistics of the blocks
   * @param standardization whether the first layer's penalty is on standardized weights
   * @param regL2 λ
   * @param aggregationDepth treeAggregate depth
   * @param rawThreshold decision threshold on the logit, for the predicted-positive diagnostic
   * @return the objective
   */
  public static MlpObjective over(JavaRDD<InstanceBlock> blocks, LogitLoss loss, MlpNetwork net,
      DataSummary summary, boolean standardization, double regL2, int aggregationDepth,
      double rawThreshold) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(blocks.context());
    return new MlpObjective((theta, sampler) -> {
      // θ rides in the job's closure when there is no tree level (Spark broadcasts that once per
      // job), else in a broadcast of its own for the job's duration.
      return ExecutorGroups.aggregate(blocks, jsc,
          ship -> new MlpAggregator(loss, net, ship.ship(theta), rawThreshold, sampler),
          MlpAggregator::add, MlpAggregator::merge, aggregationDepth);
    }, net, summary, standardization, regL2);
  }

  /** The same objective over blocks held in this JVM, evaluated without Spark (for tests). */
  static MlpObjective local(List<InstanceBlock> blocks, LogitLoss loss, MlpNetwork net,
      DataSummary summary, boolean standardization, double regL2) {
    return new MlpObjective((theta, sampler) -> {
      MlpAggregator agg = new MlpAggregator(loss, net, theta, 0.0, sampler);
      blocks.forEach(agg::add);
      return agg;
    }, net, summary, standardization, regL2);
  }

  /**
   * Turns on mini-batches: after {@link #useBatch}(t) with t ≥ 0, evaluations sum over the
   * training rows of step t's batch ({@link RowSampler}) and divide by their weight instead of
   * the total. A fraction of 1 keeps every evaluation a full pass (no hashing at all).
   *
   * @param fraction the expected share of the rows in a batch, in (0, 1]
   * @param seed the seed of the choice
   * @return this
   */
  public MlpObjective withMiniBatches(double fraction, long seed) {
    this.miniBatchFraction = fraction;
    this.miniBatchSeed = seed;
    return this;
  }

  @Override
  public void useBatch(int t) {
    this.step = t;
  }

  /** @return the network */
  public MlpNetwork network() {
    return net;
  }

  /** @return the number of optimizer variables, {@link MlpNetwork#numParams()} */
  public int dimension() {
    return net.numParams();
  }

  @Override
  public int evaluations() {
    return evaluations;
  }

  @Override
  public double[] l1Weights(double regL1) {
    return new double[dimension()];
  }

  @Override
  public double validationLoss(double[] x) {
    if (!(validationWeightSum > 0)) {
      return Double.NaN;
    }
    ensureEvaluated(x);
    return lastValidation;
  }

  /**
   * @param x optimizer variables
   * @return share of the training weight whose logit is above the decision threshold at x
   */
  public double predictedPositiveFraction(double[] x) {
    ensureEvaluated(x);
    return lastPositive;
  }

  private void ensureEvaluated(double[] x) {
    if (lastX == null || lastStep != step || !Arrays.equals(lastX, x)) {
      evaluate(x, new double[x.length]);
    }
  }

  /**
   * Maps optimizer variables to the network's parameters on the raw features (the first layer's
   * standardization folded in).
   *
   * @param x optimizer variables
   * @return θ
   */
  public double[] toOriginal(double[] x) {
    return fold(x, true);
  }

  /**
   * The inverse of {@link #toOriginal} (for warm starts from a fitted network).
   *
   * @param theta the network's parameters on the raw features
   * @return optimizer variables
   */
  public double[] fromOriginal(double[] theta) {
    return fold(theta, false);
  }

  /** W₀ = W̃/σ, b₀ = b̃ − W₀μ (toOriginal), or back; every other parameter unchanged. */
  private double[] fold(double[] from, boolean toOriginal) {
    double[] to = from.clone();
    int out = net.out(0);
    int w = net.weightOffset(0);
    int b = net.biasOffset(0);
    for (int c = 0; c < net.numFeatures(); c++) {
      for (int r = 0; r < out; r++) {
        int j = w + c * out + r;
        double raw = toOriginal ? (std[c] > 0 ? from[j] / std[c] : 0.0) : from[j];
        to[j] = toOriginal ? raw : (std[c] > 0 ? from[j] * std[c] : 0.0);
        to[b + r] += (toOriginal ? -raw : raw) * mean[c];
      }
    }
    return to;
  }

  @Override
  public double evaluate(double[] x, double[] gradient) {
    evaluations++;
    RowSampler sampler = step >= 0 && miniBatchFraction < 1
        ? new RowSampler(miniBatchFraction, miniBatchSeed, step) : null;
    MlpAggregator agg = pass.apply(toOriginal(x), sampler);
    double[] g = agg.parameterGradientSum();
    // A batch without training weight contributes nothing (only the penalty's gradient).
    double weightSum = sampler == null ? this.weightSum
        : agg.selectedWeight() > 0 ? agg.selectedWeight() : Double.POSITIVE_INFINITY;
    int out = net.out(0);
    int w = net.weightOffset(0);
    int b = net.biasOffset(0);
    double penalty = 0.0;
    for (int j = 0; j < g.length; j++) {
      gradient[j] = g[j] / weightSum;
    }
    for (int c = 0; c < net.numFeatures(); c++) {
      for (int r = 0; r < out; r++) {
        int j = w + c * out + r;
        if (std[c] > 0) {
          double p = standardization ? x[j] : x[j] / std[c];
          double dp = standardization ? 1.0 : 1.0 / std[c];
          gradient[j] = (g[j] - mean[c] * g[b + r]) / std[c] / weightSum + regL2 * p * dp;
          penalty += p * p;
        } else {
          gradient[j] = 0.0;
        }
      }
    }
    for (int k = 1; k < net.numLayers(); k++) {
      for (int j = net.weightOffset(k); j < net.biasOffset(k); j++) {
        gradient[j] += regL2 * x[j];
        penalty += x[j] * x[j];
      }
    }
    double value = agg.lossSum() / weightSum + 0.5 * regL2 * penalty;
    lastX = x.clone();
    lastStep = step;
    lastValidation = validationWeightSum > 0
        ? agg.validationLossSum() / validationWeightSum : Double.NaN;
    lastPositive = agg.predictedPositiveWeight() / weightSum;
    return value;
  }
}
