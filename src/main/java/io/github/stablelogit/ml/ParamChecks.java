package io.github.stablelogit.ml;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import scala.runtime.AbstractFunction1;

/**
 * One validator per parameter, used both by Spark (values set through a {@code ParamMap}, e.g. by
 * CrossValidator, are checked with the Param's validator) and by the setters, which check with the
 * very same validator and throw a message naming the parameter, its range and the value.
 */
final class ParamChecks {

  private ParamChecks() {}

  /** A serializable predicate on a Param's value. */
  @FunctionalInterface
  interface Test extends Serializable {
    boolean ok(Object value);
  }

  /**
   * A Param validator that can say what it accepts, e.g. "a finite number &gt;= 0". Spark keeps
   * it as the Param's {@code isValid} function, so the setters find it there again.
   */
  static final class Valid extends AbstractFunction1<Object, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String range;
    private final Test test;

    Valid(String range, Test test) {
      this.range = range;
      this.test = test;
    }

    @Override
    public Object apply(Object value) {
      return value != null && test.ok(value);
    }

    /** @return what the validator accepts, to follow "must be" */
    String range() {
      return range;
    }
  }

  /** Any value, e.g. of an output column name ("" = not produced). */
  static final Valid ANY = new Valid("any value", v -> true);
  /** A non-empty column name. */
  static final Valid NAME = new Valid("a non-empty column name", v -> !((String) v).isEmpty());
  /** 0 ≤ v &lt; ∞. */
  static final Valid FINITE_NON_NEGATIVE = doubles("a finite number >= 0",
      v -> v >= 0 && v < Double.POSITIVE_INFINITY);
  /** 0 &lt; v &lt; ∞. */
  static final Valid FINITE_POSITIVE = doubles("a finite number > 0",
      v -> v > 0 && v < Double.POSITIVE_INFINITY);
  /** 0 ≤ v ≤ 1. */
  static final Valid UNIT_INTERVAL = doubles("in [0, 1]", v -> v >= 0 && v <= 1);
  /** Non-negative ints. */
  static final Valid INT_NON_NEGATIVE = new Valid(">= 0", v -> (Integer) v >= 0);

  /** @return a validator of double values (NaN is rejected by every range written as tests) */
  static Valid doubles(String range, DoubleTest test) {
    return new Valid(range, v -> test.ok((Double) v));
  }

  /** A serializable predicate on doubles. */
  @FunctionalInterface
  interface DoubleTest extends Serializable {
    boolean ok(double value);
  }

  /** @return a validator accepting exactly these strings (setters normalize case first) */
  static Valid oneOf(List<String> allowed) {
    List<String> copy = List.copyOf(allowed);
    return new Valid("one of " + copy, copy::contains);
  }

  @SuppressWarnings("unchecked")
  static Param<String> stringParam(Params owner, String name, String doc, Valid valid) {
    // Valid checks Objects; Param<String> wants a String => Boolean, which it is at run time.
    return new Param<>(owner, name, doc, (scala.Function1<String, Object>) (Object) valid);
  }

  static DoubleParam doubleParam(Params owner, String name, String doc, Valid valid) {
    return new DoubleParam(owner, name, doc, valid);
  }

  static IntParam intParam(Params owner, String name, String doc, Valid valid) {
    return new IntParam(owner, name, doc, valid);
  }

  static BooleanParam booleanParam(Params owner, String name, String doc) {
    return new BooleanParam(owner, name, doc);
  }

  /**
   * Checks a value with its Param's own validator.
   *
   * @return the value
   * @throws IllegalArgumentException naming the parameter, its range and the value
   */
  static <T> T requireValid(Param<T> param, T value) {
    if (!Boolean.TRUE.equals(param.isValid().apply(value))) {
      throw invalid(param, param.isValid(), value);
    }
    return value;
  }

  /**
   * Checks a value with a given validator, for Params whose own validator is Spark's (which
   * accepts anything), e.g. the featuresCol a Spark PredictionModel declares.
   *
   * @return the value
   * @throws IllegalArgumentException naming the parameter, its range and the value
   */
  static <T> T requireValid(Param<T> param, Valid valid, T value) {
    if (!Boolean.TRUE.equals(valid.apply(value))) {
      throw invalid(param, valid, value);
    }
    return value;
  }

  private static IllegalArgumentException invalid(Param<?> param, Object validator,
      Object value) {
    String range = validator instanceof Valid v ? v.range() : "valid";
    String shown = value instanceof String ? "'" + value + "'" : String.valueOf(value);
    return new IllegalArgumentException(String.format(Locale.ROOT, "%s must be %s, but was %s",
        param.name(), range, shown));
  }

  /**
   * The allowed name equal to {@code v} ignoring case and surrounding blanks, or {@code v}
   * unchanged (which the Param's validator then rejects with the list of allowed values).
   */
  static String normalize(String v, List<String> allowed) {
    String t = v == null ? "" : v.trim();
    for (String a : allowed) {
      if (a.equalsIgnoreCase(t)) {
        return a;
      }
    }
    return v == null ? "" : v;
  }
}
