package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Thread CPU time of one network pass ({@link MlpAggregator} over every block) on Adam's
 * mini-batches of fraction F, as a ratio to the full pass of the same run: what the selection
 * (a hash of every row each step) costs and what skipping the unselected rows saves. Fraction
 * 1e-9 selects almost nothing, so it measures the hashing and scanning alone. Contenders run
 * round-robin, the median over rounds is reported.
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec
 * -Dbench.main=io.github.stablelogit.optim.MlpMiniBatchBenchmark -Dbench.args="20000 50 32 9"}
 * (rows, features, hidden units, rounds).
 */
public final class MlpMiniBatchBenchmark {

  private MlpMiniBatchBenchmark() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20000;
    int d = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int hidden = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 9;
    SplittableRandom rnd = new SplittableRandom(1);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[d];
      for (int j = 0; j < d; j++) {
        x[j] = rnd.nextDouble() * 2 - 1;
      }
      rows.add(RowFactory.create(Vectors.dense(x), rnd.nextInt(2) * 1.0, 1.0));
    }
    List<InstanceBlock> blocks = new ArrayList<>();
    new BlockPacker("features", "label", null, 1.0, false).pack(0, rows.iterator())
        .forEachRemaining(blocks::add);
    MlpNetwork net = new MlpNetwork(d, new int[] {hidden}, MlpActivation.TANH);
    double[] theta = net.initialParams(3, 0.0);
    LogitLoss loss = LogitLoss.bce(1.0, 0.0);
    double[] fractions = {1.0, 0.5, 0.2, 0.05, 1e-9};
    long[][] ns = new long[fractions.length][rounds];
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    double sink = 0;
    for (int r = -2; r < rounds; r++) {
      for (int k = 0; k < fractions.length; k++) {
        RowSampler s = fractions[k] < 1 ? new RowSampler(fractions[k], 7L, r + 2) : null;
        long t0 = threads.getCurrentThreadCpuTime();
        MlpAggregator agg = new MlpAggregator(loss, net, theta, 0.0, s);
        blocks.forEach(agg::add);
        sink += agg.lossSum();
        long t = threads.getCurrentThreadCpuTime() - t0;
        if (r >= 0) {
          ns[k][r] = t;
        }
      }
    }
    System.out.printf(Locale.ROOT, "%d rows x %d features, %d blocks, network %s, %d rounds "
        + "(checksum %.3f)%n", n, d, blocks.size(), Arrays.toString(net.sizes()), rounds, sink);
    double full = median(ns[0]);
    for (int k = 0; k < fractions.length; k++) {
      double m = median(ns[k]);
      System.out.printf(Locale.ROOT, "fraction %-6s  %9.1f ns/row  ratio to full pass %.3f%n",
          fractions[k], m / n, m / full);
    }
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
