package io.github.stablelogit.ml.io;

import io.github.stablelogit.ml.LogitClassificationModelIO;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saved models: old formats keep loading, damaged or foreign files are refused clearly, and a
 * failed or refused save never damages the model already at the path.
 */
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
    for (int v = 1; v <= LogitClassificationModelIO.FORMAT_VERSION; v++) {
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
    // A row of version 1 has the first 4 columns of the current schema.
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType(
        java.util.Arrays.copyOf(LogitClassificationModelIO.DATA_SCHEMA.fields(), row.size()));
    spark.createDataFrame(List.of(row), schema).repartition(1)
        .write().parquet(m.resolve("data").toString());
  }

  @Test
  void handEditedDataIsRefused() throws IOException {
    double[] c = new double[30];
    Object[][] cases = {
        {RowFactory.create(1, 31, 0.5, Vectors.dense(c)), "numFeatures is 31"},
        {RowFactory.create(1, 30, Double.NaN, Vectors.dense(c)), "intercept is NaN"},
        {RowFactory.create(1, 2, 0.5, Vectors.dense(1.0, Double.POSITIVE_INFINITY)),
            "coefficient 1 is Infinity"},
        {RowFactory.create(3, 30, 0.5, Vectors.dense(c)), "format version 3"},
        {RowFactory.create(2, 30, 0.5, Vectors.dense(c), "platt", Double.NaN, 0.0, null, null),
            "Platt parameters must be finite"},
        {RowFactory.create(2, 30, 0.5, Vectors.dense(c), "isotonic", Double.NaN, Double.NaN,
            Vectors.dense(0.0, 1.0), null), "the calibrator 'isotonic' is unknown or incomplete"},
        {RowFactory.create(2, 30, 0.5, Vectors.dense(c), "isotonic", Double.NaN, Double.NaN,
            Vectors.dense(0.0, 1.0), Vectors.dense(0.7, 0.2)), "non-decreasing values"},
        {RowFactory.create(2, 30, 0.5, Vectors.dense(c), "beta", 1.0, 0.0, null, null),
            "the calibrator 'beta' is unknown"}};
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
    Map<String, byte[]> before = snapshot(m);
    LogitClassificationModel other = new LogitClassifier().setMaxIter(3).fit(data);
    IOException e = assertThrows(IOException.class, () -> other.write().save(m.toString()));
    assertTrue(e.getMessage().contains(m.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("overwrite()"), e.getMessage());
    assertSameFiles(before, snapshot(m));
    assertEquals(List.of(), leftovers(m));
    assertPredictsLikeTheFixture(LogitClassificationModel.load(m.toString()));
  }

  @Test
  void overwriteReplacesTheModelAndLeavesNoTemporaryDirectories() throws IOException {
    Path m = copyOfFixture(1);
    LogitClassificationModel other = new LogitClassifier().setMaxIter(3).fit(data);
    other.write().overwrite().save(m.toString());
    LogitClassificationModel loaded = LogitClassificationModel.load(m.toString());
    assertArrayEquals(other.coefficients().toArray(), loaded.coefficients().toArray(), 0.0);
    assertEquals(other.intercept(), loaded.intercept(), 0.0);
    assertEquals(List.of(), leftovers(m));
  }

  @Test
  void aSaveFailingAfterTheMetadataKeepsTheOldModel() throws IOException {
    Path m = copyOfFixture(1);
    Map<String, byte[]> before = snapshot(m);
    LogitClassificationModel other = new LogitClassifier().setMaxIter(3).fit(data);
    FailingFileSystem.register(spark.sparkContext().hadoopConfiguration());
    boolean[] metadataWritten = {false};
    // Fail creating anything under NAME.tmp-*/data: the metadata is written, the data is not.
    FailingFileSystem.failCreate = p -> {
      for (org.apache.hadoop.fs.Path a = p; a != null && a.getParent() != null; a = a.getParent()) {
        if (a.getName().equals("data") && a.getParent().getName().startsWith("."
            + m.getFileName() + ".tmp-")) {
          metadataWritten[0] |= Files.isDirectory(Path.of(a.getParent().toUri().getPath(),
              "metadata"));
          return true;
        }
      }
      return false;
    };
    try {
      Exception e = assertThrows(Exception.class,
          () -> other.write().overwrite().save(FailingFileSystem.uri(m)));
      assertTrue(causes(e).contains(FailingFileSystem.INJECTED), causes(e));
    } finally {
      FailingFileSystem.failCreate = null;
    }
    assertTrue(metadataWritten[0], "the failure must come after the metadata was written");
    assertSameFiles(before, snapshot(m));
    assertEquals(List.of(), leftovers(m));
    assertPredictsLikeTheFixture(LogitClassificationModel.load(m.toString()));
    // The same file system without the failure: the save goes through.
    other.write().overwrite().save(FailingFileSystem.uri(m));
    assertArrayEquals(other.coefficients().toArray(),
        LogitClassificationModel.load(m.toString()).coefficients().toArray(), 0.0);
    assertEquals(List.of(), leftovers(m));
  }

  @Test
  void pipelinesWithALogitStageSaveAndLoadThroughSparksWriter() throws IOException {
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new StandardScaler().setInputCol("features").setOutputCol("scaled"),
        new LogitClassifier().setFeaturesCol("scaled").setLoss("focal").setMaxIter(5)});
    Path pp = tmp.resolve("pipeline");
    pipeline.write().save(pp.toString());
    Pipeline pipelineBack = Pipeline.load(pp.toString());
    assertEquals("focal", ((LogitClassifier) pipelineBack.getStages()[1]).getLoss());

    PipelineModel fitted = pipeline.fit(data);
    Path pm = tmp.resolve("pipeline-model");
    fitted.write().save(pm.toString());
    fitted.write().overwrite().save(pm.toString()); // Spark deletes, then calls our stage writer
    PipelineModel back = PipelineModel.load(pm.toString());
    assertArrayEquals(probabilities(fitted), probabilities(back), 0.0);
    try (Stream<Path> files = Files.walk(pm)) {
      List<String> hidden = files.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(".") && !n.endsWith(".crc")).toList();
      assertEquals(List.of(), hidden);
    }
  }

  @Test
  void aResavedFixtureLoadsAndPredictsAsWhenItWasSaved() throws IOException {
    LogitClassificationModel m = LogitClassificationModel.load(ModelFixtures.modelDir(1)
        .toString());
    Path again = tmp.resolve("resaved/model");
    m.write().save(again.toString());
    assertPredictsLikeTheFixture(LogitClassificationModel.load(again.toString()));
  }

  private static double[] probabilities(PipelineModel pm) {
    return pm.transform(data.limit(ModelFixtures.ROWS)).select("probability").collectAsList()
        .stream().mapToDouble(r -> ((org.apache.spark.ml.linalg.Vector) r.get(0)).apply(1))
        .toArray();
  }

  private static void assertPredictsLikeTheFixture(LogitClassificationModel m) throws IOException {
    double[] expected = Files.readAllLines(ModelFixtures.expectedFile(1)).stream().skip(1)
        .mapToDouble(Double::parseDouble).toArray();
    assertArrayEquals(expected, ModelFixtures.probabilities(m, data), 1e-15);
  }

  /** @return every file under {@code dir} (relative path) with its bytes */
  private static Map<String, byte[]> snapshot(Path dir) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return files;
  }

  private static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (Map.Entry<String, byte[]> e : expected.entrySet()) {
      assertArrayEquals(e.getValue(), actual.get(e.getKey()), e.getKey());
    }
  }

  /** @return the siblings of {@code model} (temporary or backup directories left behind) */
  private static List<String> leftovers(Path model) throws IOException {
    try (Stream<Path> s = Files.list(model.getParent())) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.equals(model.getFileName().toString())).sorted().toList();
    }
  }

  private static String causes(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append(" <- ");
    }
    return sb.toString();
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
