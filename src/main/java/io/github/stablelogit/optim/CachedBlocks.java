package io.github.stablelogit.optim;

import java.util.Arrays;
import java.util.NoSuchElementException;
import org.apache.spark.InterruptibleIterator;
import org.apache.spark.Partition;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.RDDBlockId;
import scala.Option;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The cached training blocks as an evaluation reads them: straight from Spark's block manager,
 * several cached partitions per task ({@link ExecutorGroups} makes the plan), without the lineage
 * that computed them.
 *
 * <p><b>Why.</b> A job over the blocks RDD itself ships that lineage in every task: the packing
 * function, Spark SQL's plan and generated code of the input Dataset, ≈ 46 KB serialized. Spark
 * writes it once per job and every task deserializes it, although a task that finds its blocks
 * cached never uses it. Measured on a local[*] session over the cached w8a-like input (4
 * partitions, 30 empty jobs): 22 ms a job and 3.2 ms of task deserialization through the lineage,
 * 11 ms and 0.4 ms without it. An evaluation of a w8a-like fit's objective does ≈ 15 ms of work
 * a core, so the lineage cost as much as the work.
 *
 * <p><b>Lost blocks.</b> Without the lineage a task cannot recompute a block that is no longer
 * cached (lost with its executor, or removed). It then fails with {@link BlockGone}; the job runs
 * again over the blocks RDD itself, whose tasks recompute and cache the missing partitions as
 * Spark always does ({@link ExecutorGroups#runWithLineageFallback}), and the next plan reads them
 * from the cache again. The blocks are the same, so are the bits.
 *
 * <p>Reads use Spark's {@code private[spark]} block manager API (public in bytecode), under the
 * same rule as {@link ExecutorGroups}' planning: if a Spark release lacks it, planning falls back
 * to jobs over the blocks RDD itself.
 */
final class CachedBlocks extends RDD<InstanceBlock> {

  private static final long serialVersionUID = 1L;
  private static final ClassTag<InstanceBlock> TAG = ClassTag$.MODULE$.apply(InstanceBlock.class);

  /** The blocks RDD whose cached partitions are read (driver only: its lineage stays here). */
  private final transient JavaRDD<InstanceBlock> source;
  /** Its RDD id, which names its cached partitions. */
  private final int sourceId;
  /** Its element type as Spark knows it, which picked the serializer of its cached blocks. */
  private final ClassTag<InstanceBlock> sourceTag;
  /** The source partitions each task reads, in order. */
  private final int[][] members;
  /** Preferred location of each task ({@code executor_host_id}), or null (driver only). */
  private final transient String[] locations;

  /**
   * @param source the cached blocks
   * @param members the source partitions each task reads
   * @param locations each task's preferred location, or null entries for none
   */
  CachedBlocks(JavaRDD<InstanceBlock> source, int[][] members, String[] locations) {
    super(source.context(), CollectionConverters.asScala(
        java.util.List.<org.apache.spark.Dependency<?>>of()).toList(), TAG);
    this.source = source;
    this.sourceId = source.id();
    this.sourceTag = source.classTag();
    this.members = members;
    this.locations = locations;
  }

  /** @return the blocks RDD itself, with its lineage (driver only) */
  JavaRDD<InstanceBlock> source() {
    return source;
  }

  /** One task: the source partitions it reads. */
  private static final class Group implements Partition {
    private static final long serialVersionUID = 1L;
    private final int index;
    private final int[] members;

    Group(int index, int[] members) {
      this.index = index;
      this.members = members;
    }

    @Override
    public int index() {
      return index;
    }

    @Override
    public int hashCode() {
      return index;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Group g && g.index == index && Arrays.equals(g.members, members);
    }
  }

  @Override
  public Partition[] getPartitions() {
    Partition[] parts = new Partition[members.length];
    for (int g = 0; g < members.length; g++) {
      parts[g] = new Group(g, members[g]);
    }
    return parts;
  }

  @Override
  public Seq<String> getPreferredLocations(Partition split) {
    String at = locations == null ? null : locations[split.index()];
    return CollectionConverters.asScala(at == null ? java.util.List.<String>of()
        : java.util.List.of(at)).toList();
  }

  @Override
  public scala.collection.Iterator<InstanceBlock> compute(Partition split, TaskContext context) {
    int[] parts = ((Group) split).members;
    java.util.Iterator<InstanceBlock> blocks = new java.util.Iterator<>() {
      private int next;
      private scala.collection.Iterator<Object> current = scala.collection.Iterator.empty();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && next < parts.length) {
          current = read(parts[next++]);
        }
        return current.hasNext();
      }

      @Override
      public InstanceBlock next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return (InstanceBlock) current.next();
      }
    };
    return new InterruptibleIterator<>(context, CollectionConverters.asScala(blocks));
  }

  /**
   * Fails, on the driver, as a Spark release without the block manager API that tasks read with
   * would fail in every task.
   *
   * @throws NoSuchMethodException when that API is missing
   */
  static void requireReadApi() throws NoSuchMethodException {
    BlockManager.class.getMethod("get", BlockId.class, ClassTag.class);
    BlockResult.class.getMethod("data");
  }

  /** The cached values of one source partition, local or fetched from the executor holding it. */
  private scala.collection.Iterator<Object> read(int partition) {
    RDDBlockId id = new RDDBlockId(sourceId, partition);
    Option<BlockResult> found = SparkEnv.get().blockManager().get(id, sourceTag);
    if (found.isEmpty()) {
      throw new BlockGone(id);
    }
    return found.get().data();
  }

  /** A task found one of its blocks no longer cached. */
  static final class BlockGone extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    BlockGone(RDDBlockId id) {
      super(MARKER + ": " + id + " is no longer cached; the job runs again through the blocks' "
          + "lineage, which recomputes it");
    }
  }

  /** Names a {@link BlockGone} failure in the message of the job that it failed. */
  static final String MARKER = "stablelogit cached block gone";

  /**
   * @param e a job's failure
   * @return whether a task failed because a block was no longer cached
   */
  static boolean isBlockGone(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BlockGone || (t.getMessage() != null && t.getMessage().contains(MARKER))) {
        return true;
      }
    }
    return false;
  }
}
