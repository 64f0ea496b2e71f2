package io.github.stablelogit.cli;

import java.net.URL;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.DefaultConfiguration;

/**
 * Quiets Spark's logging for the command-line job (WARN on stderr) by loading the bundled {@code
 * stablelogit-job-log4j2.properties} — but only when the user configured nothing: no {@code
 * -Dlog4j2.configurationFile} (or the older {@code log4j.configurationFile}, or {@code
 * LOG4J_CONFIGURATION_FILE}), and log4j found no configuration of its own on the classpath (it runs
 * on its built-in default, or on Spark's default profile, which Spark loads when there is none).
 */
final class JobLogging {

  static final String RESOURCE = "/stablelogit-job-log4j2.properties";

  private static volatile boolean applied;

  private JobLogging() {}

  /** @return true if the job's configuration was applied */
  static boolean configure() {
    if (System.getProperty("log4j2.configurationFile") != null
        || System.getProperty("log4j.configurationFile") != null
        || System.getenv("LOG4J_CONFIGURATION_FILE") != null) {
      return false;
    }
    try {
      if (!(LogManager.getContext(false) instanceof LoggerContext ctx)) {
        return false;
      }
      if (!isDefault(ctx.getConfiguration())) {
        return false;
      }
      URL url = JobLogging.class.getResource(RESOURCE);
      if (url == null) {
        return false;
      }
      ctx.setConfigLocation(url.toURI());
      applied = true;
      return true;
    } catch (Exception | LinkageError e) {
      return false; // logging is best effort; another backend or a broken setup keeps its own
    }
  }

  /**
   * For an embedded local Spark under the job's own configuration: hides the warning that the host
   * name resolves to a loopback address, which does not matter when the driver binds to 127.0.0.1.
   */
  static void quietEmbedded() {
    if (applied) {
      try {
        Configurator.setLevel("org.apache.spark.util.Utils", Level.ERROR);
      } catch (RuntimeException | LinkageError e) {
        // best effort
      }
    }
  }

  static boolean isDefault(Configuration c) {
    if (c instanceof DefaultConfiguration) {
      return true;
    }
    ConfigurationSource src = c.getConfigurationSource();
    String loc = src == null ? null : src.getLocation();
    return loc != null && (loc.contains("org/apache/spark/log4j2-defaults.properties")
        || loc.contains("org/apache/spark/log4j2-json-layout.properties"));
  }
}
