package io.github.stablelogit.bench;

import io.github.stablelogit.loss.DetMath;
import io.github.stablelogit.loss.LogitLoss;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ns per row of the batch loss kernel {@link LogitLoss#valueAndDerivatives} on 4096 rows (margins
 * ~ N(0, 3²), labels 0/1 with 24% positives, unit weights), for BCE and focal γ = 2 and γ = 0.5 (α
 * = 0.25), with and without a weight array; plus reference loops that show the floor: the bare
 * transcendentals a BCE row needs (one exp, one log1p, one division) and a plain sum.
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec -Dbench.main=org.openjdk.jmh.Main
 * -Dbench.args="KernelBenchmark -f 1 -wi 3 -i 5"}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KernelBenchmark {

  static final int N = 4096;

  /** The 4096 rows: margins ~ N(0, 3²), labels 0/1 with 24% positives, unit weights. */
  @State(Scope.Thread)
  public static class Rows {
    double[] margins;
    double[] labels;
    double[] weights;
    double[] out;

    @Setup
    public void setup() {
      SplittableRandom r = new SplittableRandom(7);
      margins = new double[N];
      labels = new double[N];
      weights = new double[N];
      out = new double[N];
      for (int i = 0; i < N; i++) {
        margins[i] = 3.0 * r.nextGaussian();
        labels[i] = r.nextDouble() < 0.24 ? 1.0 : 0.0;
        weights[i] = 1.0;
      }
    }
  }

  /** The loss; weighted = pass a weight array, as BlockAggregator always does. */
  @State(Scope.Thread)
  public static class Kernel {
    @Param({"bce", "bcePw3", "focal2", "focal0.5"})
    public String loss;

    @Param({"true", "false"})
    public boolean weighted;

    LogitLoss kernel;

    @Setup
    public void setup() {
      kernel = switch (loss) {
        case "bce" -> LogitLoss.bce(1.0, 0.0);
        case "bcePw3" -> LogitLoss.bce(3.0, 0.0);
        case "focal2" -> LogitLoss.focal(2.0, 0.25, 1.0, 0.0);
        case "focal0.5" -> LogitLoss.focal(0.5, 0.25, 1.0, 0.0);
        default -> throw new IllegalArgumentException(loss);
      };
    }
  }

  /** The kernel as BlockAggregator calls it. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double valueAndDerivatives(Rows d, Kernel k) {
    return k.kernel.valueAndDerivatives(d.margins, d.labels, k.weighted ? d.weights : null, d.out,
        N);
  }

  /** Floor: exp(−|z|), log1p and one division per row, as a BCE row needs. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double transcendentalFloor(Rows d) {
    double s = 0;
    double[] m = d.margins;
    double[] out = d.out;
    for (int i = 0; i < N; i++) {
      double e = Math.exp(-Math.abs(m[i]));
      double l = Math.log1p(e);
      out[i] = 1.0 / (1.0 + e);
      s += l;
    }
    return s;
  }

  /** Floor: exp only. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double expOnly(Rows d) {
    double s = 0;
    for (int i = 0; i < N; i++) {
      s += Math.exp(-Math.abs(d.margins[i]));
    }
    return s;
  }

  /** Floor: log only (an intrinsic, unlike log1p). */
  @Benchmark
  @OperationsPerInvocation(N)
  public double logOnly(Rows d) {
    double s = 0;
    for (int i = 0; i < N; i++) {
      s += Math.log(1.0 + Math.abs(d.margins[i]));
    }
    return s;
  }

  /** Floor: log1p only. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double log1pOnly(Rows d) {
    double s = 0;
    for (int i = 0; i < N; i++) {
      s += Math.log1p(Math.abs(d.margins[i]));
    }
    return s;
  }

  /** Floor: the kernel's deterministic exp only. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double detExpOnly(Rows d) {
    double s = 0;
    for (int i = 0; i < N; i++) {
      s += DetMath.exp(-Math.abs(d.margins[i]));
    }
    return s;
  }

  /** Floor: the kernel's deterministic log only. */
  @Benchmark
  @OperationsPerInvocation(N)
  public double detLogOnly(Rows d) {
    double s = 0;
    for (int i = 0; i < N; i++) {
      s += DetMath.log(1.0 + Math.abs(d.margins[i]));
    }
    return s;
  }
}
