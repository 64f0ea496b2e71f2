package io.github.stablelogit.optim;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatWidening.Widener} with {@code jdk.incubator.vector}: loads a vector of floats with as
 * many lanes as a preferred double vector (half its bits) and converts it. Loaded by name only when
 * the module is present.
 */
final class VectorFloatWidening implements FloatWidening.Widener {

  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
  /** As many float lanes as double lanes: half the bits. */
  private static final VectorSpecies<Float> FLOATS =
      VectorSpecies.of(float.class, VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));

  /** Public no-arg constructor, for loading by name. */
  public VectorFloatWidening() {}

  @Override
  public void widen(float[] src, int from, double[] dst, int n) {
    int lanes = DOUBLES.length();
    int upper = n - n % lanes;
    int k = 0;
    for (; k < upper; k += lanes) {
      FloatVector f = FloatVector.fromArray(FLOATS, src, from + k);
      ((DoubleVector) f.convertShape(VectorOperators.F2D, DOUBLES, 0)).intoArray(dst, k);
    }
    for (; k < n; k++) {
      dst[k] = src[from + k];
    }
  }
}
