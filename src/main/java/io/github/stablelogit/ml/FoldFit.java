package io.github.stablelogit.ml;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.optim.CurvatureKernel;
import io.github.stablelogit.optim.DataSummary;
import io.github.stablelogit.optim.InstanceBlock;
import io.github.stablelogit.optim.LbfgsMemory;
import io.github.stablelogit.optim.LockstepPasses;
import io.github.stablelogit.optim.LogitMinimizer;
import io.github.stablelogit.optim.LogitObjective;
import org.apache.spark.api.java.JavaRDD;

/**
 * One model of a cross-validation over blocks packed once with fold ids: the model trained
 * without fold k (its training blocks are those of the other folds, its statistics theirs merged)
 * and evaluated on fold k's blocks, or the model on all rows (no held-out fold). Fits run along a
 * descending regParam path, each warm-started at the previous fit's coefficients (mapped through
 * the new objective's variables, as {@link LogitClassifier#setInitialModel} does) and, with
 * L-BFGS or OWL-QN over the same variables, at its correction pairs ({@link LbfgsMemory}).
 * Every pass is a request in the rounds of a {@link LockstepPasses} shared with the other models.
 */
final class FoldFit {

  private final LogitClassifier base;
  private final JavaRDD<InstanceBlock> blocks;
  private final LockstepPasses passes;
  private final int fold;
  private final DataSummary trainSummary;
  private final DataSummary heldOutSummary;
  private final LogitLoss loss;
  /** The Hessian pass's kernel, one object for all of this model's fits. */
  private final CurvatureKernel curvature;
  /** log(posWeight) with correctProbabilities, else 0: fitted intercept = model's + shift. */
  private final double shift;
  private final int numFeatures;
  /** The last fit's coefficients (d, then the fitted intercept), or null before the first. */
  private double[] last;
  /** The last fit's objective and its optimizer variables at the end, or null. */
  private LogitObjective lastObjective;
  private double[] lastX;
  /** L-BFGS/OWL-QN correction pairs at the last fit's end, while the variables stay the same. */
  private final LbfgsMemory memory = new LbfgsMemory();

  /**
   * @param base the estimator whose params every fit uses (regParam and elasticNetParam aside)
   * @param blocks all blocks, packed with fold ids
   * @param fold the held-out fold, or −1 for the model on all rows
   * @param summaries the statistics of each fold's rows
   * @param passes the rounds shared by the models over {@code blocks}
   */
  FoldFit(LogitClassifier base, JavaRDD<InstanceBlock> blocks, int fold,
      DataSummary[] summaries, LockstepPasses passes) {
    this.base = base;
    this.blocks = blocks;
    this.passes = passes;
    this.fold = fold;
    DataSummary s = new DataSummary();
    for (int k = 0; k < summaries.length; k++) {
      if (k != fold) {
        s.merge(summaries[k]);
      }
    }
    this.trainSummary = s;
    this.heldOutSummary = fold < 0 ? null : summaries[fold];
    double posWeight = TrainingData.posWeight(base, s);
    this.loss = base.lossNamed(base.getLoss(), posWeight);
    this.curvature = loss::valueDerivativesAndCurvatures;
    this.shift = Calibrator.priorShift(base, posWeight);
    this.numFeatures = s.numFeatures();
  }

  /** @return the statistics of the training rows */
  DataSummary trainSummary() {
    return trainSummary;
  }

  /** @return the statistics of the held-out rows, or null for the model on all rows */
  DataSummary heldOutSummary() {
    return heldOutSummary;
  }

  /** Forgets the warm start: the next fit starts at the intercept-only model. */
  void restart() {
    last = null;
    lastObjective = null;
    lastX = null;
    memory.clear();
  }

  private LogitObjective objective(double regL2) {
    return base.objective(blocks, loss, curvature, trainSummary, regL2,
        LogitClassificationModel.rawThreshold(base.getThreshold()) + shift)
        .passingThrough(passes, fold);
  }

  /**
   * λ_max: the smallest regParam at which every penalized coefficient of this model is 0, from
   * the gradient at the intercept-only model (one pass). With standardization the penalty is on
   * β_jσ_j, so λ_max = max_j |∂f/∂(β_jσ_j)| / a, otherwise max_j |∂f/∂β_j| / a. For a below 10⁻³
   * (pure L2, where every λ leaves the coefficients non-zero) glmnet's convention: a = 10⁻³.
   *
   * @param a the elastic-net mixing
   * @return λ_max (0 when every gradient component is 0)
   */
  double lambdaMax(double a) {
    LogitObjective objective = objective(0.0);
    double[] x0 = start(objective);
    double[] g = new double[x0.length];
    objective.evaluate(x0, g);
    double[] std = trainSummary.std();
    double max = 0.0;
    for (int j = 0; j < numFeatures; j++) {
      if (std[j] > 0) {
        max = Math.max(max, Math.abs(base.getStandardization() ? g[j] : g[j] * std[j]));
      }
    }
    return max / Math.max(a, 1e-3);
  }

  /**
   * The warm start: the previous fit's end. Where the variables mean the same model in both
   * objectives (with standardization, always) that is the previous fit's last point itself, whose
   * gradient sums its last pass already has ({@link LockstepPasses} answers them without a pass),
   * else the previous coefficients mapped into this objective's variables.
   */
  private double[] start(LogitObjective objective) {
    if (lastX != null && objective.sameVariables(lastObjective)) {
      return lastX.clone();
    }
    if (last != null) {
      return objective.fromOriginal(last);
    }
    double[] x0 = new double[objective.dimension()];
    if (base.getFitIntercept()) {
      x0[numFeatures] = TrainingData.initialIntercept(trainSummary, loss);
    }
    return x0;
  }

  /**
   * Fits at (λ, a), warm-started at the previous fit.
   *
   * @return the model's coefficients followed by its intercept (the fitted one minus the shift)
   */
  Fit fit(double lambda, double a) {
    LogitObjective objective = objective(lambda * (1 - a));
    boolean newton = base.useNewton(objective.dimension(), trainSummary);
    if (newton || lastObjective == null || !objective.sameVariables(lastObjective)) {
      memory.clear();
    }
    LogitMinimizer.Result r = base.minimize(objective, newton, start(objective), lambda * a,
        it -> { }, memory);
    double[] coef = objective.toOriginal(r.x());
    last = coef.clone();
    lastObjective = objective;
    lastX = r.x().clone();
    coef[numFeatures] -= shift;
    return new Fit(coef, r.history().size(), r.converged());
  }

  /**
   * One fit's outcome.
   *
   * @param coefficients d coefficients followed by the model's intercept
   * @param iterations optimizer iterations
   * @param converged whether the gradient test passed
   */
  record Fit(double[] coefficients, int iterations, boolean converged) {}

  /**
   * This fold-model's coefficients as its held-out pass reads them: for the training loss
   * (metric {@code loss}) with the fitted intercept (the model's plus the shift), else the model's.
   *
   * @param fit this model's fit
   * @param trainingLoss whether the metric is the training loss
   * @return d coefficients, then the offset of the margins
   */
  double[] heldOutCoefficients(Fit fit, boolean trainingLoss) {
    double[] c = fit.coefficients().clone();
    if (trainingLoss) {
      c[numFeatures] += shift;
    }
    return c;
  }

  /** @return the training loss (of this model's posWeight) */
  LogitLoss loss() {
    return loss;
  }
}
