package io.github.stablelogit.ml;

import java.util.Arrays;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The result of {@link LogitClassifierCV}: the model refitted on all rows at the selected params
 * ({@link #bestModel()}, whose columns {@link #transform} produces), and the cross-validation
 * path: per grid point (posWeight × elasticNetParam × regParam, regParams descending)
 * the held-out metric of every fold, their mean and standard deviation, the model on all rows and
 * the optimizer iterations. Saved and loaded like every other model (format version, atomic
 * directory), also inside a PipelineModel.
 */
public final class LogitClassifierCVModel extends Model<LogitClassifierCVModel>
    implements CrossValidationParams<LogitClassifierCVModel>, MLWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  private final CrossValidationParams.Defs cvDefs;
  private final LogitClassificationModel bestModel;
  private final TuningPath path;
  private final int selected;

  LogitClassifierCVModel(String uid, LogitClassificationModel bestModel, TuningPath path,
      int selected) {
    this.uid = uid;
    this.cvDefs = new CrossValidationParams.Defs(this);
    setCrossValidationDefaults();
    this.bestModel = bestModel;
    this.path = path;
    this.selected = selected;
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public CrossValidationParams.Defs cvDefs() {
    return cvDefs;
  }

  /** @return the model refitted on all rows at the selected params */
  public LogitClassificationModel bestModel() {
    return bestModel;
  }

  /**
   * @return the selected params: regParam and elasticNetParam of the best model's parent
   *     estimator, and its posWeight when posWeights were cross-validated
   */
  public ParamMap bestParams() {
    LogitClassifier p = new LogitClassifier(bestModel.uid());
    ParamMap m = new ParamMap().put(p.regParam().w(path.regParams[selected]))
        .put(p.elasticNetParam().w(path.elasticNetParams[selected]));
    return getPosWeights() == null ? m : m.put(p.posWeight().w(path.posWeights[selected]));
  }

  /** @return the index of the selected grid point */
  public int bestIndex() {
    return selected;
  }

  /** @return the regParam of each grid point */
  public double[] pathRegParams() {
    return path.regParams.clone();
  }

  /** @return the elasticNetParam of each grid point */
  public double[] pathElasticNetParams() {
    return path.elasticNetParams.clone();
  }

  /** @return the posWeight of each grid point */
  public double[] pathPosWeights() {
    return path.posWeights.clone();
  }

  /** @return the mean over folds of each grid point's held-out metric */
  public double[] avgMetrics() {
    return path.avgMetrics();
  }

  /** @return the sample standard deviation over folds of each grid point's metric */
  public double[] stdMetrics() {
    return path.stdMetrics();
  }

  /** @return [grid point][fold] held-out metrics */
  public double[][] foldMetrics() {
    return deepCopy(path.foldMetrics);
  }

  /** @return [grid point] the model on all rows: d coefficients followed by the intercept */
  public double[][] pathCoefficients() {
    return deepCopy(path.coefficients);
  }

  /** @return the number of non-zero coefficients of each grid point's model on all rows */
  public int[] pathNumNonZeros() {
    return path.numNonZeros();
  }

  /** @return [grid point][fold, then the model on all rows] optimizer iterations */
  public int[][] pathIterations() {
    int[][] out = new int[path.iterations.length][];
    for (int p = 0; p < out.length; p++) {
      out[p] = path.iterations[p].clone();
    }
    return out;
  }

  /** @return the metric's name */
  public String metricName() {
    return path.metric;
  }

  /** @return the path as a text table (elasticNetParam, regParam, mean ± sd, non-zeros) */
  public String pathTable() {
    return path.table();
  }

  TuningPath path() {
    return path;
  }

  private static double[][] deepCopy(double[][] a) {
    return Arrays.stream(a).map(double[]::clone).toArray(double[][]::new);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return bestModel.transformSchema(schema);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    return bestModel.transform(dataset);
  }

  @Override
  public LogitClassifierCVModel copy(ParamMap extra) {
    LogitClassifierCVModel m = new LogitClassifierCVModel(uid, bestModel.copy(ParamMap.empty()),
        path, selected);
    return copyValues(m, extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return LogitClassifierCVModelIO.writer(this);
  }

  /** @return a reader for saved models */
  public static MLReader<LogitClassifierCVModel> read() {
    return LogitClassifierCVModelIO.reader();
  }

  /**
   * @param path where a model was saved
   * @return the model
   */
  public static LogitClassifierCVModel load(String path) {
    return read().load(path);
  }
}
