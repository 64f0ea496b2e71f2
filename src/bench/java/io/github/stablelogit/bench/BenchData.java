package io.github.stablelogit.bench;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Seeded synthetic benchmark data, generated inside Spark. Every row is a pure function of (seed,
 * row key), so the data do not depend on the partitioning.
 *
 * <ul>
 *   <li>{@code dense-<rows>x<d>} (e.g. dense-1Mx50): Gaussian features with per-feature mean and
 *       scale, label drawn from a logistic model (about 40% positive).
 *   <li>{@code a9a-like}: 123 binary features in 14 one-hot groups (14 non-zeros a row), 24%
 *       positive; 32,561 distinct rows (a9a's size) replicated 31× to 1,009,391 rows.
 *   <li>{@code w8a-like}: 300 binary features, 4 + Binomial(16, ½) ≈ 12 non-zeros a row drawn by
 *       Zipf-like popularity, 3% positive; 49,749 distinct rows (w8a's size) replicated 20× to
 *       994,980 rows.
 * </ul>
 *
 * Columns: features (Vector), label (double).
 */
final class BenchData {

  private BenchData() {}

  /** One benchmark data shape. */
  record Shape(String name, boolean sparse, long rows, int features, long distinctRows,
      double positiveRate) implements Serializable {

    static Shape parse(String name) {
      String n = name.trim().toLowerCase(Locale.ROOT);
      switch (n) {
        case "a9a-like":
          return new Shape(n, true, 32_561L * 31, 123, 32_561L, 0.24);
        case "w8a-like":
          return new Shape(n, true, 49_749L * 20, 300, 49_749L, 0.03);
        default:
          if (n.startsWith("dense-") && n.contains("x")) {
            String[] p = n.substring(6).split("x");
            long rows = parseCount(p[0]);
            int d = Math.toIntExact(parseCount(p[1]));
            return new Shape(n, false, rows, d, rows, Double.NaN);
          }
          throw new IllegalArgumentException("unknown shape " + name
              + " (dense-<rows>x<d> such as dense-1Mx50, a9a-like, w8a-like)");
      }
    }

    private static long parseCount(String s) {
      double mult = 1;
      if (s.endsWith("k")) {
        mult = 1e3;
        s = s.substring(0, s.length() - 1);
      } else if (s.endsWith("m")) {
        mult = 1e6;
        s = s.substring(0, s.length() - 1);
      }
      return Math.round(Double.parseDouble(s) * mult);
    }
  }

  /** The row generator: a pure function of the row key, with its parameter tables. */
  static final class Generator implements Serializable {
    private static final long serialVersionUID = 1L;
    /** One-hot group sizes of a9a-like (sum 123). */
    private static final int[] A9A_GROUPS = {5, 9, 16, 7, 15, 6, 5, 2, 3, 10, 12, 12, 6, 15};

    final Shape shape;
    final long seed;
    final double[] beta;
    final double[] mu;
    final double[] scale;
    /** Sparse: cumulative column popularity (w8a-like) or per-group category CDFs (a9a-like). */
    final double[] cdf;
    double intercept;

    Generator(Shape shape, long seed) {
      this.shape = shape;
      this.seed = seed;
      int d = shape.features();
      SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
      beta = new double[d];
      mu = new double[d];
      scale = new double[d];
      for (int j = 0; j < d; j++) {
        if (shape.sparse()) {
          beta[j] = 0.8 * r.nextGaussian();
        } else {
          beta[j] = 2.0 * r.nextGaussian() / Math.sqrt(d);
          mu[j] = r.nextDouble(-1, 1);
          scale[j] = r.nextDouble(0.5, 2.0);
        }
      }
      cdf = new double[d];
      if (shape.name().equals("a9a-like")) {
        int start = 0;
        for (int size : A9A_GROUPS) {
          double acc = 0;
          for (int k = 0; k < size; k++) {
            acc += 1.0 / (k + 1);
            cdf[start + k] = acc;
          }
          for (int k = 0; k < size; k++) {
            cdf[start + k] /= acc;
          }
          start += size;
        }
      } else if (shape.sparse()) {
        double acc = 0;
        for (int j = 0; j < d; j++) {
          acc += Math.pow(j + 10.0, -0.8);
          cdf[j] = acc;
        }
        for (int j = 0; j < d; j++) {
          cdf[j] /= acc;
        }
      }
      intercept = shape.sparse() ? calibrateIntercept(shape.positiveRate()) : -0.4;
    }

    /** Bisection on b so that the mean of σ(z + b) over a driver-side sample is the target. */
    private double calibrateIntercept(double target) {
      int m = 20_000;
      double[] z = new double[m];
      for (int i = 0; i < m; i++) {
        intercept = 0;
        z[i] = margin(features(i));
      }
      double lo = -30;
      double hi = 30;
      for (int it = 0; it < 100; it++) {
        double b = 0.5 * (lo + hi);
        double p = 0;
        for (double v : z) {
          p += 1.0 / (1.0 + Math.exp(-(v + b)));
        }
        if (p / m > target) {
          hi = b;
        } else {
          lo = b;
        }
      }
      return 0.5 * (lo + hi);
    }

    private SplittableRandom rng(long key, long stream) {
      long h = seed * 0x9E3779B97F4A7C15L + key * 0xBF58476D1CE4E5B9L + stream;
      h ^= h >>> 31;
      h *= 0x94D049BB133111EBL;
      h ^= h >>> 29;
      return new SplittableRandom(h);
    }

    Vector features(long key) {
      SplittableRandom r = rng(key, 1);
      int d = shape.features();
      if (!shape.sparse()) {
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
          x[j] = mu[j] + scale[j] * r.nextGaussian();
        }
        return Vectors.dense(x);
      }
      if (shape.name().equals("a9a-like")) {
        int[] idx = new int[A9A_GROUPS.length];
        int start = 0;
        for (int g = 0; g < A9A_GROUPS.length; g++) {
          double u = r.nextDouble();
          int k = 0;
          while (k < A9A_GROUPS[g] - 1 && cdf[start + k] < u) {
            k++;
          }
          idx[g] = start + k;
          start += A9A_GROUPS[g];
        }
        double[] ones = new double[idx.length];
        Arrays.fill(ones, 1.0);
        return Vectors.sparse(d, idx, ones);
      }
      int k = 4;
      for (int t = 0; t < 16; t++) {
        k += r.nextBoolean() ? 1 : 0;
      }
      boolean[] taken = new boolean[d];
      int[] idx = new int[k];
      int got = 0;
      while (got < k) {
        int j = Arrays.binarySearch(cdf, r.nextDouble());
        j = j >= 0 ? j : Math.min(-j - 1, d - 1);
        if (!taken[j]) {
          taken[j] = true;
          idx[got++] = j;
        }
      }
      Arrays.sort(idx);
      double[] ones = new double[k];
      Arrays.fill(ones, 1.0);
      return Vectors.sparse(d, idx, ones);
    }

    double margin(Vector x) {
      double z = intercept;
      if (shape.sparse()) {
        int[] idx = x.toSparse().indices();
        for (int j : idx) {
          z += beta[j];
        }
      } else {
        double[] v = x.toArray();
        for (int j = 0; j < v.length; j++) {
          z += beta[j] * (v[j] - mu[j]) / scale[j];
        }
      }
      return z;
    }

    Row row(long id) {
      long key = id % shape.distinctRows();
      Vector x = features(key);
      double p = 1.0 / (1.0 + Math.exp(-margin(x)));
      double y = rng(key, 2).nextDouble() < p ? 1.0 : 0.0;
      return RowFactory.create(x, y);
    }
  }

  static final StructType SCHEMA = new StructType()
      .add("features", SQLDataTypes.VectorType(), false)
      .add("label", DataTypes.DoubleType, false);

  /**
   * The shape's rows as a DataFrame of the given number of partitions (not cached).
   *
   * @param spark the session
   * @param shape the shape
   * @param partitions number of partitions
   * @param seed the seed
   * @return (features, label)
   */
  static Dataset<Row> build(SparkSession spark, Shape shape, int partitions, long seed) {
    Generator g = new Generator(shape, seed);
    JavaRDD<Row> rows = spark.range(0, shape.rows(), 1, partitions).javaRDD().map(g::row);
    return spark.createDataFrame(rows, SCHEMA);
  }
}
