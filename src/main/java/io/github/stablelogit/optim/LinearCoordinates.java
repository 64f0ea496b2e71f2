package io.github.stablelogit.optim;

/**
 * The optimizer's variables of a linear model and everything computed in them from a pass's sums:
 * the maps to and from the original coefficients, the L1 weights, the penalized value and
 * gradient, and the Hessian from the Gram matrix (see {@link LogitObjective} for the objective).
 *
 * <p>The variables are γ_j = β_jσ_j scaled by a fixed diagonal preconditioner s_j, x_j = γ_j·s_j,
 * and, with an intercept, the intercept of virtually centered features b̃ = b + Σ μ_jβ_j. With the
 * penalty on standardized coefficients s_j = 1; on raw coefficients s_j = √(1 + λ/σ_j²), which
 * keeps every coordinate's curvature of order one. Features with σ_j = 0 keep β_j = 0.
 */
final class LinearCoordinates {

  private final int numFeatures;
  private final boolean fitIntercept;
  private final boolean standardization;
  private final double regL2;
  private final double weightSum;
  private final double[] mean;
  private final double[] std;
  /** x_j = γ_j·precondition_j (1 unless the penalty is on raw coefficients). */
  private final double[] precondition;

  LinearCoordinates(DataSummary summary, boolean fitIntercept, boolean standardization,
      double regL2) {
    this.numFeatures = summary.numFeatures();
    this.fitIntercept = fitIntercept;
    this.standardization = standardization;
    this.regL2 = regL2;
    this.weightSum = summary.weightSum();
    this.mean = summary.mean();
    this.std = summary.std();
    this.precondition = new double[numFeatures];
    for (int j = 0; j < numFeatures; j++) {
      precondition[j] = !standardization && std[j] > 0 && regL2 > 0
          ? Math.sqrt(1.0 + regL2 / std[j] / std[j]) : 1.0;
    }
  }

  /**
   * @param other other coordinates
   * @return whether both map optimizer variables to the same coefficients (so the same x is the
   *     same model in both)
   */
  boolean sameMapping(LinearCoordinates other) {
    return numFeatures == other.numFeatures && fitIntercept == other.fitIntercept
        && java.util.Arrays.equals(mean, other.mean) && java.util.Arrays.equals(std, other.std)
        && java.util.Arrays.equals(precondition, other.precondition);
  }

  /** @return the number of optimizer variables: d, plus 1 with an intercept */
  int dimension() {
    return numFeatures + (fitIntercept ? 1 : 0);
  }

  /** @return Σw of the training rows */
  double weightSum() {
    return weightSum;
  }

  /**
   * Per-variable L1 weights for OWL-QN: λa for standardized coefficients, λa/(σ_j·s_j) when the
   * penalty is on the original coefficients (|β_j| = |x_j|/(σ_j·s_j)), and 0 for the intercept and
   * constant features.
   *
   * @param regL1 λa
   * @return weights, one per optimizer variable
   */
  double[] l1Weights(double regL1) {
    double[] w = new double[dimension()];
    for (int j = 0; j < numFeatures; j++) {
      if (std[j] > 0) {
        w[j] = standardization ? regL1 : regL1 / std[j] / precondition[j];
      }
    }
    return w;
  }

  /**
   * @param x optimizer variables
   * @return d coefficients in the original space followed by the intercept (0 without one)
   */
  double[] toOriginal(double[] x) {
    double[] out = new double[numFeatures + 1];
    double shift = 0.0;
    for (int j = 0; j < numFeatures; j++) {
      out[j] = std[j] > 0 ? x[j] / precondition[j] / std[j] : 0.0;
      shift += mean[j] * out[j];
    }
    out[numFeatures] = fitIntercept ? x[numFeatures] - shift : 0.0;
    return out;
  }

  /**
   * The inverse of {@link #toOriginal}. Coefficients of constant features (σ_j = 0), which the
   * optimizer keeps at 0, are dropped, and the intercept without {@code fitIntercept}.
   *
   * @param coef d coefficients followed by the intercept
   * @return optimizer variables, length {@link #dimension()}
   */
  double[] fromOriginal(double[] coef) {
    double[] x = new double[dimension()];
    double shift = 0.0;
    for (int j = 0; j < numFeatures; j++) {
      if (std[j] > 0) {
        x[j] = coef[j] * std[j] * precondition[j];
        shift += mean[j] * coef[j];
      }
    }
    if (fitIntercept) {
      x[numFeatures] = coef[numFeatures] + shift;
    }
    return x;
  }

  /**
   * @return the L2 penalty's Hessian in the optimizer's variables, a diagonal: λ(∂p_j/∂x_j)² for
   *     the penalized coefficients (as in {@link #hessian}), 0 for the intercept and constant
   *     features
   */
  double[] penaltyCurvature() {
    double[] c = new double[dimension()];
    for (int j = 0; j < numFeatures; j++) {
      if (std[j] > 0) {
        double dp = (standardization ? 1.0 : 1.0 / std[j]) / precondition[j];
        c[j] = regL2 * dp * dp;
      }
    }
    return c;
  }

  /**
   * The smooth value and its gradient in the optimizer's variables from a pass's sums (Xᵀdz, Σdz
   * and Σwℓ), for gradient and Hessian passes alike, so both give the same bits.
   *
   * @param x optimizer variables
   * @param sums Σ dz_i x_i (d entries) followed by Σ dz_i
   * @param lossSum Σ w_i ℓ_i
   * @param gradient output, length {@link #dimension()}
   * @return the objective value without the L1 part
   */
  double valueAndGradient(double[] x, double[] sums, double lossSum, double[] gradient) {
    double dzSum = sums[numFeatures];
    double f = lossSum / weightSum;
    double penalty = 0.0;
    for (int j = 0; j < numFeatures; j++) {
      if (std[j] > 0) {
        double centered = fitIntercept ? sums[j] - mean[j] * dzSum : sums[j];
        double gammaJ = x[j] / precondition[j];
        double pj = standardization ? gammaJ : gammaJ / std[j];
        double dpj = standardization ? 1.0 : 1.0 / std[j];
        penalty += pj * pj;
        // ∂f/∂γ_j, then the chain rule for x_j = γ_j·s_j
        gradient[j] = (centered / std[j] / weightSum + regL2 * pj * dpj) / precondition[j];
      } else {
        gradient[j] = 0.0;
      }
    }
    if (fitIntercept) {
      gradient[numFeatures] = dzSum / weightSum;
    }
    return f + 0.5 * regL2 * penalty;
  }

  /**
   * The Hessian in the optimizer's variables from the Gram matrix G of a Hessian pass. With
   * θ = (β, b) = J x the linear map of {@link #toOriginal},
   *
   * <pre>
   *   H = Jᵀ (G / W) J + diag(λ · (∂p_j/∂x_j)²)
   * </pre>
   *
   * where W = Σw and p_j the penalized coefficient (∂p_j/∂x_j = 1/s_j standardized, 1/(s_jσ_j)
   * otherwise). J is the identity scaled by 1/(s_jσ_j) on the coefficients plus, with an
   * intercept, the row b = x_d − Σ μ_jβ_j; so the loss part is the Gram of the centered rows,
   * (G_jk − μ_j G_kd − μ_k G_jd + μ_jμ_k G_dd)/(W s_jσ_j s_kσ_k), formed from the uncentered sums
   * (rounding relative to an entry grows like (1 + |μ|/σ)²·ε). Constant features (σ_j = 0, β_j
   * fixed at 0) get a unit diagonal and zeros elsewhere, so H stays invertible.
   *
   * @param g G = Σ c_i x̃_i x̃_iᵀ, (d+1)², row-major
   * @param hessian output, n×n row-major with n = {@link #dimension()}
   */
  void hessian(double[] g, double[] hessian) {
    int d = numFeatures;
    int m = d + 1;
    int n = dimension();
    java.util.Arrays.fill(hessian, 0, n * n, 0.0);
    double[] penalty = penaltyCurvature();
    for (int j = 0; j < d; j++) {
      if (!(std[j] > 0)) {
        hessian[j * n + j] = 1.0;
        continue;
      }
      double dj = 1.0 / (precondition[j] * std[j]);
      for (int k = j; k < d; k++) {
        if (!(std[k] > 0)) {
          continue;
        }
        double dk = 1.0 / (precondition[k] * std[k]);
        double gjk = g[j * m + k];
        if (fitIntercept) {
          gjk = gjk - mean[j] * g[k * m + d] - mean[k] * (g[j * m + d] - mean[j] * g[d * m + d]);
        }
        double h = gjk / weightSum * dj * dk;
        hessian[j * n + k] = h;
        hessian[k * n + j] = h;
      }
      hessian[j * n + j] += penalty[j];
      if (fitIntercept) {
        double h = (g[j * m + d] - mean[j] * g[d * m + d]) / weightSum * dj;
        hessian[j * n + d] = h;
        hessian[d * n + j] = h;
      }
    }
    if (fitIntercept) {
      hessian[d * n + d] = g[d * m + d] / weightSum;
    }
  }

  /**
   * The penalized Hessian in the original coefficients (β, b) scaled by W (see {@link
   * LogitObjective#originalHessianSum}): G + W · diag(λσ_j² standardized, λ otherwise; 0 for b),
   * fixed coefficients with a zero row and column and a unit diagonal.
   *
   * @param g G of a Hessian pass, (d+1)², row-major; not modified
   * @return the (d + 1)² matrix, row-major
   */
  double[] originalHessianSum(double[] g) {
    int d = numFeatures;
    int m = d + 1;
    double[] h = g.clone();
    for (int j = 0; j < m; j++) {
      boolean fixed = j < d ? !(std[j] > 0) : !fitIntercept;
      if (fixed) {
        for (int k = 0; k < m; k++) {
          h[j * m + k] = 0.0;
          h[k * m + j] = 0.0;
        }
        h[j * m + j] = 1.0;
      } else if (j < d) {
        h[j * m + j] += weightSum * regL2 * (standardization ? std[j] * std[j] : 1.0);
      }
    }
    return h;
  }
}
