package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.io.AtomicModelDirectory;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the command line adds to {@link AtomicModelDirectory}: its wording, and which failures are
 * usage errors (the swap itself is covered by {@code LogitJobModelStoreTest} and {@code
 * AtomicModelDirectoryTest}).
 */
class ModelStoreTest {

  @TempDir
  java.nio.file.Path tmp;

  private FileSystem fs;

  @BeforeEach
  void setUp() throws IOException {
    fs = FileSystem.getLocal(new Configuration()).getRaw();
  }

  private void mkdir(Path dir) throws IOException {
    fs.mkdirs(new Path(dir, "x"));
  }

  @Test
  void anExistingModelIsAUsageErrorNamingTheFlag() throws Exception {
    java.nio.file.Path model = Files.createDirectories(tmp.resolve("model"));
    UsageException e = assertThrows(UsageException.class, () -> ModelStore.replace(fs,
        new Path(model.toString()), false, this::mkdir));
    assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
  }

  @Test
  void theRootDirectoryIsAUsageError() {
    UsageException e = assertThrows(UsageException.class,
        () -> ModelStore.replace(fs, new Path("/"), true, this::mkdir));
    assertTrue(e.getMessage().contains("--model"), e.getMessage());
  }

  @Test
  void anExistingPathInsideTheWriterIsNotReportedAsTheModelDirectory() throws Exception {
    // e.g. a stage writer refusing its own path: not something --overwrite would fix
    AtomicModelDirectory.TargetExistsException inner =
        assertThrows(AtomicModelDirectory.TargetExistsException.class,
            () -> AtomicModelDirectory.write(fs, new Path(tmp.toString(), "inner"), false, d -> {
              mkdir(d);
              Files.createDirectories(tmp.resolve("inner"));
            }));
    Exception e = assertThrows(Exception.class, () -> ModelStore.replace(fs,
        new Path(tmp.resolve("model").toString()), false, d -> {
          mkdir(d);
          throw inner;
        }));
    assertSame(inner, e);
  }

  @Test
  void theBackupWarningIsPassedOnAndNoWarningIsNull() throws Exception {
    Path model = new Path(tmp.resolve("model").toString());
    assertNull(ModelStore.replace(fs, model, false, this::mkdir));
    FileSystem stubborn = new FilterFileSystem(fs) {
      @Override
      public boolean delete(Path p, boolean recursive) throws IOException {
        return !p.getName().contains(".old-") && super.delete(p, recursive);
      }
    };
    String warning = ModelStore.replace(stubborn, model, true, this::mkdir);
    assertTrue(warning != null && warning.contains("delete it by hand"), warning);
    assertEquals(2, fs.listStatus(new Path(tmp.toString())).length);
  }
}
