package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Iterator;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Thread CPU time per 1 MiB block of the gradient passes of M models over the same blocks (a
 * round of {@link LockstepPasses}): each model's own pass ({@link BlockAggregator#add}, M times)
 * against one {@link BlockAggregator#addToEach}, on blocks that come from memory (cycling through
 * {@code --blocks} distinct blocks, default 64). Prints µs per block of each and their ratio;
 * the two alternate, five measurements each, and the fastest of each counts.
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec
 * -Dbench.main=io.github.stablelogit.optim.BatchedPassBenchmark -Dbench.xmx=2g
 * -Dbench.args="--shapes dense20,dense50,csrA9a --models 1,2,6"}.
 */
public final class BatchedPassBenchmark {

  private BatchedPassBenchmark() {}

  /** @param args {@code --shapes}, {@code --models}, {@code --blocks}, {@code --passes} */
  public static void main(String[] args) throws Exception {
    String shapes = "dense20,dense50,csrA9a";
    String models = "1,2,6";
    int distinct = 64;
    int passes = 4;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--shapes" -> shapes = args[i + 1];
        case "--models" -> models = args[i + 1];
        case "--blocks" -> distinct = Integer.parseInt(args[i + 1]);
        case "--passes" -> passes = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (String shape : shapes.split(",")) {
      Iterator<InstanceBlock> it = BlockAggregationBenchmark.newPacker(1.0, false)
          .pack(0, BlockAggregationBenchmark.rows(shape, 11));
      InstanceBlock[] blocks = new InstanceBlock[distinct];
      for (int k = 0; k < distinct; k++) {
        blocks[k] = it.next();
      }
      int d = blocks[0].numFeatures();
      for (String ms : models.split(",")) {
        int m = Integer.parseInt(ms);
        BlockAggregator[] aggs = new BlockAggregator[m];
        for (int k = 0; k < m; k++) {
          SplittableRandom r = new SplittableRandom(k);
          double[] beta = new double[d];
          for (int j = 0; j < d; j++) {
            beta[j] = 0.3 * r.nextGaussian();
          }
          aggs[k] = new BlockAggregator(LogitLoss.bce(1.0, 0.0),
              new InlineBroadcast<>(
                  new BlockAggregator.Coefficients(beta, -1.0)), d, 0.0);
        }
        double best0 = Double.POSITIVE_INFINITY;
        double best1 = Double.POSITIVE_INFINITY;
        for (int rep = 0; rep < 6; rep++) {
          long t = mx.getCurrentThreadCpuTime();
          for (int p = 0; p < passes; p++) {
            for (InstanceBlock b : blocks) {
              for (BlockAggregator a : aggs) {
                a.add(b);
              }
            }
          }
          double separate = (mx.getCurrentThreadCpuTime() - t) / 1e3 / (passes * distinct);
          t = mx.getCurrentThreadCpuTime();
          for (int p = 0; p < passes; p++) {
            for (InstanceBlock b : blocks) {
              BlockAggregator.addToEach(b, aggs, m);
            }
          }
          double batched = (mx.getCurrentThreadCpuTime() - t) / 1e3 / (passes * distinct);
          if (rep > 0) {
            // The first repetition warms up the JIT.
            best0 = Math.min(best0, separate);
            best1 = Math.min(best1, batched);
          }
        }
        System.out.printf(Locale.ROOT, "%s (%d rows/block, %s): M = %d models: own passes %.0f µs"
            + "/block, batched %.0f µs/block, own/batched = %.2f%n", shape,
            blocks[0].numRows(), blocks[0].isSparse() ? "CSR " + blocks[0].csrEncoding()
                : "dense", m, best0, best1, best0 / best1);
      }
    }
  }
}
