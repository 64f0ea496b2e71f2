package io.github.stablelogit.loss;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch loss kernels, BCE and focal, evaluated several rows at a time with {@code
 * jdk.incubator.vector} ({@link VectorBceKernel}), when the module is present: the formulas of
 * {@link KernelChunks#bceRows} and of {@link LogitLossKernel#row} for focal loss operation for
 * operation in every lane ({@code + − × ÷}, fma, square root, exact bit operations and table
 * reads are correctly rounded or exact lane-wise), the weighted losses added in row order, so
 * the bits are those of the scalar loops whichever runs. Focal rows outside the range of the
 * lane-wise form (m^γ formed in log space, e^(−|z|) subnormal) go through the row code.
 *
 * <p><b>When.</b> Vector API code runs hundreds of times slower than the scalar loop until the
 * JIT's last tier has compiled it, which takes seconds of CPU: more than a fit of a few million
 * rows spends in the kernel. So by default ({@code -Dstablelogit.kernel.lanes=auto}) the kernel
 * stays scalar until this JVM has evaluated {@link #WARM_UP_AFTER_ROWS} rows; then a daemon
 * thread runs the lane-wise kernels (BCE and focal) on synthetic rows until they are cheaper per
 * row than the scalar loops by thread CPU time (giving up after {@link #WARM_UP_CPU_NS}), and
 * only then do the callers switch to them. {@code always} uses them from the start (benchmarks,
 * tests), {@code never} not at all. The choice changes no result bit.
 */
abstract class BceLanes {

  /**
   * Rows a JVM evaluates with the scalar loops before it warms the lane-wise kernel up: ≈ 5 s of
   * CPU at 10 ns a BCE row, about what the warm-up costs (4.7–6 s of process CPU).
   */
  static final long WARM_UP_AFTER_ROWS = 500_000_000L;
  /** Thread CPU the warm-up spends at most before it leaves the kernel scalar. */
  static final long WARM_UP_CPU_NS = 120_000_000_000L;

  private static final Logger LOG = LoggerFactory.getLogger(BceLanes.class);
  private static final String MODE =
      System.getProperty("stablelogit.kernel.lanes", "auto").trim().toLowerCase(Locale.ROOT);
  private static final boolean AVAILABLE = !MODE.equals("never")
      && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  /**
   * The lane-wise kernel once it is to be used (null before): loaded at once for {@code always},
   * else by the warm-up, so that a JVM that never warms it up does not even initialize the
   * vector classes.
   */
  private static volatile BceLanes lanes = AVAILABLE && MODE.equals("always") ? load() : null;
  private static volatile boolean warming;
  /** Keeps the warm-up's results alive. */
  private static volatile double sink;
  /** Rows evaluated by the scalar loops; updated without synchronization, so approximate. */
  private static long scalarRows;

  /**
   * The lane-wise kernels for a batch of n rows, or null for the scalar loops; counts the rows
   * of the latter and starts the warm-up when they are many.
   *
   * @param n rows in the batch
   * @return the lane-wise kernel, or null
   */
  static BceLanes lanes(int n) {
    BceLanes ready = lanes;
    if (ready != null || !AVAILABLE) {
      return ready;
    }
    scalarRows += n;
    if (scalarRows > WARM_UP_AFTER_ROWS && !warming && MODE.equals("auto")) {
      startWarmUp();
    }
    return null;
  }

  /** @return whether the lane-wise kernels are in use in this JVM (from now on) */
  static boolean active() {
    return lanes != null;
  }

  /** As {@link KernelChunks#bceBatch}. */
  abstract double bce(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int n);

  /** As {@link KernelChunks#focalBatch}, for γ &gt; 0. */
  abstract double focal(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int n);

  private static synchronized void startWarmUp() {
    if (warming) {
      return;
    }
    warming = true;
    Thread t = new Thread(BceLanes::warmUp, "stablelogit-kernel-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  /**
   * Times the lane-wise and the scalar kernels (BCE and focal, alternately) on synthetic rows
   * until the lane-wise ones are the cheaper.
   */
  private static void warmUp() {
    BceLanes candidate = load();
    if (candidate == null) {
      return;
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int n = 512;
    SplittableRandom r = new SplittableRandom(1);
    double[] z = new double[n];
    double[] y = new double[n];
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      z[i] = 3.0 * r.nextGaussian();
      y[i] = r.nextDouble() < 0.3 ? 1.0 : 0.0;
    }
    LogitLoss loss = LogitLoss.bce(1.0, 0.0);
    // Both forms of m^γ, a product and DetMath.pow: no kernel runs interpreted after the switch.
    LogitLoss[] focal = {LogitLoss.focal(2.0, 0.25, 1.0, 0.0),
        LogitLoss.focal(1.5, -1.0, 1.0, 0.0)};
    long start = threads.getCurrentThreadCpuTime();
    while (threads.getCurrentThreadCpuTime() - start < WARM_UP_CPU_NS) {
      long t0 = threads.getCurrentThreadCpuTime();
      for (int k = 0; k < 64; k++) {
        sink = candidate.bce(loss, z, 0, y, null, d, null, n);
        sink = candidate.focal(focal[k & 1], z, 0, y, null, d, null, n);
      }
      long t1 = threads.getCurrentThreadCpuTime();
      for (int k = 0; k < 64; k++) {
        sink = KernelChunks.bceRows(loss, z, 0, y, null, d, null, 0, n, 0.0);
        sink = KernelChunks.rows(focal[k & 1], z, 0, y, null, null, null, d, null, n);
      }
      long t2 = threads.getCurrentThreadCpuTime();
      if (t1 - t0 < t2 - t1) {
        lanes = candidate;
        LOG.info("Loss kernel: lane-wise from now on, after {} s of warm-up CPU ({} ns/row vs {}"
            + " scalar, BCE and focal)", (t2 - start) / 1e9, (t1 - t0) / (128.0 * n),
            (t2 - t1) / (128.0 * n));
        return;
      }
    }
    LOG.info("Loss kernel: stays scalar; the lane-wise kernel was not faster after {} s of"
        + " warm-up CPU", WARM_UP_CPU_NS / 1e9);
  }

  private static BceLanes load() {
    try {
      return (BceLanes) Class.forName("io.github.stablelogit.loss.VectorBceKernel")
          .getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
      return null;
    }
  }
}
