package io.github.stablelogit.ml.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory swap on the local Hadoop file system, without Spark: the cases that the command
 * line's test ({@code LogitJobModelStoreTest}) does not reach through {@code ModelStore}.
 */
class AtomicModelDirectoryTest {

  @TempDir
  java.nio.file.Path tmp;

  private FileSystem fs;
  private java.nio.file.Path model;
  private Path target;

  @BeforeEach
  void setUp() throws IOException {
    fs = FileSystem.getLocal(new Configuration()).getRaw();
    model = tmp.resolve("model");
    target = new Path(model.toString());
  }

  private void writeOld() throws IOException {
    Files.createDirectories(model);
    Files.writeString(model.resolve("MARKER"), "old");
  }

  private void writeNew(Path dir) throws IOException {
    fs.mkdirs(dir);
    fs.create(new Path(dir, "NEW")).close();
  }

  private List<String> siblings() throws IOException {
    try (Stream<java.nio.file.Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("model")).toList();
    }
  }

  @Test
  void anExistingTargetWithoutOverwriteNamesThePathAndTheFix() throws Exception {
    writeOld();
    AtomicModelDirectory.TargetExistsException e = assertThrows(
        AtomicModelDirectory.TargetExistsException.class,
        () -> AtomicModelDirectory.write(fs, target, false, this::writeNew));
    assertEquals(fs.makeQualified(target), e.target());
    assertTrue(e.getMessage().contains(fs.makeQualified(target).toString()), e.getMessage());
    assertTrue(e.getMessage().contains("write().overwrite().save(path)"), e.getMessage());
    assertEquals("old", Files.readString(model.resolve("MARKER")));
    assertEquals(List.of(), siblings());
  }

  @Test
  void aTargetCreatedByOthersWhileWritingIsNotReplacedWithoutOverwrite() throws Exception {
    assertThrows(AtomicModelDirectory.TargetExistsException.class,
        () -> AtomicModelDirectory.write(fs, target, false, d -> {
          writeNew(d);
          writeOld(); // another job saved to the same path meanwhile
        }));
    assertEquals("old", Files.readString(model.resolve("MARKER")));
    assertFalse(Files.exists(model.resolve("NEW")));
    assertEquals(List.of(), siblings());
  }

  @Test
  void theContentsCheckedExceptionAndErrorsPropagateAfterCleanUp() throws Exception {
    writeOld();
    class DiskFull extends Exception {
      private static final long serialVersionUID = 1L;
    }
    DiskFull thrown = new DiskFull();
    DiskFull e = assertThrows(DiskFull.class, () -> AtomicModelDirectory.write(fs, target, true,
        (AtomicModelDirectory.Content<Exception>) d -> {
          writeNew(d);
          throw thrown;
        }));
    assertSame(thrown, e);
    assertThrows(OutOfMemoryError.class, () -> AtomicModelDirectory.write(fs, target, true, d -> {
      writeNew(d);
      throw new OutOfMemoryError("test");
    }));
    assertEquals("old", Files.readString(model.resolve("MARKER")));
    assertEquals(List.of(), siblings());
  }

  @Test
  void theRootDirectoryIsRefused() {
    IOException e = assertThrows(IOException.class,
        () -> AtomicModelDirectory.write(fs, new Path("/"), true, this::writeNew));
    assertTrue(e.getMessage().contains("root directory"), e.getMessage());
  }

  @Test
  void aBackupThatCannotBeDeletedIsReportedAndTheNewModelIsInPlace() throws Exception {
    writeOld();
    FileSystem stubborn = new FilterFileSystem(fs) {
      @Override
      public boolean delete(Path p, boolean recursive) throws IOException {
        if (p.getName().contains(".old-")) {
          throw new IOException("permission denied");
        }
        return super.delete(p, recursive);
      }
    };
    Optional<String> warning = AtomicModelDirectory.write(stubborn, target, true, this::writeNew);
    assertTrue(warning.isPresent());
    assertTrue(warning.get().contains(".model.old-"), warning.get());
    assertTrue(Files.exists(model.resolve("NEW")));
    List<String> left = siblings();
    assertEquals(1, left.size());
    assertEquals("old", Files.readString(tmp.resolve(left.get(0)).resolve("MARKER")));
  }

  @Test
  void relativeTargetsAreQualifiedByTheFileSystem() throws Exception {
    FileSystem inTmp = new FilterFileSystem(fs) {
      @Override
      public Path getWorkingDirectory() {
        return new Path(tmp.toUri());
      }

      @Override
      public Path makeQualified(Path path) {
        return path.makeQualified(getUri(), getWorkingDirectory());
      }
    };
    assertEquals(Optional.empty(),
        AtomicModelDirectory.write(inTmp, new Path("model"), false, this::writeNew));
    assertTrue(Files.exists(model.resolve("NEW")));
  }
}
