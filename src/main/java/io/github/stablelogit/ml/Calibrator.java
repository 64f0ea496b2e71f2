package io.github.stablelogit.ml;

import static io.github.stablelogit.ml.SchemaChecks.col;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.lit;

import io.github.stablelogit.loss.StableMath;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.IsotonicRegression;
import org.apache.spark.ml.regression.IsotonicRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * A fitted map from a model's logit z to a calibrated logit, applied by {@link
 * LogitClassificationModel#transform}: probability = σ(calibrated logit), rawPrediction = [−c, c]
 * with c the calibrated logit, prediction = 1 when the calibrated probability exceeds the
 * threshold.
 *
 * <p>The {@code calibration} param ({@link CalibrationParams}) chooses it:
 *
 * <ul>
 *   <li>{@code none}: z as trained;
 *   <li>{@code prior}: the intercept is shifted by −log(posWeight) after training (the prior
 *       correction of a case-weighted logistic model; the same as {@code correctProbabilities},
 *       which stays as an alias): ranking and AUC unchanged, no object of this class;
 *   <li>{@code platt}: σ(a·z + b), with a and b minimizing the weighted BCE of the validation
 *       rows, fitted by {@link LogitClassifier} itself (exact BCE kernel, Newton, no penalty, no
 *       standardization) on the one feature z; a &gt; 0 keeps the ranking and AUC;
 *   <li>{@code isotonic}: the weighted isotonic (non-decreasing) regression of the validation
 *       labels on z, by Spark's {@link IsotonicRegression} (pool adjacent violators; rows with
 *       equal z are pooled first into their weighted mean label), applied as Spark applies it:
 *       linear interpolation between the fitted points, constant beyond them. Its values are kept
 *       within [{@link #ISOTONIC_EPSILON}, 1 − {@link #ISOTONIC_EPSILON}] so the calibrated logit
 *       is finite. Isotonic calibration is flat between fitted points where a block was pooled:
 *       rows of different z there get equal probabilities, which creates ties and usually lowers
 *       AUC a little (ties count half in the ROC area).
 * </ul>
 *
 * <p>Platt and isotonic are fitted on the validation rows ({@code validationIndicatorCol}) only,
 * never on training rows, where the model's own fit makes its scores look better calibrated than
 * they are; without validation rows they are refused.
 */
public final class Calibrator implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Values of the calibration param. */
  public static final List<String> KINDS = List.of("none", "prior", "platt", "isotonic");

  /** Isotonic probabilities are kept within [ε, 1 − ε], so that their logits are finite. */
  public static final double ISOTONIC_EPSILON = 1e-12;

  private static final String Z = "_calibration_z";
  private static final String RAW = "_calibration_raw";

  private final String kind;
  private final double a;
  private final double b;
  private final double[] boundaries;
  private final double[] values;

  private Calibrator(String kind, double a, double b, double[] boundaries, double[] values) {
    this.kind = kind;
    this.a = a;
    this.b = b;
    this.boundaries = boundaries;
    this.values = values;
  }

  /**
   * @param a the slope, finite
   * @param b the intercept, finite
   * @return the map z ↦ a·z + b
   */
  public static Calibrator platt(double a, double b) {
    if (!Double.isFinite(a) || !Double.isFinite(b)) {
      throw new IllegalArgumentException("Platt parameters must be finite, but are a = " + a
          + ", b = " + b);
    }
    return new Calibrator("platt", a, b, null, null);
  }

  /**
   * @param boundaries the logits of the fitted points, non-decreasing, finite, at least one
   * @param values the probabilities there, non-decreasing, in [0, 1] (kept within [ε, 1 − ε])
   * @return the isotonic map (linear interpolation, constant outside)
   */
  public static Calibrator isotonic(double[] boundaries, double[] values) {
    if (boundaries.length == 0 || boundaries.length != values.length) {
      throw new IllegalArgumentException("isotonic calibration needs as many values as "
          + "boundaries, at least one; got " + boundaries.length + " and " + values.length);
    }
    double[] v = new double[values.length];
    for (int i = 0; i < v.length; i++) {
      boolean ordered = i == 0
          || (boundaries[i] >= boundaries[i - 1] && values[i] >= values[i - 1]);
      if (!Double.isFinite(boundaries[i]) || !(values[i] >= 0 && values[i] <= 1) || !ordered) {
        throw new IllegalArgumentException(String.format(Locale.ROOT, "isotonic calibration "
            + "needs finite non-decreasing boundaries and non-decreasing values in [0, 1]; point "
            + "%d is (%s, %s)", i, boundaries[i], values[i]));
      }
      v[i] = Math.min(Math.max(values[i], ISOTONIC_EPSILON), 1 - ISOTONIC_EPSILON);
    }
    return new Calibrator("isotonic", Double.NaN, Double.NaN, boundaries.clone(), v);
  }

  /** @return "platt" or "isotonic" */
  public String kind() {
    return kind;
  }

  /** @return Platt's slope a (NaN for isotonic) */
  public double plattSlope() {
    return a;
  }

  /** @return Platt's intercept b (NaN for isotonic) */
  public double plattIntercept() {
    return b;
  }

  /** @return the isotonic boundaries (logits), or an empty array for Platt */
  public double[] isotonicBoundaries() {
    return boundaries == null ? new double[0] : boundaries.clone();
  }

  /** @return the isotonic probabilities at the boundaries, or an empty array for Platt */
  public double[] isotonicValues() {
    return values == null ? new double[0] : values.clone();
  }

  /**
   * @param z the model's logit
   * @return the calibrated logit
   */
  public double logit(double z) {
    if (values == null) {
      return a * z + b;
    }
    double p = isotonicProbability(z);
    return Math.log(p) - Math.log1p(-p);
  }

  /**
   * @param z the model's logit
   * @return the calibrated probability
   */
  public double probability(double z) {
    return values == null ? StableMath.sigmoid(a * z + b) : isotonicProbability(z);
  }

  /** Spark's IsotonicRegressionModel.predict, term for term. */
  private double isotonicProbability(double z) {
    int found = Arrays.binarySearch(boundaries, z);
    int insert = -found - 1;
    if (insert == 0) {
      return values[0];
    }
    if (insert == boundaries.length) {
      return values[values.length - 1];
    }
    if (found >= 0) {
      return values[found];
    }
    double x1 = boundaries[insert - 1];
    double x2 = boundaries[insert];
    double y1 = values[insert - 1];
    double y2 = values[insert];
    return y1 + (y2 - y1) * (z - x1) / (x2 - x1);
  }

  /** The intercept shift of {@code prior} (and correctProbabilities): log(posWeight), or 0. */
  static double priorShift(ClassifierParams<?> p, double posWeight) {
    return p.getCorrectProbabilities() || "prior".equals(p.getCalibration())
        ? Math.log(posWeight) : 0.0;
  }

  /** Refuses platt and isotonic without a validation indicator column, before any work. */
  static void requireValidation(ClassifierParams<?> p) {
    if (fitted(p) && p.getValidationIndicatorCol() == null) {
      throw new IllegalArgumentException("calibration = " + p.getCalibration() + " is fitted on "
          + "validation rows, never on the training rows (whose scores look better calibrated "
          + "than they are): set validationIndicatorCol to a boolean column marking held-out "
          + "rows (the job: --validation-fraction F), or use calibration none or prior.");
    }
  }

  private static boolean fitted(ClassifierParams<?> p) {
    return "platt".equals(p.getCalibration()) || "isotonic".equals(p.getCalibration());
  }

  /**
   * Fits the calibration of {@code p} for a freshly fitted, uncalibrated model on the validation
   * rows of {@code dataset}.
   *
   * @return the calibrator, or null for none and prior
   */
  static <M extends org.apache.spark.ml.Model<M> & ClassifierParams<M>> Calibrator fit(
      ClassifierParams<?> p, M model, Dataset<?> dataset, long validationRows) {
    if (!fitted(p)) {
      return null;
    }
    String v = p.getValidationIndicatorCol();
    if (validationRows == 0) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "calibration = %s needs "
          + "validation rows, but validationIndicatorCol '%s' is true in none; mark some rows "
          + "(e.g. a seeded 20 %% sample).", p.getCalibration(), v));
    }
    M scorer = model.copy(ParamMap.empty()).setPredictionCol("")
        .setProbabilityCol("").setLossCol("").setRawPredictionCol(RAW);
    String w = p.getWeightCol();
    Dataset<Row> rows = scorer.transform(dataset.filter(coalesce(col(v), lit(false))))
        .select(org.apache.spark.ml.functions.vector_to_array(col(RAW), "float64").getItem(1)
            .as(Z), col(p.getLabelCol()).cast(DataTypes.DoubleType).as("label"),
            (w == null ? lit(1.0) : col(w).cast(DataTypes.DoubleType)).as("weight"));
    if ("platt".equals(p.getCalibration())) {
      LogitClassificationModel m = new LogitClassifier().setFeaturesCol("z")
          .setWeightCol("weight").setSolver("newton").setStandardization(false).setTol(1e-12)
          .setMaxIter(100).fit(rows.withColumn("z",
              org.apache.spark.ml.functions.array_to_vector(array(col(Z)))));
      return platt(m.coefficients().apply(0), m.intercept());
    }
    IsotonicRegressionModel iso = new IsotonicRegression().setFeaturesCol(Z)
        .setLabelCol("label").setWeightCol("weight").setIsotonic(true).fit(rows);
    return isotonic(iso.boundaries().toArray(), iso.predictions().toArray());
  }

  @Override
  public String toString() {
    return values == null ? String.format(Locale.ROOT, "platt(a=%s, b=%s)", a, b)
        : String.format(Locale.ROOT, "isotonic(%d points)", values.length);
  }
}
