package io.github.stablelogit.optim;

import io.github.stablelogit.loss.CompensatedSum;
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
 * double-double arithmetic ({@link CompensatedSum}), and aggregators merge the same way. The
 * running sums are then exact up to errors of order ε² relative to the summands, far below
 * the last bit of the result, so the result does not depend on how blocks are grouped into tasks or
 * in which order Spark combines the tasks' results (short of a tie at that level): the same blocks
 * give the same bits on every run, whether each cached partition is its own task or several are
 * read by one task (as evaluations do, {@link ExecutorGroups}). A sum that overflows reads as ±∞,
 * as the plain sum would, never as a NaN made by the error term.
 *
 * <p>Layout of the gradient: d feature components, then the derivative sum Σdz (for the intercept).
 */
public final class BlockAggregator extends PassSums {

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

  private final LogitLoss loss;
  private final Broadcast<Coefficients> coefficients;
  private final double rawThreshold;
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
    super(numFeatures, 0);
    this.loss = loss;
    this.coefficients = coefficients;
    this.rawThreshold = rawThreshold;
  }

  /**
   * Adds one block.
   *
   * @param block the block
   * @return this
   */
  public BlockAggregator add(InstanceBlock block) {
    if (!begin(block)) {
      return this;
    }
    if (workspace == null) {
      workspace = new InstanceBlock.Workspace();
      blockGradient = new double[numFeatures];
    }
    Coefficients c = coefficients.value();
    // This block's Σdz, training loss, validation loss and predicted positive weight: the running
    // sums' last four entries.
    double[] blockSums = new double[4];
    java.util.Arrays.fill(blockGradient, 0.0);
    block.forEachChunk(InstanceBlock.blas(), c.beta, c.offset,
        (from, len, z) -> chunk(block, from, len, z, blockSums), blockGradient, workspace);
    addBlock(blockGradient, 0, 1, blockSums);
    return this;
  }

  /**
   * Checks a block about to be added (and runs the test hook).
   *
   * @return whether the block has rows
   */
  boolean begin(InstanceBlock block) {
    beforeBlock(block);
    if (block.numRows() == 0) {
      return false;
    }
    if (block.numFeatures() != numFeatures) {
      throw new IllegalStateException("block has " + block.numFeatures() + " features, expected "
          + numFeatures);
    }
    ensureSums();
    return true;
  }

  /** @return the coefficients of this pass */
  Coefficients coefficients() {
    return coefficients.value();
  }

  /**
   * The per-chunk work of the pass, shared by the single-model pass and {@link ModelBatch}: the
   * predicted positive weight, the loss kernel and Σdz of rows [from, from + len) of the block.
   *
   * @param z on entry the chunk's margins (from index 0), on exit the weighted derivatives
   * @param blockSums the block's Σdz, training loss, validation loss, predicted positive weight
   */
  void chunk(InstanceBlock block, int from, int len, double[] z, double[] blockSums) {
    double[] y = block.labels();
    double[] w = block.weights();
    double[] vw = block.validationWeights();
    double predicted = 0.0;
    for (int i = 0; i < len; i++) {
      if (z[i] > rawThreshold) {
        predicted += w[from + i];
      }
    }
    blockSums[3] += predicted;
    if (vw != null) {
      if (validation == null) {
        validation = new double[1];
      }
      // Validation rows carry training weight 0, so they add nothing to the gradient; each
      // row's loss is computed once for both sums.
      blockSums[1] += loss.valueAndDerivatives(z, from, y, w, vw, validation, z, len);
      blockSums[2] += validation[0];
    } else {
      blockSums[1] += loss.valueAndDerivatives(z, from, y, w, z, len);
    }
    double dzSum = 0.0;
    for (int i = 0; i < len; i++) {
      dzSum += z[i];
    }
    blockSums[0] += dzSum;
  }

  /**
   * Adds one block's sums to the running sums in double-double arithmetic.
   *
   * @param gradient the block's Xᵀdz: component j at {@code at + j·stride}
   * @param blockSums the block's Σdz, training loss, validation loss, predicted positive weight
   */
  void addBlock(double[] gradient, int at, int stride, double[] blockSums) {
    for (int j = 0; j < numFeatures; j++) {
      CompensatedSum.add(sums, j, gradient[at + j * stride]);
    }
    for (int k = 0; k < blockSums.length; k++) {
      CompensatedSum.add(sums, numFeatures + k, blockSums[k]);
    }
  }

  /**
   * Merges another aggregator into this one in double-double arithmetic.
   *
   * @param other the other aggregator
   * @return this
   */
  public BlockAggregator merge(BlockAggregator other) {
    mergeSums(other);
    return this;
  }
}
