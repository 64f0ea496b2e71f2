package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.col;

import io.github.stablelogit.ml.feature.BinaryLabelMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;

/** Decides how a label column maps to 0/1, and checks labels against a trained mapping. */
final class Labels {

  /** String pairs whose positive value is obvious: {negative, positive}, compared ignoring case. */
  private static final String[][] KNOWN_PAIRS = {
      {"no", "yes"}, {"false", "true"}, {"0", "1"}, {"negative", "positive"}, {"n", "y"}};

  /** How many distinct values are fetched to decide; more means "not binary". */
  private static final int PROBE = 12;

  private Labels() {}

  /**
   * The mapping of a label column.
   *
   * @param column the label column
   * @param positive the value meaning 1 (a double's string for numeric columns)
   * @param negative the value meaning 0
   * @param numeric compare as numbers
   * @param rule why this value is positive, for the output
   */
  record Spec(String column, String positive, String negative, boolean numeric, String rule) {

    String describe() {
      return String.format(Locale.ROOT, "label '%s': positive class (1) = %s, negative (0) = %s "
          + "[%s]", column, show(positive, numeric), show(negative, numeric), rule);
    }

    BinaryLabelMapper mapper() {
      return new BinaryLabelMapper().configure(column, Columns.LABEL, positive, negative, numeric);
    }
  }

  static Spec of(BinaryLabelMapper m) {
    return new Spec(m.getInputCol(), m.getPositive(), m.getNegative(), m.getNumeric(),
        "as trained");
  }

  static String show(String value, boolean numeric) {
    if (numeric) {
      double d = Double.parseDouble(value);
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return Long.toString((long) d);
      }
      return value;
    }
    return "'" + value + "'";
  }

  /**
   * Reads the label column's distinct values (one aggregation) and decides the mapping: numeric
   * 0/1 as is, −1/+1 to 0/1, two other numbers larger = 1; booleans true = 1; two strings by a
   * known pair (no/yes, false/true, 0/1, negative/positive, n/y) or else the lexicographically
   * larger = 1.
   *
   * @throws UsageException when the column is missing, has nulls, one value, or more than two
   */
  static Spec analyze(Dataset<Row> df, String label) {
    DataType type = Columns.require(df.schema(), label, "label column");
    boolean numeric = type instanceof NumericType;
    if (!numeric && !(type instanceof StringType) && !(type instanceof BooleanType)) {
      throw new UsageException(String.format(Locale.ROOT, "label column '%s' has type %s; it "
          + "must be numeric (0/1 or -1/+1), boolean or a string with two values", label,
          type.simpleString()));
    }
    List<Row> groups = df.groupBy(col(Columns.quote(label))).count().limit(PROBE + 1)
        .collectAsList();
    Map<String, Long> counts = numeric ? new TreeMap<>((a, b) ->
        Double.compare(Double.parseDouble(a), Double.parseDouble(b))) : new TreeMap<>();
    long nulls = 0;
    for (Row r : groups) {
      Object v = r.get(0);
      if (v == null) {
        nulls = r.getLong(1);
      } else if (numeric) {
        double d = ((Number) v).doubleValue();
        if (Double.isNaN(d)) {
          nulls += r.getLong(1);
        } else {
          counts.put(Double.toString(d), r.getLong(1));
        }
      } else {
        counts.put(v.toString(), r.getLong(1));
      }
    }
    if (nulls > 0) {
      throw new UsageException(String.format(Locale.ROOT, "label column '%s' is empty (null or "
          + "NaN) in %d rows; drop or fill those rows", label, nulls));
    }
    List<String> values = new ArrayList<>(counts.keySet());
    if (values.isEmpty()) {
      throw new UsageException("the input has no rows");
    }
    if (values.size() == 1) {
      throw new UsageException(String.format(Locale.ROOT, "label column '%s' has a single value "
          + "(%s in all %d rows); a binary classifier needs both classes", label,
          show(values.get(0), numeric), counts.get(values.get(0))));
    }
    if (values.size() > 2) {
      List<String> shown = new ArrayList<>();
      for (String v : values.subList(0, Math.min(5, values.size()))) {
        shown.add(show(v, numeric));
      }
      throw new UsageException(String.format(Locale.ROOT, "label column '%s' is not binary: it "
          + "has %s distinct values (%s%s); choose a column with exactly two values", label,
          values.size() > PROBE ? "more than " + PROBE : Integer.toString(values.size()),
          String.join(", ", shown), values.size() > 5 ? ", …" : ""));
    }
    String lo = values.get(0);
    String hi = values.get(1);
    if (numeric) {
      double a = Double.parseDouble(lo);
      double b = Double.parseDouble(hi);
      String rule = a == 0 && b == 1 ? "0/1"
          : a == -1 && b == 1 ? "-1/+1 mapped to 0/1"
          : "the larger value is positive";
      return new Spec(label, hi, lo, true, rule);
    }
    if (type instanceof BooleanType) {
      return new Spec(label, "true", "false", false, "boolean");
    }
    for (String[] pair : KNOWN_PAIRS) {
      if (lo.equalsIgnoreCase(pair[0]) && hi.equalsIgnoreCase(pair[1])) {
        return new Spec(label, hi, lo, false, pair[0] + "/" + pair[1]);
      }
      if (hi.equalsIgnoreCase(pair[0]) && lo.equalsIgnoreCase(pair[1])) {
        return new Spec(label, lo, hi, false, pair[0] + "/" + pair[1]);
      }
    }
    return new Spec(label, hi, lo, false,
        "no obvious positive value: the lexicographically larger value is positive");
  }

  /**
   * Checks that every row of {@code mapped} (the output of the trained mapper) has a 0/1 label.
   *
   * @throws UsageException naming an unknown or missing label value
   */
  static void requireMapped(Dataset<Row> mapped, Spec spec) {
    List<Row> bad = mapped.filter(col(Columns.LABEL).isNull())
        .select(col(Columns.quote(spec.column()))).limit(1).collectAsList();
    if (bad.isEmpty()) {
      return;
    }
    Object v = bad.get(0).get(0);
    if (v == null) {
      throw new UsageException(String.format(Locale.ROOT, "label column '%s' is empty (null) in "
          + "some rows; drop or fill those rows", spec.column()));
    }
    throw new UsageException(String.format(Locale.ROOT, "label column '%s' has the value '%s', "
        + "but the model knows only %s (positive) and %s (negative)", spec.column(), v,
        show(spec.positive(), spec.numeric()), show(spec.negative(), spec.numeric())));
  }
}
