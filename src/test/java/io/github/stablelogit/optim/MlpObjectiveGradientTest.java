package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gradient of the whole network objective ({@link MlpObjective}: forward and backward passes
 * of {@link MlpAggregator}, the first layer's standardization and the L2 penalty) against
 * Richardson-extrapolated central differences of its value, along 240 random directions per
 * activation, loss and layout (dense, CSR), at an ordinary point and at a saturated one where the
 * output layer is scaled so that logits reach |z| ≥ 40.
 */
class MlpObjectiveGradientTest {

  private static final int ROWS = 48;
  private static final int FEATURES = 6;
  private static final int DIRECTIONS = 120;

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    LogitLoss[] losses = {LogitLoss.bce(1.0, 0.0), LogitLoss.bce(3.0, 0.1),
        LogitLoss.focal(0.5, 0.25, 1.0, 0.0), LogitLoss.focal(2.0, -1.0, 2.0, 0.05)};
    for (MlpActivation a : MlpActivation.values()) {
      for (LogitLoss loss : losses) {
        for (boolean sparse : new boolean[] {false, true}) {
          out.add(Arguments.of(a, loss, sparse));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} sparse={2}")
  @MethodSource("cases")
  void gradientMatchesRichardsonDifferences(MlpActivation activation, LogitLoss loss,
      boolean sparse) {
    Random rnd = new Random(17 + activation.ordinal() * 31L + (sparse ? 7 : 0));
    List<InstanceBlock> blocks = blocks(rnd, sparse);
    DataSummary summary = new DataSummary();
    blocks.forEach(b -> summary.merge(b.summary()));
    for (InstanceBlock b : blocks) {
      assertEquals(sparse, b.isSparse());
    }
    MlpNetwork net = new MlpNetwork(FEATURES, new int[] {5, 3}, activation);
    MlpObjective f = MlpObjective.local(blocks, loss, net, summary, !sparse, 0.01);
    double[] ordinary = net.initialParams(5, 0.3);
    // Nonzero biases: with zero ones, a row whose relu units are all off puts the next layer's
    // pre-activation exactly on the kink.
    for (int k = 0; k < net.numLayers(); k++) {
      for (int r = 0; r < net.out(k); r++) {
        ordinary[net.biasOffset(k) + r] += 0.2 * rnd.nextGaussian();
      }
    }
    double[] saturated = ordinary.clone();
    int last = net.numLayers() - 1;
    for (int j = net.weightOffset(last); j < net.biasOffset(last); j++) {
      saturated[j] = 60.0 * Math.signum(saturated[j]) + 40.0 * saturated[j];
    }
    assertTrue(maxAbsLogit(net, f.toOriginal(saturated), blocks) >= 40.0,
        "the saturated point must reach |z| >= 40");
    for (double[] x : new double[][] {ordinary, saturated}) {
      check(f, x, rnd, activation == MlpActivation.RELU);
    }
  }

  private static void check(MlpObjective f, double[] x, Random rnd, boolean kinked) {
    int n = x.length;
    double[] g = new double[n];
    double v0 = f.evaluate(x, g);
    assertTrue(Double.isFinite(v0));
    for (double gj : g) {
      assertTrue(Double.isFinite(gj), "gradient must be finite");
    }
    double h = kinked ? 1e-6 : 1e-4;
    int bad = 0;
    for (int t = 0; t < DIRECTIONS; t++) {
      double[] v = new double[n];
      double norm = 0.0;
      for (int j = 0; j < n; j++) {
        v[j] = rnd.nextGaussian();
        norm += v[j] * v[j];
      }
      double slope = 0.0;
      for (int j = 0; j < n; j++) {
        v[j] /= Math.sqrt(norm);
        slope += g[j] * v[j];
      }
      double d1 = central(f, x, v, h);
      double d2 = central(f, x, v, h / 2);
      double richardson = (4 * d2 - d1) / 3;
      assertTrue(Double.isFinite(richardson));
      double scale = Math.max(1.0, Math.abs(v0)) * Math.max(1.0, l2(g));
      if (Math.abs(richardson - slope) > 1e-7 * scale) {
        bad++;
        if (!kinked) {
          assertEquals(richardson, slope, 1e-7 * scale, "direction " + t);
        }
      }
    }
    // A relu kink inside [x − hv, x + hv] spoils a difference; that may happen for a direction or
    // two at h = 1e-6, never for most.
    assertTrue(bad <= 2, bad + " directions disagree");
  }

  private static double central(MlpObjective f, double[] x, double[] v, double h) {
    double[] a = x.clone();
    double[] b = x.clone();
    for (int j = 0; j < x.length; j++) {
      a[j] += h * v[j];
      b[j] -= h * v[j];
    }
    double[] scratch = new double[x.length];
    return (f.evaluate(a, scratch) - f.evaluate(b, scratch)) / (2 * h);
  }

  private static double l2(double[] g) {
    double s = 0.0;
    for (double v : g) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  private static double maxAbsLogit(MlpNetwork net, double[] theta, List<InstanceBlock> blocks) {
    double[] margins = new double[1];
    double max = 0.0;
    for (InstanceBlock b : blocks) {
      for (int i = 0; i < b.numRows(); i++) {
        double[] row = new double[FEATURES];
        if (b.isSparse()) {
          for (int k = b.rowPtr()[i]; k < b.rowPtr()[i + 1]; k++) {
            row[b.csrColumn(k)] = b.csrValue(k);
          }
        } else {
          System.arraycopy(b.denseDouble(), i * FEATURES, row, 0, FEATURES);
        }
        margins[0] = net.logit(theta, null, row);
        max = Math.max(max, Math.abs(margins[0]));
      }
    }
    return max;
  }

  /** {@link #rows} packed into blocks of at most 1 KiB. */
  static List<InstanceBlock> blocks(Random rnd, boolean sparse) {
    List<InstanceBlock> out = new ArrayList<>();
    new BlockPacker("features", "label", "weight", 0.001, true).pack(0, rows(rnd, sparse, ROWS)
        .iterator()).forEachRemaining(out::add);
    return out;
  }

  /**
   * Rows (features, label, weight, validation flag) on different scales (sparse: 70 % zeros),
   * distinct fractional weights, every 7th a validation row.
   */
  static List<Row> rows(Random rnd, boolean sparse, int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] x = new double[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        boolean zero = sparse && rnd.nextDouble() < 0.7;
        x[j] = zero ? 0.0 : (rnd.nextGaussian() + j) * Math.pow(10, j % 3 - 1);
      }
      Vector v = sparse ? Vectors.dense(x).toSparse() : Vectors.dense(x);
      double y = rnd.nextDouble() < 0.4 ? 1.0 : 0.0;
      rows.add(RowFactory.create(v, y, 0.5 + rnd.nextDouble(), i % 7 == 0));
    }
    return rows;
  }
}
