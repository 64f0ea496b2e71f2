package io.github.stablelogit.optim;

import io.github.stablelogit.loss.LogitLoss;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The passes of several models over one set of cached blocks packed with fold ids, run together:
 * each round is ONE Spark job over all the blocks (grouped into tasks by {@link ExecutorGroups},
 * as a single model's evaluation) that computes the request of every model taking part. Model k
 * of a K-fold cross-validation trains on the blocks of every fold but k; model K (a fold that no
 * block has) on all blocks. A block of fold f is read from memory once per round: chunk by chunk,
 * every gradient request that trains on it (every model but f) takes the chunk while it is in
 * cache ({@link BlockAggregator#addToEach}); Hessian requests add the block model after model.
 *
 * <p>Each model's minimizer runs unchanged in a driver thread of its own ({@link #run}); its
 * {@link LogitObjective}, made to {@link LogitObjective#passingThrough pass through} this object,
 * submits each gradient or Hessian request and waits. A round starts when every model still
 * running has submitted one request, and holds exactly those requests (gradient and Hessian
 * requests mixed), so the r-th round holds the r-th request of every model that makes at least r:
 * its composition depends only on the models' own progress, never on thread timing.
 *
 * <p>Per model, a round's sums are those the model's own {@link BlockAggregator} or {@link
 * HessianAggregator} gives over its training blocks (the same per-chunk arithmetic in the same
 * order, the same order-independent double-double sums); they do not depend on which other models
 * share the round nor on how blocks are grouped into tasks, so every model's result is bit for bit
 * that of a fit over its training blocks alone. (One {@code dgemm} over the models' coefficients
 * per chunk was measured and not kept: JavaBLAS's dgemm at these shapes is a scalar loop, 0.70 to
 * 1.05 times as fast as the models' vectorized {@code dgemv} pairs, and it sums in another order,
 * which would have cost that bit-identity; the per-row loss kernel, which no batching shares, is
 * about half of a pass.)
 */
public final class LockstepPasses {

  private static final Logger LOG = LoggerFactory.getLogger(LockstepPasses.class);

  private final JavaRDD<InstanceBlock> blocks;
  private final JavaSparkContext jsc;
  private final int numFolds;
  private final int aggregationDepth;
  private final Object lock = new Object();
  /** Per model slot: its pending request, or null. */
  private Request[] pending;
  /** Per model slot: the answer to its last request, or null while it waits. */
  private Object[] answers;
  private int running;
  private int rounds;
  /** Requests answered from {@link #answered} without a round. */
  private int reused;
  /**
   * Per model slot: its last request (the zero of its aggregator, gradient or Hessian) and the
   * sums that answered it, to answer a request for the same sums again without a pass.
   */
  private final java.util.Map<Integer, PassSums[]> answered = new java.util.HashMap<>();
  /** Driver time (ns) spent waiting for the models' requests between rounds (their steps). */
  private long waitNanos;
  /** Held-out loss sums waiting for the next round: per fold, its model's coefficients. */
  private double[][] deferredCoefficients;
  private LogitLoss[] deferredLosses;
  /** Their sums, once a round has carried them. */
  private HeldOut[] deferredResult;

  /**
   * One model's request in a round: its coefficients and how to make the zero of its aggregator
   * from them (inline in the job's closure, or broadcast when the job ships its zero per task).
   */
  record Request(int excludedFold, BlockAggregator.Coefficients coefficients,
      Function<Broadcast<BlockAggregator.Coefficients>, ? extends PassSums> zero) {}

  /**
   * @param blocks cached blocks, packed with fold ids in [0, numFolds)
   * @param numFolds K
   * @param aggregationDepth treeAggregate depth
   */
  public LockstepPasses(JavaRDD<InstanceBlock> blocks, int numFolds, int aggregationDepth) {
    this.blocks = blocks;
    this.jsc = JavaSparkContext.fromSparkContext(blocks.context());
    this.numFolds = numFolds;
    this.aggregationDepth = aggregationDepth;
  }

  /** @return the rounds run so far (Spark jobs of training passes, one each) */
  public int rounds() {
    return rounds;
  }

  /**
   * @return the requests answered so far without a pass: gradient or Hessian requests at the
   *     point of the same model's previous request of the same kind (as the first request of a
   *     fit warm-started where the model's previous fit ended)
   */
  public int reused() {
    synchronized (lock) {
      return reused;
    }
  }

  /**
   * Runs the models together, each in a driver thread of its own, and the rounds of their passes
   * in the calling thread. Model {@code m} is the one whose objective excludes fold m (m = K: no
   * fold). A failure of any model is rethrown (the first in model order) once all have ended.
   *
   * @param models one task per model slot, K + 1 of them
   * @param <T> what a model's task returns
   * @return each model's result
   */
  public <T> List<T> run(List<Callable<T>> models) {
    int n = models.size();
    synchronized (lock) {
      pending = new Request[n];
      answers = new Object[n];
      running = n;
    }
    List<T> results = new ArrayList<>();
    Throwable[] errors = new Throwable[n];
    Thread[] threads = new Thread[n];
    for (int m = 0; m < n; m++) {
      results.add(null);
      int slot = m;
      threads[m] = new Thread(() -> {
        try {
          results.set(slot, models.get(slot).call());
        } catch (Throwable t) {
          errors[slot] = t;
        } finally {
          synchronized (lock) {
            running--;
            lock.notifyAll();
          }
        }
      }, "stablelogit-model-" + m);
      threads[m].setDaemon(true);
    }
    for (Thread t : threads) {
      t.start();
    }
    try {
      coordinate(n);
      for (Thread t : threads) {
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while models were fitting", e);
    } finally {
      synchronized (lock) {
        pending = null;
        answers = null;
      }
    }
    for (Throwable t : errors) {
      if (t instanceof RuntimeException re) {
        throw re;
      } else if (t instanceof Error er) {
        throw er;
      } else if (t != null) {
        throw new IllegalStateException(t);
      }
    }
    return results;
  }

  /** Runs rounds until every model has ended. */
  private void coordinate(int n) throws InterruptedException {
    while (true) {
      Request[] round = new Request[n];
      long waitStart = System.nanoTime();
      synchronized (lock) {
        while (running > 0 && count(pending) < running) {
          lock.wait();
        }
        waitNanos += System.nanoTime() - waitStart;
        if (running == 0) {
          return;
        }
        System.arraycopy(pending, 0, round, 0, n);
        java.util.Arrays.fill(pending, null);
      }
      Object[] out = new Object[n];
      try {
        PassSums[] sums = pass(round);
        System.arraycopy(sums, 0, out, 0, n);
      } catch (RuntimeException | Error e) {
        for (int m = 0; m < n; m++) {
          out[m] = round[m] == null ? null : e;
        }
      }
      synchronized (lock) {
        for (int m = 0; m < n; m++) {
          if (round[m] != null) {
            answers[m] = out[m];
          }
        }
        lock.notifyAll();
      }
    }
  }

  private static int count(Request[] requests) {
    int c = 0;
    for (Request r : requests) {
      c += r == null ? 0 : 1;
    }
    return c;
  }

  /**
   * One model's pass: inside {@link #run}, its request waits for its round; outside, it is a
   * round of its own. A request for exactly the sums of the same model's previous request
   * ({@link PassSums#sumsSameAs}: the same kind of pass, loss or kernel, threshold and coefficient
   * bits) is answered with that request's sums, without a pass: they are the same bits. The
   * Newton fits of a path gain most: each fit's first Hessian pass is at the previous fit's last
   * point, where that fit's last Hessian pass was (the penalty, which differs, is not in the
   * sums).
   */
  @SuppressWarnings("unchecked")
  <A extends PassSums> A submit(int excludedFold, double[] beta, double offset,
      Function<Broadcast<BlockAggregator.Coefficients>, A> zero) {
    BlockAggregator.Coefficients coefficients = new BlockAggregator.Coefficients(beta, offset);
    Request request = new Request(excludedFold, coefficients, zero);
    int slot = excludedFold < 0 ? numFolds : excludedFold;
    // A request for the sums of this model's previous one has them, bit for bit: answer it from
    // them, without a pass.
    A probe = zero.apply(new InlineBroadcast<>(coefficients));
    Object answer;
    synchronized (lock) {
      PassSums[] seen = answered.get(slot);
      if (seen != null && seen[0].sumsSameAs(probe)) {
        reused++;
        return (A) seen[1];
      }
      if (pending == null || slot >= pending.length) {
        answer = null;
      } else {
        pending[slot] = request;
        answers[slot] = null;
        lock.notifyAll();
        while (answers[slot] == null) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a pass", e);
          }
        }
        answer = answers[slot];
        answers[slot] = null;
      }
    }
    if (answer == null) {
      answer = pass(new Request[] {request})[0];
    }
    if (answer instanceof RuntimeException e) {
      throw e;
    } else if (answer instanceof Error e) {
      throw e;
    }
    synchronized (lock) {
      if (answer instanceof PassSums sums) {
        answered.put(slot, new PassSums[] {probe, sums});
      } else {
        answered.remove(slot);
      }
    }
    return (A) answer;
  }

  /**
   * One Spark job: every request's sums over its training blocks. The job is {@link
   * ExecutorGroups#aggregate}'s: with up to a few tasks, one {@code runJob} whose closure (the
   * round's zero, with every model's coefficients inline) Spark ships once as the task binary, so
   * a round creates no broadcast and cleans no Scala closure; with more tasks, a {@code
   * treeAggregate} whose zero holds the coefficients as broadcasts, destroyed after the job.
   */
  private PassSums[] pass(Request[] round) {
    double[][] heldOutCoefficients;
    LogitLoss[] heldOutLosses;
    synchronized (lock) {
      boolean carry = deferredCoefficients != null && deferredResult == null;
      heldOutCoefficients = carry ? deferredCoefficients : null;
      heldOutLosses = carry ? deferredLosses : null;
    }
    long start = System.nanoTime();
    LockstepRound r = ExecutorGroups.aggregate(blocks, jsc, shipping -> {
      Function<BlockAggregator.Coefficients, Broadcast<BlockAggregator.Coefficients>> ship =
          shipping::ship;
      LockstepRound zero = new LockstepRound(round, ship);
      if (heldOutCoefficients != null) {
        zero.heldOut = heldOutZeros(heldOutCoefficients, heldOutLosses, ship);
      }
      return zero;
    }, LockstepRound::add, LockstepRound::merge, aggregationDepth);
    long end = System.nanoTime();
    if (r.heldOut != null) {
      HeldOut[] result = HeldOut.of(r.heldOut);
      synchronized (lock) {
        deferredResult = result;
      }
    }
    rounds++;
    int hessians = 0;
    for (PassSums q : r.sums) {
      hessians += q instanceof HessianAggregator ? 1 : 0;
    }
    LOG.info(String.format(java.util.Locale.ROOT, "round %d: %d models (%d with Hessian), "
        + "%.3f s", rounds, count(round), hessians, (end - start) / 1e9));
    if (LOG.isDebugEnabled()) {
      LOG.debug(String.format(java.util.Locale.ROOT, "round %d: so far waiting for requests (the "
          + "models' steps) %.1f ms", rounds, waitNanos / 1e6));
    }
    return r.sums;
  }

  /** Per fold, an aggregator of its held-out rows' loss at its model. */
  private static BlockAggregator[] heldOutZeros(double[][] coefficients, LogitLoss[] losses,
      Function<BlockAggregator.Coefficients, Broadcast<BlockAggregator.Coefficients>> ship) {
    BlockAggregator[] zeros = new BlockAggregator[coefficients.length];
    for (int f = 0; f < zeros.length; f++) {
      double[] c = coefficients[f];
      int d = c.length - 1;
      zeros[f] = new BlockAggregator(losses[f], ship.apply(
          new BlockAggregator.Coefficients(java.util.Arrays.copyOf(c, d), c[d])), d,
          Double.POSITIVE_INFINITY);
    }
    return zeros;
  }

  /**
   * Asks for the weighted loss sum of each fold's held-out rows at that fold's model, to be
   * computed by the next round, which reads every block anyway: the blocks of fold f also go
   * through model f's held-out aggregator, in the same chunk loop as the round's models, so no
   * Spark job of its own (the sums are those of {@link #heldOut} without scores, bit for bit).
   * {@link #takeHeldOut} returns them.
   *
   * @param coefficients per fold k, model k's coefficients (d, then the offset added to margins)
   * @param losses per fold, the loss to sum
   */
  public void deferHeldOut(double[][] coefficients, LogitLoss[] losses) {
    synchronized (lock) {
      deferredCoefficients = coefficients.clone();
      deferredLosses = losses.clone();
      deferredResult = null;
    }
  }

  /**
   * The sums asked for by {@link #deferHeldOut}: those a round has computed since, or else, when
   * no round ran, those of a held-out pass now.
   *
   * @return per fold, the held-out loss sum (no scores)
   */
  public HeldOut[] takeHeldOut() {
    double[][] coefficients;
    LogitLoss[] losses;
    HeldOut[] result;
    synchronized (lock) {
      coefficients = deferredCoefficients;
      losses = deferredLosses;
      result = deferredResult;
      deferredCoefficients = null;
      deferredLosses = null;
      deferredResult = null;
    }
    if (coefficients == null) {
      throw new IllegalStateException("no held-out sums were asked for");
    }
    return result != null ? result : heldOut(coefficients, losses, false);
  }

  /**
   * The held-out rows of each fold at that fold's model, in one Spark job of their own: the
   * weighted loss sum, and optionally every row's margin, label and weight.
   *
   * @param coefficients per fold k, model k's coefficients (d, then the offset added to margins)
   * @param losses per fold, the loss to sum
   * @param scores whether to return the rows' margins, labels and weights
   * @return per fold, what its rows gave
   */
  public HeldOut[] heldOut(double[][] coefficients, LogitLoss[] losses, boolean scores) {
    return HeldOut.pass(blocks, jsc, coefficients, losses, scores);
  }
}
