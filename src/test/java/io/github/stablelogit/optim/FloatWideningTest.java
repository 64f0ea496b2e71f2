package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FloatWideningTest {

  /**
   * Lengths 0..70 at several offsets, with zeros, subnormals and extremes: exact, nothing past n.
   */
  @Test
  void vectorWideningIsTheExactConversion() {
    SplittableRandom rnd = new SplittableRandom(7);
    float[] specials = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
        Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 0.1f, 3.4028e38f, 1e-40f};
    float[] src = new float[200];
    for (int i = 0; i < src.length; i++) {
      src[i] = i % 5 == 0 ? specials[i % specials.length]
          : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-30, 30)));
    }
    FloatWidening.Widener vector = new VectorFloatWidening();
    FloatWidening.Widener scalar = new FloatWidening.ScalarWidener();
    for (int from : new int[] {0, 1, 3, 7, 64}) {
      for (int n = 0; n <= 70; n++) {
        double[] expected = new double[n + 2];
        double[] got = new double[n + 2];
        expected[n] = got[n] = -7.0; // sentinel: nothing written past n
        scalar.widen(src, from, expected, n);
        vector.widen(src, from, got, n);
        for (int k = 0; k <= n; k++) {
          assertEquals(Double.doubleToRawLongBits(expected[k]), Double.doubleToRawLongBits(got[k]),
              "from " + from + " n " + n + " k " + k);
        }
        for (int k = 0; k < n; k++) {
          assertEquals((double) src[from + k], got[k]);
        }
      }
    }
  }
}
