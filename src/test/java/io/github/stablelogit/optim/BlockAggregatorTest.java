package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.loss.LogitLoss;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link BlockAggregator}'s sums that need no Spark context. */
class BlockAggregatorTest {

  /** One block per row: (x = 0, label 1, weight 1). */
  private static List<InstanceBlock> blocks(int rows) {
    List<InstanceBlock> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      List<Row> one = List.of(RowFactory.create(Vectors.dense(0.0), 1.0, 1.0));
      new BlockPacker("features", "label", "weight", 1.0, false).pack(0, one.iterator())
          .forEachRemaining(out::add);
    }
    return out;
  }

  /**
   * Two positive rows at logit −1.5e308 each cost 1.5e308: the loss sum overflows. It must read
   * as +∞, like the plain sum, whether the rows meet in one aggregator or in a merge; the error
   * term of an unguarded two-sum would turn it into NaN, which reads as "undefined".
   */
  @Test
  void anOverflowingLossSumIsInfiniteNotNaN() {
    LogitLoss loss = LogitLoss.bce(1.0, 0.0);
    InlineBroadcast<BlockAggregator.Coefficients> bc =
        new InlineBroadcast<>(
            new BlockAggregator.Coefficients(new double[] {0.0}, -1.5e308));
    List<InstanceBlock> blocks = blocks(2);

    BlockAggregator one = new BlockAggregator(loss, bc, 1, 0.0);
    blocks.forEach(one::add);
    assertEquals(Double.POSITIVE_INFINITY, one.lossSum());

    BlockAggregator a = new BlockAggregator(loss, bc, 1, 0.0).add(blocks.get(0));
    BlockAggregator b = new BlockAggregator(loss, bc, 1, 0.0).add(blocks.get(1));
    assertEquals(1.5e308, a.lossSum());
    assertEquals(Double.POSITIVE_INFINITY, a.merge(b).lossSum());
    // The gradient stays finite: each row's dℓ/dz is −1.
    assertEquals(-2.0, a.gradientSum()[1]);
    assertTrue(Double.isFinite(a.gradientSum()[0]));
  }
}
