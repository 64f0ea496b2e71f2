package io.github.stablelogit.ml.io;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * The local disk under the scheme {@value #SCHEME}, failing every file or directory creation that
 * {@link #failCreate} matches with an IOException: a disk that fills up or a permission that is
 * missing halfway through a save. Spark reaches it through the Hadoop configuration like HDFS or
 * S3A, on the driver and (in local mode) in tasks.
 */
public final class FailingFileSystem extends RawLocalFileSystem {

  /** The URI scheme. */
  public static final String SCHEME = "failfs";

  /** The message of the injected failures. */
  public static final String INJECTED = "injected failure: no space left on device";

  /** Paths whose creation fails; never matches when null. */
  static volatile Predicate<Path> failCreate;

  private static final URI NAME = URI.create(SCHEME + ":///");

  /** Registers the scheme in {@code conf}. */
  public static void register(Configuration conf) {
    conf.set("fs." + SCHEME + ".impl", FailingFileSystem.class.getName());
  }

  /** @return {@code path} (absolute, local) under this scheme */
  public static String uri(java.nio.file.Path path) {
    return SCHEME + "://" + path.toAbsolutePath();
  }

  @Override
  public URI getUri() {
    return NAME;
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  private static void check(Path p) throws IOException {
    Predicate<Path> f = failCreate;
    if (f != null && f.test(p)) {
      throw new IOException(INJECTED + " (creating " + p + ")");
    }
  }

  @Override
  public boolean mkdirs(Path f) throws IOException {
    check(f);
    return super.mkdirs(f);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    check(f);
    return super.mkdirs(f, permission);
  }

  @Override
  protected OutputStream createOutputStream(Path f, boolean append) throws IOException {
    check(f);
    return super.createOutputStream(f, append);
  }

  @Override
  protected OutputStream createOutputStreamWithMode(Path f, boolean append,
      FsPermission permission) throws IOException {
    check(f);
    return super.createOutputStreamWithMode(f, append, permission);
  }
}
