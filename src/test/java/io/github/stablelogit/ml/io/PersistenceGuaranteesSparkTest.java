package io.github.stablelogit.ml.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.LogitClassificationModel;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.SparkTestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saved models: old formats keep loading, damaged or foreign files are refused clearly. */
class PersistenceGuaranteesSparkTest {

  private static SparkSession spark;
  private static Dataset<Row> data;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() {
    spark = SparkTestSupport.newSession("persistence-guarantees");
    data = SparkTestSupport.breastCancer(spark).coalesce(1).cache();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private Path copyOfFixture(int version) throws IOException {
    Path src = ModelFixtures.modelDir(version);
    Path dst = tmp.resolve("model-v" + version);
    try (Stream<Path> files = Files.walk(src)) {
      files.forEach(p -> {
        try {
          Files.copy(p, dst.resolve(src.relativize(p).toString()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return dst;
  }

  private static Path dataPart(Path model) throws IOException {
    try (Stream<Path> files = Files.list(model.resolve("data"))) {
      return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst()
          .orElseThrow();
    }
  }

  private static Path metadataPart(Path model) throws IOException {
    try (Stream<Path> files = Files.list(model.resolve("metadata"))) {
      return files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst()
          .orElseThrow();
    }
  }

  @Test
  void everyCommittedFormatVersionLoadsAndPredictsAsWhenSaved() throws IOException {
    for (int v = 1; v <= LogitPersistence.FORMAT_VERSION; v++) {
      LogitClassificationModel m = LogitClassificationModel.load(ModelFixtures.modelDir(v)
          .toString());
      List<String> lines = Files.readAllLines(ModelFixtures.expectedFile(v));
      double[] expected = lines.stream().skip(1).mapToDouble(Double::parseDouble).toArray();
      assertEquals(ModelFixtures.ROWS, expected.length);
      assertArrayEquals(expected, ModelFixtures.probabilities(m, data), 1e-15, "format v" + v);
      assertEquals("focal", m.getLoss());
      assertEquals(0.4, m.getThreshold());
      assertEquals(30, m.numFeatures());
    }
  }

  @Test
  void missingDataIsRefusedWithThePath() throws IOException {
    Path m = copyOfFixture(1);
    deleteRecursively(m.resolve("data"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LogitClassificationModel.load(m.toString()));
    assertTrue(e.getMessage().contains(m.getFileName().toString()), e.getMessage());
  }

  @Test
  void truncatedDataIsRefused() throws IOException {
    Path m = copyOfFixture(1);
    Path part = dataPart(m);
    byte[] bytes = Files.readAllBytes(part);
    Files.write(part, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    deleteChecksums(m);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LogitClassificationModel.load(m.toString()));
    assertTrue(e.getMessage().contains("incomplete or corrupted"), e.getMessage());
  }

  @Test
  void foreignClassNamesInMetadataAreNeverInstantiated() throws IOException {
    for (String foreign : new String[] {"java.lang.ProcessBuilder",
        "org.apache.spark.ml.classification.LogisticRegressionModel"}) {
      Path m = copyOfFixture(1);
      Path md = metadataPart(m);
      String json = Files.readString(md);
      Files.writeString(md, json.replace(LogitClassificationModel.class.getName(), foreign));
      deleteChecksums(m);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LogitClassificationModel.load(m.toString()));
      assertTrue(e.getMessage().contains(foreign), e.getMessage());
      deleteRecursively(m);
    }
  }

  private void rewriteData(Path m, Row row) throws IOException {
    deleteRecursively(m.resolve("data"));
    spark.createDataFrame(List.of(row), LogitPersistence.DATA_SCHEMA).repartition(1).write()
        .parquet(m.resolve("data").toString());
  }

  @Test
  void handEditedDataIsRefused() throws IOException {
    double[] c = new double[30];
    Object[][] cases = {
        {RowFactory.create(1, 31, 0.5, Vectors.dense(c)), "numFeatures is 31"},
        {RowFactory.create(1, 30, Double.NaN, Vectors.dense(c)), "intercept is NaN"},
        {RowFactory.create(1, 2, 0.5, Vectors.dense(1.0, Double.POSITIVE_INFINITY)),
            "coefficient 1 is Infinity"},
        {RowFactory.create(2, 30, 0.5, Vectors.dense(c)), "format version 2"}};
    for (Object[] k : cases) {
      Path m = copyOfFixture(1);
      rewriteData(m, (Row) k[0]);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LogitClassificationModel.load(m.toString()));
      assertTrue(e.getMessage().contains((String) k[1]), e.getMessage());
      deleteRecursively(m);
    }
  }

  @Test
  void savingOverAnExistingModelWithoutOverwriteFailsAndKeepsIt() throws IOException {
    Path m = copyOfFixture(1);
    byte[] before = Files.readAllBytes(dataPart(m));
    LogitClassificationModel other = new LogitClassifier().setMaxIter(3).fit(data);
    assertThrows(IOException.class, () -> other.write().save(m.toString()));
    assertArrayEquals(before, Files.readAllBytes(dataPart(m)));
    LogitClassificationModel.load(m.toString());
  }

  @Test
  void overwriteReplacesTheModelAndLeavesNoTemporaryDirectories() throws IOException {
    Path m = copyOfFixture(1);
    LogitClassificationModel other = new LogitClassifier().setMaxIter(3).fit(data);
    other.write().overwrite().save(m.toString());
    LogitClassificationModel loaded = LogitClassificationModel.load(m.toString());
    assertArrayEquals(other.coefficients().toArray(), loaded.coefficients().toArray(), 0.0);
    try (Stream<Path> siblings = Files.list(m.getParent())) {
      assertEquals(List.of(m.getFileName().toString()),
          siblings.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  private static void deleteChecksums(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".crc")).toList()) {
        Files.delete(p);
      }
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
