package io.github.stablelogit.ml;

import io.github.stablelogit.optim.DataSummary;
import io.github.stablelogit.optim.LogitMinimizer;
import java.io.Serializable;
import java.util.List;

/**
 * What happened during {@link LogitClassifier#fit}: the objective, gradient norm, step size and
 * validation loss per iteration, why the optimizer stopped, the posWeight actually used, the
 * training data's size, and warnings (e.g. a model that predicts a single class). Not saved with
 * the model.
 */
public final class LogitTrainingSummary implements Serializable {

  private static final long serialVersionUID = 1L;

  // Both lists are unmodifiable lists of the JDK (Stream.toList, List.copyOf), which serialize.
  @SuppressWarnings("serial")
  private final List<LogitIteration> history;
  private final boolean converged;
  private final String convergenceReason;
  private final int bestIteration;
  private final boolean stoppedEarly;
  private final long numRows;
  private final double weightSum;
  private final double positiveWeightSum;
  private final long validationRows;
  private final int numFeatures;
  private final double posWeightUsed;
  private final double predictedPositiveFraction;
  @SuppressWarnings("serial")
  private final List<String> warnings;
  private final String solver;
  private final int objectiveEvaluations;
  private final int hessianPasses;
  private final double trainingSeconds;
  private transient org.apache.spark.sql.Dataset<?> trainingRows;
  /** The fitted model's threshold metrics on given rows with a given numBins. */
  private transient java.util.function.BiFunction<org.apache.spark.sql.Dataset<?>, Integer,
      LogitThresholdMetrics> model;
  /** The fitted model's calibration metrics on given rows. */
  private transient java.util.function.Function<org.apache.spark.sql.Dataset<?>,
      CalibrationMetrics> calibration;
  /** Computed threshold metrics by numBins, each on first use. */
  private transient java.util.Map<Integer, LogitThresholdMetrics> thresholdMetrics;
  /** Computes the Wald inference on first use (one packing pass and one Hessian pass). */
  private transient java.util.function.Supplier<WaldInference> inferenceSupplier;
  private transient WaldInference inference;
  private transient CalibrationMetrics calibrationMetrics;
  private boolean penalized;

  LogitTrainingSummary(LogitMinimizer.Result result, DataSummary data, int numFeatures,
      double posWeightUsed, double predictedPositiveFraction, List<String> warnings,
      String solver, int objectiveEvaluations, int hessianPasses, double trainingSeconds) {
    this.history = result.history().stream().map(LogitTrainingSummary::toPublic).toList();
    this.converged = result.converged();
    this.convergenceReason = result.reason();
    this.bestIteration = result.bestIteration();
    this.stoppedEarly = result.stoppedEarly();
    this.numRows = data.rows();
    this.weightSum = data.weightSum();
    this.positiveWeightSum = data.labelWeightSum();
    this.validationRows = data.validationRows();
    this.numFeatures = numFeatures;
    this.posWeightUsed = posWeightUsed;
    this.predictedPositiveFraction = predictedPositiveFraction;
    this.warnings = List.copyOf(warnings);
    this.solver = solver;
    this.objectiveEvaluations = objectiveEvaluations;
    this.hessianPasses = hessianPasses;
    this.trainingSeconds = trainingSeconds;
  }

  /**
   * @param summary a model's summary, or null
   * @param uid the model's uid
   * @return the summary
   * @throws IllegalStateException if there is none (the model was loaded or copied without one)
   */
  static LogitTrainingSummary required(LogitTrainingSummary summary, String uid) {
    if (summary == null) {
      throw new IllegalStateException("no training summary is available for " + uid
          + ": summaries exist only for models fitted in this JVM, not for loaded ones");
    }
    return summary;
  }

  /** The public record of one of the optimizer's iterations. */
  static LogitIteration toPublic(LogitMinimizer.Iteration it) {
    return new LogitIteration(it.iteration(), it.objective(), it.gradientNorm(), it.stepSize(),
        it.evaluations(), it.elapsedSeconds(), it.validationLoss());
  }

  void setInference(java.util.function.Supplier<WaldInference> supplier, boolean penalized) {
    this.inferenceSupplier = supplier;
    this.penalized = penalized;
  }

  private synchronized WaldInference inference() {
    if (inference == null) {
      if (inferenceSupplier == null) {
        throw new IllegalStateException("the training data of this summary is not available "
            + "(e.g. after deserialization); standard errors are computed from it on first use");
      }
      inference = inferenceSupplier.get();
    }
    return inference;
  }

  /**
   * Standard errors of the coefficients, then of the intercept (when fitted; NaN otherwise), in
   * the original feature units: the square roots of the diagonal of {@link #covarianceMatrix()}.
   * Computed on first use with one pass over the training data (the same blocks as the fit, and
   * one Hessian pass), whatever the solver.
   *
   * <p>Wald inference from the inverse Hessian of the weighted loss sum at the optimum, as
   * statsmodels' GLM Binomial: weightCol holds frequency weights (a weight k counts as k copies of
   * the row). With regParam &gt; 0 (L2) the Hessian includes the penalty and the numbers are those
   * of the penalized problem's inverse Hessian, as H2O reports ({@link #inferenceIsPenalized()});
   * they are then no sampling covariance of an unbiased estimator. NaN for constant features.
   *
   * @return d + 1 standard errors, the intercept's last
   * @throws IllegalStateException for losses that are not a log-likelihood (posWeight ≠ 1, focal,
   *     labelSmoothing &gt; 0), for L1 penalties, beyond {@value LogitParams#NEWTON_MAX_DIMENSION}
   *     variables, for a singular Hessian (collinear features, separable classes), and after
   *     deserialization
   */
  public double[] coefficientStandardErrors() {
    return inference().standardErrors().clone();
  }

  /**
   * @return z = estimate / standard error, coefficients then intercept (see {@link
   *     #coefficientStandardErrors()})
   */
  public double[] zValues() {
    return inference().zValues().clone();
  }

  /**
   * @return two-sided p-values P(|Z| ≥ |z|) of the Wald tests β_j = 0, computed as erfc(|z|/√2)
   *     so tail values keep their relative precision (see {@link #coefficientStandardErrors()})
   */
  public double[] pValues() {
    return inference().pValues().clone();
  }

  /**
   * @return the (d + 1) × (d + 1) covariance of the coefficients and the intercept (last), in the
   *     original feature units (see {@link #coefficientStandardErrors()}); NaN rows and columns
   *     for constant features and an intercept that was not fitted
   */
  public org.apache.spark.ml.linalg.Matrix covarianceMatrix() {
    double[][] c = inference().covariance();
    int n = c.length;
    double[] colMajor = new double[n * n];
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < n; i++) {
        colMajor[j * n + i] = c[i][j];
      }
    }
    return org.apache.spark.ml.linalg.Matrices.dense(n, n, colMajor);
  }

  /**
   * @return whether an L2 penalty entered the Hessian of the standard errors (regParam &gt; 0):
   *     the inverse penalized Hessian, not a sampling covariance
   */
  public boolean inferenceIsPenalized() {
    return penalized;
  }

  /** @return the solver that ran: "lbfgs" or "newton" (solver "auto" resolved) */
  public String solver() {
    return solver;
  }

  /** @return Hessian passes over the data (Newton's iterations; 0 for L-BFGS) */
  public int hessianPasses() {
    return hessianPasses;
  }

  void attach(LogitClassificationModel fitted, org.apache.spark.sql.Dataset<?> rows) {
    attach(fitted::thresholdMetrics, fitted::calibrationMetrics, rows);
  }

  /**
   * Attaches any model's threshold metrics (data, numBins), its calibration metrics (data) and its
   * training rows.
   */
  void attach(java.util.function.BiFunction<org.apache.spark.sql.Dataset<?>, Integer,
      LogitThresholdMetrics> fitted, java.util.function.Function<org.apache.spark.sql.Dataset<?>,
      CalibrationMetrics> calibration, org.apache.spark.sql.Dataset<?> rows) {
    this.model = fitted;
    this.calibration = calibration;
    this.trainingRows = rows;
  }

  /**
   * Weighted threshold metrics of the fitted model on its training rows (validation rows
   * excluded), with curves down-sampled to about 1,000 bins as Spark's
   * {@code BinaryClassificationMetrics}; computed on first use — one pass over the training data,
   * only when asked for. {@link #thresholdMetrics(int) thresholdMetrics(0)} gives exact curves and
   * thresholds.
   *
   * @return ROC, PR and metrics by threshold, with {@code bestThreshold("f1")} etc.
   * @throws IllegalStateException if the training data is no longer available (e.g. after
   *     deserialization)
   */
  public LogitThresholdMetrics thresholdMetrics() {
    return thresholdMetrics(1000);
  }

  /**
   * Weighted threshold metrics of the fitted model on its training rows (validation rows
   * excluded), computed on first use for each {@code numBins}.
   *
   * @param numBins 0 for exact curves (a point per distinct score, so {@code bestThreshold} is the
   *     exact optimum, as the command-line job's {@code --tune-threshold}), else about this many
   *     bins
   * @return ROC, PR and metrics by threshold
   * @throws IllegalArgumentException if numBins &lt; 0
   * @throws IllegalStateException if the training data is no longer available (e.g. after
   *     deserialization)
   */
  public synchronized LogitThresholdMetrics thresholdMetrics(int numBins) {
    if (numBins < 0) {
      throw new IllegalArgumentException("numBins must be >= 0 (0 = exact curves), but is "
          + numBins);
    }
    if (thresholdMetrics == null) {
      thresholdMetrics = new java.util.HashMap<>();
    }
    LogitThresholdMetrics m = thresholdMetrics.get(numBins);
    if (m == null) {
      if (model == null || trainingRows == null) {
        throw new IllegalStateException("the training data of this summary is not available; "
            + "use model.thresholdMetrics(data) instead");
      }
      m = model.apply(trainingRows, numBins);
      thresholdMetrics.put(numBins, m);
    }
    return m;
  }

  /**
   * The Brier score, ECE and reliability curve of the fitted model's (calibrated) probabilities on
   * its training rows (validation rows excluded; a calibrator was fitted on those, so judge it with
   * {@code model.calibrationMetrics(heldOut)}), computed on first use.
   *
   * @return the metrics, with {@link CalibrationMetrics#DEFAULT_BINS} equal-mass bins
   * @throws IllegalStateException if the training data is no longer available
   */
  public synchronized CalibrationMetrics calibrationMetrics() {
    if (calibrationMetrics == null) {
      if (calibration == null || trainingRows == null) {
        throw new IllegalStateException("the training data of this summary is not available; "
            + "use model.calibrationMetrics(data) instead");
      }
      calibrationMetrics = calibration.apply(trainingRows);
    }
    return calibrationMetrics;
  }

  /** @return the objective at each iteration, the starting point first (as Spark's summary) */
  public double[] objectiveHistory() {
    return history.stream().mapToDouble(LogitIteration::objective).toArray();
  }

  /** @return ‖g‖∞ in the optimizer's (standardized) variables at each iteration */
  public double[] gradientNormHistory() {
    return history.stream().mapToDouble(LogitIteration::gradientNorm).toArray();
  }

  /** @return Euclidean step length in the optimizer's variables at each iteration (0 first) */
  public double[] stepSizeHistory() {
    return history.stream().mapToDouble(LogitIteration::stepSize).toArray();
  }

  /** @return mean validation loss at each iteration (NaN without validationIndicatorCol) */
  public double[] validationLossHistory() {
    return history.stream().mapToDouble(LogitIteration::validationLoss).toArray();
  }

  /** @return the per-iteration records */
  public List<LogitIteration> iterations() {
    return history;
  }

  /** @return number of optimizer iterations taken */
  public int totalIterations() {
    return history.isEmpty() ? 0 : history.get(history.size() - 1).iteration();
  }

  /** @return the iteration whose coefficients the model holds (the best one when stopped early) */
  public int bestIteration() {
    return bestIteration;
  }

  /** @return whether validation early stopping ended the fit */
  public boolean stoppedEarly() {
    return stoppedEarly;
  }

  /** @return true if the gradient tolerance was met */
  public boolean converged() {
    return converged;
  }

  /** @return why the optimizer stopped */
  public String convergenceReason() {
    return convergenceReason;
  }

  /** @return training rows with positive weight (validation rows excluded) */
  public long numRows() {
    return numRows;
  }

  /** @return validation rows */
  public long numValidationRows() {
    return validationRows;
  }

  /** @return Σw over the training rows */
  public double weightSum() {
    return weightSum;
  }

  /** @return Σw·y over the training rows */
  public double positiveWeightSum() {
    return positiveWeightSum;
  }

  /** @return the posWeight the loss used (the computed one with autoPosWeight) */
  public double posWeightUsed() {
    return posWeightUsed;
  }

  /** @return share of the training weight the model predicts as positive at its threshold */
  public double predictedPositiveFraction() {
    return predictedPositiveFraction;
  }

  /** @return warnings about the fitted model (also logged) */
  public List<String> warnings() {
    return warnings;
  }

  /** @return number of features */
  public int numFeatures() {
    return numFeatures;
  }

  /** @return passes over the cached blocks (gradient and Hessian passes) */
  public int objectiveEvaluations() {
    return objectiveEvaluations;
  }

  /** @return wall-clock seconds of the fit */
  public double trainingSeconds() {
    return trainingSeconds;
  }
}
