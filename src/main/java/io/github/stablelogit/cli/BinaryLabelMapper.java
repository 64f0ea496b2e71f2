package io.github.stablelogit.cli;

import io.github.stablelogit.ml.io.Persistence;
import org.apache.spark.ml.util.MLReader;

/**
 * The former home of {@link io.github.stablelogit.ml.feature.BinaryLabelMapper}, kept because its
 * name is part of a saved format: pipelines saved by {@code LogitJob train} before the stage moved
 * store {@code io.github.stablelogit.cli.BinaryLabelMapper} as the stage's class in their
 * metadata, and Spark's {@code PipelineModel} loader calls the static {@code read()} of the class
 * named there. This class only reads such a stage, as the new class: nothing creates or saves
 * instances of it.
 *
 * @deprecated use {@link io.github.stablelogit.ml.feature.BinaryLabelMapper}; this alias exists
 *     only so that old saved pipelines load.
 */
@Deprecated
public final class BinaryLabelMapper {

  /** The class name stored in the metadata of stages saved before the move. */
  static final String STORED_CLASS = BinaryLabelMapper.class.getName();

  private BinaryLabelMapper() {}

  /**
   * A reader of a stage saved under this class's name.
   *
   * @return a reader whose {@code load(path)} returns the stage as the new class
   */
  public static MLReader<io.github.stablelogit.ml.feature.BinaryLabelMapper> read() {
    return Persistence.paramsReader(STORED_CLASS,
        io.github.stablelogit.ml.feature.BinaryLabelMapper::new);
  }

  /**
   * @param path where a stage was saved under this class's name
   * @return the stage, as the new class
   */
  public static io.github.stablelogit.ml.feature.BinaryLabelMapper load(String path) {
    return read().load(path);
  }
}
