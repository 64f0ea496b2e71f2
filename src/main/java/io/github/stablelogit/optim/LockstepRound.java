package io.github.stablelogit.optim;

import java.io.Serializable;
import java.util.function.Function;
import org.apache.spark.broadcast.Broadcast;

/**
 * The executor side of one {@link LockstepPasses} round: one aggregator per requesting model slot
 * (null elsewhere), each adding the blocks its model trains on (a block of fold f read once for
 * every gradient request but model f's, {@link BlockAggregator#addToEach}; Hessian requests add
 * it model after model), plus, when the round carries them, each fold's held-out loss at its
 * model over that fold's blocks.
 */
final class LockstepRound implements Serializable {
  private static final long serialVersionUID = 1L;
  private final int[] excluded;
  final PassSums[] sums;
  /** Per fold, the held-out loss of its model carried by this round, or null. */
  BlockAggregator[] heldOut;
  /** The gradient requests that train on the block being added. */
  private transient BlockAggregator[] gradients;

  LockstepRound(LockstepPasses.Request[] round,
      Function<BlockAggregator.Coefficients, Broadcast<BlockAggregator.Coefficients>> ship) {
    excluded = new int[round.length];
    sums = new PassSums[round.length];
    for (int m = 0; m < round.length; m++) {
      if (round[m] != null) {
        excluded[m] = round[m].excludedFold();
        sums[m] = round[m].zero().apply(ship.apply(round[m].coefficients()));
      }
    }
  }

  LockstepRound add(InstanceBlock block) {
    if (gradients == null) {
      gradients = new BlockAggregator[sums.length + 1];
    }
    int count = 0;
    for (int m = 0; m < sums.length; m++) {
      if (sums[m] != null && block.fold() != excluded[m]) {
        if (sums[m] instanceof BlockAggregator b) {
          gradients[count++] = b;
        } else {
          ((HessianAggregator) sums[m]).add(block);
        }
      }
    }
    int f = block.fold();
    if (heldOut != null && f >= 0 && f < heldOut.length) {
      gradients[count++] = heldOut[f];
    }
    BlockAggregator.addToEach(block, gradients, count);
    return this;
  }

  LockstepRound merge(LockstepRound other) {
    for (int m = 0; m < sums.length; m++) {
      if (sums[m] != null) {
        sums[m].mergeSums(other.sums[m]);
      }
    }
    for (int f = 0; heldOut != null && f < heldOut.length; f++) {
      heldOut[f].mergeSums(other.heldOut[f]);
    }
    return this;
  }
}
