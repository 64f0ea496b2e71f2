package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitTrainingSummary;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.sql.types.StructField;

/**
 * The fitted coefficients with their Wald standard errors, z- and p-values (from the training
 * summary: plain BCE without L1; see {@link LogitTrainingSummary#coefficientStandardErrors()}),
 * named after the assembled feature columns, for models of up to {@value #PRINT_MAX} features:
 * printed and written to the metrics JSON. The standard errors cost one more pass over the
 * training rows and a Hessian pass (O(n·d²)), so larger models get the estimates in the JSON and
 * a note. Where inference is not available the reason is printed and written instead.
 */
final class CoefficientTable implements ModelSection {

  /** Models with more features get no table and no standard errors (the JSON has estimates). */
  static final int PRINT_MAX = 50;

  private final List<String> names;
  private final double[] estimates;
  private final double[] se;
  private final double[] z;
  private final double[] p;
  /** Why there are no standard errors, or null. */
  private final String unavailable;
  private final boolean penalized;

  private CoefficientTable(List<String> names, double[] estimates, double[] se, double[] z,
      double[] p, String unavailable, boolean penalized) {
    this.names = names;
    this.estimates = estimates;
    this.se = se;
    this.z = z;
    this.p = p;
    this.unavailable = unavailable;
    this.penalized = penalized;
  }

  /**
   * @param model the fitted model, with its summary
   * @param features the assembled features column (its ML attributes name the coefficients)
   * @return the table
   */
  static CoefficientTable of(LogitClassificationModel model, StructField features) {
    int d = model.numFeatures();
    List<String> names = featureNames(features, d);
    names.add("intercept");
    double[] est = new double[d + 1];
    for (int j = 0; j < d; j++) {
      est[j] = model.coefficients().apply(j);
    }
    est[d] = model.intercept();
    LogitTrainingSummary s = model.summary();
    if (d > PRINT_MAX) {
      return new CoefficientTable(names, est, null, null, null, String.format(Locale.ROOT,
          "the job computes standard errors for up to %d features, this model has %d; use "
              + "summary().coefficientStandardErrors() in the library", PRINT_MAX, d), false);
    }
    try {
      return new CoefficientTable(names, est, s.coefficientStandardErrors(), s.zValues(),
          s.pValues(), null, s.inferenceIsPenalized());
    } catch (IllegalStateException e) {
      return new CoefficientTable(names, est, null, null, null, e.getMessage(), false);
    }
  }

  /** Names from the column's ML attributes, "feature_j" where there are none. */
  private static List<String> featureNames(StructField field, int d) {
    List<String> names = new ArrayList<>();
    Attribute[] attrs = null;
    try {
      AttributeGroup group = AttributeGroup.fromStructField(field);
      if (group.attributes().isDefined() && group.attributes().get().length == d) {
        attrs = group.attributes().get();
      }
    } catch (RuntimeException e) {
      attrs = null;
    }
    for (int j = 0; j < d; j++) {
      String name = attrs == null || attrs[j].name().isEmpty() ? null : attrs[j].name().get();
      names.add(name == null || name.isEmpty() ? "feature_" + j : name);
    }
    return names;
  }

  /** Prints the table (up to {@value #PRINT_MAX} features) or says why it is left out. */
  @Override
  public void print(PrintStream out) {
    int d = estimates.length - 1;
    if (d > PRINT_MAX) {
      out.println(String.format(Locale.ROOT, "coefficients: %d features, more than %d: see the "
          + "metrics JSON", d, PRINT_MAX));
      return;
    }
    out.println();
    if (unavailable != null) {
      out.println("coefficients (" + unavailable + ")");
    } else if (penalized) {
      out.println("coefficients (standard errors of the L2-penalized fit: the inverse penalized "
          + "Hessian)");
    }
    int width = Math.max(12, names.stream().mapToInt(String::length).max().orElse(0));
    out.println(String.format(Locale.ROOT, "%-" + width + "s %14s %12s %9s %10s", "term",
        "estimate", "std. error", "z", "p"));
    for (int k = 0; k <= d; k++) {
      if (unavailable != null) {
        out.println(String.format(Locale.ROOT, "%-" + width + "s %14.6g", names.get(k),
            estimates[k]));
      } else {
        out.println(String.format(Locale.ROOT, "%-" + width + "s %14.6g %12.4g %9.3f %10.3g",
            names.get(k), estimates[k], se[k], z[k], p[k]));
      }
    }
  }

  /** Writes "coefficients" (one object per term) and "inference" into the metrics JSON. */
  @Override
  public void toJson(ObjectNode json) {
    ObjectNode inference = json.putObject("inference");
    inference.put("available", unavailable == null);
    if (unavailable != null) {
      inference.put("reason", unavailable);
    } else {
      inference.put("penalized", penalized);
    }
    ArrayNode arr = json.putArray("coefficients");
    for (int k = 0; k < estimates.length; k++) {
      ObjectNode c = arr.addObject();
      c.put("term", names.get(k));
      Json.putDouble(c, "estimate", estimates[k]);
      if (unavailable == null) {
        Json.putDouble(c, "std_error", se[k]);
        Json.putDouble(c, "z", z[k]);
        Json.putDouble(c, "p", p[k]);
      }
    }
  }
}
