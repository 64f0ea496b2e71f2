package io.github.stablelogit.ml;

import io.github.stablelogit.optim.LogitMinimizer;
import java.io.Serializable;
import java.util.List;

/**
 * What happened during {@link LogitClassifier#fit}: the objective and gradient norm per iteration,
 * whether the gradient test was met, and the training data's size. Not saved with the model.
 */
public final class LogitTrainingSummary implements Serializable {

  private static final long serialVersionUID = 1L;

  private final List<LogitMinimizer.Iteration> history;
  private final boolean converged;
  private final String convergenceReason;
  private final long numRows;
  private final double weightSum;
  private final int numFeatures;
  private final int objectiveEvaluations;
  private final double trainingSeconds;

  LogitTrainingSummary(LogitMinimizer.Result result, long numRows, double weightSum,
      int numFeatures, int objectiveEvaluations, double trainingSeconds) {
    this.history = List.copyOf(result.history());
    this.converged = result.converged();
    this.convergenceReason = result.reason();
    this.numRows = numRows;
    this.weightSum = weightSum;
    this.numFeatures = numFeatures;
    this.objectiveEvaluations = objectiveEvaluations;
    this.trainingSeconds = trainingSeconds;
  }

  /** @return the objective at each iteration, the starting point first (as Spark's summary) */
  public double[] objectiveHistory() {
    return history.stream().mapToDouble(LogitMinimizer.Iteration::objective).toArray();
  }

  /** @return ‖g‖∞ in standardized space at each iteration */
  public double[] gradientNormHistory() {
    return history.stream().mapToDouble(LogitMinimizer.Iteration::gradientNorm).toArray();
  }

  /** @return Euclidean step length in standardized space at each iteration (0 first) */
  public double[] stepSizeHistory() {
    return history.stream().mapToDouble(LogitMinimizer.Iteration::stepSize).toArray();
  }

  /** @return the per-iteration records */
  public List<LogitMinimizer.Iteration> iterations() {
    return history;
  }

  /** @return number of optimizer iterations taken */
  public int totalIterations() {
    return history.isEmpty() ? 0 : history.get(history.size() - 1).iteration();
  }

  /** @return true if the gradient tolerance was met */
  public boolean converged() {
    return converged;
  }

  /** @return why the optimizer stopped */
  public String convergenceReason() {
    return convergenceReason;
  }

  /** @return training rows with positive weight */
  public long numRows() {
    return numRows;
  }

  /** @return Σw over the training rows */
  public double weightSum() {
    return weightSum;
  }

  /** @return number of features */
  public int numFeatures() {
    return numFeatures;
  }

  /** @return objective evaluations (passes over the cached blocks) */
  public int objectiveEvaluations() {
    return objectiveEvaluations;
  }

  /** @return wall-clock seconds of the fit */
  public double trainingSeconds() {
    return trainingSeconds;
  }
}
