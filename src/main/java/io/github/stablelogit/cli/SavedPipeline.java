package io.github.stablelogit.cli;

import io.github.stablelogit.ml.LogitModel;
import io.github.stablelogit.ml.feature.BinaryLabelMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.feature.VectorSizeHint;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A pipeline saved by {@code LogitJob train}, loaded for {@code predict} and {@code evaluate}: a
 * {@link BinaryLabelMapper} first, the feature stages, a {@link LogitModel} (the linear model or
 * the network) last.
 */
final class SavedPipeline {

  final PipelineModel model;
  final BinaryLabelMapper mapper;
  final LogitModel<?> classifier;

  private SavedPipeline(PipelineModel model) {
    Transformer[] st = model.stages();
    this.model = model;
    this.mapper = (BinaryLabelMapper) st[0];
    this.classifier = (LogitModel<?>) st[st.length - 1];
  }

  /**
   * @param spark the session
   * @param dir the --model directory
   * @return the pipeline
   * @throws UsageException when {@code dir} is missing or not a pipeline saved by the job
   */
  static SavedPipeline load(SparkSession spark, String dir) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(p)) {
      throw new UsageException("model directory '" + dir + "' does not exist; check --model");
    }
    if (!fs.exists(new Path(p, "metadata")) || !fs.exists(new Path(p, "stages"))) {
      throw new UsageException("'" + dir + "' is not a model saved by 'LogitJob train' (it has "
          + "no metadata/ and stages/ inside); check --model");
    }
    PipelineModel pm;
    try {
      pm = PipelineModel.load(dir);
    } catch (Exception e) { // includes Spark's AnalysisException, a checked exception
      throw new UsageException("'" + dir + "' is not a model saved by 'LogitJob train': "
          + Errors.rootMessage(e), e);
    }
    Transformer[] st = pm.stages();
    if (st.length < 2 || !(st[0] instanceof BinaryLabelMapper)
        || !(st[st.length - 1] instanceof LogitModel)) {
      throw new UsageException("'" + dir + "' is a Spark pipeline, but not one saved by "
          + "'LogitJob train' (it should start with a BinaryLabelMapper and end with a "
          + "LogitClassificationModel or LogitMLPClassificationModel)");
    }
    return new SavedPipeline(pm);
  }

  /** @return the last stage of a pipeline the job fitted */
  static LogitModel<?> classifierOf(PipelineModel pm) {
    Transformer[] st = pm.stages();
    return (LogitModel<?>) st[st.length - 1];
  }

  /** The vector size of a model trained on LIBSVM input, or -1. */
  int libsvmSize() {
    for (Transformer t : model.stages()) {
      if (t instanceof VectorSizeHint h && h.getInputCol().equals("features")) {
        return h.getSize();
      }
    }
    return -1;
  }

  /** Fails naming the input columns the model reads that {@code df} lacks. */
  void requireInputs(Dataset<Row> df) {
    Set<String> produced = new LinkedHashSet<>();
    Set<String> needed = new LinkedHashSet<>();
    for (Transformer t : model.stages()) {
      if (t instanceof StringIndexerModel s) {
        for (String c : s.getInputCols()) {
          needed.add(unquote(c));
        }
        produced.addAll(Arrays.asList(s.getOutputCols()));
      } else if (t instanceof VectorSizeHint h) {
        needed.add(h.getInputCol());
      } else if (t instanceof VectorAssembler v) {
        for (String c : v.getInputCols()) {
          String u = unquote(c);
          if (!u.startsWith(Columns.PREFIX)) {
            needed.add(u);
          }
        }
      }
    }
    needed.removeAll(produced);
    List<String> missing = new ArrayList<>();
    for (String c : needed) {
      if (!Columns.has(df.schema(), c)) {
        missing.add(c);
      }
    }
    if (!missing.isEmpty()) {
      throw new UsageException(String.format(Locale.ROOT, "the input lacks column%s %s, which "
              + "the model was trained with; the input has: %s", missing.size() > 1 ? "s" : "",
          String.join(", ", missing), Columns.list(df.schema())));
    }
  }

  /** The column name a stage param holds ({@link Columns#quote} undone). */
  static String unquote(String c) {
    if (c.length() >= 2 && c.startsWith("`") && c.endsWith("`")) {
      return c.substring(1, c.length() - 1).replace("``", "`");
    }
    return c;
  }
}
