package io.github.stablelogit.optim;

/**
 * Widens single-precision block storage to double, exactly, a chunk at a time: with {@code
 * jdk.incubator.vector} (see {@link VectorFloatWidening}) when the module is present, else a plain
 * loop (which Java 17's compiler does not vectorize; about 2.5 times slower). Both give the same
 * bits, float to double being exact, so results do not depend on which one runs or on how far the
 * JIT has compiled it.
 */
final class FloatWidening {

  /** Widens {@code n} floats. */
  interface Widener {
    /**
     * @param src single-precision values
     * @param from index of the first in {@code src}
     * @param dst receives them as doubles, from index 0
     * @param n number of values
     */
    void widen(float[] src, int from, double[] dst, int n);
  }

  private static final Widener WIDENER = load();

  private FloatWidening() {}

  /**
   * {@code dst[k] = src[from + k]} for k in [0, n).
   *
   * @param src single-precision values
   * @param from index of the first in {@code src}
   * @param dst receives them as doubles, from index 0
   * @param n number of values
   */
  static void widen(float[] src, int from, double[] dst, int n) {
    WIDENER.widen(src, from, dst, n);
  }

  /** The plain loop. */
  static final class ScalarWidener implements Widener {
    @Override
    public void widen(float[] src, int from, double[] dst, int n) {
      for (int k = 0; k < n; k++) {
        dst[k] = src[from + k];
      }
    }
  }

  private static Widener load() {
    // Spark adds the module to the JVMs it launches; elsewhere it may be absent.
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      try {
        return (Widener) Class.forName("io.github.stablelogit.optim.VectorFloatWidening")
            .getDeclaredConstructor().newInstance();
      } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
        // fall through to the plain loop
      }
    }
    return new ScalarWidener();
  }
}
