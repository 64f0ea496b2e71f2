package io.github.stablelogit.bench;

import io.github.stablelogit.optim.BlockAggregationBenchmark;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The JMH benchmarks' operations timed by the thread's CPU time instead of the wall clock, for a
 * shared, loaded machine: time slicing by other processes then drops out (cache and memory
 * contention do not). All contenders run round-robin, each for about {@code --slice-ms} of CPU
 * per round, and the report is the median over {@code --rounds} rounds of CPU ns per row (per
 * block for the block operations, with rows per block to convert). {@code --filter a,b} keeps the
 * operations whose name contains a or b.
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec
 * -Dbench.main=io.github.stablelogit.bench.CpuTimeBenchmark -Dbench.args="--rounds 15"}.
 */
public final class CpuTimeBenchmark {

  private CpuTimeBenchmark() {}

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  static volatile Object sink;

  /** One timed operation: ops per call converts to per-row numbers. */
  record Op(String name, int rowsPerCall, Callable<Object> call) {}

  public static void main(String[] args) throws Exception {
    int rounds = 15;
    double sliceMs = 200;
    String out = System.getProperty("bench.out", "target/bench");
    String filter = "";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--slice-ms" -> sliceMs = Double.parseDouble(args[i + 1]);
        case "--out" -> out = args[i + 1];
        case "--filter" -> filter = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Op> ops = new ArrayList<>();
    KernelBenchmark kb = new KernelBenchmark();
    KernelBenchmark.Rows rows = new KernelBenchmark.Rows();
    rows.setup();
    for (String loss : new String[] {"bce", "bcePw3", "focal2", "focal0.5"}) {
      KernelBenchmark.Kernel k = new KernelBenchmark.Kernel();
      k.loss = loss;
      k.weighted = true;
      k.setup();
      ops.add(new Op("kernel " + loss + " (weighted)", KernelBenchmark.N,
          () -> kb.valueAndDerivatives(rows, k)));
    }
    ops.add(new Op("floor: exp+log1p+div", KernelBenchmark.N, () -> kb.transcendentalFloor(rows)));
    ops.add(new Op("floor: exp", KernelBenchmark.N, () -> kb.expOnly(rows)));
    ops.add(new Op("floor: log1p", KernelBenchmark.N, () -> kb.log1pOnly(rows)));
    ops.add(new Op("floor: log(1+x)", KernelBenchmark.N, () -> kb.logOnly(rows)));
    ops.add(new Op("floor: DetMath.exp", KernelBenchmark.N, () -> kb.detExpOnly(rows)));
    ops.add(new Op("floor: DetMath.log(1+x)", KernelBenchmark.N, () -> kb.detLogOnly(rows)));

    // Memory-bandwidth floor by CPU time: sum 16 MiB chunks cycling through a 400 MiB double[]
    // (always cold in cache); ns per double -> GB/s = 8 / ns.
    double[] big = new double[400 << 17];
    for (int i = 0; i < big.length; i++) {
      big[i] = i & 1023;
    }
    int chunk = 2 << 20;
    int[] at = {0};
    ops.add(new Op("stream sum 400 MiB (per double)", chunk, () -> {
      int from = at[0];
      at[0] = from + chunk >= big.length ? 0 : from + chunk;
      return Bandwidth.sum(big, from, from + chunk);
    }));

    BlockAggregationBenchmark bb = new BlockAggregationBenchmark();
    for (String shape : new String[] {"dense50", "csrA9a", "csrW8a"}) {
      for (int distinct : new int[] {1, 128}) {
        BlockAggregationBenchmark.Blocks s = new BlockAggregationBenchmark.Blocks();
        s.shape = shape;
        s.distinctBlocks = distinct;
        s.setup();
        if (distinct == 128) {
          String tag = shape + " streamed";
          BlockAggregationBenchmark.Blocks f = new BlockAggregationBenchmark.Blocks();
          f.shape = shape;
          f.distinctBlocks = distinct;
          f.precision = "float";
          f.setup();
          ops.add(new Op("block " + tag + ": aggregateFocal", s.rowsPerBlock(),
              () -> bb.aggregateFocal(s)));
          // A 1 MiB float block holds about twice the rows; per row the two are comparable.
          ops.add(new Op("block " + tag + ": aggregate float (bytes/row "
              + f.bytesPerBlock() / f.rowsPerBlock() + " vs " + s.bytesPerBlock() / s.rowsPerBlock()
              + ")", f.rowsPerBlock(), () -> bb.aggregate(f)));
        }
        BlockAggregationBenchmark.Impl def = new BlockAggregationBenchmark.Impl();
        def.blas = "default";
        def.setup();
        int n = s.rowsPerBlock();
        String tag = shape + (distinct == 1 ? " hot" : " streamed");
        ops.add(new Op("block " + tag + ": aggregate", n, () -> bb.aggregate(s)));
        ops.add(new Op("block " + tag + ": margins", n, () -> bb.margins(s, def)));
        ops.add(new Op("block " + tag + ": kernel", n, () -> bb.kernel(s)));
        if (distinct == 1) {
          BlockAggregationBenchmark.Impl java = new BlockAggregationBenchmark.Impl();
          java.blas = "java";
          java.setup();
          ops.add(new Op("block " + tag + ": margins (Java BLAS)", n, () -> bb.margins(s, java)));
          ops.add(new Op("block " + tag + ": pack", n, () -> bb.pack(s)));
        }
      }
    }

    // Newton's Hessian pass against the gradient pass on the same block, and the Gram's two BLAS
    // routes on one chunk (rows per call: the chunk's rows).
    for (String shape : new String[] {"dense50", "dense200", "csrA9a"}) {
      BlockAggregationBenchmark.Blocks s = new BlockAggregationBenchmark.Blocks();
      s.shape = shape;
      s.distinctBlocks = 128;
      s.setup();
      int n = s.rowsPerBlock();
      ops.add(new Op("hessian " + shape + ": gradient pass", n, () -> bb.aggregate(s)));
      ops.add(new Op("hessian " + shape + ": Hessian pass", n, () -> bb.hessian(s)));
      if (shape.startsWith("dense")) {
        int d = Integer.parseInt(shape.substring(5));
        int chunkRows = Math.max(1, 8192 / d);
        ops.add(new Op("hessian " + shape + ": Gram, dgemm panels", chunkRows,
            () -> bb.gramPanels(s)));
        ops.add(new Op("hessian " + shape + ": Gram, dsyrk", chunkRows, () -> bb.gramSyrk(s)));
        ops.add(new Op("products " + shape + ": margins Xβ", chunkRows,
            () -> bb.marginsProduct(s)));
        ops.add(new Op("products " + shape + ": margins Xβ, float rows", chunkRows,
            () -> bb.marginsProductFloat(s)));
        ops.add(new Op("products " + shape + ": gradient Xᵀv, scalar sweep", chunkRows,
            () -> bb.gradientScalar(s)));
        ops.add(new Op("products " + shape + ": gradient Xᵀv, lane-wise", chunkRows,
            () -> bb.gradientLaneWise(s)));
      }
    }

    String only = filter;
    ops.removeIf(op -> java.util.Arrays.stream(only.split(",")).noneMatch(op.name()::contains)
        && !op.name().startsWith("stream"));
    // Warm-up: two slices each, and at least 3,000 calls (at most 10 s) each: code using
    // jdk.incubator.vector (the float widening) runs tens of times slower until the JIT's last tier
    // has compiled it, which takes thousands of calls, not milliseconds.
    for (Op op : ops) {
      long calls = 0;
      long start = System.nanoTime();
      for (int w = 0; w < 2 || (calls < 3_000 && System.nanoTime() - start < 10_000_000_000L);
          w++) {
        calls += (long) (sliceMs * 1e6 / slice(op, sliceMs));
      }
    }
    Map<String, double[]> perRow = new LinkedHashMap<>();
    for (Op op : ops) {
      perRow.put(op.name(), new double[rounds]);
    }
    for (int r = 0; r < rounds; r++) {
      List<Op> order = new ArrayList<>(ops);
      if (r % 2 == 1) {
        java.util.Collections.reverse(order);
      }
      for (Op op : order) {
        perRow.get(op.name())[r] = slice(op, sliceMs) / op.rowsPerCall();
      }
    }
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "## CPU-time micro-benchmarks (thread CPU, median of %d"
        + " alternated rounds; load average %.1f)%n%n", rounds,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    md.append("| operation | rows/call | CPU ns per row | CPU µs per call | min–max ns/row |\n");
    md.append("|---|---:|---:|---:|---:|\n");
    for (Op op : ops) {
      double[] v = perRow.get(op.name());
      double med = FitBenchmark.median(v);
      double min = java.util.Arrays.stream(v).min().orElse(Double.NaN);
      double max = java.util.Arrays.stream(v).max().orElse(Double.NaN);
      md.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f | %.2f–%.2f |%n", op.name(),
          op.rowsPerCall(), med, med * op.rowsPerCall() / 1e3, min, max));
    }
    double bw = 8.0 / FitBenchmark.median(perRow.get("stream sum 400 MiB (per double)"));
    md.append(String.format(Locale.ROOT,
        "%nStream-read bandwidth by CPU time (1 thread): %.2f GB/s → a 1 MiB block costs at"
            + " least %.0f µs of CPU to read once.%n", bw, 1048576 / bw / 1e3));
    Path dir = Paths.get(out);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("cpu-latest.md"), md.toString(), StandardCharsets.UTF_8);
    System.out.println(md);
  }

  /** Runs op until about sliceMs of thread CPU; returns CPU ns per call. */
  private static double slice(Op op, double sliceMs) throws Exception {
    long budget = (long) (sliceMs * 1e6);
    long calls = 0;
    long t0 = THREADS.getCurrentThreadCpuTime();
    long t;
    do {
      for (int i = 0; i < 8; i++) {
        sink = op.call().call();
      }
      calls += 8;
      t = THREADS.getCurrentThreadCpuTime();
    } while (t - t0 < budget);
    return (double) (t - t0) / calls;
  }
}
