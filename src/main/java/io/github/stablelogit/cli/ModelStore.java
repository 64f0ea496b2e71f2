package io.github.stablelogit.cli;

import io.github.stablelogit.ml.io.AtomicModelDirectory;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The job's model directory swap: {@link AtomicModelDirectory} with the command line's wording (an
 * existing directory without {@code --overwrite} is a {@link UsageException}).
 */
final class ModelStore {

  /** Writes the new content into an empty, not yet existing directory. */
  @FunctionalInterface
  interface Writer extends AtomicModelDirectory.Content<Exception> {
    /** @param tmp fully qualified path to create and fill */
    void write(Path tmp) throws Exception;

    @Override
    default void writeTo(Path dir) throws Exception {
      write(dir);
    }
  }

  private ModelStore() {}

  /**
   * @param fs the file system of {@code target}
   * @param target the directory to create or replace
   * @param overwrite whether an existing {@code target} may be replaced
   * @param writer writes the new content
   * @return a warning to show, or null (e.g. the backup could not be deleted)
   * @throws UsageException if {@code target} is the root directory, or exists and {@code
   *     overwrite} is false (nothing is written then)
   * @throws Exception what the writer threw, or an IOException if a rename failed; the old
   *     directory is intact in both cases
   */
  static String replace(FileSystem fs, Path target, boolean overwrite, Writer writer)
      throws Exception {
    Path dir = fs.makeQualified(target);
    if (dir.getParent() == null) {
      throw new UsageException("cannot write a model to the root directory " + dir
          + "; choose a subdirectory as --model");
    }
    try {
      return AtomicModelDirectory.write(fs, dir, overwrite, writer).orElse(null);
    } catch (AtomicModelDirectory.TargetExistsException e) {
      if (e.target().equals(dir)) {
        throw existing(dir);
      }
      throw e; // from a nested writer, about another path
    }
  }

  static UsageException existing(Path dir) {
    return new UsageException("'" + dir + "' already exists; pass --overwrite to replace it, or "
        + "choose another --model directory");
  }
}
