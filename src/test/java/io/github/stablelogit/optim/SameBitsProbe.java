package io.github.stablelogit.optim;

import io.github.stablelogit.loss.DetMath;
import io.github.stablelogit.loss.LogitLoss;
import io.github.stablelogit.loss.StableMath;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The work whose bits {@link SameBitsAcrossJitTiersTest} compares between JVMs run with different
 * JIT settings: the batch loss kernel (values, derivatives, curvatures) for BCE, BCE with a
 * posWeight and focal losses over logits from 0 to ±800 and hard and soft labels, {@link DetMath}
 * and {@link StableMath} over a grid, and two small fits without Spark (L-BFGS and OWL-QN on
 * {@link InMemoryLogistic}), the linear model's gradient and Hessian passes over dense and CSR
 * blocks ({@link #linearPasses}), and small networks ({@link #networkFits}: every activation,
 * L-BFGS and mini-batch Adam, dense and CSR blocks). The kernel part is repeated so that the JIT
 * compiles it at its last tier mid-run; every repetition is folded into one hash of the raw
 * bits, printed as the single line "bits &lt;hex&gt;".
 */
final class SameBitsProbe {

  static final int ROWS = 1024;
  static final int REPEATS = 6;
  static final int BCE_REPEATS = 64;

  private SameBitsProbe() {}

  public static void main(String[] args) {
    long h = 17;
    SplittableRandom r = new SplittableRandom(42);
    double[] z = new double[ROWS];
    double[] y = new double[ROWS];
    double[] w = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      double scale = i % 16 == 0 ? 200.0 : i % 4 == 0 ? 20.0 : 3.0;
      z[i] = i % 97 == 0 ? (i % 2 == 0 ? 800.0 : -745.5) : scale * r.nextGaussian();
      y[i] = i % 5 == 0 ? r.nextDouble() : r.nextDouble() < 0.3 ? 1.0 : 0.0;
      w[i] = 0.25 + r.nextDouble();
    }
    LogitLoss[] losses = {LogitLoss.bce(1.0, 0.0), LogitLoss.bce(3.0, 0.1),
        LogitLoss.focal(2.0, 0.25, 1.0, 0.0), LogitLoss.focal(0.5, -1.0, 2.0, 0.05),
        LogitLoss.focal(1.7, 0.6, 1.0, 0.0)};
    double[] d = new double[ROWS];
    double[] c = new double[ROWS];
    for (int rep = 0; rep < REPEATS; rep++) {
      for (LogitLoss loss : losses) {
        h = mix(h, loss.valueAndDerivatives(z, 0, y, w, d, ROWS));
        h = mix(h, d);
        h = mix(h, loss.valueDerivativesAndCurvatures(z, 0, y, null, d, c, ROWS));
        h = mix(h, d);
        h = mix(h, c);
      }
      for (int i = 0; i < ROWS; i++) {
        double x = z[i];
        h = mix(h, DetMath.exp(x) + DetMath.log(Math.abs(x)) + DetMath.log1p(Math.abs(x)));
        h = mix(h, DetMath.pow(y[i], w[i] * 4.0) + StableMath.sigmoid(x) + StableMath.softplus(x));
      }
    }
    // More BCE batches, so that the lane-wise kernel's loops (when on) reach C2 as well.
    for (int rep = 0; rep < BCE_REPEATS; rep++) {
      h = mix(h, losses[rep % 2].valueAndDerivatives(z, 0, y, rep % 3 == 0 ? null : w, d, ROWS));
      h = mix(h, d);
    }
    InMemoryLogistic data = InMemoryLogistic.random(300, 4, 1e-3, 11);
    h = mix(h, LogitMinimizer.minimize(data, new double[5], 60, 1e-12, 0.0, 0, null).x());
    h = mix(h, LogitMinimizer.minimize(data, new double[5], 60, 1e-12, 0.02, 0, null).x());
    h = rowProducts(h);
    h = linearPasses(h);
    h = networkFits(h);
    System.out.println("bits " + Long.toHexString(h));
  }

  /**
   * {@link RowProducts}' margins and gradient products on chunks of 21 and 58 columns (with 8
   * lanes 58 = 32 + 16 + 8 + 2, with 4 lanes 21 = 16 + 4 + 1 and 58 = 3·16 + 8 + 2: every block
   * of the vector gradient, and the eight-way sums' tails), repeated until C2 has compiled them;
   * every result is folded into the hash.
   */
  private static long rowProducts(long h) {
    SplittableRandom r = new SplittableRandom(17);
    for (int d : new int[] {21, 58}) {
      int len = 2048 / d;
      double[] a = new double[len * d + 3];
      for (int k = 0; k < a.length; k++) {
        a[k] = r.nextInt(8) == 0 ? 0.0 : Math.scalb(r.nextDouble() - 0.5, r.nextInt(20) - 10);
      }
      double[] beta = new double[d];
      double[] g = new double[d];
      double[] z = new double[len];
      for (int rep = 0; rep < BCE_REPEATS * 4; rep++) {
        for (int j = 0; j < d; j++) {
          beta[j] = r.nextDouble() - 0.5;
        }
        int at = rep % 4;
        java.util.Arrays.fill(z, 0.0);
        RowProducts.INSTANCE.addDots(a, at, d, len - 1, beta, z);
        RowProducts.INSTANCE.addTransposed(a, at, d, len - 1, z, g);
        h = mix(h, z);
      }
      h = mix(h, g);
    }
    return h;
  }

  /**
   * Gradient and Hessian passes of the linear model over dense blocks (double and float storage,
   * 21 features: {@link RowProducts}' eight-way sums and their tail) and CSR blocks, at two
   * coefficient vectors; the sums and the Gram are folded into the hash.
   */
  private static long linearPasses(long h) {
    Random rnd = new Random(13);
    List<org.apache.spark.sql.Row> rows = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      double[] x = new double[21];
      for (int j = 0; j < x.length; j++) {
        x[j] = rnd.nextDouble() < 0.2 ? 0.0 : rnd.nextGaussian() * (1 + j % 4);
      }
      rows.add(org.apache.spark.sql.RowFactory.create(
          org.apache.spark.ml.linalg.Vectors.dense(x), rnd.nextDouble() < 0.4 ? 1.0 : 0.0,
          0.5 + rnd.nextDouble(), false));
    }
    LogitLoss loss = LogitLoss.bce(2.0, 0.0);
    for (int storage = 0; storage < 3; storage++) {
      List<InstanceBlock> blocks = new ArrayList<>();
      List<org.apache.spark.sql.Row> in = storage < 2 ? rows : MlpObjectiveGradientTest.rows(
          new Random(5), true, 700);
      new BlockPacker("features", "label", "weight", 0.05, true, storage == 1)
          .pack(0, in.iterator()).forEachRemaining(blocks::add);
      int d = blocks.get(0).numFeatures();
      for (double scale : new double[] {0.1, 2.0}) {
        double[] beta = new double[d];
        for (int j = 0; j < d; j++) {
          beta[j] = scale * Math.sin(j + 1.0);
        }
        InlineBroadcast<BlockAggregator.Coefficients> bc =
            new InlineBroadcast<>(
                new BlockAggregator.Coefficients(beta, -0.3));
        BlockAggregator g = new BlockAggregator(loss, bc, d, 0.0);
        HessianAggregator hs =
            new HessianAggregator(loss::valueDerivativesAndCurvatures, bc, d, 0.0);
        for (InstanceBlock b : blocks) {
          g.add(b);
          hs.add(b);
        }
        h = mix(h, g.lossSum());
        h = mix(h, g.gradientSum());
        h = mix(h, hs.gradientSum());
        h = mix(h, hs.gram());
      }
    }
    return h;
  }

  /**
   * A [6, 5, 3, 1] network per activation on dense and on CSR rows: an L-BFGS fit, and an Adam
   * fit on mini-batches (warm-up, cosine decay, clipping), without Spark; the weights of both and
   * the scalar logit of the fitted network are folded into the hash.
   */
  private static long networkFits(long h) {
    for (boolean sparse : new boolean[] {false, true}) {
      List<InstanceBlock> blocks = new ArrayList<>();
      new BlockPacker("features", "label", "weight", 0.004, true)
          .pack(0, MlpObjectiveGradientTest.rows(new Random(5), sparse, 240).iterator())
          .forEachRemaining(blocks::add);
      DataSummary summary = new DataSummary();
      blocks.forEach(b -> summary.merge(b.summary()));
      LogitLoss loss = LogitLoss.focal(1.5, 0.3, 2.0, 0.05);
      for (MlpActivation a : MlpActivation.values()) {
        MlpNetwork net = new MlpNetwork(summary.numFeatures(), new int[] {5, 3}, a);
        double[] x0 = net.initialParams(7, 0.0);
        MlpObjective f = MlpObjective.local(blocks, loss, net, summary, true, 1e-3);
        double[] x = LogitMinimizer.minimize(f, x0, 25, 1e-12, 0.0, 0, null).x();
        h = mix(h, x);
        h = mix(h, net.logit(f.toOriginal(x), null, new double[] {1, -2, 3, 0.5, 0, 7}));
        MlpObjective g = MlpObjective.local(blocks, loss, net, summary, false, 1e-3)
            .withMiniBatches(0.5, 9);
        h = mix(h, AdamMinimizer.minimize(g, x0, 25, 1e-12,
            new AdamMinimizer.Schedule(0.05, 5, 1.0), 0, null).x());
      }
    }
    return h;
  }

  private static long mix(long h, double v) {
    return (h ^ Double.doubleToRawLongBits(v)) * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
  }

  private static long mix(long h, double[] v) {
    for (double x : v) {
      h = mix(h, x);
    }
    return h;
  }
}
