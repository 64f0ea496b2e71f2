package io.github.stablelogit.cli;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorSizeHint;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Which input columns become features and how: numeric and boolean columns go to the assembler as
 * they are, string columns through StringIndexer and OneHotEncoder (both keeping unseen and null
 * values in an extra category), vector columns (e.g. LIBSVM's) with a size hint.
 */
final class FeaturePlan {

  final List<String> numeric = new ArrayList<>();
  final List<String> categorical = new ArrayList<>();
  final List<String> vectors = new ArrayList<>();
  final Map<String, Integer> vectorSizes = new LinkedHashMap<>();
  final List<String> ignored = new ArrayList<>();
  final List<String> dropped = new ArrayList<>();

  private FeaturePlan() {}

  /**
   * @param df the input (label and weight included)
   * @param label label column
   * @param weight weight column or null
   * @param validation validation indicator column or null
   * @param features explicit feature columns, or empty for "all others"
   * @param drop columns to leave out
   * @param note receives remarks for the user
   * @return the plan
   */
  static FeaturePlan choose(Dataset<Row> df, String label, String weight, String validation,
      List<String> features, List<String> drop, Consumer<String> note) {
    StructType schema = df.schema();
    FeaturePlan p = new FeaturePlan();
    for (String d : drop) {
      if (!Columns.has(schema, d)) {
        throw new UsageException(String.format(Locale.ROOT, "--drop names column '%s', which "
            + "does not exist; the input has: %s", d, Columns.list(schema)));
      }
      p.dropped.add(d);
    }
    Set<String> excluded = new LinkedHashSet<>(drop);
    excluded.add(label);
    if (weight != null) {
      excluded.add(weight);
    }
    if (validation != null) {
      excluded.add(validation);
    }
    List<String> chosen;
    boolean explicit = !features.isEmpty();
    if (explicit) {
      for (String f : features) {
        Columns.require(schema, f, "feature column");
        if (f.equals(label)) {
          throw new UsageException("the label column '" + label + "' cannot also be a feature");
        }
        if (f.equals(weight)) {
          throw new UsageException("the weight column '" + weight + "' cannot also be a feature");
        }
        if (f.equals(validation)) {
          throw new UsageException("the validation indicator column '" + validation
              + "' cannot also be a feature");
        }
        if (excluded.contains(f)) {
          throw new UsageException("column '" + f + "' is both in --features and in --drop");
        }
      }
      chosen = features;
    } else {
      chosen = new ArrayList<>();
      for (String c : schema.fieldNames()) {
        if (!excluded.contains(c)) {
          chosen.add(c);
        }
      }
    }
    for (String c : chosen) {
      DataType t = schema.apply(c).dataType();
      if (Columns.isNumeric(t)) {
        p.numeric.add(c);
      } else if (Columns.isString(t)) {
        p.categorical.add(c);
      } else if (Columns.isVector(t)) {
        p.vectors.add(c);
      } else if (explicit) {
        throw new UsageException(String.format(Locale.ROOT, "feature column '%s' has type %s; "
            + "features must be numeric, boolean, string or vector columns", c, t.simpleString()));
      } else {
        p.ignored.add(c);
        note.accept(String.format(Locale.ROOT, "ignoring column '%s' of type %s (features are "
            + "numeric, boolean, string or vector columns)", c, t.simpleString()));
      }
    }
    if (p.numeric.isEmpty() && p.categorical.isEmpty() && p.vectors.isEmpty()) {
      throw new UsageException("no feature columns are left (label '" + label + "'"
          + (weight == null ? "" : ", weight '" + weight + "'")
          + (drop.isEmpty() ? "" : ", dropped " + drop) + "); the input has: "
          + Columns.list(schema));
    }
    for (String v : p.vectors) {
      p.vectorSizes.put(v, vectorSize(df, schema.apply(v)));
    }
    return p;
  }

  private static int vectorSize(Dataset<Row> df, StructField field) {
    int size = AttributeGroup.fromStructField(field).size();
    if (size >= 0) {
      return size;
    }
    List<Row> first = df.select(col(Columns.quote(field.name())))
        .filter(col(Columns.quote(field.name())).isNotNull()).limit(1).collectAsList();
    if (first.isEmpty()) {
      throw new UsageException("vector column '" + field.name() + "' is empty");
    }
    return ((Vector) first.get(0).get(0)).size();
  }

  /**
   * Fails with a message naming the column when a numeric feature (or the weight) is null, NaN
   * or infinite somewhere: one aggregation over the data.
   */
  void requireComplete(Dataset<Row> df, String weight) {
    List<String> cols = new ArrayList<>(numeric);
    if (weight != null) {
      cols.add(weight);
    }
    if (cols.isEmpty()) {
      return;
    }
    StructType schema = df.schema();
    List<Column> checks = new ArrayList<>();
    for (String c : cols) {
      Column v = col(Columns.quote(c));
      DataType t = schema.apply(c).dataType();
      Column bad = v.isNull();
      if (t instanceof DoubleType || t instanceof FloatType) {
        bad = bad.or(isnan(v)).or(v.equalTo(lit(Double.POSITIVE_INFINITY)))
            .or(v.equalTo(lit(Double.NEGATIVE_INFINITY)));
      }
      checks.add(sum(when(bad, 1L).otherwise(0L)));
    }
    Row r = df.agg(checks.get(0), checks.subList(1, checks.size()).toArray(new Column[0]))
        .first();
    for (int i = 0; i < cols.size(); i++) {
      long n = r.isNullAt(i) ? 0 : r.getLong(i);
      if (n > 0) {
        String c = cols.get(i);
        throw new UsageException(String.format(Locale.ROOT, "%s column '%s' is missing (null, "
            + "NaN or infinite) in %d rows; drop or fill those rows%s", c.equals(weight)
                ? "weight" : "feature", c, n, c.equals(weight) ? "" : ", or --drop the column"));
      }
    }
  }

  /** The feature stages: index and one-hot encode strings, size-hint vectors, assemble. */
  List<PipelineStage> stages() {
    List<PipelineStage> stages = new ArrayList<>();
    List<String> assembled = new ArrayList<>();
    for (String c : numeric) {
      assembled.add(Columns.quote(c));
    }
    if (!categorical.isEmpty()) {
      int n = categorical.size();
      String[] in = new String[n];
      String[] idx = new String[n];
      String[] ohe = new String[n];
      for (int i = 0; i < n; i++) {
        in[i] = Columns.quote(categorical.get(i));
        idx[i] = Columns.PREFIX + "idx_" + i;
        ohe[i] = Columns.PREFIX + "ohe_" + i;
      }
      stages.add(new StringIndexer().setInputCols(in).setOutputCols(idx)
          .setHandleInvalid("keep").setStringOrderType("frequencyDesc"));
      stages.add(new OneHotEncoder().setInputCols(idx).setOutputCols(ohe)
          .setHandleInvalid("keep"));
      assembled.addAll(List.of(ohe));
    }
    for (String v : vectors) {
      // VectorSizeHint looks its column up by the exact name (no quoting).
      stages.add(new VectorSizeHint().setInputCol(v).setSize(vectorSizes.get(v))
          .setHandleInvalid("error"));
      assembled.add(Columns.quote(v));
    }
    stages.add(new VectorAssembler().setInputCols(assembled.toArray(new String[0]))
        .setOutputCol(Columns.FEATURES).setHandleInvalid("keep"));
    return stages;
  }

  String describe() {
    List<String> parts = new ArrayList<>();
    if (!numeric.isEmpty()) {
      parts.add(numeric.size() + " numeric");
    }
    if (!categorical.isEmpty()) {
      parts.add(categorical.size() + " categorical (one-hot: " + String.join(", ", categorical)
          + ")");
    }
    if (!vectors.isEmpty()) {
      List<String> vs = new ArrayList<>();
      vectors.forEach(v -> vs.add(v + "[" + vectorSizes.get(v) + "]"));
      parts.add("vector " + String.join(", ", vs));
    }
    return String.join(", ", parts);
  }
}
