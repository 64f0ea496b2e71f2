package io.github.stablelogit.ml;

import io.github.stablelogit.ml.io.Persistence;
import io.github.stablelogit.optim.DataSummary;
import io.github.stablelogit.optim.InstanceBlock;
import io.github.stablelogit.optim.LockstepPasses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-validates {@link LogitClassifier} over K folds × a regularization path (× elasticNetParams)
 * with the data packed into cached blocks once, then refits on all rows at the selected params.
 *
 * <p><b>Folds.</b> From {@code foldCol} (integer ids in [0, numFolds)) or from a seeded hash of
 * each row's values ({@link RowHash}): the same rows get the same fold whatever the partitioning.
 * Each fold's rows are packed into blocks of their own, so the model trained without fold k reads
 * the other folds' blocks, and its standardization statistics are those of its training rows (as
 * a fit on those rows alone, e.g. under Spark's CrossValidator).
 *
 * <p><b>Path.</b> {@code regParams} (any order), or {@code numRegParams} values log-spaced from
 * λ_max down to {@code regParamMinRatio}·λ_max, where λ_max is the smallest regParam at which the
 * model on all rows has every penalized coefficient 0 (from the gradient at the intercept-only
 * model; for elasticNetParam below 10⁻³, e.g. pure L2, glmnet's convention: λ_max of a = 10⁻³).
 * Each fold-model and the model on all rows run along the path in descending order, each fit
 * warm-started at the previous one. The grid is posWeights × elasticNetParams × path.
 *
 * <p><b>One pass per round.</b> At each grid point the K fold-models and the model on all rows
 * run in lockstep ({@link io.github.stablelogit.optim.LockstepPasses}): every round of their
 * objective (and Hessian) requests is one Spark job over the cached blocks, so a grid point costs
 * about as many jobs as its slowest model's passes. Each model's result is bit for bit that of its
 * own fit over its training blocks.
 *
 * <p><b>Metric.</b> {@code loss} (the training loss, weighted mean over the held-out rows) or
 * {@code logLoss} (BCE of the model's probabilities, likewise), their sums computed by the next
 * grid point's first round (no Spark job of their own but after the path's last point); or
 * {@code areaUnderROC} / {@code areaUnderPR} (exact weighted areas of the held-out margins, as
 * Spark's BinaryClassificationMetrics without down-sampling; one more pass per grid point). The
 * mean over folds is selected by {@code selectionRule}: the best, or glmnet's one-standard-error
 * rule.
 *
 * <p>The selected params are refitted on all rows from the same cached blocks, warm-started from
 * the path's model at them ({@link LogitClassifier#setInitialModel}); that model, with its
 * training summary, is the result's {@link LogitClassifierCVModel#bestModel()}. Every {@link
 * LogitClassifier} check of the input applies, plus the folds' (a single fold id, fewer rows than
 * folds, a fold or its complement with a single class). Validation rows and early stopping are
 * not supported.
 */
public final class LogitClassifierCV extends Estimator<LogitClassifierCVModel>
    implements LogitParams<LogitClassifierCV>, CrossValidationParams<LogitClassifierCV>,
    MLWritable {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LogitClassifierCV.class);

  private final String uid;
  private final LogitParams.Defs defs;
  private final CrossValidationParams.Defs cvDefs;

  /** @param uid this estimator's uid */
  public LogitClassifierCV(String uid) {
    this.uid = uid;
    this.defs = new LogitParams.Defs(this);
    this.cvDefs = new CrossValidationParams.Defs(this);
    setLogitDefaults();
    setCrossValidationDefaults();
  }

  /** An estimator with a random uid and default parameters. */
  public LogitClassifierCV() {
    this(Identifiable$.MODULE$.randomUID("logitClassifierCV"));
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public LogitParams.Defs defs() {
    return defs;
  }

  @Override
  public CrossValidationParams.Defs cvDefs() {
    return cvDefs;
  }

  /** @return a LogitClassifier with this estimator's params */
  private LogitClassifier base() {
    return copyValues(new LogitClassifier(uid), ParamMap.empty());
  }

  @Override
  public StructType transformSchema(StructType schema) {
    if (getFoldCol() != null) {
      StructType s = schema;
      SchemaChecks.requireNumeric(s, getFoldCol(), "foldCol");
      if (!(SchemaChecks.require(s, getFoldCol(), "foldCol").dataType()
          instanceof IntegralType)) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "foldCol '%s' must be an "
            + "integer column of fold ids, but has type %s; cast it to int.", getFoldCol(),
            SchemaChecks.require(s, getFoldCol(), "foldCol").dataType().simpleString()));
      }
    }
    return base().transformSchema(schema);
  }

  @Override
  public LogitClassifierCVModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    if (getValidationIndicatorCol() != null || getEarlyStoppingRounds() > 0) {
      throw new IllegalArgumentException("LogitClassifierCV evaluates on held-out folds: unset "
          + "validationIndicatorCol and set earlyStoppingRounds to 0.");
    }
    if (getPosWeights() != null && getAutoPosWeight()) {
      throw new IllegalArgumentException("posWeights cross-validates posWeight, autoPosWeight "
          + "sets it from the data: unset one of them.");
    }
    LogitClassifier base = base();
    int k = getNumFolds();
    Column fold = CrossValidationFolds.assign(this, dataset);
    JavaRDD<InstanceBlock> blocks = TrainingData.pack(base, dataset, fold, k);
    try {
      DataSummary[] summaries = TrainingData.summarizeFolds(blocks, k);
      DataSummary total = new DataSummary();
      for (DataSummary s : summaries) {
        total.merge(s);
      }
      CrossValidationFolds.checkIds(total, this);
      TrainingData.validate(base, total, "LogitClassifierCV");
      CrossValidationFolds.check(summaries, total, this, base);
      LockstepPasses passes = new LockstepPasses(blocks, k, base.getAggregationDepth());
      TuningPath path = runPath(base, blocks, passes, summaries, total);
      int best = path.select(getSelectionRule());
      LOG.info("cross-validation path ({} rounds of the fold-models' passes; {} gradient or "
          + "Hessian requests at a warm start answered without one):\n{}", passes.rounds(),
          passes.reused(), path.table());
      String edge = path.smallestRegParamWarning(best);
      if (edge != null) {
        LOG.warn(edge);
      }
      LogitClassifier refit = base.copy(ParamMap.empty())
          .setRegParam(path.regParams[best]).setElasticNetParam(path.elasticNetParams[best]);
      if (getPosWeights() != null) {
        refit.setPosWeight(path.posWeights[best]);
      }
      refit.setInitialModel(base.modelAt(path.coefficients[best]));
      LogitClassificationModel bestModel = refit.fitOnBlocks(dataset, blocks, total,
          System.nanoTime());
      LogitClassifierCVModel model = new LogitClassifierCVModel(uid, bestModel, path, best);
      return copyValues(model, ParamMap.empty()).setParent(this);
    } finally {
      blocks.unpersist(false);
    }
  }

  /**
   * Fits every fold-model and the model on all rows along each (posWeight, elasticNetParam)'s
   * path: at each regParam the K + 1 models run in lockstep ({@link LockstepPasses}: one Spark job
   * per round of their passes), then one pass gives every fold's held-out metric.
   */
  private TuningPath runPath(LogitClassifier base, JavaRDD<InstanceBlock> blocks,
      LockstepPasses passes, DataSummary[] summaries, DataSummary total) {
    int k = summaries.length;
    double[] alphas = getElasticNetParams() != null ? getElasticNetParams()
        : new double[] {getElasticNetParam()};
    double[] posWeights = getPosWeights() != null ? getPosWeights()
        : new double[] {base.getPosWeight()};
    List<double[]> rows = new ArrayList<>();
    List<double[]> coefficients = new ArrayList<>();
    List<int[]> iterations = new ArrayList<>();
    for (double pw : posWeights) {
      LogitClassifier b = getPosWeights() == null ? base
          : base.copy(ParamMap.empty()).setPosWeight(pw);
      FoldFit[] fits = new FoldFit[k + 1];
      for (int f = 0; f <= k; f++) {
        fits[f] = new FoldFit(b, blocks, f < k ? f : -1, summaries, passes);
      }
      for (double a : alphas) {
        for (FoldFit fit : fits) {
          fit.restart();
        }
        // The held-out sums of a grid point come with the next point's first round: its row and
        // log line are completed then (or by a pass of their own after the path's last point).
        Runnable pending = null;
        for (double lambda : path(fits[k], a, total)) {
          int before = passes.rounds();
          List<Callable<FoldFit.Fit>> tasks = new ArrayList<>();
          for (FoldFit fit : fits) {
            tasks.add(() -> fit.fit(lambda, a));
          }
          FoldFit.Fit[] r = passes.run(tasks).toArray(new FoldFit.Fit[0]);
          if (pending != null) {
            pending.run();
          }
          double[] metrics = new double[k + 3];
          int[] its = new int[k + 1];
          for (int f = 0; f <= k; f++) {
            its[f] = r[f].iterations();
          }
          metrics[0] = pw;
          metrics[1] = a;
          metrics[2] = lambda;
          rows.add(metrics);
          coefficients.add(r[k].coefficients());
          iterations.add(its);
          Supplier<double[]> heldOut = HeldOutMetrics.request(getMetric(), fits,
              Arrays.copyOf(r, k), passes);
          String progress = String.format(Locale.ROOT, "posWeight=%s elasticNetParam=%s "
              + "regParam=%.6g: %d rounds, iterations per model %s", pw, a, lambda,
              passes.rounds() - before, Arrays.toString(its));
          pending = () -> {
            System.arraycopy(heldOut.get(), 0, metrics, 3, k);
            LOG.info("{}, held-out {} {}", progress, getMetric(),
                Arrays.toString(Arrays.copyOfRange(metrics, 3, k + 3)));
          };
        }
        if (pending != null) {
          pending.run();
        }
      }
    }
    int n = rows.size();
    double[] lambdas = new double[n];
    double[] as = new double[n];
    double[] pws = new double[n];
    double[][] foldMetrics = new double[n][];
    for (int p = 0; p < n; p++) {
      pws[p] = rows.get(p)[0];
      as[p] = rows.get(p)[1];
      lambdas[p] = rows.get(p)[2];
      foldMetrics[p] = Arrays.copyOfRange(rows.get(p), 3, k + 3);
    }
    return new TuningPath(lambdas, as, pws, foldMetrics, coefficients.toArray(new double[0][]),
        iterations.toArray(new int[0][]), getMetric());
  }

  /** The regParams of one elasticNetParam, descending. */
  private double[] path(FoldFit all, double a, DataSummary total) {
    double[] given = getRegParams();
    if (given != null) {
      return Arrays.stream(given).boxed().sorted((x, y) -> Double.compare(y, x)).distinct()
          .mapToDouble(Double::doubleValue).toArray();
    }
    double max = all.lambdaMax(a);
    if (!(max > 0)) {
      throw new IllegalArgumentException("the automatic regParam path is empty: every feature's "
          + "gradient is 0 at the intercept-only model (lambda_max = " + max + "). Set regParams "
          + "explicitly.");
    }
    double ratio = Double.isNaN(getRegParamMinRatio())
        ? (total.rows() > total.numFeatures() ? 1e-3 : 1e-2) : getRegParamMinRatio();
    int n = getNumRegParams();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = i == 0 ? max : max * Math.pow(ratio, (double) i / (n - 1));
    }
    return out;
  }

  @Override
  public LogitClassifierCV copy(ParamMap extra) {
    return copyValues(new LogitClassifierCV(uid), extra);
  }

  @Override
  public MLWriter write() {
    return Persistence.paramsWriter(this);
  }

  /** @return a reader for saved estimators */
  public static MLReader<LogitClassifierCV> read() {
    return Persistence.paramsReader(LogitClassifierCV.class, LogitClassifierCV::new);
  }

  /**
   * @param path where an estimator was saved
   * @return the estimator
   */
  public static LogitClassifierCV load(String path) {
    return read().load(path);
  }
}
