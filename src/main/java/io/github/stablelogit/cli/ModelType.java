package io.github.stablelogit.cli;

import io.github.stablelogit.ml.ClassifierParams;
import io.github.stablelogit.ml.IterationListener;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitMLPClassificationModel;
import io.github.stablelogit.ml.LogitMLPClassifier;
import io.github.stablelogit.ml.LogitModel;
import java.util.Locale;
import org.apache.spark.sql.types.StructField;

/**
 * {@code --model-type}: the estimator {@code train} fits. The one place where the job tells the
 * linear model from the network; everything else goes through {@link ClassifierParams} and {@link
 * LogitModel}.
 */
enum ModelType {
  /** {@link LogitClassifier}, the default. */
  LINEAR("linear", "LogitClassifier"),
  /** {@link LogitMLPClassifier}. */
  MLP("mlp", "LogitMLPClassifier");

  /** The option's value. */
  final String flag;
  /** The estimator's class name, for help and messages. */
  final String estimator;

  ModelType(String flag, String estimator) {
    this.flag = flag;
    this.estimator = estimator;
  }

  /**
   * @param a the parsed command line
   * @return --model-type, linear when absent
   * @throws UsageException for another value
   */
  static ModelType of(CliArgs a) {
    if (!a.has("model-type")) {
      return LINEAR;
    }
    String v = a.get("model-type").toLowerCase(Locale.ROOT);
    for (ModelType t : values()) {
      if (t.flag.equals(v)) {
        return t;
      }
    }
    throw new UsageException("--model-type must be linear or mlp, but was " + a.get("model-type"));
  }

  /** @return a new estimator with default parameters */
  ClassifierParams<?> newEstimator() {
    return this == LINEAR ? new LogitClassifier() : new LogitMLPClassifier();
  }

  /**
   * Registers a callback for every optimizer iteration.
   *
   * @param estimator an estimator of {@link #newEstimator()}
   * @param listener the callback
   */
  static void listen(ClassifierParams<?> estimator, IterationListener listener) {
    if (estimator instanceof LogitClassifier c) {
      c.addIterationListener(listener);
    } else {
      ((LogitMLPClassifier) estimator).addIterationListener(listener);
    }
  }

  /**
   * The model's own part of the report: the coefficient table of a linear model, the layout of
   * a network.
   *
   * @param model the fitted model, with its summary
   * @param features the assembled features column
   * @return the section
   */
  static ModelSection section(LogitModel<?> model, StructField features) {
    return model instanceof LogitMLPClassificationModel net ? NetworkLayout.of(net)
        : CoefficientTable.of((LogitClassificationModel) model, features);
  }
}
