package io.github.stablelogit.optim;

import io.github.stablelogit.optim.DataSummary.Problem;
import java.io.Serializable;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Packs one partition's rows into {@link InstanceBlock}s in a single pass: decodes each row,
 * validates it (finite features, label in [0, 1], finite non-negative weight, consistent vector
 * size), appends it to the block being built ({@link BlockBuilder}: dense or CSR, whichever is
 * cheaper, with the statistics of its rows), and closes that block once it reaches the size limit.
 * Rejected rows are counted with their first example ({@link DataSummary} problems) and never
 * enter a block; the partition's counts ride on its last block.
 *
 * <p>Input rows are (features: Vector, label: Double, weight: Double[, validation: Boolean]); nulls
 * in the first three are rejected, a null validation flag means a training row. Validation rows are
 * packed into the same blocks with training weight 0 and their own validation weight, so the
 * validation loss comes out of the same pass as the training objective. They come as {@link Row}s
 * ({@link #pack}) or as Spark SQL's internal rows ({@link #packInternal}), read by a {@link
 * RowReader}.
 *
 * <p>For cross-validation ({@code numFolds} &gt; 0) rows carry one more field, last: their fold id
 * (an Integer or a Long; a null id or one outside [0, numFolds) rejects the row as {@link
 * Problem#BAD_FOLD}). Each fold's rows then go to blocks of their own ({@link
 * InstanceBlock#fold}), so a block's statistics are those of one fold's rows and a fold-model
 * selects its training rows block by block.
 */
public final class BlockPacker implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String featuresCol;
  private final String labelCol;
  private final String weightCol;
  private final boolean hasValidation;
  private final long maxBlockBytes;
  private final boolean singlePrecision;
  /** Number of cross-validation folds, or 0 when rows are not in folds. */
  private int numFolds;

  /**
   * A packer that stores feature values in double precision.
   *
   * @param featuresCol name of the features column, for messages
   * @param labelCol name of the label column, for messages
   * @param weightCol name of the weight column for messages, or null if weights are all 1
   * @param maxBlockSizeInMB block size limit in MiB (&gt; 0)
   * @param hasValidation whether rows carry a fourth field, the validation flag
   */
  public BlockPacker(String featuresCol, String labelCol, String weightCol,
      double maxBlockSizeInMB, boolean hasValidation) {
    this(featuresCol, labelCol, weightCol, maxBlockSizeInMB, hasValidation, false);
  }

  /**
   * @param featuresCol name of the features column, for messages
   * @param labelCol name of the label column, for messages
   * @param weightCol name of the weight column for messages, or null if weights are all 1
   * @param maxBlockSizeInMB block size limit in MiB (&gt; 0)
   * @param hasValidation whether rows carry a fourth field, the validation flag
   * @param singlePrecision whether feature values are stored as float (labels, weights and all
   *     arithmetic stay double); the statistics are those of the rounded values
   */
  public BlockPacker(String featuresCol, String labelCol, String weightCol,
      double maxBlockSizeInMB, boolean hasValidation, boolean singlePrecision) {
    if (!(maxBlockSizeInMB > 0)) {
      throw new IllegalArgumentException(
          "maxBlockSizeInMB must be > 0, but was " + maxBlockSizeInMB);
    }
    this.featuresCol = featuresCol;
    this.labelCol = labelCol;
    this.weightCol = weightCol;
    this.hasValidation = hasValidation;
    this.maxBlockBytes = Math.max(1L, (long) (maxBlockSizeInMB * 1024 * 1024));
    this.singlePrecision = singlePrecision;
  }

  /**
   * Packs rows into per-fold blocks: each row carries its fold id as its last field.
   *
   * @param k the number of folds (&gt; 0); a row whose fold id is null or outside [0, k) is
   *     rejected ({@link Problem#BAD_FOLD})
   * @return this
   */
  public BlockPacker withFolds(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("numFolds must be > 0, but was " + k);
    }
    this.numFolds = k;
    return this;
  }

  /**
   * Lazily packs a partition. The last block carries the rejected-row counts of the whole
   * partition; a partition with rejected rows but no accepted row yields one empty block carrying
   * them.
   *
   * @param partition partition index, for messages
   * @param rows the partition's rows
   * @return the blocks
   */
  public Iterator<InstanceBlock> pack(int partition, Iterator<Row> rows) {
    return new PartitionPacker<>(partition, rows, new RowReader.Rows());
  }

  /**
   * {@link #pack} over Spark SQL's internal rows of the same columns ({@code
   * dataset.queryExecution().toRdd()}), read without converting them: decoding each row into a
   * {@code Row} and a {@code SparseVector} (which checks its indices again, through a Scala
   * closure) cost more CPU than reading the internal row. The vector struct's arrays are copied
   * into the block, with the checks a sparse vector's constructor makes ({@link
   * Problem#MALFORMED_VECTOR}). The rows may be reused by Spark between calls; nothing is kept of
   * them.
   *
   * @param partition partition index, for messages
   * @param rows the partition's rows: a features vector struct, label and weight as double, the
   *     validation flag as boolean, the fold id as long
   * @return the blocks
   */
  public Iterator<InstanceBlock> packInternal(int partition, Iterator<InternalRow> rows) {
    return new PartitionPacker<>(partition, rows, new RowReader.InternalRows());
  }

  private final class PartitionPacker<R> implements Iterator<InstanceBlock> {
    private final int partition;
    private final Iterator<R> rows;
    private final RowReader<R> reader;
    private final RowReader.Features features = new RowReader.Features();
    private final DataSummary rejected = new DataSummary();
    /** One builder per fold (one without folds). */
    private final BlockBuilder[] builders = new BlockBuilder[Math.max(numFolds, 1)];
    private long rowIndex;
    private int numFeatures = -1;
    private boolean emittedRejected;
    private InstanceBlock next;

    PartitionPacker(int partition, Iterator<R> rows, RowReader<R> reader) {
      this.partition = partition;
      this.rows = rows;
      this.reader = reader;
      for (int f = 0; f < builders.length; f++) {
        builders[f] = new BlockBuilder(maxBlockBytes, singlePrecision);
      }
    }

    @Override
    public boolean hasNext() {
      if (next == null) {
        next = fill();
      }
      return next != null;
    }

    @Override
    public InstanceBlock next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      InstanceBlock b = next;
      next = null;
      return b;
    }

    private InstanceBlock fill() {
      while (rows.hasNext()) {
        int f = accept(rows.next());
        if (f >= 0 && builders[f].isFull()) {
          return close(f, !rows.hasNext() && othersEmpty(f));
        }
      }
      for (int f = 0; f < builders.length; f++) {
        if (!builders[f].isEmpty()) {
          return close(f, othersEmpty(f));
        }
      }
      if (!emittedRejected && (rejected.hasProblems() || rejected.zeroWeightRows() > 0
          || numFeatures >= 0)) {
        return close(0, true);
      }
      return null;
    }

    private boolean othersEmpty(int f) {
      for (int g = 0; g < builders.length; g++) {
        if (g != f && !builders[g].isEmpty()) {
          return false;
        }
      }
      return true;
    }

    /** Fold f's block; the partition's rejections ride on its last block. */
    private InstanceBlock close(int f, boolean last) {
      InstanceBlock block = builders[f].close();
      if (numFolds > 0) {
        block.inFold(f);
      }
      if (last) {
        block.summary().merge(rejected);
        emittedRejected = true;
      }
      return block;
    }

    /** Adds a row to its fold's builder; returns that fold, or −1 when the row is not added. */
    private int accept(R row) {
      long pos = ((long) partition << 40) | rowIndex;
      long at = rowIndex++;
      RowReader.Features v = features;
      if (!reader.features(row, v)) {
        reject(Problem.NULL_FEATURES, pos, at, "%s is null", featuresCol);
        return -1;
      }
      if (v.malformed != null) {
        reject(Problem.MALFORMED_VECTOR, pos, at, "%s: %s", featuresCol, v.malformed);
        return -1;
      }
      if (reader.isNullAt(row, 1)) {
        reject(Problem.BAD_LABEL, pos, at, "%s is null", labelCol);
        return -1;
      }
      double y = reader.getDouble(row, 1);
      if (!(y >= 0.0 && y <= 1.0)) {
        reject(Problem.BAD_LABEL, pos, at, "%s = %s", labelCol, y);
        return -1;
      }
      double w = 1.0;
      if (weightCol != null) {
        if (reader.isNullAt(row, 2)) {
          reject(Problem.BAD_WEIGHT, pos, at, "%s is null", weightCol);
          return -1;
        }
        w = reader.getDouble(row, 2);
        if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
          reject(Problem.BAD_WEIGHT, pos, at, "%s = %s", weightCol, w);
          return -1;
        }
      }
      if (numFeatures < 0) {
        numFeatures = v.size;
        rejected.setNumFeatures(numFeatures);
        for (BlockBuilder b : builders) {
          b.setNumFeatures(numFeatures);
        }
      } else if (v.size != numFeatures) {
        reject(Problem.SIZE_MISMATCH, pos, at, "%s has size %d, but the first row of the partition "
            + "has size %d", featuresCol, v.size, numFeatures);
        return -1;
      }
      double[] values = v.values;
      int nonZeros = 0;
      for (int k = 0; k < v.count; k++) {
        double x = values[k];
        if (!(Math.abs(x) < Double.POSITIVE_INFINITY)) {
          int j = v.indices != null ? v.indices[k] : k;
          reject(Problem.FEATURE_NOT_FINITE, pos, at, "%s[%d] = %s", featuresCol, j, x);
          return -1;
        }
        if (x != 0.0) {
          nonZeros++;
        }
      }
      int fold = 0;
      if (numFolds > 0) {
        int last = reader.length(row) - 1;
        if (reader.isNullAt(row, last)) {
          reject(Problem.BAD_FOLD, pos, at, "the fold id is null");
          return -1;
        }
        long id = reader.getLong(row, last);
        if (id < 0 || id >= numFolds) {
          reject(Problem.BAD_FOLD, pos, at, "fold id %d", id);
          return -1;
        }
        fold = (int) id;
      }
      if (w == 0.0) {
        rejected.countZeroWeightRow();
        return -1;
      }
      boolean isValidation = hasValidation && !reader.isNullAt(row, 3)
          && reader.getBoolean(row, 3);
      builders[fold].append(v.indices, values, v.count, nonZeros, y, isValidation ? 0.0 : w,
          isValidation ? w : 0.0);
      return fold;
    }

    private void reject(Problem p, long pos, long at, String fmt, Object... args) {
      rejected.recordProblem(p, pos, String.format(Locale.ROOT, "row %d of partition %d: ", at,
          partition) + String.format(Locale.ROOT, fmt, args));
    }
  }
}
