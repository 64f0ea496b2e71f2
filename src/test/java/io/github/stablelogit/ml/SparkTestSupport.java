package io.github.stablelogit.ml;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

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
      throw new IllegalStateException("sample-data/ not found from " + Paths.get("").toAbsolutePath());
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
}
