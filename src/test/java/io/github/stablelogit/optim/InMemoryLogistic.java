package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.loss.StableMath;
import java.util.SplittableRandom;

/**
 * A dense logistic regression held in memory, for minimizer tests without Spark: variables
 * (β, b), f = (1/W) Σ w ℓ(xᵀβ + b, y) + λ/2 ‖β‖² with BCE ℓ, its gradient and exact Hessian.
 */
class InMemoryLogistic implements HessianObjective {
  private static final LogitLoss BCE = LogitLoss.bce(1.0, 0.0);
  final double[][] x;
  final double[] y;
  final double[] w;
  final double lambda;
  final int d;
  private final double weightSum;
  int evaluations;
  int hessianEvaluations;

  InMemoryLogistic(double[][] x, double[] y, double[] w, double lambda) {
    this.x = x;
    this.y = y;
    this.w = w;
    this.lambda = lambda;
    this.d = x[0].length;
    double s = 0.0;
    for (double v : w) {
      s += v;
    }
    this.weightSum = s;
  }

  /** n rows of d correlated Gaussian features on different scales, labels from a logistic model. */
  static InMemoryLogistic random(int n, int d, double lambda, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] x = new double[n][d];
    double[] y = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      double shared = r.nextGaussian();
      double z = 0.2;
      for (int j = 0; j < d; j++) {
        x[i][j] = (0.5 * shared + r.nextGaussian()) * (1 + j % 3);
        z += (j % 4 - 1.5) * 0.5 * x[i][j] / (1 + j % 3);
      }
      y[i] = r.nextDouble() < StableMath.sigmoid(z) ? 1.0 : 0.0;
      w[i] = 0.5 + r.nextDouble();
    }
    return new InMemoryLogistic(x, y, w, lambda);
  }

  private double[] margins(double[] v) {
    double[] z = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      double s = v[d];
      for (int j = 0; j < d; j++) {
        s += x[i][j] * v[j];
      }
      z[i] = s;
    }
    return z;
  }

  @Override
  public double evaluate(double[] v, double[] g) {
    evaluations++;
    return valueAndGradient(v, g, margins(v));
  }

  private double valueAndGradient(double[] v, double[] g, double[] z) {
    double[] dz = new double[y.length];
    double loss = BCE.valueAndDerivatives(z, 0, y, w, dz, y.length);
    java.util.Arrays.fill(g, 0.0);
    for (int i = 0; i < y.length; i++) {
      for (int j = 0; j < d; j++) {
        g[j] += x[i][j] * dz[i];
      }
      g[d] += dz[i];
    }
    double penalty = 0.0;
    for (int j = 0; j <= d; j++) {
      g[j] /= weightSum;
      if (j < d) {
        g[j] += lambda * v[j];
        penalty += v[j] * v[j];
      }
    }
    return loss / weightSum + 0.5 * lambda * penalty;
  }

  @Override
  public double evaluateWithHessian(double[] v, double[] g, double[] h) {
    hessianEvaluations++;
    double[] z = margins(v);
    double f = valueAndGradient(v, g, z);
    int n = d + 1;
    java.util.Arrays.fill(h, 0.0);
    double[] u = new double[n];
    for (int i = 0; i < y.length; i++) {
      double c = w[i] * StableMath.sigmoid(z[i]) * StableMath.sigmoid(-z[i]) / weightSum;
      System.arraycopy(x[i], 0, u, 0, d);
      u[d] = 1.0;
      for (int j = 0; j < n; j++) {
        for (int k = 0; k < n; k++) {
          h[j * n + k] += c * u[j] * u[k];
        }
      }
    }
    for (int j = 0; j < d; j++) {
      h[j * n + j] += lambda;
    }
    return f;
  }

  @Override
  public int evaluations() {
    return evaluations;
  }

  @Override
  public int hessianEvaluations() {
    return hessianEvaluations;
  }

  @Override
  public double validationLoss(double[] v) {
    return Double.NaN;
  }

  @Override
  public double[] penaltyCurvature() {
    double[] c = new double[d + 1];
    java.util.Arrays.fill(c, 0, d, lambda);
    return c;
  }

  @Override
  public double[] l1Weights(double regL1) {
    double[] c = new double[d + 1];
    java.util.Arrays.fill(c, 0, d, regL1);
    return c;
  }
}
