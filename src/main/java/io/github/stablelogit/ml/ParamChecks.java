package io.github.stablelogit.ml;

import java.util.Locale;

/** Setter checks shared by the estimator, the model and the evaluator, with one message format. */
final class ParamChecks {

  private ParamChecks() {}

  static String requireName(String param, String v) {
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException(param + " must be a non-empty column name");
    }
    return v;
  }

  static void check(boolean ok, String param, double value, String range) {
    if (!ok) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%s must be %s, but was %s",
          param, range, value));
    }
  }
}
