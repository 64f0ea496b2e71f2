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

    /** @return whether {@code other} has the same bits (offset and every coefficient) */
    boolean sameAs(Coefficients other) {
      return Double.compare(offset, other.offset) == 0
          && java.util.Arrays.equals(beta, other.beta);
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
   * Whether {@code other}, over the same blocks, sums exactly what this one does: the same loss,
   * threshold and number of features, and coefficients with the same bits (the sums are a
   * function of these and the blocks alone).
   *
   * @param other another aggregator
   * @return whether its sums are this one's
   */
  @Override
  boolean sumsSameAs(PassSums other) {
    return other instanceof BlockAggregator o && numFeatures == o.numFeatures
        && loss.equals(o.loss) && Double.compare(rawThreshold, o.rawThreshold) == 0
        && coefficients.value().sameAs(o.coefficients.value());
  }

  /**
   * Adds one block.
   *
   * @param block the block
   * @return this
   */
  public BlockAggregator add(InstanceBlock block) {
    addToEach(block, new BlockAggregator[] {this}, 1);
    return this;
  }

  /**
   * Adds one block to the passes of several models at once ({@link LockstepPasses}): the block is
   * read from memory once, chunk by chunk, and each chunk goes through every model while it is in
   * cache ({@link InstanceBlock#forEachChunk(dev.ludovic.netlib.blas.BLAS, double[][], double[],
   * int, InstanceBlock.ModelChunkKernel, double[][], InstanceBlock.Workspace)}). Each model's
   * arithmetic, and so each bit of its sums, is that of its own {@link #add}, which is this with
   * one model.
   *
   * @param block the block
   * @param models the aggregators, at [0, count), all of the same d
   * @param count how many
   */
  static void addToEach(InstanceBlock block, BlockAggregator[] models, int count) {
    boolean rows = false;
    for (int m = 0; m < count; m++) {
      rows = models[m].begin(block);
    }
    if (!rows) {
      return;
    }
    double[][] betas = new double[count][];
    double[] offsets = new double[count];
    double[][] gradients = new double[count][];
    // Per model, this block's Σdz, training loss, validation loss and predicted positive weight:
    // the running sums' last four entries.
    double[][] blockSums = new double[count][4];
    for (int m = 0; m < count; m++) {
      BlockAggregator a = models[m];
      Coefficients c = a.coefficients.value();
      betas[m] = c.beta;
      offsets[m] = c.offset;
      if (a.blockGradient == null) {
        a.blockGradient = new double[a.numFeatures];
      }
      gradients[m] = a.blockGradient;
      java.util.Arrays.fill(gradients[m], 0.0);
    }
    BlockAggregator first = models[0];
    if (first.workspace == null) {
      first.workspace = new InstanceBlock.Workspace();
    }
    block.forEachChunk(InstanceBlock.blas(), betas, offsets, count,
        (m, from, len, z) -> models[m].chunk(block, from, len, z, blockSums[m]), gradients,
        first.workspace);
    for (int m = 0; m < count; m++) {
      BlockAggregator a = models[m];
      CompensatedSum.addAll(a.sums, gradients[m], a.numFeatures);
      for (int k = 0; k < 4; k++) {
        CompensatedSum.add(a.sums, a.numFeatures + k, blockSums[m][k]);
      }
    }
  }

  /**
   * Checks a block about to be added (and runs the test hook).
   *
   * @return whether the block has rows
   */
  private boolean begin(InstanceBlock block) {
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

  /**
   * The per-chunk work of the pass: the predicted positive weight, the loss kernel and Σdz of
   * rows [from, from + len) of the block.
   *
   * @param z on entry the chunk's margins (from index 0), on exit the weighted derivatives
   * @param blockSums the block's Σdz, training loss, validation loss, predicted positive weight
   */
  private void chunk(InstanceBlock block, int from, int len, double[] z, double[] blockSums) {
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
