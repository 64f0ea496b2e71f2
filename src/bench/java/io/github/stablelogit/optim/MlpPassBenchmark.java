package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Where the thread CPU time of one full network pass ({@link MlpAggregator} over every block, no
 * Spark) goes, on data shaped like the sets of {@code MlpBenchmark}: the whole pass, and each of
 * its parts run alone on the same shapes — the layer products (dgemm calls of one chunk, or the
 * CSR loops), the hidden activation and its derivative over every hidden value, the loss kernel
 * over the logits. Parts are timed separately, so they do not add up exactly to the pass (the
 * remainder is bias copies, sums and the first layer's CSR loops when the data are sparse).
 * Contenders run round-robin; the median over rounds is reported, in ns per row and as a share
 * of the pass.
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec
 * -Dbench.main=io.github.stablelogit.optim.MlpPassBenchmark -Dbench.args="dense 75000 20 16 tanh
 * 9"} (kind dense|onehot, rows, features, hidden units, activation, rounds; onehot rows have 14
 * ones each, as a9a's).
 */
public final class MlpPassBenchmark {

  private MlpPassBenchmark() {}

  public static void main(String[] args) {
    String kind = args.length > 0 ? args[0] : "dense";
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 75000;
    int d = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int hidden = args.length > 3 ? Integer.parseInt(args[3]) : 16;
    MlpActivation activation = MlpActivation.named(args.length > 4 ? args[4] : "tanh");
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 9;
    List<InstanceBlock> blocks = blocks(kind, n, d);
    MlpNetwork net = new MlpNetwork(d, new int[] {hidden}, activation);
    double[] theta = net.initialParams(3, 0.0);
    LogitLoss loss = LogitLoss.bce(1.0, 0.0);
    String[] parts = {"pass", "dgemm", "activation", "loss"};
    long[][] ns = new long[parts.length][rounds];
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double[] sink = new double[1];
    for (int r = -3; r < rounds; r++) {
      for (int k = 0; k < parts.length; k++) {
        long t0 = threads.getCurrentThreadCpuTime();
        switch (k) {
          case 0 -> {
            MlpAggregator agg = new MlpAggregator(loss, net, theta, 0.0, null);
            blocks.forEach(agg::add);
            sink[0] += agg.lossSum();
          }
          case 1 -> blocks.forEach(b -> sink[0] += products(b, net, theta));
          case 2 -> sink[0] += activations(n, hidden, activation);
          default -> sink[0] += lossKernel(n, loss);
        }
        long t = threads.getCurrentThreadCpuTime() - t0;
        if (r >= 0) {
          ns[k][r] = t;
        }
      }
    }
    System.out.printf(Locale.ROOT, "%s %d rows x %d features, %d blocks (%s), network %s %s, "
        + "%d rounds (checksum %.3f)%n", kind, n, d, blocks.size(),
        blocks.get(0).isSparse() ? "CSR" : "dense", Arrays.toString(net.sizes()),
        activation.label(), rounds, sink[0]);
    double pass = median(ns[0]);
    for (int k = 0; k < parts.length; k++) {
      double m = median(ns[k]);
      System.out.printf(Locale.ROOT, "%-11s %9.1f ns/row  %6.3f ms  share of the pass %.3f%n",
          parts[k], m / n, m / 1e6, m / pass);
    }
  }

  /** The dense layer products of a pass over the block, chunk by chunk as the aggregator does. */
  private static double products(InstanceBlock block, MlpNetwork net, double[] theta) {
    if (block.isSparse()) {
      return 0.0;
    }
    dev.ludovic.netlib.blas.BLAS blas = InstanceBlock.blas();
    int d = block.numFeatures();
    int h = net.out(0);
    int rows = block.denseChunkRows();
    double[] pre = new double[h * rows];
    double[] z = new double[rows];
    double[] g = new double[net.numParams()];
    double[] prev = new double[h * rows];
    double[] x = block.denseDouble();
    for (int from = 0; from < block.numRows(); from += rows) {
      int len = Math.min(rows, block.numRows() - from);
      blas.dgemm("N", "N", h, len, d, 1.0, theta, 0, h, x, from * d, d, 0.0, pre, 0, h);
      blas.dgemm("N", "N", 1, len, h, 1.0, theta, net.weightOffset(1), 1, pre, 0, h, 0.0, z,
          0, 1);
      blas.dgemm("N", "T", 1, h, len, 1.0, z, 0, 1, pre, 0, h, 1.0, g, net.weightOffset(1), 1);
      blas.dgemm("T", "N", h, len, 1, 1.0, theta, net.weightOffset(1), 1, z, 0, 1, 0.0, prev, 0,
          h);
      blas.dgemm("N", "T", h, d, len, 1.0, prev, 0, h, x, from * d, d, 1.0, g, 0, h);
    }
    return g[0];
  }

  /** The activation and its derivative at n·h pre-activations, as the pass computes them. */
  private static double activations(int n, int h, MlpActivation act) {
    SplittableRandom rnd = new SplittableRandom(5);
    double[] pre = new double[4096];
    for (int i = 0; i < pre.length; i++) {
      pre[i] = 2 * rnd.nextGaussian();
    }
    double[] a = new double[pre.length];
    double[] d = new double[pre.length];
    double[] delta = new double[pre.length];
    Arrays.fill(delta, 1.0);
    double s = 0;
    for (long done = 0; done < (long) n * h; done += pre.length) {
      System.arraycopy(pre, 0, d, 0, pre.length);
      act.forward(d, a, d.length);
      for (int i = 0; i < pre.length; i++) {
        delta[i] *= d[i];
      }
      s += a[7] + delta[11];
    }
    return s;
  }

  private static double lossKernel(int n, LogitLoss loss) {
    int chunk = 4096;
    double[] z = new double[chunk];
    double[] y = new double[chunk];
    double[] w = new double[chunk];
    SplittableRandom rnd = new SplittableRandom(9);
    for (int i = 0; i < chunk; i++) {
      z[i] = 3 * rnd.nextGaussian();
      y[i] = rnd.nextInt(2);
      w[i] = 1.0;
    }
    double[] dz = new double[chunk];
    double s = 0;
    for (int done = 0; done < n; done += chunk) {
      s += loss.valueAndDerivatives(z, 0, y, w, dz, chunk);
    }
    return s;
  }

  private static List<InstanceBlock> blocks(String kind, int n, int d) {
    SplittableRandom rnd = new SplittableRandom(1);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Vector v;
      if (kind.equals("onehot")) {
        int ones = Math.min(14, d);
        int[] idx = new int[ones];
        int group = d / ones;
        for (int k = 0; k < ones; k++) {
          idx[k] = k * group + rnd.nextInt(group);
        }
        double[] vals = new double[ones];
        Arrays.fill(vals, 1.0);
        v = Vectors.sparse(d, idx, vals);
      } else {
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
          x[j] = rnd.nextGaussian();
        }
        v = Vectors.dense(x);
      }
      rows.add(RowFactory.create(v, rnd.nextInt(2) * 1.0, 1.0));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    new BlockPacker("features", "label", null, 1.0, false).pack(0, rows.iterator())
        .forEachRemaining(blocks::add);
    return blocks;
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
