package io.github.stablelogit.ml.io;

import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates or replaces a model directory without ever deleting a good model before its successor is
 * complete. The new content is written into a hidden sibling {@code .NAME.tmp-UUID}; only when
 * that succeeded is the old directory (if any) renamed to {@code .NAME.old-UUID}, the new one
 * renamed into place and the old one deleted. If writing or a rename fails, the temporary sibling
 * is removed and the old directory stays where it was (or is renamed back).
 *
 * <p><b>What "atomic" means.</b> On HDFS and local POSIX file systems a rename within one parent is
 * a single atomic metadata operation, so {@code NAME} only ever holds a complete model, the old or
 * the new one. Replacing takes two renames: between them {@code NAME} is briefly absent (a
 * concurrent reader fails instead of reading a mix), and a crash exactly there leaves both complete
 * models as siblings ({@code .NAME.old-*} and {@code .NAME.tmp-*}) for recovery by hand. On object
 * stores (S3A, GCS, Azure blob without hierarchical namespace) a directory rename is a copy of
 * every object followed by a delete: it is neither atomic nor constant-time, and a crash during the
 * final copy can leave a partial {@code NAME}. Even there a failure while the new model is being
 * written, which is when most failures happen, never touches the old model.
 *
 * <p>Works on any Hadoop {@link FileSystem}; the siblings live in the target's parent directory,
 * so they are on the same file system and renames never cross volumes.
 */
public final class AtomicModelDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(AtomicModelDirectory.class);

  /**
   * Writes the new content.
   *
   * @param <E> the checked exception it may throw
   */
  @FunctionalInterface
  public interface Content<E extends Exception> {
    /**
     * @param dir fully qualified path that does not exist yet; create it and fill it
     * @throws E if writing fails
     */
    void writeTo(Path dir) throws E;
  }

  /** The target exists and overwriting was not allowed; nothing was written. */
  public static final class TargetExistsException extends FileAlreadyExistsException {

    private static final long serialVersionUID = 1L;
    private final transient Path target;

    TargetExistsException(Path target) {
      super("Path " + target + " already exists. To replace it, save with "
          + "write().overwrite().save(path), or choose another path.");
      this.target = target;
    }

    /** @return the fully qualified path that exists */
    public Path target() {
      return target;
    }
  }

  private AtomicModelDirectory() {}

  /**
   * Creates {@code target} with new content, or replaces it.
   *
   * @param fs the file system of {@code target}
   * @param target the directory to create or replace (relative paths are qualified by {@code fs})
   * @param overwrite whether an existing {@code target} may be replaced
   * @param content writes the new content
   * @param <E> what {@code content} may throw
   * @return a warning when the model was saved but something was left behind (the old model's
   *     backup could not be deleted), otherwise empty
   * @throws TargetExistsException if {@code target} exists and {@code overwrite} is false; nothing
   *     was written then
   * @throws IOException if the file system failed (a directory could not be created, a rename
   *     failed, nothing was written); the old directory is intact
   * @throws E what {@code content} threw; the old directory is intact
   */
  public static <E extends Exception> Optional<String> write(FileSystem fs, Path target,
      boolean overwrite, Content<E> content) throws IOException, E {
    Path dir = fs.makeQualified(target);
    Path parent = dir.getParent();
    if (parent == null) {
      throw new IOException("cannot save a model to the root directory " + dir
          + "; choose a subdirectory");
    }
    if (!overwrite && fs.exists(dir)) {
      throw new TargetExistsException(dir);
    }
    if (!fs.exists(parent) && !fs.mkdirs(parent)) {
      throw new IOException("cannot create directory " + parent);
    }
    String id = UUID.randomUUID().toString();
    Path tmp = new Path(parent, "." + dir.getName() + ".tmp-" + id);
    LOG.debug("writing {} into {}", dir, tmp);
    try {
      content.writeTo(tmp);
      if (!fs.exists(tmp)) {
        throw new IOException("nothing was written to " + tmp);
      }
    } catch (Exception | Error e) {
      deleteQuietly(fs, tmp);
      throw e;
    }
    if (!fs.exists(dir)) {
      if (!renameQuietly(fs, tmp, dir)) {
        deleteQuietly(fs, tmp);
        throw new IOException("cannot rename " + tmp + " to " + dir);
      }
      return Optional.empty();
    }
    if (!overwrite) { // created by someone else while we were writing
      deleteQuietly(fs, tmp);
      throw new TargetExistsException(dir);
    }
    Path backup = new Path(parent, "." + dir.getName() + ".old-" + id);
    if (!renameQuietly(fs, dir, backup)) {
      deleteQuietly(fs, tmp);
      throw new IOException("cannot move the existing " + dir + " aside; it was left unchanged");
    }
    if (!renameQuietly(fs, tmp, dir)) {
      boolean restored = !fs.exists(dir) && renameQuietly(fs, backup, dir);
      deleteQuietly(fs, tmp);
      throw new IOException("cannot move the new model into " + dir + "; "
          + (restored ? "the previous one was put back" : "the previous one is at " + backup));
    }
    if (!deleteQuietly(fs, backup)) {
      return Optional.of("could not delete the previous model's backup " + backup
          + "; delete it by hand");
    }
    return Optional.empty();
  }

  private static boolean renameQuietly(FileSystem fs, Path from, Path to) {
    try {
      return fs.rename(from, to);
    } catch (IOException | RuntimeException e) {
      LOG.debug("rename {} to {} failed", from, to, e);
      return false;
    }
  }

  private static boolean deleteQuietly(FileSystem fs, Path p) {
    try {
      return !fs.exists(p) || fs.delete(p, true);
    } catch (IOException | RuntimeException e) {
      LOG.debug("delete {} failed", p, e);
      return false;
    }
  }
}
