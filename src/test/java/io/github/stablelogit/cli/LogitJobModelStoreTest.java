package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The directory swap behind model saving, on the local Hadoop file system (no Spark). */
class LogitJobModelStoreTest {

  @TempDir
  java.nio.file.Path tmp;

  private FileSystem fs;
  private java.nio.file.Path model;

  @BeforeEach
  void setUp() throws IOException {
    fs = FileSystem.getLocal(new Configuration()).getRaw();
    model = tmp.resolve("model");
  }

  private void writeOld() throws IOException {
    Files.createDirectories(model.resolve("stages"));
    Files.writeString(model.resolve("MARKER"), "old");
  }

  private static void writeNew(FileSystem fs, Path dir) throws IOException {
    fs.mkdirs(new Path(dir, "stages"));
    try (var out = fs.create(new Path(dir, "NEW"))) {
      out.write("new".getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Everything in the parent directory except the model itself: leftovers of the protocol. */
  private List<String> siblings() throws IOException {
    try (Stream<java.nio.file.Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("model"))
          .collect(Collectors.toList());
    }
  }

  @Test
  void createsTheDirectoryWhenAbsent() throws Exception {
    assertNull(ModelStore.replace(fs, new Path(model.toString()), false, d -> writeNew(fs, d)));
    assertTrue(Files.exists(model.resolve("NEW")));
    assertEquals(List.of(), siblings());
  }

  @Test
  void createsMissingParents() throws Exception {
    java.nio.file.Path deep = tmp.resolve("a/b/model");
    ModelStore.replace(fs, new Path(deep.toString()), false, d -> writeNew(fs, d));
    assertTrue(Files.exists(deep.resolve("NEW")));
  }

  @Test
  void writesIntoAHiddenSiblingFirst() throws Exception {
    ModelStore.replace(fs, new Path(model.toString()), false, d -> {
      assertEquals(tmp.toRealPath().toString(), new java.io.File(d.toUri()).getParentFile()
          .toPath().toRealPath().toString());
      assertTrue(d.getName().startsWith(".model.tmp-"), d.getName());
      assertFalse(Files.exists(model), "the target must not exist while writing");
      writeNew(fs, d);
    });
  }

  @Test
  void refusesAnExistingDirectoryWithoutOverwriteAndWritesNothing() throws Exception {
    writeOld();
    boolean[] called = {false};
    UsageException e = assertThrows(UsageException.class, () -> ModelStore.replace(fs,
        new Path(model.toString()), false, d -> called[0] = true));
    assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
    assertFalse(called[0]);
    assertEquals("old", Files.readString(model.resolve("MARKER")));
    assertEquals(List.of(), siblings());
  }

  @Test
  void replacesWithOverwriteAndLeavesNoBackup() throws Exception {
    writeOld();
    assertNull(ModelStore.replace(fs, new Path(model.toString()), true, d -> writeNew(fs, d)));
    assertFalse(Files.exists(model.resolve("MARKER")));
    assertTrue(Files.exists(model.resolve("NEW")));
    assertEquals(List.of(), siblings());
  }

  @Test
  void aWriterFailingHalfwayKeepsTheOldModelAndCleansUp() throws Exception {
    writeOld();
    IllegalStateException e = assertThrows(IllegalStateException.class, () ->
        ModelStore.replace(fs, new Path(model.toString()), true, d -> {
          writeNew(fs, d); // partly written ...
          throw new IllegalStateException("disk full"); // ... then the save fails
        }));
    assertEquals("disk full", e.getMessage());
    assertEquals("old", Files.readString(model.resolve("MARKER")));
    assertFalse(Files.exists(model.resolve("NEW")));
    assertEquals(List.of(), siblings());
  }

  @Test
  void aWriterThatWritesNothingIsAFailure() throws Exception {
    writeOld();
    assertThrows(IOException.class, () ->
        ModelStore.replace(fs, new Path(model.toString()), true, d -> { }));
    assertEquals("old", Files.readString(model.resolve("MARKER")));
  }

  @Test
  void aFailedFinalRenamePutsTheOldModelBack() throws Exception {
    writeOld();
    // Fails the rename of the temporary directory into place (the second rename).
    FileSystem flaky = new FilterFileSystem(fs) {
      @Override
      public boolean rename(Path src, Path dst) throws IOException {
        if (src.getName().contains(".tmp-")) {
          return false;
        }
        return super.rename(src, dst);
      }
    };
    IOException e = assertThrows(IOException.class, () ->
        ModelStore.replace(flaky, new Path(model.toString()), true, d -> writeNew(fs, d)));
    assertTrue(e.getMessage().contains("previous one was put back"), e.getMessage());
    assertEquals("old", Files.readString(model.resolve("MARKER")));
    assertEquals(List.of(), siblings());
  }

  @Test
  void aFailedMoveAsideLeavesTheOldModelUntouched() throws Exception {
    writeOld();
    FileSystem flaky = new FilterFileSystem(fs) {
      @Override
      public boolean rename(Path src, Path dst) throws IOException {
        if (dst.getName().contains(".old-")) {
          throw new IOException("permission denied");
        }
        return super.rename(src, dst);
      }
    };
    assertThrows(IOException.class, () ->
        ModelStore.replace(flaky, new Path(model.toString()), true, d -> writeNew(fs, d)));
    assertEquals("old", Files.readString(model.resolve("MARKER")));
    assertEquals(List.of(), siblings());
  }
}
