package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitClassifierCV;
import io.github.stablelogit.ml.LogitClassifierCVModel;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamPair;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The cross-validation options of {@code train}: {@code --cv-folds K} turns the fit into a
 * {@link LogitClassifierCV} over K folds hashed from the rows (seeded by {@code --seed}) and
 * {@code --reg-params auto|v1,v2,…}, {@code --elastic-net-params a1,a2,…}, {@code --pos-weights
 * p1,p2,…} and {@code --cv-metric} shape its grid and selection. The selected model is the
 * pipeline's classifier; the path is printed and written to the metrics JSON.
 */
final class CrossValidationOptions {

  /** The options that take a value. */
  static final List<String> OPTIONS = List.of("cv-folds", "reg-params", "elastic-net-params",
      "pos-weights", "cv-metric");

  final int folds;
  /** The regParams, or null for the automatic path. */
  final double[] regParams;
  /** The elasticNetParams, or null for --elastic-net-param alone. */
  final double[] elasticNetParams;
  /** The posWeights, or null for --pos-weight alone. */
  final double[] posWeights;
  final String metric;

  private CrossValidationOptions(CliArgs a) {
    folds = a.getInt("cv-folds");
    if (folds < 2) {
      throw new UsageException("--cv-folds must be >= 2, but was " + folds);
    }
    String reg = a.has("reg-params") ? a.require("reg-params").trim() : "auto";
    regParams = "auto".equalsIgnoreCase(reg) ? null : numbers(a, "reg-params");
    elasticNetParams = a.has("elastic-net-params") ? numbers(a, "elastic-net-params") : null;
    posWeights = a.has("pos-weights") ? numbers(a, "pos-weights") : null;
    metric = a.has("cv-metric") ? a.require("cv-metric") : "loss";
  }

  /**
   * @param a the parsed command line of {@code train}
   * @param validating whether validation rows were asked for
   * @return the options, or null without --cv-folds
   */
  static CrossValidationOptions parse(CliArgs a, boolean validating) {
    if (!a.has("cv-folds")) {
      for (String o : OPTIONS) {
        if (a.has(o)) {
          throw new UsageException("--" + o + " only applies with --cv-folds K");
        }
      }
      return null;
    }
    if (validating) {
      throw new UsageException("--cv-folds evaluates on held-out folds; leave out "
          + "--validation-fraction, --validation-indicator-col and --early-stopping-rounds");
    }
    return new CrossValidationOptions(a);
  }

  private static double[] numbers(CliArgs a, String name) {
    List<String> items = a.getList(name);
    double[] v = new double[items.size()];
    for (int i = 0; i < v.length; i++) {
      try {
        v[i] = Double.parseDouble(items.get(i));
      } catch (NumberFormatException e) {
        throw new UsageException("--" + name + " expects numbers, but got '" + items.get(i)
            + "'");
      }
    }
    return v;
  }

  /**
   * @param clf the classifier the other flags describe (columns set)
   * @param seed the seed of the fold hash
   * @return the cross-validating estimator with all of its params
   */
  LogitClassifierCV estimator(LogitClassifier clf, long seed) {
    LogitClassifierCV empty = new LogitClassifierCV();
    ParamMap same = new ParamMap();
    for (ParamPair<?> pp : clf.extractParamMap().toList()) {
      if (empty.hasParam(pp.param().name())) {
        same.put(new ParamPair<Object>(empty.getParam(pp.param().name()), pp.value()));
      }
    }
    LogitClassifierCV cv = empty.copy(same);
    try {
      cv.setNumFolds(folds).setSeed(seed).setMetric(metric);
      if (regParams != null) {
        cv.setRegParams(regParams);
      }
      if (elasticNetParams != null) {
        cv.setElasticNetParams(elasticNetParams);
      }
      if (posWeights != null) {
        cv.setPosWeights(posWeights);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage().replace("regParams", "--reg-params")
          .replace("elasticNetParams", "--elastic-net-params").replace("metric", "--cv-metric")
          .replace("posWeights", "--pos-weights"), e);
    }
    return cv;
  }

  /**
   * @param m the fitted cross-validation
   * @return the path as JSON: one object per grid point
   */
  static ObjectNode toJson(LogitClassifierCVModel m) {
    ObjectNode n = Json.object();
    n.put("metric", m.metricName());
    n.put("folds", m.foldMetrics()[0].length);
    n.put("selected", m.bestIndex());
    ArrayNode path = n.putArray("path");
    double[] lambdas = m.pathRegParams();
    double[] alphas = m.pathElasticNetParams();
    double[] pws = m.pathPosWeights();
    double[] avg = m.avgMetrics();
    double[] sd = m.stdMetrics();
    int[] nz = m.pathNumNonZeros();
    for (int p = 0; p < lambdas.length; p++) {
      ObjectNode e = path.addObject();
      e.put("pos_weight", pws[p]);
      e.put("elastic_net_param", alphas[p]);
      e.put("reg_param", lambdas[p]);
      Json.putDouble(e, "mean", avg[p]);
      Json.putDouble(e, "sd", sd[p]);
      e.put("non_zeros", nz[p]);
    }
    return n;
  }

  /**
   * @param pm the fitted pipeline, ending with the cross-validation model
   * @param cv that model
   * @param train the training rows
   * @return the same pipeline ending with the selected model instead
   */
  static PipelineModel withBest(PipelineModel pm, LogitClassifierCVModel cv,
      Dataset<Row> train) {
    Transformer[] stages = pm.stages().clone();
    stages[stages.length - 1] = cv.bestModel();
    return new Pipeline().setStages(stages).fit(train);
  }

  /** @return the path table with the selection marked */
  static String table(LogitClassifierCVModel m) {
    return String.format(Locale.ROOT, "cross-validation (%d folds), selected regParam %s, "
        + "elasticNetParam %s, posWeight %s:%n%s", m.foldMetrics()[0].length,
        m.pathRegParams()[m.bestIndex()], m.pathElasticNetParams()[m.bestIndex()],
        m.pathPosWeights()[m.bestIndex()], m.pathTable());
  }
}
