package io.github.stablelogit.ml.feature;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.github.stablelogit.ml.io.Persistence;
import java.util.Arrays;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Maps a two-valued label column to 0/1: writes {@code outputCol} = 1.0 where {@code inputCol}
 * equals {@code positive}, 0.0 where it equals {@code negative}, and null otherwise (an unknown
 * value). With {@code numeric} the values are compared as doubles (so −1/+1 maps to 0/1, and "1"
 * equals "1.0"), otherwise as strings (a boolean column compares as "true"/"false").
 *
 * <p>A public pipeline stage: put it in front of a {@code LogitClassifier} in your own {@code
 * Pipeline} to train on labels such as "no"/"yes", e.g. {@code new BinaryLabelMapper()
 * .configure("y", "label", "yes", "no", false)}. When {@code inputCol} is absent (data to predict
 * on usually has no label) the dataset passes through unchanged, so one saved pipeline serves
 * training, evaluation and prediction. Column names are taken literally (dots are not parsed).
 *
 * <p>Saved and loaded like any Spark stage ({@link #write()}, {@link #read()}); pipelines saved by
 * the command-line job before this class moved here name {@code
 * io.github.stablelogit.cli.BinaryLabelMapper} in their metadata, and load as this class through
 * that deprecated alias.
 */
public final class BinaryLabelMapper extends Transformer implements MLWritable {

  private static final long serialVersionUID = 1L;

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final Param<String> positive;
  private final Param<String> negative;
  private final BooleanParam numeric;

  /** @param uid this stage's uid */
  public BinaryLabelMapper(String uid) {
    this.uid = uid;
    this.inputCol = new Param<>(this, "inputCol", "the label column as given");
    this.outputCol = new Param<>(this, "outputCol", "the 0/1 label column to write");
    this.positive = new Param<>(this, "positive", "the value of inputCol that means class 1");
    this.negative = new Param<>(this, "negative", "the value of inputCol that means class 0");
    this.numeric = new BooleanParam(this, "numeric",
        "whether values are compared as numbers (true) or as strings (false)");
  }

  /** A mapper with a random uid. */
  public BinaryLabelMapper() {
    this(Identifiable$.MODULE$.randomUID("binaryLabelMapper"));
  }

  /** @return this stage's uid */
  @Override
  public String uid() {
    return uid;
  }

  /** @return the input label column param */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** @return the output 0/1 column param */
  public Param<String> outputCol() {
    return outputCol;
  }

  /** @return the positive value param */
  public Param<String> positive() {
    return positive;
  }

  /** @return the negative value param */
  public Param<String> negative() {
    return negative;
  }

  /** @return the numeric comparison param */
  public BooleanParam numeric() {
    return numeric;
  }

  /** @return the input label column */
  public String getInputCol() {
    return $(inputCol);
  }

  /** @return the output column */
  public String getOutputCol() {
    return $(outputCol);
  }

  /** @return the value meaning class 1 */
  public String getPositive() {
    return $(positive);
  }

  /** @return the value meaning class 0 */
  public String getNegative() {
    return $(negative);
  }

  /** @return whether values compare as numbers */
  public boolean getNumeric() {
    return (Boolean) $(numeric);
  }

  /**
   * @param input label column
   * @param output 0/1 column
   * @param pos value meaning 1
   * @param neg value meaning 0
   * @param isNumeric compare as numbers
   * @return this
   */
  public BinaryLabelMapper configure(String input, String output, String pos, String neg,
      boolean isNumeric) {
    set(inputCol, input);
    set(outputCol, output);
    set(positive, pos);
    set(negative, neg);
    set(numeric, isNumeric);
    return this;
  }

  /**
   * @param input the label column to read
   * @return this
   */
  public BinaryLabelMapper setInputCol(String input) {
    set(inputCol, input);
    return this;
  }

  /**
   * @param schema the input schema
   * @return the schema with {@code outputCol} (double, nullable) added, or unchanged when it has
   *     no {@code inputCol}
   * @throws IllegalArgumentException if {@code outputCol} already exists
   */
  @Override
  public StructType transformSchema(StructType schema) {
    if (!Arrays.asList(schema.fieldNames()).contains(getInputCol())) {
      return schema;
    }
    if (Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
      throw new IllegalArgumentException("output column '" + getOutputCol() + "' already exists");
    }
    return schema.add(getOutputCol(), DataTypes.DoubleType, true);
  }

  /**
   * @param dataset the data
   * @return the data with {@code outputCol}: 1.0, 0.0, or null for any other value (unchanged
   *     when it has no {@code inputCol})
   */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    Dataset<Row> df = dataset.toDF();
    if (!Arrays.asList(df.columns()).contains(getInputCol())) {
      return df;
    }
    Column c = col("`" + getInputCol().replace("`", "``") + "`");
    Column mapped;
    if (getNumeric()) {
      Column v = c.cast(DataTypes.DoubleType);
      mapped = when(v.equalTo(lit(Double.parseDouble(getPositive()))), lit(1.0))
          .when(v.equalTo(lit(Double.parseDouble(getNegative()))), lit(0.0));
    } else {
      Column v = c.cast(DataTypes.StringType);
      mapped = when(v.equalTo(lit(getPositive())), lit(1.0))
          .when(v.equalTo(lit(getNegative())), lit(0.0));
    }
    return df.withColumn(getOutputCol(), mapped.cast(DataTypes.DoubleType));
  }

  /**
   * @param extra params to override
   * @return a copy with the same uid
   */
  @Override
  public BinaryLabelMapper copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** @return a writer of this stage's params (Spark's metadata layout) */
  @Override
  public MLWriter write() {
    return Persistence.paramsWriter(this);
  }

  /** @return a reader, found by Spark's PipelineModel loader through reflection */
  public static MLReader<BinaryLabelMapper> read() {
    return Persistence.paramsReader(BinaryLabelMapper.class, BinaryLabelMapper::new);
  }

  /**
   * @param path where a mapper was saved
   * @return the mapper
   */
  public static BinaryLabelMapper load(String path) {
    return read().load(path);
  }
}
