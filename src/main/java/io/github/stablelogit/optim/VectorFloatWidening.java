package io.github.stablelogit.optim;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatWidening.Widener} with {@code jdk.incubator.vector}: loads a vector of floats with as
 * many lanes as the widest double vector, if that is the preferred width (half its bits), and
 * converts it. Loaded by name only when the module is present.
 */
final class VectorFloatWidening implements FloatWidening.Widener {

  // The species class of the BLAS (dev.ludovic.netlib's VectorBLAS) and of the loss kernel
  // (VectorBceKernel), SPECIES_MAX, when it is as wide as the preferred one: the vector methods
  // shared by all species then see one class in their type profiles. A second class there (this
  // loop's intoArray with Double512Vector next to the kernel's DoubleMaxVector) made the JIT box a
  // vector per row in the kernel's loops, nearly doubling its time per row.
  private static final VectorSpecies<Double> DOUBLES =
      DoubleVector.SPECIES_MAX.vectorBitSize() == DoubleVector.SPECIES_PREFERRED.vectorBitSize()
          ? DoubleVector.SPECIES_MAX : DoubleVector.SPECIES_PREFERRED;
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
