package io.github.stablelogit.ml;

import static io.github.stablelogit.ml.SchemaChecks.col;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.Tuple3;

/**
 * The weighted confusion curves behind {@link LogitThresholdMetrics}: the input validated in one
 * Spark job (naming column, count and first bad value), then Spark's {@link
 * BinaryClassificationMetrics} (exact, or binned as Spark bins), and for each curve point a model
 * threshold t with {p &gt; t} = {score &gt;= threshold}.
 *
 * @param rows rows evaluated
 * @param positives weighted positives
 * @param negatives weighted negatives
 * @param thresholds Spark's thresholds, descending
 * @param precision precision of score &gt;= threshold
 * @param recall recall of score &gt;= threshold
 * @param fpr false positive rate of score &gt;= threshold
 * @param modelThresholds for each index k, a model threshold t with {p &gt; t} = {score &gt;=
 *     thresholds[k]}
 */
record ThresholdCurves(long rows, double positives, double negatives, double[] thresholds,
    double[] precision, double[] recall, double[] fpr, double[] modelThresholds) {

  private static final String S = "score";
  private static final String L = "label";
  private static final String W = "weight";

  /** See {@link LogitThresholdMetrics#of}; numBins is checked by the caller. */
  static ThresholdCurves of(Dataset<?> scored, String probabilityCol, String labelCol,
      String weightCol, int numBins) {
    return validated(scored, probabilityCol, labelCol, weightCol, "LogitThresholdMetrics",
        (proj, totals) ->
        compute(proj.select(S, L, W), numBins, (long) totals[0], totals[1], totals[2]));
  }

  /** What is computed from the validated (score, label, weight) rows. */
  @FunctionalInterface
  interface Use<T> {
    T apply(Dataset<Row> scoreLabelWeight, double[] rowsPositivesNegatives);
  }

  /**
   * Projects scored data to columns "score", "label", "weight" (cached while {@code use} runs),
   * checks every row as {@link LogitThresholdMetrics#of} documents, and applies {@code use}.
   */
  static <T> T validated(Dataset<?> scored, String probabilityCol, String labelCol,
      String weightCol, String who, Use<T> use) {
    StructType schema = scored.schema();
    DataType pt = SchemaChecks.require(schema, probabilityCol, "probabilityCol").dataType();
    boolean isVector = pt instanceof VectorUDT;
    if (!isVector && !(pt instanceof NumericType)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "probabilityCol '%s' must hold probability vectors [1 - p, p] or numeric probabilities "
              + "p, but has type %s.", probabilityCol, pt.simpleString()));
    }
    SchemaChecks.requireNumeric(schema, labelCol, "labelCol");
    if (weightCol != null) {
      SchemaChecks.requireNumeric(schema, weightCol, "weightCol");
    }

    Column vectorSize = lit(2);
    Column score;
    if (isVector) {
      Column arr = org.apache.spark.ml.functions.vector_to_array(col(probabilityCol), "float64");
      vectorSize = when(col(probabilityCol).isNull(), lit(-1)).otherwise(size(arr));
      score = when(vectorSize.equalTo(2), arr.getItem(1));
    } else {
      score = col(probabilityCol).cast(DataTypes.DoubleType);
    }
    Dataset<Row> proj = scored.select(
        score.as(S),
        col(labelCol).cast(DataTypes.DoubleType).as(L),
        (weightCol == null ? lit(1.0) : col(weightCol).cast(DataTypes.DoubleType)).as(W),
        vectorSize.as("size"));
    proj = proj.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      double[] totals = validate(proj, probabilityCol, labelCol, weightCol, isVector, who);
      return use.apply(proj.select(S, L, W), totals);
    } finally {
      proj.unpersist(false);
    }
  }

  /** Checks every row; returns {rows, weighted positives, weighted negatives}. */
  private static double[] validate(Dataset<Row> proj, String probabilityCol, String labelCol,
      String weightCol, boolean isVector, String who) {
    Column s = col(S);
    Column l = col(L);
    Column w = col(W);
    Column badSize = col("size").notEqual(2);
    Column badScore = col("size").equalTo(2).and(
        s.isNull().or(isnan(s)).or(s.lt(0.0)).or(s.gt(1.0)));
    Column badLabel = l.isNull().or(l.notEqual(0.0).and(l.notEqual(1.0)));
    Column badWeight = w.isNull().or(isnan(w)).or(w.lt(0.0))
        .or(w.equalTo(lit(Double.POSITIVE_INFINITY)));
    Row a = proj.agg(
        count(lit(1)),
        sum(when(badSize, 1L).otherwise(0L)),
        first(when(badSize, col("size")), true),
        sum(when(badScore, 1L).otherwise(0L)),
        first(when(badScore, coalesce(s.cast(DataTypes.StringType), lit("null"))), true),
        sum(when(badLabel, 1L).otherwise(0L)),
        first(when(badLabel, coalesce(l.cast(DataTypes.StringType), lit("null"))), true),
        sum(when(badWeight, 1L).otherwise(0L)),
        first(when(badWeight, coalesce(w.cast(DataTypes.StringType), lit("null"))), true),
        sum(when(l.equalTo(1.0).and(w.gt(0.0)), w)),
        sum(when(l.equalTo(0.0).and(w.gt(0.0)), w))).first();
    long rows = a.getLong(0);
    List<String> problems = new ArrayList<>();
    if (a.getLong(1) > 0) {
      int sz = a.getInt(2);
      problems.add(String.format(Locale.ROOT, "probabilityCol '%s' must hold vectors [1 - p, p] "
          + "of size 2, but %d rows do not (first: %s).", probabilityCol, a.getLong(1),
          sz < 0 ? "null" : "a vector of size " + sz));
    }
    if (a.getLong(3) > 0) {
      problems.add(String.format(Locale.ROOT, "probabilityCol '%s' must hold probabilities in "
          + "[0, 1]%s, but %d rows do not (first: %s).", probabilityCol,
          isVector ? " (element 1 of the vector)" : "", a.getLong(3), a.getString(4)));
    }
    if (a.getLong(5) > 0) {
      problems.add(String.format(Locale.ROOT, "labelCol '%s' must be 0 or 1, but %d rows are not "
          + "(first: %s). ROC and PR curves need hard labels: map labels to 0/1 (e.g. -1/+1 with "
          + "(y + 1) / 2; soft labels with y > 0.5) and drop rows with missing labels.",
          labelCol, a.getLong(5), a.getString(6)));
    }
    if (a.getLong(7) > 0) {
      problems.add(String.format(Locale.ROOT, "weightCol '%s' must be finite and >= 0, but %d "
          + "rows are not (first: %s). Fix or drop those rows.", weightCol, a.getLong(7),
          a.getString(8)));
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(who + " cannot evaluate this data: "
          + String.join(" ", problems));
    }
    if (rows == 0) {
      throw new IllegalArgumentException(who + " cannot evaluate an empty dataset: "
          + "no rows were found. Check the filters and the input path.");
    }
    double pos = a.isNullAt(9) ? 0.0 : a.getDouble(9);
    double neg = a.isNullAt(10) ? 0.0 : a.getDouble(10);
    if (!(pos > 0) && !(neg > 0)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "weightCol '%s' is 0 in all "
          + "%d rows; give some rows a positive weight.", weightCol, rows));
    }
    if (!(pos > 0) || !(neg > 0)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "labelCol '%s' has a single class: the weighted count of label %s is 0 over %d rows "
              + "(positives %s, negatives %s). ROC/PR curves and a decision threshold need both "
              + "classes with positive weight.", labelCol, pos > 0 ? "0" : "1", rows, pos, neg));
    }
    return new double[] {rows, pos, neg};
  }

  private static ThresholdCurves compute(Dataset<Row> triples, int numBins, long rows,
      double pos, double neg) {
    JavaRDD<Tuple3<Object, Object, Object>> rdd = triples.javaRDD().map(
        r -> new Tuple3<Object, Object, Object>(r.getDouble(0), r.getDouble(1), r.getDouble(2)));
    BinaryClassificationMetrics m = new BinaryClassificationMetrics(rdd.rdd(), numBins);
    List<Tuple2<Object, Object>> byThreshold;
    List<Tuple2<Object, Object>> roc;
    try {
      // Both are maps over the same cached confusion matrices, in the same (descending) order.
      byThreshold = m.precisionByThreshold().toJavaRDD().collect();
      roc = m.roc().toJavaRDD().collect();
    } finally {
      m.unpersist();
    }
    int n = byThreshold.size();
    if (roc.size() != n + 2) {
      throw new IllegalStateException("Spark's ROC curve has " + roc.size() + " points for " + n
          + " thresholds; expected " + (n + 2));
    }
    double[] thr = new double[n];
    double[] prec = new double[n];
    double[] rec = new double[n];
    double[] fp = new double[n];
    for (int k = 0; k < n; k++) {
      thr[k] = ((Number) byThreshold.get(k)._1()).doubleValue();
      prec[k] = ((Number) byThreshold.get(k)._2()).doubleValue();
      fp[k] = ((Number) roc.get(k + 1)._1()).doubleValue();
      rec[k] = ((Number) roc.get(k + 1)._2()).doubleValue();
    }
    for (int k = 1; k < n; k++) {
      if (!(thr[k] < thr[k - 1])) {
        throw new IllegalStateException("Spark's thresholds are not strictly descending at " + k);
      }
    }
    double[] nextLower = new double[n];
    if (numBins == 0) {
      for (int k = 0; k + 1 < n; k++) {
        nextLower[k] = thr[k + 1];
      }
    } else {
      // A bin k holds the scores in [thr[k], thr[k-1]); the largest score below thr[k] is the
      // largest score of bin k + 1, which the curves do not tell: one pass finds each bin's max.
      double[] binMax = binMaxima(triples, thr);
      for (int k = 0; k + 1 < n; k++) {
        nextLower[k] = binMax[k + 1];
      }
    }
    double[] model = new double[n];
    for (int k = 0; k < n; k++) {
      model[k] = k == n - 1 ? 0.0 : between(nextLower[k], thr[k]);
    }
    return new ThresholdCurves(rows, pos, neg, thr, prec, rec, fp, model);
  }

  /** For descending bin thresholds, the largest score in each bin [thr[k], thr[k-1]). */
  private static double[] binMaxima(Dataset<Row> triples, double[] thr) {
    final double[] t = thr.clone();
    double[] zero = new double[t.length];
    Arrays.fill(zero, Double.NEGATIVE_INFINITY);
    return triples.select(S).javaRDD().aggregate(zero, (acc, r) -> {
      double x = r.getDouble(0);
      int k = binOf(t, x);
      if (k >= 0 && x > acc[k]) {
        acc[k] = x;
      }
      return acc;
    }, (a, b) -> {
      for (int i = 0; i < a.length; i++) {
        a[i] = Math.max(a[i], b[i]);
      }
      return a;
    });
  }

  /** The first index k with thr[k] &lt;= x in a descending array, or -1 if none. */
  private static int binOf(double[] thr, double x) {
    int lo = 0;
    int hi = thr.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (thr[mid] <= x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo < thr.length ? lo : -1;
  }

  /** A value t with lo &lt;= t &lt; hi and, when possible, lo &lt; t: the midpoint. */
  private static double between(double lo, double hi) {
    double t = lo + (hi - lo) / 2;
    return lo < t && t < hi ? t : lo;
  }

}
