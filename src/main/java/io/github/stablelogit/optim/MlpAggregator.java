package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import io.github.stablelogit.loss.CompensatedSum;
import io.github.stablelogit.loss.LogitLoss;
import java.util.Arrays;
import org.apache.spark.broadcast.Broadcast;

/**
 * Sums the weighted loss of a {@link MlpNetwork} and its gradient in all parameters θ over blocks,
 * for {@code treeAggregate}: the network counterpart of {@link BlockAggregator}, with the same
 * running sums ({@link PassSums}: the gradient in [0, P), then Σdz, the training loss, the
 * validation loss and the predicted positive weight) and the same order-independent
 * double-double accumulation of each block's sums.
 *
 * <p>Per block, chunk by chunk (the chunks of {@link InstanceBlock}: a fixed number of values, so
 * the arithmetic order depends only on the data): the forward pass layer by layer with dgemm
 * (the first layer of a CSR block by a loop over its non-zeros, never densified), the batch loss
 * kernel {@link LogitLoss#valueAndDerivatives} on the chunk's logits, and the backward pass with
 * dgemm, accumulating the block's gradient in double; the block's sums then enter the running
 * sums compensated. A pass with a {@link RowSampler} (Adam's mini-batches) keeps the same chunks
 * but gathers each chunk's selected rows and passes only those, and also sums their training
 * weight.
 */
public final class MlpAggregator extends PassSums {

  private static final long serialVersionUID = 1L;

  private final LogitLoss loss;
  private final MlpNetwork net;
  private final Broadcast<double[]> broadcast;
  /** θ given directly (local evaluation), or null to read the broadcast. */
  private final double[] local;
  private final double rawThreshold;
  /** The step's mini-batch, or null for all rows. */
  private final RowSampler sampler;
  private transient Work work;

  /** Per-aggregator scratch, reused across chunks and blocks. */
  private static final class Work {
    final double[][] pre;
    final double[][] act;
    double[] delta = new double[0];
    double[] deltaPrev = new double[0];
    double[] rows = new double[0];
    final double[] validation = new double[1];
    final double[] gradient;
    /** A mini-batch chunk: its rows' indices in the block, labels and weights, gathered. */
    int[] index = new int[0];
    double[] labels = new double[0];
    double[] weights = new double[0];
    double[] validationWeights = new double[0];

    Work(MlpNetwork net) {
      pre = new double[net.numLayers()][0];
      act = new double[net.numLayers()][0];
      gradient = new double[net.numParams()];
    }

    double[] grow(double[] a, int n) {
      return a.length >= n ? a : new double[n];
    }
  }

  /**
   * @param loss the loss
   * @param net the network's shape
   * @param theta broadcast parameters θ in the original feature space
   * @param rawThreshold logits above it count as predicted positives (diagnostics only)
   */
  public MlpAggregator(LogitLoss loss, MlpNetwork net, Broadcast<double[]> theta,
      double rawThreshold) {
    this(loss, net, theta, null, rawThreshold, null);
  }

  /**
   * @param loss the loss
   * @param net the network's shape
   * @param theta broadcast parameters θ in the original feature space
   * @param rawThreshold logits above it count as predicted positives (diagnostics only)
   * @param sampler the rows of this pass, or null for all
   */
  MlpAggregator(LogitLoss loss, MlpNetwork net, Broadcast<double[]> theta, double rawThreshold,
      RowSampler sampler) {
    this(loss, net, theta, null, rawThreshold, sampler);
  }

  /** An aggregator on parameters held directly, for passes without Spark. */
  MlpAggregator(LogitLoss loss, MlpNetwork net, double[] theta, double rawThreshold,
      RowSampler sampler) {
    this(loss, net, null, theta, rawThreshold, sampler);
  }

  private MlpAggregator(LogitLoss loss, MlpNetwork net, Broadcast<double[]> broadcast,
      double[] local, double rawThreshold, RowSampler sampler) {
    super(net.numParams(), 1);
    this.loss = loss;
    this.net = net;
    this.broadcast = broadcast;
    this.local = local;
    this.rawThreshold = rawThreshold;
    this.sampler = sampler;
  }

  /**
   * Adds one block.
   *
   * @param block the block
   * @return this
   */
  public MlpAggregator add(InstanceBlock block) {
    beforeBlock(block);
    int n = block.numRows();
    if (n == 0) {
      return this;
    }
    if (block.numFeatures() != net.numFeatures()) {
      throw new IllegalStateException("block has " + block.numFeatures() + " features, expected "
          + net.numFeatures());
    }
    ensureSums();
    if (work == null) {
      work = new Work(net);
    }
    double[] theta = local != null ? local : broadcast.value();
    Arrays.fill(work.gradient, 0.0);
    double[] blockSums = new double[5];
    if (block.isSparse()) {
      for (int from = 0; from < n; ) {
        int to = block.csrChunkEnd(from);
        if (sampler == null) {
          chunk(block, theta, from, to - from, null, 0, blockSums);
        } else {
          sampledChunk(block, theta, from, to - from, blockSums);
        }
        from = to;
      }
    } else {
      int d = block.numFeatures();
      int rows = block.denseChunkRows();
      for (int from = 0; from < n; from += rows) {
        int len = Math.min(rows, n - from);
        if (sampler != null) {
          sampledChunk(block, theta, from, len, blockSums);
          continue;
        }
        double[] x = block.denseDouble();
        int at = from * d;
        if (x == null) {
          work.rows = work.grow(work.rows, len * d);
          FloatWidening.widen(block.denseFloat(), at, work.rows, len * d);
          x = work.rows;
          at = 0;
        }
        chunk(block, theta, from, len, x, at, blockSums);
      }
    }
    CompensatedSum.addAll(sums, work.gradient, numFeatures);
    for (int k = 0; k < blockSums.length; k++) {
      CompensatedSum.add(sums, numFeatures + k, blockSums[k]);
    }
    return this;
  }

  /**
   * The rows of chunk [from, from + len) in the sampler's batch, gathered (labels, weights, dense
   * values widened to double; CSR rows by index) and passed forward and backward as one chunk.
   * Adds their training weight to blockSums[4].
   */
  private void sampledChunk(InstanceBlock block, double[] theta, int from, int len,
      double[] blockSums) {
    Work ws = work;
    ws.index = ws.index.length >= len ? ws.index : new int[len];
    int m = 0;
    for (int i = from; i < from + len; i++) {
      if (sampler.selects(block, i)) {
        ws.index[m++] = i;
      }
    }
    if (m == 0) {
      return;
    }
    ws.labels = ws.grow(ws.labels, m);
    ws.weights = ws.grow(ws.weights, m);
    double[] vw = block.validationWeights();
    if (vw != null) {
      ws.validationWeights = ws.grow(ws.validationWeights, m);
    }
    double selectedWeight = 0.0;
    for (int r = 0; r < m; r++) {
      int i = ws.index[r];
      ws.labels[r] = block.labels()[i];
      ws.weights[r] = block.weights()[i];
      selectedWeight += ws.weights[r];
      if (vw != null) {
        ws.validationWeights[r] = vw[i];
      }
    }
    blockSums[4] += selectedWeight;
    double[] x = null;
    if (!block.isSparse()) {
      int d = block.numFeatures();
      x = ws.rows = ws.grow(ws.rows, m * d);
      for (int r = 0; r < m; r++) {
        int at = ws.index[r] * d;
        if (block.denseDouble() != null) {
          System.arraycopy(block.denseDouble(), at, x, r * d, d);
        } else {
          float[] f = block.denseFloat();
          for (int j = 0; j < d; j++) {
            x[r * d + j] = f[at + j];
          }
        }
      }
    }
    forwardBackward(block, theta, new Rows(ws.labels, ws.weights,
        vw == null ? null : ws.validationWeights, 0, ws.index), m, x, 0, blockSums);
  }

  /**
   * The rows of one chunk: labels, training and validation weights (null without validation rows)
   * from {@code from}, and the block row of each (null: rows from, from + 1, ...).
   */
  private record Rows(double[] labels, double[] weights, double[] validationWeights, int from,
      int[] index) {

    int blockRow(int i) {
      return index == null ? from + i : index[i];
    }
  }

  /**
   * Forward and backward pass of rows [from, from + len) of the block; x (column-major d×len from
   * {@code at}) holds a dense chunk, null for CSR.
   */
  private void chunk(InstanceBlock block, double[] theta, int from, int len, double[] x, int at,
      double[] blockSums) {
    forwardBackward(block, theta, new Rows(block.labels(), block.weights(),
        block.validationWeights(), from, null), len, x, at, blockSums);
  }

  /**
   * Forward and backward pass of the len rows {@code rows} of the block; x (column-major d×len
   * from {@code at}) holds them dense, null for CSR.
   */
  private void forwardBackward(InstanceBlock block, double[] theta, Rows rows, int len,
      double[] x, int at, double[] blockSums) {
    BLAS blas = InstanceBlock.blas();
    Work ws = work;
    int from = rows.from();
    int layers = net.numLayers();
    MlpActivation act = net.activation();
    double[] g = ws.gradient;
    // Forward: pre[k] = W_k a_{k−1} + b_k (a_{−1} = x), act[k] = activation(pre[k]), then
    // pre[k] = activation'(pre[k]) for hidden layers.
    for (int k = 0; k < layers; k++) {
      int out = net.out(k);
      int in = net.in(k);
      double[] h = ws.pre[k] = ws.grow(ws.pre[k], out * len);
      int b = net.biasOffset(k);
      for (int i = 0; i < len; i++) {
        System.arraycopy(theta, b, h, i * out, out);
      }
      if (k == 0 && x == null) {
        csrFirstLayer(block, rows, len, out, theta, h, true);
      } else if (in > 0) {
        double[] a = k == 0 ? x : ws.act[k - 1];
        blas.dgemm("N", "N", out, len, in, 1.0, theta, net.weightOffset(k), out, a,
            k == 0 ? at : 0, in, 1.0, h, 0, out);
      }
      if (k < layers - 1) {
        // h becomes the derivative at the pre-activations, for the backward pass.
        act.forward(h, ws.act[k] = ws.grow(ws.act[k], out * len), out * len);
      }
    }
    // The logits, then their weighted derivatives in place (the output delta).
    double[] z = ws.delta = ws.grow(ws.delta, Math.max(len, 1));
    System.arraycopy(ws.pre[layers - 1], 0, z, 0, len);
    double predicted = 0.0;
    double[] w = rows.weights();
    for (int i = 0; i < len; i++) {
      if (z[i] > rawThreshold) {
        predicted += w[from + i];
      }
    }
    blockSums[3] += predicted;
    double[] vw = rows.validationWeights();
    if (vw != null) {
      blockSums[1] += loss.valueAndDerivatives(z, from, rows.labels(), w, vw, ws.validation, z,
          len);
      blockSums[2] += ws.validation[0];
    } else {
      blockSums[1] += loss.valueAndDerivatives(z, from, rows.labels(), w, z, len);
    }
    double dzSum = 0.0;
    for (int i = 0; i < len; i++) {
      dzSum += z[i];
    }
    blockSums[0] += dzSum;
    // Backward: gW_k += δ_k a_{k−1}ᵀ, gb_k += Σ δ_k, δ_{k−1} = (W_kᵀ δ_k) ⊙ pre[k − 1].
    for (int k = layers - 1; k >= 0; k--) {
      int out = net.out(k);
      int in = net.in(k);
      double[] delta = ws.delta;
      int b = net.biasOffset(k);
      for (int i = 0; i < len; i++) {
        for (int r = 0; r < out; r++) {
          g[b + r] += delta[i * out + r];
        }
      }
      if (k == 0 && x == null) {
        csrFirstLayer(block, rows, len, out, delta, g, false);
      } else if (in > 0) {
        double[] a = k == 0 ? x : ws.act[k - 1];
        blas.dgemm("N", "T", out, in, len, 1.0, delta, 0, out, a, k == 0 ? at : 0, in, 1.0, g,
            net.weightOffset(k), out);
      }
      if (k > 0) {
        double[] prev = ws.deltaPrev = ws.grow(ws.deltaPrev, in * len);
        blas.dgemm("T", "N", in, len, out, 1.0, theta, net.weightOffset(k), out, delta, 0, out,
            0.0, prev, 0, in);
        double[] derivative = ws.pre[k - 1];
        for (int i = 0; i < in * len; i++) {
          prev[i] *= derivative[i];
        }
        ws.deltaPrev = delta;
        ws.delta = prev;
      }
    }
  }

  /**
   * The first layer of a CSR chunk, over its non-zeros (c_k, v_k) only. Forward: h[:, i] += Σ_k
   * v_k W₀[:, c_k] (h = out, W₀ in theta). Backward: gW₀[:, c_k] += v_k δ[:, i] (δ = in, the
   * gradient = out).
   */
  private void csrFirstLayer(InstanceBlock block, Rows rows, int len, int out, double[] in,
      double[] outArr, boolean forward) {
    int[] ptr = block.rowPtr();
    int w = net.weightOffset(0);
    for (int i = 0; i < len; i++) {
      int col = i * out;
      int row = rows.blockRow(i);
      for (int k = ptr[row], end = ptr[row + 1]; k < end; k++) {
        double v = block.csrValue(k);
        int wc = w + block.csrColumn(k) * out;
        if (forward) {
          for (int r = 0; r < out; r++) {
            outArr[col + r] += v * in[wc + r];
          }
        } else {
          for (int r = 0; r < out; r++) {
            outArr[wc + r] += v * in[col + r];
          }
        }
      }
    }
  }

  /**
   * Merges another aggregator into this one in double-double arithmetic.
   *
   * @param other the other aggregator
   * @return this
   */
  public MlpAggregator merge(MlpAggregator other) {
    mergeSums(other);
    return this;
  }

  /** @return Σw over the training rows of the pass's mini-batch (0 for full-batch passes) */
  double selectedWeight() {
    return total(numFeatures + 4);
  }

  /** @return the gradient sum in θ, length P */
  double[] parameterGradientSum() {
    return Arrays.copyOf(gradientSum(), numFeatures);
  }
}
