package io.github.stablelogit.ml;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Locale;

/**
 * A decision threshold chosen on weighted threshold curves ({@link
 * LogitThresholdMetrics#choose(String)}) for one target:
 *
 * <ul>
 *   <li>{@code f1}, {@code f0.5}, {@code f2}, {@code youden}: the metric's maximum;
 *   <li>{@code precision>=P} (0 &lt; P ≤ 1): the highest recall among the thresholds whose
 *       precision is at least P;
 *   <li>{@code recall>=R} (0 &lt; R ≤ 1): the highest precision among the thresholds whose recall
 *       is at least R (always feasible: predicting every row positive has recall 1);
 *   <li>{@code cost:FP,FN} (finite, ≥ 0, not both 0): the least FP·c_fp + FN·c_fn, with FP, FN
 *       the weighted false positives and false negatives; predicting no row positive (threshold 1)
 *       is a candidate too.
 * </ul>
 *
 * <p>Candidates are the thresholds of the curves (every distinct score when exact) under the
 * model's rule p &gt; t, as for {@link LogitThresholdMetrics#bestThreshold(String)}; values within
 * {@link LogitThresholdMetrics#TIE_TOLERANCE} of the optimum (relative to the cost of predicting
 * everything wrong, for costs) tie, and the largest threshold wins. A constraint counts as met
 * when the constrained metric is at least its bound minus the same tolerance.
 *
 * <p><b>Infeasible constraints.</b> When no threshold has precision ≥ P, {@link #feasible()} is
 * false, {@link #threshold()} is the threshold of the highest precision (the closest one can get;
 * ties: the highest recall) and {@link #bestAchievable()} that precision. {@link
 * LogitThresholdMetrics#bestThreshold(String)} throws instead of returning it.
 */
public final class ThresholdChoice implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The target forms, for messages. */
  public static final String FORMS = "f1, f0.5, f2, youden, precision>=P, recall>=R or cost:FP,FN";

  private final String target;
  private final boolean feasible;
  private final double threshold;
  private final double value;
  private final double precision;
  private final double recall;
  private final double bestAchievable;

  private ThresholdChoice(String target, boolean feasible, double threshold, double value,
      double precision, double recall, double bestAchievable) {
    this.target = target;
    this.feasible = feasible;
    this.threshold = threshold;
    this.value = value;
    this.precision = precision;
    this.recall = recall;
    this.bestAchievable = bestAchievable;
  }

  /** A parsed target: its kind (a metric name, "precision", "recall" or "cost") and numbers. */
  record Target(String kind, double a, double b, String canonical) {

    double cost(double rec, double fpr, double pos, double neg) {
      return a * fpr * neg + b * (1 - rec) * pos;
    }
  }

  /**
   * Checks a target and writes it canonically (lower case, no blanks, numbers without trailing
   * zeros).
   *
   * @param target e.g. "F1", "precision >= 0.90", "cost:1,20"
   * @return e.g. "f1", "precision>=0.9", "cost:1,20"
   * @throws IllegalArgumentException for a malformed target, naming the accepted forms
   */
  public static String canonical(String target) {
    return parse(target).canonical();
  }

  static Target parse(String target) {
    String t = target == null ? "" : target.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
    if (LogitThresholdMetrics.OPTIMIZABLE_METRICS.contains(t)) {
      return new Target(t, 0, 0, t);
    }
    for (String kind : new String[] {"precision", "recall"}) {
      if (t.startsWith(kind + ">=")) {
        double v = number(t.substring(kind.length() + 2), target);
        if (!(v > 0 && v <= 1)) {
          throw bad(target, "the bound of " + kind + ">= must be in (0, 1]");
        }
        return new Target(kind, v, 0, kind + ">=" + plain(v));
      }
    }
    if (t.startsWith("cost:")) {
      String[] c = t.substring(5).split(",", -1);
      if (c.length != 2) {
        throw bad(target, "cost: needs two costs, FP,FN");
      }
      double fp = number(c[0], target);
      double fn = number(c[1], target);
      if (!(fp >= 0 && fn >= 0 && Double.isFinite(fp + fn) && fp + fn > 0)) {
        throw bad(target, "the costs must be finite, >= 0 and not both 0");
      }
      return new Target("cost", fp, fn, "cost:" + plain(fp) + "," + plain(fn));
    }
    throw bad(target, "unknown target");
  }

  private static double number(String s, String target) {
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw bad(target, "'" + s + "' is not a number");
    }
  }

  private static IllegalArgumentException bad(String target, String why) {
    return new IllegalArgumentException("threshold target '" + target + "': " + why
        + "; accepted: " + FORMS + ", e.g. precision>=0.9 or cost:1,20");
  }

  private static String plain(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  /** The choice of a metric's maximum (always feasible). */
  static ThresholdChoice ofMetric(String metric, double threshold, double value, double prec,
      double rec) {
    return new ThresholdChoice(metric, true, threshold, value, prec, rec, value);
  }

  /**
   * Chooses on curves: index k predicts positive the rows with score &gt;= the k-th threshold
   * (descending), and modelThresholds[k] is the model threshold of that rule.
   */
  static ThresholdChoice choose(Target t, double[] prec, double[] rec, double[] fpr,
      double[] modelThresholds, double pos, double neg) {
    int n = prec.length;
    double tol = LogitThresholdMetrics.TIE_TOLERANCE;
    if (t.kind().equals("cost")) {
      // Index -1 predicts nothing positive: precision 1, recall 0, fpr 0 (threshold 1).
      double scale = t.a() * neg + t.b() * pos;
      double min = t.cost(0, 0, pos, neg);
      for (int k = 0; k < n; k++) {
        min = Math.min(min, t.cost(rec[k], fpr[k], pos, neg));
      }
      for (int k = -1; k < n; k++) {
        double c = k < 0 ? t.cost(0, 0, pos, neg) : t.cost(rec[k], fpr[k], pos, neg);
        if (c <= min + tol * scale) {
          return k < 0 ? new ThresholdChoice(t.canonical(), true, 1.0, c, 1.0, 0.0, c)
              : new ThresholdChoice(t.canonical(), true, modelThresholds[k], c, prec[k], rec[k],
                  c);
        }
      }
      throw new IllegalStateException("no finite cost");
    }
    double[] bound = t.kind().equals("precision") ? prec : rec;
    double[] goal = t.kind().equals("precision") ? rec : prec;
    double reach = maxWhere(bound, Double.NEGATIVE_INFINITY, bound);
    double max = maxWhere(bound, t.a() - tol, goal);
    boolean feasible = max > Double.NEGATIVE_INFINITY;
    double atReach = maxWhere(bound, reach - tol, goal);
    for (int k = 0; k < n; k++) {
      boolean pick = feasible
          ? bound[k] >= t.a() - tol && goal[k] >= max - tol
          : bound[k] >= reach - tol && goal[k] >= atReach - tol;
      if (pick) {
        return new ThresholdChoice(t.canonical(), feasible, modelThresholds[k], goal[k], prec[k],
            rec[k], reach);
      }
    }
    throw new IllegalStateException("no threshold for " + t.canonical());
  }

  private static double maxWhere(double[] bound, double atLeast, double[] goal) {
    double m = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < bound.length; k++) {
      if (bound[k] >= atLeast) {
        m = Math.max(m, goal[k]);
      }
    }
    return m;
  }

  /**
   * The value this choice optimizes at another model threshold, e.g. the default 0.5, on the same
   * curves.
   *
   * @param m the metrics this choice was made on
   * @param t a model threshold in [0, 1]
   * @return the metric, the recall (precision&gt;=P), the precision (recall&gt;=R) or the cost
   */
  public double valueAt(LogitThresholdMetrics m, double t) {
    Target g = parse(target);
    switch (g.kind()) {
      case "precision":
        return m.metricAt("recall", t);
      case "recall":
        return m.metricAt("precision", t);
      case "cost":
        return g.cost(m.metricAt("recall", t), m.metricAt("fpr", t), m.weightedPositives(),
            m.weightedNegatives());
      default:
        return m.metricAt(g.kind(), t);
    }
  }

  /** @return the target, canonically written */
  public String target() {
    return target;
  }

  /** @return whether the constraint can be met (always true for metrics and costs) */
  public boolean feasible() {
    return feasible;
  }

  /**
   * @return the model threshold t (rule p &gt; t) in [0, 1]: 1 only for a cost target whose
   *     optimum predicts no row positive
   */
  public double threshold() {
    return threshold;
  }

  /**
   * @return the optimized value at {@link #threshold()}: recall for precision&gt;=P, precision for
   *     recall&gt;=R, the weighted cost for cost:FP,FN
   */
  public double value() {
    return value;
  }

  /** @return the precision at {@link #threshold()} */
  public double precision() {
    return precision;
  }

  /** @return the recall at {@link #threshold()} */
  public double recall() {
    return recall;
  }

  /**
   * @return for a constraint, the highest precision (recall) any threshold reaches, which is
   *     below the bound when infeasible; for a cost, the least cost
   */
  public double bestAchievable() {
    return bestAchievable;
  }

  /** @return a one-line description of why the constraint cannot be met, or "" if it can */
  public String infeasibility() {
    if (feasible) {
      return "";
    }
    String kind = target.substring(0, target.indexOf('>'));
    return String.format(Locale.ROOT, "%s cannot be met: the highest %s at any threshold is "
        + "%.6g (recall %.6g there)", target, kind, bestAchievable, recall);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "ThresholdChoice(%s: threshold=%s, value=%s, precision=%s,"
        + " recall=%s%s)", target, threshold, value, precision, recall,
        feasible ? "" : ", infeasible, best achievable " + bestAchievable);
  }
}
