package io.github.stablelogit.ml;

import io.github.stablelogit.ml.io.Persistence;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The saved form of a {@link LogitClassifierCVModel}: Spark's params metadata, one Parquet row
 * under {@code data/} with the path, and the best model under {@code bestModel/} (saved as every
 * {@link LogitClassificationModel}). Format version 1: (formatVersion, metric, selected,
 * numFolds, regParams, elasticNetParams, foldMetrics, coefficients, iterations), the last three
 * flattened row by row (grid points × folds, × (numFeatures + 1), × (folds + 1)). Version 2 adds
 * posWeights (one per grid point); a version 1 path has the best model's posWeight at every
 * point. The reader refuses unknown versions and inconsistent data.
 */
final class LogitClassifierCVModelIO {

  /** The data format version this library writes. */
  static final int FORMAT_VERSION = 2;

  private static final StructType DATA_SCHEMA = new StructType(new StructField[] {
      field("formatVersion", DataTypes.IntegerType),
      field("metric", DataTypes.StringType),
      field("selected", DataTypes.IntegerType),
      field("numFolds", DataTypes.IntegerType),
      field("regParams", DataTypes.createArrayType(DataTypes.DoubleType, false)),
      field("elasticNetParams", DataTypes.createArrayType(DataTypes.DoubleType, false)),
      field("foldMetrics", DataTypes.createArrayType(DataTypes.DoubleType, false)),
      field("coefficients", DataTypes.createArrayType(DataTypes.DoubleType, false)),
      field("iterations", DataTypes.createArrayType(DataTypes.IntegerType, false)),
      field("posWeights", DataTypes.createArrayType(DataTypes.DoubleType, false))});

  private LogitClassifierCVModelIO() {}

  private static StructField field(String name, org.apache.spark.sql.types.DataType t) {
    return new StructField(name, t, false, Metadata.empty());
  }

  static MLWriter writer(LogitClassifierCVModel model) {
    return new Persistence.AtomicWriter() {
      @Override
      public void saveImpl(String path) {
        Persistence.saveMetadata(model, path, sparkSession());
        TuningPath p = model.path();
        Row row = RowFactory.create(FORMAT_VERSION, p.metric, model.bestIndex(),
            p.foldMetrics[0].length, doubles(p.regParams), doubles(p.elasticNetParams),
            flat(p.foldMetrics), flat(p.coefficients), flatInts(p.iterations),
            doubles(p.posWeights));
        Persistence.writeDataRow(sparkSession(), path, row, DATA_SCHEMA);
        try {
          model.bestModel().write().save(path + "/bestModel");
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
  }

  static MLReader<LogitClassifierCVModel> reader() {
    return new MLReader<LogitClassifierCVModel>() {
      @Override
      public LogitClassifierCVModel load(String path) {
        DefaultParamsReader.Metadata md =
            Persistence.loadMetadata(path, sparkSession(), LogitClassifierCVModel.class);
        Row r = Persistence.readDataRow(sparkSession(), path);
        int version = r.getInt(r.fieldIndex("formatVersion"));
        Persistence.checkFormatVersion(path, version, FORMAT_VERSION);
        LogitClassificationModel best = LogitClassificationModel.load(path + "/bestModel");
        int k = r.getInt(r.fieldIndex("numFolds"));
        double[] lambdas = toDoubles(r.getList(r.fieldIndex("regParams")));
        double[] alphas = toDoubles(r.getList(r.fieldIndex("elasticNetParams")));
        int n = lambdas.length;
        double[] posWeights = new double[n];
        if (version >= 2) {
          posWeights = toDoubles(r.getList(r.fieldIndex("posWeights")));
        } else {
          java.util.Arrays.fill(posWeights, best.getPosWeight());
        }
        int selected = r.getInt(r.fieldIndex("selected"));
        double[][] metrics = unflat(toDoubles(r.getList(r.fieldIndex("foldMetrics"))), n, k);
        double[][] coef = unflat(toDoubles(r.getList(r.fieldIndex("coefficients"))), n,
            best.numFeatures() + 1);
        List<Integer> its = r.getList(r.fieldIndex("iterations"));
        if (alphas.length != n || posWeights.length != n || metrics == null || coef == null
            || its.size() != n * (k + 1) || selected < 0 || selected >= n) {
          throw Persistence.corrupt(path, "the path's arrays do not match " + n + " grid points, "
              + k + " folds and " + best.numFeatures() + " features");
        }
        int[][] iterations = new int[n][k + 1];
        for (int p = 0; p < n; p++) {
          for (int f = 0; f <= k; f++) {
            iterations[p][f] = its.get(p * (k + 1) + f);
          }
        }
        TuningPath tp = new TuningPath(lambdas, alphas, posWeights, metrics, coef, iterations,
            r.getString(r.fieldIndex("metric")));
        LogitClassifierCVModel m = new LogitClassifierCVModel(md.uid(), best, tp, selected);
        Persistence.setParams(md, m);
        return m;
      }
    };
  }

  private static List<Double> doubles(double[] a) {
    List<Double> out = new ArrayList<>(a.length);
    for (double v : a) {
      out.add(v);
    }
    return out;
  }

  private static List<Double> flat(double[][] a) {
    List<Double> out = new ArrayList<>();
    for (double[] row : a) {
      out.addAll(doubles(row));
    }
    return out;
  }

  private static List<Integer> flatInts(int[][] a) {
    List<Integer> out = new ArrayList<>();
    for (int[] row : a) {
      for (int v : row) {
        out.add(v);
      }
    }
    return out;
  }

  private static double[] toDoubles(List<Double> l) {
    return l.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Rows of length m, or null when the length is not n·m. */
  private static double[][] unflat(double[] a, int n, int m) {
    if (a.length != n * m) {
      return null;
    }
    double[][] out = new double[n][];
    for (int p = 0; p < n; p++) {
      out[p] = java.util.Arrays.copyOfRange(a, p * m, (p + 1) * m);
    }
    return out;
  }
}
