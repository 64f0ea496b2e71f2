package io.github.stablelogit.ml;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.lapack.LAPACK;
import io.github.stablelogit.ml.SparkTestSupport.LocalData;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.linalg.Vector;
import org.netlib.util.intW;

/**
 * Plain-Java references for the Spark tests: a component-wise relative comparison of fitted models,
 * and a Newton solver for L2-regularized weighted logistic regression on data held on the driver.
 */
final class LogitReference {

  /**
   * Components smaller than this fraction of the largest one are compared on that absolute scale
   * instead of their own magnitude (exact zeros from L1, tiny coefficients of large features).
   */
  static final double SMALL_COMPONENT_FRACTION = 1e-3;

  private LogitReference() {}

  /** @return coefficients followed by the intercept */
  static double[] flatten(Vector coefficients, double intercept) {
    double[] c = coefficients.toArray();
    double[] out = Arrays.copyOf(c, c.length + 1);
    out[c.length] = intercept;
    return out;
  }

  /** @return the flattened coefficients and intercept of a model */
  static double[] flatten(LogitClassificationModel m) {
    return flatten(m.coefficients(), m.intercept());
  }

  /**
   * The largest component-wise relative difference of {@code actual} from {@code reference}:
   * max_j |a_j − b_j| / max(|b_j|, 1e-3 · max_k |b_k|). A value ≤ tol means every component is
   * within tol relative, small components within tol of the largest component's thousandth.
   */
  static double maxRelativeDifference(double[] actual, double[] reference) {
    if (actual.length != reference.length) {
      throw new IllegalArgumentException("lengths differ: " + actual.length + " vs "
          + reference.length);
    }
    double scale = 0.0;
    for (double b : reference) {
      scale = Math.max(scale, Math.abs(b));
    }
    double floor = SMALL_COMPONENT_FRACTION * scale;
    double worst = 0.0;
    for (int j = 0; j < actual.length; j++) {
      double denom = Math.max(Math.abs(reference[j]), floor);
      double diff = Math.abs(actual[j] - reference[j]);
      double rel = denom > 0 ? diff / denom : (diff == 0 ? 0.0 : Double.POSITIVE_INFINITY);
      if (!(rel <= worst)) {
        worst = rel;
      }
    }
    return worst;
  }

  /** Asserts {@link #maxRelativeDifference} ≤ tol, with a message listing both vectors. */
  static double assertClose(String what, double[] actual, double[] reference, double tol) {
    double rel = maxRelativeDifference(actual, reference);
    assertTrue(rel <= tol, () -> String.format(Locale.ROOT,
        "%s: max relative difference %.3e > %.1e%n  actual    %s%n  reference %s", what, rel, tol,
        Arrays.toString(actual), Arrays.toString(reference)));
    return rel;
  }

  /** The outcome of {@link #newton}: the optimum in the original space and how it was reached. */
  record NewtonResult(double[] coefficients, int iterations, double lastRelativeStep,
      double[] gradientAtStart) {

    /** @return ‖∇f‖∞ (standardized space) at the starting point */
    double startGradientNorm() {
      double m = 0.0;
      for (double g : gradientAtStart) {
        m = Math.max(m, Math.abs(g));
      }
      return m;
    }
  }

  /**
   * Minimizes (1/Σw) Σ w_i BCE(z_i, y_i) + λ[(1−a)/2 Σ p_j² + a Σ |p_j|] (p_j = β_jσ_j with
   * standardization, else β_j) by Newton's method in standardized space: variables γ_j = β_jσ_j
   * and, with an intercept, the intercept of centered features. Without L1 each step solves the
   * Hessian system by a dense Cholesky factorization; with L1 it is a proximal Newton step whose
   * quadratic model (with the exact Hessian) plus the L1 term is minimized by cyclic coordinate
   * descent to rounding level, with backtracking on the true objective. σ is the unbiased weighted
   * standard deviation sqrt(M2 / (W − Σw²/W)), Spark's and the library's convention.
   *
   * @param data the data
   * @param regParam λ
   * @param elasticNetParam a
   * @param fitIntercept whether there is an intercept
   * @param standardization whether the penalty is on standardized coefficients
   * @param start starting coefficients and intercept in the original space (length d + 1)
   * @param relStepTol stop when ‖step‖∞ ≤ relStepTol · ‖θ‖∞
   * @param maxIter at most this many Newton steps
   * @return the result
   */
  static NewtonResult newton(LocalData data, double regParam, double elasticNetParam,
      boolean fitIntercept, boolean standardization, double[] start, double relStepTol,
      int maxIter) {
    int n = data.rows();
    int d = data.features();
    double[] w = data.w();
    double[] y = data.y();
    double wSum = 0;
    double w2Sum = 0;
    for (double wi : w) {
      wSum += wi;
      w2Sum += wi * wi;
    }
    double[] mean = new double[d];
    double[] std = new double[d];
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += w[i] * data.x()[i][j];
      }
      mean[j] = s / wSum;
      double m2 = 0;
      for (int i = 0; i < n; i++) {
        double dev = data.x()[i][j] - mean[j];
        m2 += w[i] * dev * dev;
      }
      std[j] = Math.sqrt(m2 / (wSum - w2Sum / wSum));
      if (!(std[j] > 0)) {
        throw new IllegalArgumentException("feature " + j + " is constant; not supported here");
      }
    }
    // Design matrix in standardized space, with a trailing column of ones for the intercept.
    int p = d + (fitIntercept ? 1 : 0);
    double[][] s = new double[n][p];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double xij = data.x()[i][j];
        s[i][j] = (fitIntercept ? xij - mean[j] : xij) / std[j];
      }
      if (fitIntercept) {
        s[i][d] = 1.0;
      }
    }
    double l2 = regParam * (1 - elasticNetParam);
    double l1 = regParam * elasticNetParam;
    double[] l2Curvature = new double[p];
    double[] l1Weight = new double[p];
    for (int j = 0; j < d; j++) {
      l2Curvature[j] = standardization ? l2 : l2 / (std[j] * std[j]);
      l1Weight[j] = standardization ? l1 : l1 / std[j];
    }
    double[] theta = new double[p];
    double shift = 0;
    for (int j = 0; j < d; j++) {
      theta[j] = start[j] * std[j];
      shift += mean[j] * start[j];
    }
    if (fitIntercept) {
      theta[d] = start[d] + shift;
    }
    double[] gradientAtStart = null;
    double lastRel = Double.NaN;
    int it = 0;
    LAPACK lapack = LAPACK.getInstance();
    for (; it <= maxIter; it++) {
      double[] g = new double[p];
      double[] h = new double[p * p];
      for (int i = 0; i < n; i++) {
        double z = 0;
        for (int j = 0; j < p; j++) {
          z += theta[j] * s[i][j];
        }
        double sigPos = 1.0 / (1.0 + Math.exp(-z));
        double sigNeg = 1.0 / (1.0 + Math.exp(z));
        // σ(z) − y without cancellation for 0/1 labels
        double r = y[i] == 1.0 ? -sigNeg : (y[i] == 0.0 ? sigPos : sigPos - y[i]);
        double c = w[i] * sigPos * sigNeg;
        for (int j = 0; j < p; j++) {
          g[j] += w[i] * r * s[i][j];
          double cs = c * s[i][j];
          for (int k = 0; k <= j; k++) {
            h[k + j * p] += cs * s[i][k]; // upper triangle, column-major
          }
        }
      }
      for (int j = 0; j < p; j++) {
        g[j] = g[j] / wSum + l2Curvature[j] * theta[j];
        for (int k = 0; k <= j; k++) {
          h[k + j * p] /= wSum;
          h[j + k * p] = h[k + j * p];
        }
        h[j + j * p] += l2Curvature[j];
      }
      if (gradientAtStart == null) {
        gradientAtStart = minimumNormSubgradient(theta, g, l1Weight);
      }
      if (it == maxIter) {
        break;
      }
      double[] step;
      if (l1 == 0) {
        intW info = new intW(0);
        step = g.clone();
        lapack.dposv("U", p, 1, h, p, step, p, info);
        if (info.val != 0) {
          throw new IllegalStateException("Hessian is not positive definite: info " + info.val);
        }
        for (int j = 0; j < p; j++) {
          step[j] = -step[j];
        }
      } else {
        step = proximalStep(theta, g, h, l1Weight);
        double f0 = objective(s, y, w, wSum, theta, l2Curvature, l1Weight);
        for (int halvings = 0; halvings < 40; halvings++) {
          double[] trial = theta.clone();
          for (int j = 0; j < p; j++) {
            trial[j] += step[j];
          }
          if (objective(s, y, w, wSum, trial, l2Curvature, l1Weight)
              <= f0 + 1e-14 * Math.abs(f0)) {
            break;
          }
          for (int j = 0; j < p; j++) {
            step[j] *= 0.5;
          }
        }
      }
      double stepNorm = 0;
      double thetaNorm = 0;
      for (int j = 0; j < p; j++) {
        theta[j] += step[j];
        stepNorm = Math.max(stepNorm, Math.abs(step[j]));
        thetaNorm = Math.max(thetaNorm, Math.abs(theta[j]));
      }
      lastRel = stepNorm / thetaNorm;
      if (lastRel <= relStepTol) {
        it++;
        break;
      }
    }
    double[] out = new double[d + 1];
    double sh = 0;
    for (int j = 0; j < d; j++) {
      out[j] = theta[j] / std[j];
      sh += mean[j] * out[j];
    }
    out[d] = fitIntercept ? theta[d] - sh : 0.0;
    return new NewtonResult(out, it, lastRel, gradientAtStart);
  }

  /** Σ-form objective in standardized variables, for backtracking. */
  private static double objective(double[][] s, double[] y, double[] w, double wSum,
      double[] theta, double[] l2Curvature, double[] l1Weight) {
    double loss = 0;
    for (int i = 0; i < y.length; i++) {
      double z = 0;
      for (int j = 0; j < theta.length; j++) {
        z += theta[j] * s[i][j];
      }
      // −[y log σ(z) + (1 − y) log σ(−z)] = y·softplus(−z) + (1 − y)·softplus(z)
      double sp = Math.log1p(Math.exp(-Math.abs(z)));
      loss += w[i] * (y[i] * (Math.max(-z, 0) + sp) + (1 - y[i]) * (Math.max(z, 0) + sp));
    }
    double f = loss / wSum;
    for (int j = 0; j < theta.length; j++) {
      f += 0.5 * l2Curvature[j] * theta[j] * theta[j] + l1Weight[j] * Math.abs(theta[j]);
    }
    return f;
  }

  /**
   * argmin over δ of gᵀδ + ½δᵀHδ + Σ c_j|θ_j + δ_j| by cyclic coordinate descent (H full,
   * column-major), until no coordinate moves by more than rounding.
   */
  private static double[] proximalStep(double[] theta, double[] g, double[] h, double[] c) {
    int p = theta.length;
    double[] delta = new double[p];
    double[] hDelta = new double[p];
    for (int sweep = 0; sweep < 100_000; sweep++) {
      double maxMove = 0;
      double scale = 0;
      for (int j = 0; j < p; j++) {
        double a = h[j + j * p];
        double b = g[j] + hDelta[j] - a * delta[j];
        double u = softThreshold(a * theta[j] - b, c[j]) / a;
        double moved = u - theta[j] - delta[j];
        if (moved != 0) {
          delta[j] += moved;
          for (int k = 0; k < p; k++) {
            hDelta[k] += h[k + j * p] * moved;
          }
        }
        maxMove = Math.max(maxMove, Math.abs(moved));
        scale = Math.max(scale, Math.abs(theta[j] + delta[j]));
      }
      if (maxMove <= 1e-17 * Math.max(scale, 1e-300)) {
        break;
      }
    }
    return delta;
  }

  private static double softThreshold(double v, double c) {
    return v > c ? v - c : (v < -c ? v + c : 0.0);
  }

  /** ‖·‖∞-relevant components of the minimum-norm subgradient of f + Σ c_j|θ_j|. */
  private static double[] minimumNormSubgradient(double[] theta, double[] g, double[] c) {
    double[] out = new double[g.length];
    for (int j = 0; j < g.length; j++) {
      if (theta[j] > 0) {
        out[j] = g[j] + c[j];
      } else if (theta[j] < 0) {
        out[j] = g[j] - c[j];
      } else {
        out[j] = Math.signum(g[j]) * Math.max(0.0, Math.abs(g[j]) - c[j]);
      }
    }
    return out;
  }
}
