package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;

/**
 * Sums the weighted loss and its gradient over blocks, for {@code treeAggregate}.
 *
 * <p>Per block, chunk by chunk ({@link InstanceBlock#forEachChunk}, so each block is read from
 * memory once): margins z = Xβ + offset, per-row weighted derivatives and the loss sum with the
 * batch kernel {@link LogitLoss#valueAndDerivatives}, and the gradient Xᵀdz, summed in double in
 * the block's fixed chunk order. Each block's sums then enter the aggregator's running sums in
 * double-double arithmetic (an error-free two-sum per component), and aggregators merge the same
 * way. The running sums are then exact up to errors of order ε² relative to the summands, far below
 * the last bit of the result, so the result does not depend on how blocks are grouped into tasks or
 * in which order Spark combines the tasks' results (short of a tie at that level): the same blocks
 * give the same bits on every run, whether each cached partition is its own task or several are
 * read by one task (as evaluations do, {@link ExecutorGroups}).
 *
 * <p>Layout of the gradient: d feature components, then the derivative sum Σdz (for the intercept).
 */
public final class BlockAggregator implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Coefficients in the original feature space: margin = xᵀβ + offset. */
  public static final class Coefficients implements Serializable {
    private static final long serialVersionUID = 1L;
    final double[] beta;
    final double offset;

    /**
     * @param beta d coefficients
     * @param offset added to every margin
     */
    public Coefficients(double[] beta, double offset) {
      this.beta = beta;
      this.offset = offset;
    }
  }

  /**
   * Test-only fault injection: when set, called before each block is aggregated, on the executor
   * (tests run with local masters, where executors share the driver's JVM). Null in production.
   */
  static volatile java.util.function.Consumer<InstanceBlock> beforeBlockHook;

  private final LogitLoss loss;
  private final Broadcast<Coefficients> coefficients;
  private final int numFeatures;
  private final double rawThreshold;
  /**
   * The running sums as double-double (hi[k] + lo[k]), allocated with the first block: Xᵀdz in
   * [0, d), then Σdz, the training loss, the validation loss and the predicted positive weight.
   */
  private double[] hi;
  private double[] lo;
  private transient InstanceBlock.Workspace workspace;
  /** A chunk's validation loss sum. */
  private transient double[] validation;
  /** One block's Xᵀdz, before it is added to the running sums. */
  private transient double[] blockGradient;

  /**
   * @param loss the loss
   * @param coefficients broadcast coefficients
   * @param numFeatures d
   * @param rawThreshold margins above it count as predicted positives (diagnostics only)
   */
  public BlockAggregator(LogitLoss loss, Broadcast<Coefficients> coefficients, int numFeatures,
      double rawThreshold) {
    this.loss = loss;
    this.coefficients = coefficients;
    this.numFeatures = numFeatures;
    this.rawThreshold = rawThreshold;
  }

  /**
   * Adds one block.
   *
   * @param block the block
   * @return this
   */
  public BlockAggregator add(InstanceBlock block) {
    java.util.function.Consumer<InstanceBlock> hook = beforeBlockHook;
    if (hook != null) {
      hook.accept(block);
    }
    int n = block.numRows();
    if (n == 0) {
      return this;
    }
    if (block.numFeatures() != numFeatures) {
      throw new IllegalStateException("block has " + block.numFeatures() + " features, expected "
          + numFeatures);
    }
    ensureSums();
    if (workspace == null) {
      workspace = new InstanceBlock.Workspace();
      validation = new double[1];
      blockGradient = new double[numFeatures];
    }
    Coefficients c = coefficients.value();
    double[] y = block.labels();
    double[] w = block.weights();
    double[] vw = block.validationWeights();
    // This block's Σdz, training loss, validation loss and predicted positive weight: the running
    // sums' last four entries.
    double[] sums = new double[4];
    java.util.Arrays.fill(blockGradient, 0.0);
    block.forEachChunk(InstanceBlock.blas(), c.beta, c.offset, (from, len, z) -> {
      double predicted = 0.0;
      for (int i = 0; i < len; i++) {
        if (z[i] > rawThreshold) {
          predicted += w[from + i];
        }
      }
      sums[3] += predicted;
      if (vw != null) {
        // Validation rows carry training weight 0, so they add nothing to the gradient; each
        // row's loss is computed once for both sums.
        sums[1] += loss.valueAndDerivatives(z, from, y, w, vw, validation, z, len);
        sums[2] += validation[0];
      } else {
        sums[1] += loss.valueAndDerivatives(z, from, y, w, z, len);
      }
      double dzSum = 0.0;
      for (int i = 0; i < len; i++) {
        dzSum += z[i];
      }
      sums[0] += dzSum;
    }, blockGradient, workspace);
    for (int j = 0; j < numFeatures; j++) {
      addTo(j, blockGradient[j]);
    }
    for (int k = 0; k < sums.length; k++) {
      addTo(numFeatures + k, sums[k]);
    }
    return this;
  }

  /** (hi[k], lo[k]) += b, with the rounding error of hi[k] + b (a two-sum) kept in lo[k]. */
  private void addTo(int k, double b) {
    double a = hi[k];
    double sum = a + b;
    double bb = sum - a;
    hi[k] = sum;
    lo[k] += (a - (sum - bb)) + (b - bb);
  }

  /**
   * Merges another aggregator into this one in double-double arithmetic.
   *
   * @param other the other aggregator
   * @return this
   */
  public BlockAggregator merge(BlockAggregator other) {
    if (other.hi == null) {
      return this;
    }
    ensureSums();
    for (int k = 0; k < hi.length; k++) {
      lo[k] += other.lo[k];
      addTo(k, other.hi[k]);
    }
    return this;
  }

  private void ensureSums() {
    if (hi == null) {
      hi = new double[numFeatures + 4];
      lo = new double[numFeatures + 4];
    }
  }

  private double total(int k) {
    return hi == null ? 0.0 : hi[k] + lo[k];
  }

  /** @return Σ w ℓ */
  public double lossSum() {
    return total(numFeatures + 1);
  }

  /** @return Σ w ℓ over validation rows */
  public double validationLossSum() {
    return total(numFeatures + 2);
  }

  /** @return Σw over training rows whose margin exceeds the decision threshold */
  public double predictedPositiveWeight() {
    return total(numFeatures + 3);
  }

  /** @return (Xᵀdz, Σdz), length d + 1 */
  public double[] gradientSum() {
    double[] g = new double[numFeatures + 1];
    for (int j = 0; j <= numFeatures; j++) {
      g[j] = total(j);
    }
    return g;
  }
}
