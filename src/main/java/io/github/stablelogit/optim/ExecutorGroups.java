package io.github.stablelogit.optim;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.scheduler.ExecutorCacheTaskLocation;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.RDDBlockId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.reflect.ClassTag$;

/**
 * Groups the cached partitions of the training blocks into fewer tasks per evaluation, each task
 * reading only partitions cached on one executor and preferring that executor — so a task reads
 * its blocks from local memory (or local disk) as it would with one task per partition, while
 * Spark's per-task cost is paid once per core instead of once per partition — and reads them
 * without their lineage ({@link CachedBlocks}), which Spark would otherwise ship and deserialize
 * in every task.
 *
 * <p>The plan is made anew for every evaluation from where the partitions are cached at that
 * moment (asked of Spark's block manager master). When any partition is not cached anywhere (not
 * yet computed, evicted, or lost with an executor) that evaluation runs over the blocks RDD itself,
 * one task per partition (in local mode one per core), so Spark recomputes and caches the missing
 * ones where it schedules them. A block lost after the plan was made fails its task; the job then
 * runs once more over the blocks RDD itself ({@link #runWithLineageFallback}). Executors get about
 * {@code defaultParallelism / executors} tasks each, i.e. one per core when executors are alike.
 *
 * <p>Planning and reading call Spark APIs that are {@code private[spark]} (public in bytecode): the
 * block manager's {@code get}, its master's {@code getLocations} and {@code
 * SparkContext.getExecutorIds}. Should a Spark release change them, the resulting {@link
 * LinkageError} (e.g. {@link NoSuchMethodError}) or {@link ReflectiveOperationException} makes
 * every evaluation run over the blocks RDD itself (one task per partition, in local mode one per
 * core), with one warning per JVM, instead of failing the fit.
 *
 * <p>The sums do not depend on the grouping ({@link BlockAggregator}), so neither do the bits.
 */
final class ExecutorGroups {

  private static final Logger LOG = LoggerFactory.getLogger(ExecutorGroups.class);
  /** Whether the fallback has been reported in this JVM (package-private for its test). */
  static final AtomicBoolean FALLBACK_REPORTED = new AtomicBoolean();

  /**
   * Tests only: when not null, {@link #tasks} throws this (a {@link LinkageError} or {@link
   * ReflectiveOperationException}) where it would first call Spark's private API, as a Spark
   * release without that API would, and falls back as on a cluster (one task per partition, even
   * in local mode).
   */
  static volatile Throwable simulatedApiFailure;

  private ExecutorGroups() {}

  /**
   * The blocks as one evaluation reads them.
   *
   * @param blocks the cached blocks, one task per partition
   * @param jsc their context
   * @return a {@link CachedBlocks} view of them, or (some partition not cached, or Spark's API
   *     missing) the blocks RDD itself, in local mode coalesced to one task per core
   */
  static JavaRDD<InstanceBlock> tasks(JavaRDD<InstanceBlock> blocks, JavaSparkContext jsc) {
    int p = blocks.getNumPartitions();
    int slots = jsc.defaultParallelism();
    if (slots < 1 || p == 0) {
      return blocks;
    }
    Throwable simulated = simulatedApiFailure;
    JavaRDD<InstanceBlock> withLineage = jsc.isLocal() && simulated == null && p > slots
        ? blocks.coalesce(slots, false) : blocks;
    try {
      JavaRDD<InstanceBlock> planned = plan(blocks, jsc, p, slots, simulated);
      return planned != null ? planned : withLineage;
    } catch (LinkageError | ReflectiveOperationException e) {
      if (FALLBACK_REPORTED.compareAndSet(false, true)) {
        LOG.warn("Cannot ask Spark where the cached training blocks are ({}): this Spark version "
            + "lacks an API that the grouping of evaluation tasks uses, so every evaluation reads "
            + "them through their lineage, on a cluster in one task per partition (same results, "
            + "more per-task overhead). Reported once per JVM.", e.toString(), e);
      }
      return withLineage;
    }
  }

  /**
   * Runs a job over {@code tasks}; when they are a {@link CachedBlocks} view and a task found a
   * block gone, runs it once more over the blocks RDD itself, which recomputes and caches the
   * missing partitions. The job must not depend on how the blocks are grouped into tasks.
   *
   * @param tasks {@code tasks(blocks, jsc)}
   * @param job the job
   * @param <T> its result
   * @return the job's result
   */
  static <T> T runWithLineageFallback(JavaRDD<InstanceBlock> tasks,
      java.util.function.Function<JavaRDD<InstanceBlock>, T> job) {
    try {
      return job.apply(tasks);
    } catch (Exception e) {
      if (!(tasks.rdd() instanceof CachedBlocks view) || !CachedBlocks.isBlockGone(e)) {
        throw ExecutorGroups.<RuntimeException>rethrow(e);
      }
      LOG.warn("A cached training block was gone when its task read it (lost with an executor, "
          + "or removed); this job runs again through the blocks' lineage, which recomputes the "
          + "missing partitions: {}", e.getMessage());
      return job.apply(view.source());
    }
  }

  /**
   * {@code job(tasks(blocks, jsc))}, with {@link #runWithLineageFallback}.
   *
   * @param blocks the cached blocks
   * @param jsc their context
   * @param job the job, which must not depend on how the blocks are grouped into tasks
   * @param <T> its result
   * @return the job's result
   */
  static <T> T run(JavaRDD<InstanceBlock> blocks, JavaSparkContext jsc,
      java.util.function.Function<JavaRDD<InstanceBlock>, T> job) {
    return runWithLineageFallback(tasks(blocks, jsc), job);
  }

  /** Throws e, checked or not, as it is (Spark's jobs throw the checked SparkException). */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable e) throws E {
    throw (E) e;
  }

  /**
   * How the zero of an {@link #aggregate} carries values such as coefficients: on the direct path
   * inline ({@link InlineBroadcast}), inside the job's closure, which Spark broadcasts once per job
   * as the task binary; for {@code treeAggregate}, which serializes the zero into every task, as
   * real broadcasts, destroyed when the job is done.
   */
  static final class Shipping {
    private final JavaSparkContext jsc;
    private final boolean inline;
    private final List<Broadcast<?>> broadcasts = new ArrayList<>();

    private Shipping(JavaSparkContext jsc, boolean inline) {
      this.jsc = jsc;
      this.inline = inline;
    }

    /** @return whether values travel inline (the direct path) */
    boolean inline() {
      return inline;
    }

    /**
     * @param value a value the zero reads as a broadcast
     * @param <T> its type
     * @return the value inline, or a broadcast of it that lives as long as the job
     */
    <T> Broadcast<T> ship(T value) {
      if (inline) {
        return new InlineBroadcast<>(value);
      }
      Broadcast<T> b = jsc.broadcast(value);
      broadcasts.add(b);
      return b;
    }
  }

  /**
   * {@code tasks(blocks, jsc).treeAggregate(zero, add, merge, depth)}, with the same tasks and the
   * same reduction levels, but when the tree has no level between the tasks and the driver (at
   * depth 2: up to 8 tasks, so always with one task per core on a small machine) as one {@code
   * runJob} of a plain Java function whose results the driver merges in partition order. The
   * result is the same (the aggregators' merges do not depend on their order); what is saved is
   * {@code treeAggregate}'s cleaning of its Scala closures, which reads and parses Spark's RDD
   * class file with ASM on every call — about 7 ms of driver time per evaluation, measured by
   * profiling a network fit — and, with the values the zero carries inline ({@link Shipping}),
   * writing and removing their broadcasts. Either way the job is named after its caller's line
   * ({@code aggregate at LogitObjective.java:…} in Spark's UI and listeners), unless the caller
   * has set a call site itself.
   *
   * @param blocks the cached blocks
   * @param jsc their context
   * @param zeroFor the empty aggregator, carrying its values as {@link Shipping} ships them
   * @param add adds one block
   * @param merge merges two aggregators
   * @param depth the treeAggregate depth (≥ 1)
   * @param <A> the aggregator
   * @return the merged aggregator of all blocks
   */
  static <A extends Serializable> A aggregate(JavaRDD<InstanceBlock> blocks, JavaSparkContext jsc,
      java.util.function.Function<Shipping, A> zeroFor, Function2<A, InstanceBlock, A> add,
      Function2<A, A, A> merge, int depth) {
    return aggregateTasks(tasks(blocks, jsc), jsc, zeroFor, add, merge, depth);
  }

  /** The local property in which {@link SparkContext#setCallSite} keeps a job's short name. */
  private static final String CALL_SITE = "callSite.short";

  /**
   * {@link #aggregate} over tasks already grouped by {@link #tasks} (for a caller that also needs
   * their number).
   *
   * @param tasks {@code tasks(blocks, jsc)}
   * @param jsc their context
   * @param zeroFor the empty aggregator, carrying its values as {@link Shipping} ships them
   * @param add adds one block
   * @param merge merges two aggregators
   * @param depth the treeAggregate depth (≥ 1)
   * @param <A> the aggregator
   * @return the merged aggregator of all blocks
   */
  static <A extends Serializable> A aggregateTasks(JavaRDD<InstanceBlock> tasks,
      JavaSparkContext jsc, java.util.function.Function<Shipping, A> zeroFor,
      Function2<A, InstanceBlock, A> add, Function2<A, A, A> merge, int depth) {
    int n = tasks.getNumPartitions();
    // treeAggregate adds a level while n > scale + ⌈n / scale⌉, scale = max(⌈n^(1/depth)⌉, 2).
    int scale = Math.max((int) Math.ceil(Math.pow(n, 1.0 / depth)), 2);
    Shipping shipping = new Shipping(jsc, n <= scale + (n + scale - 1) / scale);
    SparkContext sc = jsc.sc();
    boolean name = sc.getLocalProperty(CALL_SITE) == null;
    if (name) {
      String caller = StackWalker.getInstance().walk(frames -> frames
          .filter(f -> !f.getClassName().equals(ExecutorGroups.class.getName()))
          .findFirst()
          .map(f -> "aggregate at " + f.getFileName() + ":" + f.getLineNumber())
          .orElse("aggregate"));
      sc.setCallSite(caller);
    }
    try {
      A zero = zeroFor.apply(shipping);
      return runWithLineageFallback(tasks, t -> shipping.inline() ? direct(t, zero, add, merge)
          : t.treeAggregate(zero, add, merge, depth));
    } finally {
      if (name) {
        sc.clearCallSite();
      }
      shipping.broadcasts.forEach(Broadcast::destroy);
    }
  }

  /** The direct path of {@link #aggregateTasks}: one job, results merged in partition order. */
  @SuppressWarnings("unchecked")
  private static <A extends Serializable> A direct(JavaRDD<InstanceBlock> tasks, A zero,
      Function2<A, InstanceBlock, A> add, Function2<A, A, A> merge) {
    scala.Function2<TaskContext, scala.collection.Iterator<InstanceBlock>, A> task =
        (scala.Function2<TaskContext, scala.collection.Iterator<InstanceBlock>, A>
            & Serializable) (context, it) -> {
          A acc = zero;
          while (it.hasNext()) {
            acc = call(add, acc, it.next());
          }
          return acc;
        };
    Object results = tasks.context().runJob(tasks.rdd(), task,
        ClassTag$.MODULE$.<A>apply(zero.getClass()));
    A total = zero;
    for (Object r : (Object[]) results) {
      total = call(merge, total, (A) r);
    }
    return total;
  }

  /** f(a, b), its checked exceptions rethrown unchecked (as Spark's own wrappers do). */
  private static <A, B> A call(Function2<A, B, A> f, A a, B b) {
    try {
      return f.call(a, b);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The grouping from where the partitions are cached now: a {@link CachedBlocks} view, or null
   * when some partition is cached nowhere.
   *
   * @throws ReflectiveOperationException as Scala code may throw it undeclared, or simulated
   */
  private static JavaRDD<InstanceBlock> plan(JavaRDD<InstanceBlock> blocks, JavaSparkContext jsc,
      int p, int slots, Throwable simulated) throws ReflectiveOperationException {
    if (simulated instanceof LinkageError le) {
      throw le;
    } else if (simulated instanceof ReflectiveOperationException re) {
      throw re;
    }
    CachedBlocks.requireReadApi();
    // Where each partition is cached now, asked of the block manager master in one request (the
    // scheduler's own copy of the cache locations may predate the job that cached the blocks).
    BlockId[] ids = new BlockId[p];
    for (int i = 0; i < p; i++) {
      ids[i] = new RDDBlockId(blocks.id(), i);
    }
    scala.collection.immutable.IndexedSeq<scala.collection.immutable.Seq<BlockManagerId>> where =
        SparkEnv.get().blockManager().master().getLocations(ids);
    Map<String, List<Integer>> byExecutor = new TreeMap<>();
    for (int i = 0; i < p; i++) {
      scala.collection.immutable.Seq<BlockManagerId> holders = where.apply(i);
      if (holders.isEmpty()) {
        return null;
      }
      BlockManagerId holder = holders.head();
      String at = new ExecutorCacheTaskLocation(holder.host(), holder.executorId()).toString();
      byExecutor.computeIfAbsent(at, k -> new ArrayList<>()).add(i);
    }
    // Cores per executor, assuming alike executors: all of them count, also those without blocks
    // (local mode has one, the driver, and no executor list to ask).
    int executors = jsc.isLocal() ? 1 : jsc.sc().getExecutorIds().size();
    int perExecutor = Math.max(1, slots / Math.max(executors, byExecutor.size()));
    List<String> locations = new ArrayList<>();
    List<int[]> members = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> e : byExecutor.entrySet()) {
      List<Integer> parts = e.getValue();
      int groups = Math.min(perExecutor, parts.size());
      for (int g = 0; g < groups; g++) {
        // Contiguous, balanced runs of this executor's partitions.
        int from = (int) ((long) parts.size() * g / groups);
        int to = (int) ((long) parts.size() * (g + 1) / groups);
        locations.add(e.getKey());
        members.add(parts.subList(from, to).stream().mapToInt(Integer::intValue).toArray());
      }
    }
    return JavaRDD.fromRDD(new CachedBlocks(blocks, members.toArray(new int[0][]),
        locations.toArray(new String[0])), blocks.classTag());
  }
}
