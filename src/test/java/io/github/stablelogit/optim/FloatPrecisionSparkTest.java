package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.StableMath;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.SparkTestSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.RDDInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code precision = "float"}: the cached blocks are smaller by the bytes of the stored feature
 * values (read from Spark's storage status while the fit runs), and the fit reaches the objective
 * of the double fit within 1e-6 relative, on dense and on CSR blocks.
 */
class FloatPrecisionSparkTest {

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("FloatPrecisionSparkTest");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Gaussian features with a logistic label; sparse rows keep {@code nnz} random features. */
  private static Dataset<Row> data(int n, int d, int nnz, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double z = -0.4;
      Row row;
      if (nnz >= d) {
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
          x[j] = 0.7 + 1.3 * rnd.nextGaussian();
          z += (j % 5 - 2) * 0.3 * x[j];
        }
        row = RowFactory.create(0.0, Vectors.dense(x));
      } else {
        java.util.TreeMap<Integer, Double> x = new java.util.TreeMap<>();
        while (x.size() < nnz) {
          int j = rnd.nextInt(d);
          double v = rnd.nextDouble() < 0.5 ? 1.0 : 0.1 + rnd.nextDouble();
          x.put(j, v);
        }
        int[] idx = x.keySet().stream().mapToInt(Integer::intValue).toArray();
        double[] val = x.values().stream().mapToDouble(Double::doubleValue).toArray();
        for (int k = 0; k < idx.length; k++) {
          z += (idx[k] % 7 - 3) * 0.4 * val[k];
        }
        row = RowFactory.create(0.0, Vectors.sparse(d, idx, val));
      }
      double y = rnd.nextDouble() < StableMath.sigmoid(z) ? 1.0 : 0.0;
      rows.add(RowFactory.create(y, row.get(1)));
    }
    StructType schema = new StructType(new StructField[] {
        new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
        new StructField("features", new VectorUDT(), false, Metadata.empty())});
    return spark.createDataFrame(rows, schema).repartition(2).cache();
  }

  /** A fit and the peak size of its cached blocks in Spark's storage status. */
  private record Fit(LogitClassificationModel model, long cachedBytes) {
    double objective() {
      double[] h = model.summary().objectiveHistory();
      return h[h.length - 1];
    }
  }

  private static Fit fit(Dataset<Row> df, String precision) {
    long[] peak = {0};
    LogitClassifier clf = new LogitClassifier().setRegParam(1e-3).setTol(1e-10).setMaxIter(300)
        .setPrecision(precision);
    clf.addIterationListener(it -> {
      long bytes = 0;
      for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
        if (info.name() != null && info.name().startsWith("stablelogit blocks")) {
          bytes += info.memSize() + info.diskSize();
        }
      }
      peak[0] = Math.max(peak[0], bytes);
    });
    LogitClassificationModel m = clf.fit(df);
    return new Fit(m, peak[0]);
  }

  @Test
  void denseFloatHalvesTheCacheAndMatchesTheDoubleObjective() {
    Dataset<Row> df = data(20_000, 50, 50, 7);
    Fit dbl = fit(df, "double");
    Fit flt = fit(df, "float");
    assertTrue(dbl.cachedBytes() > 20_000L * 50 * 8, "double blocks: " + dbl.cachedBytes());
    double ratio = (double) flt.cachedBytes() / dbl.cachedBytes();
    assertTrue(ratio <= 0.55, "cached bytes float/double = " + ratio);
    double rel = Math.abs(flt.objective() - dbl.objective()) / dbl.objective();
    assertTrue(rel <= 1e-6, "objective float " + flt.objective() + " vs double "
        + dbl.objective() + ": relative difference " + rel);
    assertEquals("float", flt.model().getPrecision());
    df.unpersist();
  }

  @Test
  void sparseFloatSavesFourBytesPerNonZeroAndMatchesTheDoubleObjective() {
    int n = 20_000;
    int nnz = 12;
    Dataset<Row> df = data(n, 400, nnz, 11);
    Fit dbl = fit(df, "double");
    Fit flt = fit(df, "float");
    // CSR blocks hold (16-bit index, value) per non-zero: float values save 4 of those 10 bytes.
    long saved = dbl.cachedBytes() - flt.cachedBytes();
    assertTrue(saved >= 0.9 * 4L * n * nnz, "saved " + saved + " bytes of "
        + dbl.cachedBytes() + "; expected about " + 4L * n * nnz);
    double rel = Math.abs(flt.objective() - dbl.objective()) / dbl.objective();
    assertTrue(rel <= 1e-6, "objective float " + flt.objective() + " vs double "
        + dbl.objective() + ": relative difference " + rel);
    df.unpersist();
  }

  @Test
  void floatFitsAreDeterministic() {
    Dataset<Row> df = data(3_000, 20, 20, 3);
    double[] a = fit(df, "float").model().coefficients().toArray();
    double[] b = fit(df, "float").model().coefficients().toArray();
    assertTrue(java.util.Arrays.equals(a, b), "two float fits differ");
    df.unpersist();
  }

  @Test
  void precisionIsValidated() {
    LogitClassifier clf = new LogitClassifier();
    assertEquals("double", clf.getPrecision());
    assertEquals("float", clf.setPrecision(" Float ").getPrecision());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> clf.setPrecision("half"));
    assertTrue(e.getMessage().contains("precision") && e.getMessage().contains("half"),
        e.getMessage());
    assertFalse(clf.precision().isValid().apply("half").equals(Boolean.TRUE));
  }
}
