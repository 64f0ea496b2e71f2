package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import io.github.stablelogit.loss.LogitLoss;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * µs per 1 MiB block (the default maxBlockSizeInMB) of the per-evaluation work and of packing:
 *
 * <ul>
 *   <li>{@code aggregate}: {@link BlockAggregator#add}, the whole per-block work of an evaluation;
 *   <li>{@code aggregateFocal}: the same with focal loss (γ = 2, α = 0.25);
 *   <li>its parts: {@code kernel} (the loss batch kernel with the block's weights), and
 *       {@code margins}, the chunked pass of {@code InstanceBlock.forEachChunk} with a trivial
 *       kernel that sets dz = 0 (it reads the block once as an evaluation does: it bounds the
 *       BLAS part, it does not split it; the former {@code transposed}, Xᵀdz alone, is gone with
 *       the test-only method it called);
 *   <li>{@code pack}: {@link BlockPacker} turning the next block's worth of Spark Rows of a long
 *       partition into a block (validation, copy, statistics) — the setup pass without Spark's
 *       row decoding.
 * </ul>
 *
 * {@code precision}: feature storage, double or float. Shapes: {@code dense50} (Gaussian, 50
 * features: about 2.5k rows a block), {@code csrA9a} (123 binary features, 14 non-zeros a row:
 * about 5.5k rows a block) and {@code csrW8a} (300 binary features, 4 + Binomial(16, ½) non-zeros
 * a row drawn by Zipf-like column popularity, as FitBenchmark's w8a-like rows: rows of varying
 * length). {@code distinctBlocks} = 1 keeps
 * the block hot in cache; 128 cycles through 128 distinct blocks (~128 MiB), so every block comes
 * from memory as in a real pass. Rows and bytes per block are printed at setup. Constructors and
 * package-private methods are looked up reflectively, so the benchmark keeps compiling when their
 * signatures gain parameters (extra ones get neutral values).
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec -Dbench.main=org.openjdk.jmh.Main
 * -Dbench.args="BlockAggregationBenchmark -f 1 -wi 3 -i 5"}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BlockAggregationBenchmark {

  private static final RowProducts SCALAR_PRODUCTS = new RowProducts.Scalar();

  /** The packed blocks and everything the benchmarks need. */
  @State(Scope.Thread)
  public static class Blocks {
    @Param({"dense50", "csrA9a"})
    public String shape;

    @Param({"1", "128"})
    public int distinctBlocks;

    /** Feature storage: "double" or "float" (BlockPacker's single precision). */
    @Param({"double", "float"})
    public String precision = "double";

    InstanceBlock[] blocks;
    List<Row> oneBlockRows;
    BlockPacker packer;
    Iterator<InstanceBlock> packing;
    BlockAggregator agg;
    BlockAggregator focalAgg;
    HessianAggregator hessianAgg;
    /** A chunk's worth of rows as a column-major d×len matrix, for the Gram alone. */
    double[] chunk;
    /** The chunk's values rounded to single precision. */
    float[] chunkFloat;
    double[] gram;
    int chunkRows;
    LogitLoss loss = LogitLoss.bce(1.0, 0.0);
    BLAS blas = InstanceBlock.blas();
    Method margins;
    double[] beta;
    double offset = -1.0;
    double[] buf;
    double[] margins0;
    int next;

    @Setup
    public void setup() throws Exception {
      int d = features(shape);
      packer = newPacker(1.0, precision.equals("float"));
      Iterator<InstanceBlock> it = packer.pack(0, rows(shape, 11));
      blocks = new InstanceBlock[distinctBlocks];
      for (int k = 0; k < distinctBlocks; k++) {
        blocks[k] = it.next();
      }
      int n = blocks[0].numRows();
      // Four blocks' worth of rows, cycled endlessly through one long-lived packer: the steady
      // state of a partition (buffers grown once), one block per call.
      oneBlockRows = new ArrayList<>();
      Iterator<Row> src = rows(shape, 11);
      for (int i = 0; i < 4 * n; i++) {
        oneBlockRows.add(src.next());
      }
      List<Row> cycle = oneBlockRows;
      packing = packer.pack(0, new Iterator<Row>() {
        int at;

        @Override
        public boolean hasNext() {
          return true;
        }

        @Override
        public Row next() {
          Row r = cycle.get(at);
          at = at + 1 == cycle.size() ? 0 : at + 1;
          return r;
        }
      });
      SplittableRandom r = new SplittableRandom(3);
      beta = new double[d];
      for (int j = 0; j < d; j++) {
        beta[j] = 0.3 * r.nextGaussian();
      }
      agg = newAggregator(loss, new InlineBroadcast<>(new BlockAggregator.Coefficients(beta,
          offset)), d);
      focalAgg = newAggregator(LogitLoss.focal(2.0, 0.25, 1.0, 0.0), new InlineBroadcast<>(
          new BlockAggregator.Coefficients(beta, offset)), d);
      LogitLoss bce = loss;
      hessianAgg = new HessianAggregator(bce::valueDerivativesAndCurvatures, new InlineBroadcast<>(
          new BlockAggregator.Coefficients(beta, offset)), d, 0.0);
      chunkRows = Math.max(1, InstanceBlock.CHUNK_VALUES / d);
      chunk = new double[chunkRows * d];
      for (int i = 0; i < chunk.length; i++) {
        chunk[i] = r.nextGaussian();
      }
      chunkFloat = new float[chunk.length];
      for (int i = 0; i < chunk.length; i++) {
        chunkFloat[i] = (float) chunk[i];
      }
      gram = new double[d * d];
      margins = InstanceBlock.class.getDeclaredMethod("margins", BLAS.class, double[].class,
          double.class, double[].class);
      margins.setAccessible(true);
      int maxN = 0;
      for (InstanceBlock b : blocks) {
        maxN = Math.max(maxN, b.numRows());
      }
      buf = new double[maxN];
      margins0 = new double[maxN];
      margins.invoke(blocks[0], blas, beta, offset, margins0);
      System.out.printf(Locale.ROOT, "%n# %s (%s): %d rows x %d features per block, %s, %d bytes"
              + " (%.1f bytes/row), BLAS %s%n", shape, precision, n, d,
          blocks[0].isSparse() ? "CSR" : "dense", blocks[0].sizeInBytes(),
          (double) blocks[0].sizeInBytes() / n, blas.getClass().getSimpleName()
              + " (java: " + JavaBLAS.getInstance().getClass().getSimpleName() + ")");
    }

    /** @return bytes of the first block */
    public long bytesPerBlock() {
      return blocks[0].sizeInBytes();
    }

    /** @return rows in the first block */
    public int rowsPerBlock() {
      return blocks[0].numRows();
    }

    InstanceBlock nextBlock() {
      InstanceBlock b = blocks[next];
      next = next + 1 == blocks.length ? 0 : next + 1;
      return b;
    }
  }

  /** Which BLAS the component benchmarks pass: BLAS.getInstance() (what the library uses) or the
   * pure-Java one (VectorBLAS with jdk.incubator.vector), for when a native libblas is present. */
  @State(Scope.Thread)
  public static class Impl {
    @Param({"default", "java"})
    public String blas;

    BLAS impl;

    @Setup
    public void setup() {
      impl = blas.equals("java") ? JavaBLAS.getInstance()
          : BLAS.getInstance();
    }
  }

  /** csrW8a's cumulative column popularity, (j + 10)^−0.8 normalized. */
  private static final double[] W8A_CDF = new double[300];

  static {
    double acc = 0;
    for (int j = 0; j < 300; j++) {
      acc += Math.pow(j + 10.0, -0.8);
      W8A_CDF[j] = acc;
    }
    for (int j = 0; j < 300; j++) {
      W8A_CDF[j] /= acc;
    }
  }

  /** @return the number of features of the shape */
  static int features(String shape) {
    return shape.startsWith("dense") ? Integer.parseInt(shape.substring(5))
        : shape.equals("csrW8a") ? 300 : 123;
  }

  /** An endless seeded stream of (features, label, weight = 1) rows of the shape. */
  static Iterator<Row> rows(String shape, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    return new Iterator<Row>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Row next() {
        double y = r.nextDouble() < 0.24 ? 1.0 : 0.0;
        if (shape.startsWith("dense")) {
          double[] x = new double[Integer.parseInt(shape.substring(5))];
          for (int j = 0; j < x.length; j++) {
            x[j] = r.nextGaussian();
          }
          return RowFactory.create(Vectors.dense(x), y, 1.0);
        }
        if (shape.equals("csrW8a")) {
          // 4 + Binomial(16, ½) distinct columns, column j drawn with weight (j + 10)^−0.8.
          int nnz = 4;
          for (int t = 0; t < 16; t++) {
            nnz += r.nextBoolean() ? 1 : 0;
          }
          java.util.TreeSet<Integer> cols = new java.util.TreeSet<>();
          while (cols.size() < nnz) {
            int j = Arrays.binarySearch(W8A_CDF, r.nextDouble());
            cols.add(Math.min(j >= 0 ? j : -j - 1, 299));
          }
          int[] idx = cols.stream().mapToInt(Integer::intValue).toArray();
          double[] ones = new double[nnz];
          Arrays.fill(ones, 1.0);
          return RowFactory.create(Vectors.sparse(300, idx, ones), y, 1.0);
        }
        // 14 one-hot groups over 123 columns: one non-zero per group.
        int[] idx = new int[14];
        double[] ones = new double[14];
        for (int g = 0; g < 14; g++) {
          int lo = g * 123 / 14;
          int hi = (g + 1) * 123 / 14;
          idx[g] = lo + r.nextInt(hi - lo);
          ones[g] = 1.0;
        }
        return RowFactory.create(Vectors.sparse(123, idx, ones), y, 1.0);
      }
    };
  }

  static BlockPacker newPacker(double mb, boolean singlePrecision) throws Exception {
    Constructor<?> c = java.util.Arrays.stream(BlockPacker.class.getConstructors())
        .max(java.util.Comparator.comparingInt(Constructor::getParameterCount)).orElseThrow();
    Class<?>[] t = c.getParameterTypes();
    Object[] a = new Object[t.length];
    String[] names = {"features", "label", null};
    int s = 0;
    for (int i = 0; i < t.length; i++) {
      a[i] = t[i] == String.class ? (s < names.length ? names[s++] : null)
          : t[i] == double.class ? (Object) mb : neutral(t[i]);
    }
    if (t[t.length - 1] == boolean.class && t.length == 6) {
      a[5] = singlePrecision;
    }
    return (BlockPacker) c.newInstance(a);
  }

  static BlockAggregator newAggregator(LogitLoss loss, Broadcast<?> bc, int d) throws Exception {
    Constructor<?> c = BlockAggregator.class.getConstructors()[0];
    Class<?>[] t = c.getParameterTypes();
    Object[] a = new Object[t.length];
    for (int i = 0; i < t.length; i++) {
      a[i] = t[i] == LogitLoss.class ? loss : t[i] == Broadcast.class ? bc
          : t[i] == int.class ? (Object) d : neutral(t[i]);
    }
    return (BlockAggregator) c.newInstance(a);
  }

  private static Object neutral(Class<?> t) {
    if (t == boolean.class) {
      return false;
    } else if (t == double.class) {
      return 0.0;
    } else if (t == int.class) {
      return 0;
    } else if (t == long.class) {
      return 0L;
    }
    return null;
  }

  /** BlockAggregator.add: margins + kernel + Xᵀdz for one block (the aggregator is reused). */
  @Benchmark
  public double aggregate(Blocks s) {
    return s.agg.add(s.nextBlock()).lossSum();
  }

  /** As {@link #aggregate} with focal loss (γ = 2, α = 0.25). */
  @Benchmark
  public double aggregateFocal(Blocks s) {
    return s.focalAgg.add(s.nextBlock()).lossSum();
  }

  /** HessianAggregator.add: margins, curvatures, gradient and the Gram of one block. */
  @Benchmark
  public double hessian(Blocks s) {
    return s.hessianAgg.add(s.nextBlock()).lossSum();
  }

  /** The upper Gram of one chunk's rows by dgemm on column panels (what a Hessian pass runs). */
  @Benchmark
  public double gramPanels(Blocks s) {
    InstanceBlockGram.addUpperGram(s.blas, s.beta.length, s.chunkRows, s.chunk, s.gram);
    return s.gram[0];
  }

  /** The same Gram by one dsyrk (the BLAS routine made for it). */
  @Benchmark
  public double gramSyrk(Blocks s) {
    int d = s.beta.length;
    s.blas.dsyrk("U", "N", d, s.chunkRows, 1.0, s.chunk, 0, d, 1.0, s.gram, 0, d);
    return s.gram[0];
  }

  /** The gradient product g += Xᵀv of one chunk's rows by the scalar sweep (dense shapes). */
  @Benchmark
  public double gradientScalar(Blocks s) {
    SCALAR_PRODUCTS.addTransposed(s.chunk, 0, s.beta.length, s.chunkRows, s.margins0, s.gram);
    return s.gram[0];
  }

  /** The same product in this JVM's lane-wise form (the scalar one without the vector module). */
  @Benchmark
  public double gradientLaneWise(Blocks s) {
    RowProducts.INSTANCE.addTransposedLaneWise(s.chunk, 0, s.beta.length, s.chunkRows,
        s.margins0, s.gram);
    return s.gram[0];
  }

  /** The margins product z += Xβ of one chunk's rows in this JVM's form (dense shapes). */
  @Benchmark
  public double marginsProduct(Blocks s) {
    RowProducts.INSTANCE.addDots(s.chunk, 0, s.beta.length, s.chunkRows, s.beta, s.buf);
    return s.buf[0];
  }

  /** The same product of the chunk's single-precision rows (read directly where they can be). */
  @Benchmark
  public double marginsProductFloat(Blocks s) {
    RowProducts.INSTANCE.addDots(s.chunkFloat, 0, s.beta.length, s.chunkRows, s.beta, s.buf);
    return s.buf[0];
  }

  /** margins = Xβ + b. */
  @Benchmark
  public double margins(Blocks s, Impl b) throws Exception {
    s.margins.invoke(s.nextBlock(), b.impl, s.beta, s.offset, s.buf);
    return s.buf[0];
  }

  /** The loss kernel over the block's rows, with its weight array. */
  @Benchmark
  public double kernel(Blocks s) {
    InstanceBlock b = s.nextBlock();
    return s.loss.valueAndDerivatives(s.margins0, b.labels(), b.weights(), s.buf, b.numRows());
  }

  /** BlockPacker: the next block of a long partition (rows decoded, validated, copied, moments). */
  @Benchmark
  public InstanceBlock pack(Blocks s) {
    return s.packing.next();
  }
}
