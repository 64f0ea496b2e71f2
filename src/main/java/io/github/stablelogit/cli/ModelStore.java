package io.github.stablelogit.cli;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Replaces a directory without ever leaving a half-written one where a good one was: the new
 * content is written into a hidden sibling ({@code .NAME.tmp-UUID}), then the old directory (if
 * any) is renamed to a backup sibling, the temporary one renamed into place, and the backup
 * deleted. On any failure the temporary directory is removed and the old directory stays (or is
 * put back). Works on any Hadoop FileSystem; renames within one parent are atomic on HDFS and on
 * local disks.
 */
final class ModelStore {

  /** Writes the new content into an empty, not yet existing directory. */
  @FunctionalInterface
  interface Writer {
    /** @param tmp fully qualified path to create and fill */
    void write(Path tmp) throws Exception;
  }

  private ModelStore() {}

  /**
   * @param fs the file system of {@code target}
   * @param target the directory to create or replace
   * @param overwrite whether an existing {@code target} may be replaced
   * @param writer writes the new content
   * @return a warning to show, or null (e.g. the backup could not be deleted)
   * @throws UsageException if {@code target} exists and {@code overwrite} is false (nothing is
   *     written then)
   * @throws Exception what the writer threw, or an IOException if a rename failed; the old
   *     directory is intact in both cases
   */
  static String replace(FileSystem fs, Path target, boolean overwrite, Writer writer)
      throws Exception {
    Path dir = fs.makeQualified(target);
    Path parent = dir.getParent();
    if (parent == null) {
      throw new UsageException("cannot write a model to the root directory " + dir);
    }
    if (fs.exists(dir) && !overwrite) {
      throw existing(dir);
    }
    if (!fs.exists(parent) && !fs.mkdirs(parent)) {
      throw new IOException("cannot create directory " + parent);
    }
    String id = UUID.randomUUID().toString();
    Path tmp = new Path(parent, "." + dir.getName() + ".tmp-" + id);
    try {
      writer.write(tmp);
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
      return null;
    }
    if (!overwrite) {
      deleteQuietly(fs, tmp);
      throw existing(dir);
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
      return "could not delete the previous model's backup " + backup + "; delete it by hand";
    }
    return null;
  }

  static UsageException existing(Path dir) {
    return new UsageException("'" + dir + "' already exists; pass --overwrite to replace it, or "
        + "choose another --model directory");
  }

  private static boolean renameQuietly(FileSystem fs, Path from, Path to) {
    try {
      return fs.rename(from, to);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static boolean deleteQuietly(FileSystem fs, Path p) {
    try {
      return !fs.exists(p) || fs.delete(p, true);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
