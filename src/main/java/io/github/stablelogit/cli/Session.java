package io.github.stablelogit.cli;

import org.apache.spark.sql.SparkSession;
import scala.Option;

/** The SparkSession of a command: an active one is reused (and left running), else created. */
final class Session implements AutoCloseable {

  final SparkSession spark;
  private final boolean owned;

  private Session(SparkSession spark, boolean owned) {
    this.spark = spark;
    this.owned = owned;
  }

  /**
   * @param master --master, or null: spark-submit's (system property spark.master) if set,
   *     else an embedded local[*]
   * @param appName the application name
   * @return the session of the command
   */
  static Session open(String master, String appName) {
    Option<SparkSession> existing = SparkSession.getActiveSession();
    if (existing.isEmpty()) {
      existing = SparkSession.getDefaultSession();
    }
    if (existing.isDefined() && !existing.get().sparkContext().isStopped()) {
      return new Session(existing.get(), false);
    }
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    String effective = master;
    if (master == null && System.getProperty("spark.master") == null) {
      effective = "local[*]";
    }
    if (effective != null) {
      b = b.master(effective);
      if (System.getProperty("spark.master") == null && effective.startsWith("local")) {
        JobLogging.quietEmbedded();
        b = b.config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1");
      }
    }
    return new Session(b.getOrCreate(), true);
  }

  /** @return e.g. "Spark 4.2.0, master local[*]" */
  String describe() {
    return "Spark " + spark.version() + ", master " + spark.sparkContext().master()
        + (owned ? "" : " (existing session)");
  }

  @Override
  public void close() {
    if (owned) {
      spark.stop();
    }
  }
}
