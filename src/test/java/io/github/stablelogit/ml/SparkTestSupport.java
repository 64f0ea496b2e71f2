package io.github.stablelogit.ml;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
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

/** One local[2] session per test class and the project's sample data, for Spark tests. */
public final class SparkTestSupport {

  private SparkTestSupport() {}

  /** @return a new local[2] session with the UI off and loopback binding */
  public static SparkSession newSession(String name) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(name)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate();
  }

  /** @return the repository's sample-data folder */
  public static Path sampleData() {
    Path p = Paths.get("sample-data").toAbsolutePath();
    if (!p.toFile().isDirectory()) {
      throw new IllegalStateException(
          "sample-data/ not found from " + Paths.get("").toAbsolutePath());
    }
    return p;
  }

  /** @return breast cancer (569 × 30): columns label, features */
  public static Dataset<Row> breastCancer(SparkSession spark) {
    Dataset<Row> raw = spark.read().option("header", "true").option("inferSchema", "true")
        .csv(sampleData().resolve("breast_cancer.csv").toString());
    String[] features = Arrays.stream(raw.columns()).filter(c -> !c.equals("label"))
        .toArray(String[]::new);
    return new VectorAssembler().setInputCols(features).setOutputCol("features")
        .transform(raw).select("label", "features");
  }

  /**
   * @return bank marketing (41,188 rows, 11 % positive): columns label (y = "yes") and features,
   *     its 9 numeric columns (age, campaign, pdays, previous and the 5 economic indicators), in 4
   *     partitions
   */
  public static Dataset<Row> bankMarketing(SparkSession spark) {
    Dataset<Row> raw = spark.read().option("header", "true").option("sep", ";")
        .option("inferSchema", "true")
        .csv(sampleData().resolve("bank-additional-full.csv.gz").toString());
    String[] numeric = {"age", "campaign", "pdays", "previous", "`emp.var.rate`",
        "`cons.price.idx`", "`cons.conf.idx`", "euribor3m", "`nr.employed`"};
    Dataset<Row> renamed = raw;
    for (String c : raw.columns()) {
      renamed = renamed.withColumnRenamed(c, c.replace('.', '_'));
    }
    String[] inputs = new String[numeric.length];
    for (int i = 0; i < numeric.length; i++) {
      inputs[i] = numeric[i].replace("`", "").replace('.', '_');
    }
    return new VectorAssembler().setInputCols(inputs).setOutputCol("features")
        .transform(renamed.withColumn("label",
            org.apache.spark.sql.functions.col("y").equalTo("yes").cast("double")))
        .select("label", "features").repartition(4);
  }

  /**
   * @param spark the session
   * @param path a LIBSVM file (gzipped or not)
   * @param numFeatures its number of features (a test file may not use the last index)
   * @return columns label (−1/+1 or 0/1 in the file, mapped to 0/1) and features
   */
  public static Dataset<Row> libsvm(SparkSession spark, String path, int numFeatures) {
    return spark.read().format("libsvm").option("numFeatures", numFeatures).load(path)
        .withColumn("label", org.apache.spark.sql.functions.col("label").gt(0).cast("double"));
  }

  /**
   * @param spark the session
   * @param test whether to read LIBSVM's test file a9a.t (16,281 rows) instead of the training
   *     file a9a (32,561 rows)
   * @return a9a (UCI Adult, 123 binary features, 24 % positive) from sample-data: label, features
   */
  public static Dataset<Row> a9a(SparkSession spark, boolean test) {
    String file = test ? "a9a.t.libsvm.gz" : "a9a.libsvm.gz";
    return libsvm(spark, sampleData().resolve(file).toString(), 123);
  }

  /** Bank marketing's 10 categorical columns (dots in names replaced by underscores). */
  public static final String[] BANK_CATEGORICAL = {"job", "marital", "education", "default",
      "housing", "loan", "contact", "month", "day_of_week", "poutcome"};

  /** Bank marketing's 9 numeric columns other than duration (underscored names). */
  public static final String[] BANK_NUMERIC = {"age", "campaign", "pdays", "previous",
      "emp_var_rate", "cons_price_idx", "cons_conf_idx", "euribor3m", "nr_employed"};

  /**
   * @return bank marketing as read (dots in column names replaced by underscores) with a double
   *     label column (y = "yes"), in 4 partitions; duration is dropped, being known only after
   *     the call whose outcome it would predict
   */
  public static Dataset<Row> bankMarketingRaw(SparkSession spark) {
    Dataset<Row> raw = spark.read().option("header", "true").option("sep", ";")
        .option("inferSchema", "true")
        .csv(sampleData().resolve("bank-additional-full.csv.gz").toString());
    for (String c : raw.columns()) {
      raw = raw.withColumnRenamed(c, c.replace('.', '_'));
    }
    return raw.withColumn("label",
        org.apache.spark.sql.functions.col("y").equalTo("yes").cast("double"))
        .drop("y", "duration").repartition(4);
  }

  /**
   * @return the encoding a user would fit for bank marketing's full feature set: its categorical
   *     columns through StringIndexer and OneHotEncoder (unseen values kept, as the job's feature
   *     plan does) and, with the numeric columns, assembled into features
   */
  public static Pipeline bankMarketingEncoding() {
    int n = BANK_CATEGORICAL.length;
    String[] idx = new String[n];
    String[] ohe = new String[n];
    for (int i = 0; i < n; i++) {
      idx[i] = BANK_CATEGORICAL[i] + "_idx";
      ohe[i] = BANK_CATEGORICAL[i] + "_ohe";
    }
    String[] assembled = Arrays.copyOf(BANK_NUMERIC, BANK_NUMERIC.length + n);
    System.arraycopy(ohe, 0, assembled, BANK_NUMERIC.length, n);
    return new Pipeline().setStages(new PipelineStage[] {
        new StringIndexer().setInputCols(BANK_CATEGORICAL).setOutputCols(idx)
            .setHandleInvalid("keep").setStringOrderType("frequencyDesc"),
        new OneHotEncoder().setInputCols(idx).setOutputCols(ohe).setHandleInvalid("keep"),
        new VectorAssembler().setInputCols(assembled).setOutputCol("features")});
  }

  /** @return breast cancer as read from the CSV: label and the 30 numeric feature columns */
  public static Dataset<Row> breastCancerRaw(SparkSession spark) {
    return spark.read().option("header", "true").option("inferSchema", "true")
        .csv(sampleData().resolve("breast_cancer.csv").toString());
  }

  /** @return the names of the breast cancer feature columns, in file order */
  public static String[] breastCancerFeatureNames(SparkSession spark) {
    return Arrays.stream(breastCancerRaw(spark).columns()).filter(c -> !c.equals("label"))
        .toArray(String[]::new);
  }

  /**
   * A small labelled dataset held on the driver, so that tests can compute references in plain
   * Java and build Spark frames with a chosen layout from exactly the same numbers.
   *
   * @param x rows of features
   * @param y labels
   * @param w instance weights (all 1 when the data has no weight column)
   */
  public record LocalData(double[][] x, double[] y, double[] w) {

    /** @return number of rows */
    public int rows() {
      return y.length;
    }

    /** @return number of features */
    public int features() {
      return x.length == 0 ? 0 : x[0].length;
    }

    /** @return the same rows with weights drawn uniformly from [lo, hi] by a seeded generator */
    public LocalData withRandomWeights(long seed, double lo, double hi) {
      Random rnd = new Random(seed);
      double[] nw = new double[rows()];
      for (int i = 0; i < nw.length; i++) {
        nw[i] = lo + (hi - lo) * rnd.nextDouble();
      }
      return new LocalData(x, y, nw);
    }

    /**
     * The same rows with feature j moved to mean offset[j] and standard deviation scale[j] (an
     * affine map per feature, so the information is unchanged but the penalty on raw coefficients
     * changes).
     */
    public LocalData rescaled(double[] scale, double[] offset) {
      int n = rows();
      int d = features();
      double[][] nx = new double[n][d];
      for (int j = 0; j < d; j++) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
          mean += x[i][j];
        }
        mean /= n;
        double m2 = 0;
        for (int i = 0; i < n; i++) {
          m2 += (x[i][j] - mean) * (x[i][j] - mean);
        }
        double std = Math.sqrt(m2 / (n - 1));
        for (int i = 0; i < n; i++) {
          nx[i][j] = (x[i][j] - mean) / std * scale[j] + offset[j];
        }
      }
      return new LocalData(nx, y, w);
    }

    /** @return the same rows with weight k on label-1 rows and 1 on the others */
    public LocalData withPositiveWeight(double k) {
      double[] nw = new double[rows()];
      for (int i = 0; i < nw.length; i++) {
        nw[i] = y[i] == 1.0 ? k : 1.0;
      }
      return new LocalData(x, y, nw);
    }

    /**
     * A frame (label double, weight double, features vector), repartitioned into {@code partitions}
     * partitions (Spark's round-robin, which is deterministic for a fixed input), cached and
     * materialized.
     *
     * @param spark the session
     * @param partitions number of partitions
     * @param sparse whether features are SparseVectors (else DenseVectors)
     * @return the frame
     */
    public Dataset<Row> toFrame(SparkSession spark, int partitions, boolean sparse) {
      List<Row> rows = new ArrayList<>(rows());
      for (int i = 0; i < rows(); i++) {
        Vector v = Vectors.dense(x[i].clone());
        rows.add(RowFactory.create(y[i], w[i], sparse ? v.toSparse() : v.toDense()));
      }
      StructType schema = new StructType(new StructField[] {
          new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
          new StructField("weight", DataTypes.DoubleType, false, Metadata.empty()),
          new StructField("features", new VectorUDT(), false, Metadata.empty())});
      Dataset<Row> df = spark.createDataFrame(rows, schema).coalesce(1)
          .repartition(partitions).cache();
      df.count();
      return df;
    }
  }

  /** @return the rows of a (label, features[, weight]) frame collected to the driver, in order */
  public static LocalData collect(Dataset<Row> df) {
    boolean weighted = Arrays.asList(df.columns()).contains("weight");
    List<Row> rows = df.collectAsList();
    double[][] x = new double[rows.size()][];
    double[] y = new double[rows.size()];
    double[] w = new double[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      x[i] = ((Vector) r.getAs("features")).toArray();
      y[i] = ((Number) r.getAs("label")).doubleValue();
      w[i] = weighted ? ((Number) r.getAs("weight")).doubleValue() : 1.0;
    }
    return new LocalData(x, y, w);
  }

  /**
   * A seeded sparse binary problem: each row has up to {@code nnzPerRow} non-zeros at random
   * columns (values 1 or a standard normal draw, like one-hot and numeric LIBSVM features), and
   * labels drawn from a logistic model with random coefficients, so both classes occur and the
   * data are not separable.
   *
   * @param seed the seed
   * @param n rows
   * @param d features
   * @param nnzPerRow non-zeros per row
   * @return the data (weights 1)
   */
  public static LocalData sparseLogistic(long seed, int n, int d, int nnzPerRow) {
    Random rnd = new Random(seed);
    double[] beta = new double[d];
    for (int j = 0; j < d; j++) {
      beta[j] = rnd.nextGaussian();
    }
    double[][] x = new double[n][d];
    double[] y = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      double z = -0.3;
      for (int k = 0; k < nnzPerRow; k++) {
        int j = rnd.nextInt(d);
        double v = rnd.nextBoolean() ? 1.0 : rnd.nextGaussian();
        x[i][j] = v;
      }
      for (int j = 0; j < d; j++) {
        z += x[i][j] * beta[j];
      }
      y[i] = rnd.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1.0 : 0.0;
      w[i] = 1.0;
    }
    return new LocalData(x, y, w);
  }
}
