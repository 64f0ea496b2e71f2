package io.github.stablelogit.loss;

/**
 * The scratch arrays of the batch loss kernels, one set per thread: both kernels ({@link
 * KernelChunks}' loops and the lane-wise {@link VectorBceKernel}) evaluate a batch in chunks of
 * {@link #CHUNK} rows, one simple pass after the other over the chunk (exp; the division and
 * log1p; the rest; the row loops split the exp and the log further, into the passes that read
 * their tables and those that do not), keeping each pass's results here. Allocated per call, the
 * arrays cost ≈ 0.45 µs a call, ≈ 3 ns a row in the 163-row calls of a dense pass over 50
 * features. Every array is written before it is read within a call. The row loops have arrays of
 * their own: the lane-wise kernel hands single vectors to the row code in the middle of a chunk.
 * The scalar focal passes ({@link KernelChunks#focalPasses}) use the row loops' arrays for the exp
 * and log and the lane-wise kernel's for the rest: the two focal kernels never run inside one
 * another, and the rows they hand on go to the row code, which needs no scratch.
 */
final class KernelScratch {

  /**
   * Rows per chunk. Small enough that the arrays (lane-wise three for BCE, seven for focal loss;
   * the row loops five, the scalar focal passes six more) and the chunk's inputs and outputs stay
   * in a 32 KiB L1 data cache; with 512 rows the focal ones alone filled it and the lane-wise
   * kernels were 5–15 % slower per row.
   */
  static final int CHUNK = 256;

  private static final ThreadLocal<KernelScratch> PER_THREAD =
      ThreadLocal.withInitial(KernelScratch::new);

  /** Lane-wise kernel: e^(−|z|), then (focal loss) m^γ; the scalar focal passes: m^γ. */
  final double[] e = new double[CHUNK];
  /** Lane-wise kernel: 1/(1 + e). */
  final double[] inv = new double[CHUNK];
  /** Lane-wise kernel: log(1 + e), then (focal loss) B; the scalar focal passes: B. */
  final double[] l1p = new double[CHUNK];
  /** Focal kernels (lane-wise, scalar passes): m. */
  final double[] m = new double[CHUNK];
  /** Focal kernels: α_t. */
  final double[] alphaT = new double[CHUNK];
  /** Focal kernels: γrB + B'. */
  final double[] bracket = new double[CHUNK];
  /** Focal kernels: the curvature bracket. */
  final double[] curvBracket = new double[CHUNK];
  /** Row loops: e^(−|z|). */
  final double[] rowE = new double[CHUNK];
  /** Row loops: 1/(1 + e). */
  final double[] rowInv = new double[CHUNK];
  /** Row loops: log(1 + e). */
  final double[] rowL1p = new double[CHUNK];
  /**
   * Row loops' exp and log passes ({@link KernelChunks#expLogPass}): table entries, 2^(j/N) (hi)
   * and then 1/c.
   */
  final double[] tableA = new double[CHUNK];
  /** Row loops' exp and log passes: table entries, 2^(j/N) (lo) and then log c. */
  final double[] tableB = new double[CHUNK];
  /** Lane-wise kernel: table indices of one vector. */
  private int[] index;
  /** Lane-wise kernel: the weighted losses of one vector. */
  private double[] terms;

  private KernelScratch() {}

  /** @return this thread's scratch */
  static KernelScratch get() {
    return PER_THREAD.get();
  }

  /**
   * @param lanes the vector length
   * @return an int array of exactly that length
   */
  int[] index(int lanes) {
    if (index == null || index.length != lanes) {
      index = new int[lanes];
    }
    return index;
  }

  /**
   * @param lanes the vector length
   * @return a double array of exactly that length
   */
  double[] terms(int lanes) {
    if (terms == null || terms.length != lanes) {
      terms = new double[lanes];
    }
    return terms;
  }
}
