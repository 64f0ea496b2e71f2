package io.github.stablelogit.optim;

import java.util.function.ToDoubleFunction;

/**
 * A test objective f = ½(x − m)ᵀA(x − m) + offset (A row-major n×n) with a scripted validation
 * loss, for the minimizers' tests: value, gradient and Hessian are exact, and subclasses override
 * them to script failures.
 */
class Quadratic implements HessianObjective {
  final double[] a;
  final double[] m;
  final double offset;
  final ToDoubleFunction<double[]> validation;
  int evaluations;
  int hessianEvaluations;

  Quadratic(double[] a, double[] m, double offset, ToDoubleFunction<double[]> validation) {
    this.a = a;
    this.m = m;
    this.offset = offset;
    this.validation = validation;
  }

  @Override
  public double evaluate(double[] x, double[] g) {
    evaluations++;
    int n = m.length;
    double f = offset;
    for (int j = 0; j < n; j++) {
      double s = 0.0;
      for (int k = 0; k < n; k++) {
        s += a[j * n + k] * (x[k] - m[k]);
      }
      g[j] = s;
      f += 0.5 * (x[j] - m[j]) * s;
    }
    return f;
  }

  @Override
  public double evaluateWithHessian(double[] x, double[] g, double[] h) {
    hessianEvaluations++;
    evaluations--;
    double f = evaluate(x, g);
    System.arraycopy(a, 0, h, 0, a.length);
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
  public double validationLoss(double[] x) {
    return validation == null ? Double.NaN : validation.applyAsDouble(x);
  }

  @Override
  public double[] l1Weights(double regL1) {
    double[] w = new double[m.length];
    java.util.Arrays.fill(w, regL1);
    return w;
  }

  /** @return the quadratic with A = diag(c), m_j = 1 + j and offset 1 */
  static Quadratic diagonal(double... c) {
    int n = c.length;
    double[] a = new double[n * n];
    double[] m = new double[n];
    for (int j = 0; j < n; j++) {
      a[j * n + j] = c[j];
      m[j] = 1.0 + j;
    }
    return new Quadratic(a, m, 1.0, null);
  }
}
