package io.github.stablelogit.ml;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The probability calibration every classifier of this library shares ({@link ClassifierParams}):
 * {@code none}, {@code prior}, {@code platt} or {@code isotonic}, as {@link Calibrator} describes.
 *
 * @param <S> the implementing class, returned by setters for chaining
 */
public interface CalibrationParams<S extends CalibrationParams<S>> extends Params {

  /** Values of {@link #calibration()}. */
  List<String> SUPPORTED_CALIBRATIONS = Calibrator.KINDS;

  /** The Param instances of one owner. */
  final class Defs implements Serializable {
    private static final long serialVersionUID = 1L;

    final Param<String> calibration;

    /** @param o the owner, whose uid must already be set */
    public Defs(Params o) {
      calibration = ParamChecks.stringParam(o, "calibration", "probability calibration: none, "
          + "prior (shift the intercept by -log(posWeight), as correctProbabilities), platt "
          + "(sigmoid(a z + b)) or isotonic (monotone steps); platt and isotonic are fitted on "
          + "the validation rows", ParamChecks.oneOf(SUPPORTED_CALIBRATIONS));
    }
  }

  /** @return this owner's calibration Param instances */
  Defs calibrationDefs();

  /** Sets the default (none); called by each constructor. */
  default void setCalibrationDefaults() {
    setDefault(calibrationDefs().calibration, "none");
  }

  /** @return the calibration, "none", "prior", "platt" or "isotonic" (default "none") */
  default Param<String> calibration() {
    return calibrationDefs().calibration;
  }

  /** @return the calibration name */
  default String getCalibration() {
    return $(calibration());
  }

  /**
   * @param v "none", "prior", "platt" or "isotonic" (case-insensitive); platt and isotonic need
   *     validation rows (validationIndicatorCol)
   * @return this
   */
  @SuppressWarnings("unchecked")
  default S setCalibration(String v) {
    String n = ParamChecks.normalize(v, SUPPORTED_CALIBRATIONS);
    set(calibration(), ParamChecks.requireValid(calibration(), n));
    return (S) this;
  }
}
