package io.github.stablelogit.optim;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one BLAS implementation the library computes with. dev.ludovic.netlib chooses its pure-Java
 * implementation at class load: the vectorized {@code VectorBLAS} when jdk.incubator.vector is
 * in the JVM, otherwise {@code Java11BLAS}; the two order the sums of gemv and gemm differently,
 * so the same fit would give different bits in a driver started with the module and in an executor
 * started without it. This class always takes {@code Java11BLAS} (plain Java loops with a fixed
 * order, the same bits in the interpreter, C1 and C2), looked up by name because netlib keeps its
 * implementations package-private. Only if that lookup fails (a netlib without the class) does it
 * fall back to netlib's own choice, with a warning that bits may then depend on the JVM's modules.
 */
final class DeterministicBlas {

  private static final Logger LOG = LoggerFactory.getLogger(DeterministicBlas.class);

  /** The implementation every pass and optimizer uses. */
  static final BLAS INSTANCE = pinned();

  private DeterministicBlas() {}

  private static BLAS pinned() {
    try {
      java.lang.reflect.Method m = Class.forName("dev.ludovic.netlib.blas.Java11BLAS")
          .getDeclaredMethod("getInstance");
      m.setAccessible(true);
      return (BLAS) m.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      BLAS fallback = JavaBLAS.getInstance();
      LOG.warn("dev.ludovic.netlib's Java11BLAS is not available ({}); using {}, whose results may "
          + "differ in the last bits between JVMs with and without jdk.incubator.vector", e,
          fallback.getClass().getName());
      return fallback;
    }
  }
}
