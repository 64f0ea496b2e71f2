package io.github.stablelogit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitMLPClassifier;
import java.util.Arrays;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;

/** {@code --model-type} and the network's flags: plain JUnit, no SparkSession. */
class ModelTypeOptionsTest {

  private static final String[] BASE = {"--input", "x.csv", "--label", "y", "--model", "m"};

  private static TrainOptions parse(String... extra) {
    String[] args = Arrays.copyOf(BASE, BASE.length + extra.length);
    System.arraycopy(extra, 0, args, BASE.length, extra.length);
    return TrainOptions.parse(CliArgs.parse("train", args, TrainOptions.OPTIONS,
        TrainOptions.SWITCHES));
  }

  private static String rejected(String... extra) {
    return assertThrows(UsageException.class, () -> parse(extra)).getMessage();
  }

  @Test
  void linearIsTheDefault() {
    TrainOptions o = parse("--solver", "newton");
    assertEquals(ModelType.LINEAR, o.modelType);
    assertEquals("newton", ((LogitClassifier) o.classifier).getSolver());
    assertEquals(ModelType.LINEAR, parse("--model-type", "Linear").modelType);
  }

  @Test
  void everyNetworkFlagReachesItsParam() {
    TrainOptions o = parse("--model-type", "mlp", "--layers", "64,32", "--activation", "ReLU",
        "--solver", "adam", "--step-size", "0.003", "--warmup-iters", "20", "--max-grad-norm",
        "1.5", "--mini-batch-fraction", "0.25", "--init-seed", "7", "--seed", "9",
        "--reg-param", "1e-3", "--standardization", "false", "--loss", "focal",
        "--focal-gamma", "1", "--max-iter", "40", "--precision", "float");
    assertEquals(ModelType.MLP, o.modelType);
    LogitMLPClassifier c = (LogitMLPClassifier) o.classifier;
    assertArrayEquals(new int[] {64, 32}, c.getLayers());
    assertEquals("relu", c.getActivation());
    assertEquals("adam", c.getSolver());
    assertEquals(0.003, c.getStepSize());
    assertEquals(20, c.getWarmupIters());
    assertEquals(1.5, c.getMaxGradNorm());
    assertEquals(0.25, c.getMiniBatchFraction());
    assertEquals(7L, c.getSeed());
    assertEquals(9L, o.seed, "--seed still seeds the splits");
    assertEquals(1e-3, c.getRegParam());
    assertEquals(false, c.getStandardization());
    assertEquals("focal", c.getLoss());
    assertEquals(1.0, c.getFocalGamma());
    assertEquals(40, c.getMaxIter());
    assertEquals("float", c.getPrecision());
  }

  @Test
  void everyNetworkParamHasAFlag() {
    for (Param<?> p : new LogitMLPClassifier().params()) {
      if (EstimatorFlags.isColumnParam(p.name()) || p.name().equals("initialWeights")) {
        continue;
      }
      String flag = p.name().equals("seed") ? "init-seed" : EstimatorFlags.kebab(p.name());
      assertTrue(TrainOptions.OPTIONS.contains(flag), p.name() + " has no flag");
      assertTrue(EstimatorFlags.of(ModelType.MLP, flag) != null, flag);
    }
    assertEquals(TrainOptions.OPTIONS.size(), TrainOptions.OPTIONS.stream().distinct().count(),
        "no option is listed twice");
  }

  @Test
  void flagsOfOneModelTypeAreRefusedForTheOther() {
    assertEquals("--elastic-net-param only applies to --model-type linear (this is --model-type "
        + "mlp)", rejected("--model-type", "mlp", "--elastic-net-param", "0.5"));
    assertEquals("--fit-intercept only applies to --model-type linear (this is --model-type mlp)",
        rejected("--model-type", "mlp", "--fit-intercept", "false"));
    assertEquals("--layers only applies to --model-type mlp (this is --model-type linear)",
        rejected("--layers", "8"));
    assertEquals("--init-seed only applies to --model-type mlp (this is --model-type linear)",
        rejected("--init-seed", "8"));
    assertEquals("--mini-batch-fraction only applies to --model-type mlp (this is --model-type "
        + "linear)", rejected("--mini-batch-fraction", "0.5"));
    assertEquals("--cv-folds only applies to --model-type linear (this is --model-type mlp)",
        rejected("--model-type", "mlp", "--cv-folds", "3"));
  }

  @Test
  void theSolverFlagHasTheValuesOfTheModelType() {
    String linear = rejected("--solver", "adam");
    assertTrue(linear.startsWith("--solver: ") && linear.endsWith("(with --model-type linear)"),
        linear);
    assertTrue(linear.contains("newton"), linear);
    String mlp = rejected("--model-type", "mlp", "--solver", "newton");
    assertTrue(mlp.startsWith("--solver: ") && mlp.endsWith("(with --model-type mlp)"), mlp);
    assertTrue(mlp.contains("adam"), mlp);
    // A flag that means the same for both gets no model type in its message.
    assertEquals("--pos-weight: posWeight must be a finite number > 0, but was -1.0",
        rejected("--model-type", "mlp", "--pos-weight", "-1"));
  }

  @Test
  void badValuesSayWhatIsWrong() {
    assertEquals("--model-type must be linear or mlp, but was tree",
        rejected("--model-type", "tree"));
    assertEquals("--layers expects integers like 64,32, but got 'x'",
        rejected("--model-type", "mlp", "--layers", "8,x"));
    assertTrue(rejected("--model-type", "mlp", "--layers", "8,0").startsWith("--layers: "));
    assertTrue(rejected("--model-type", "mlp", "--mini-batch-fraction", "0")
        .startsWith("--mini-batch-fraction: "));
    assertTrue(rejected("--model-type", "mlp", "--early-stopping-rounds", "3")
        .contains("needs validation rows"));
  }

  @Test
  void helpListsTheFlagsByModelType() {
    String help = Usage.TRAIN;
    int both = help.indexOf("estimator, both model types");
    int linear = help.indexOf("--model-type linear (LogitClassifier parameters):");
    int mlp = help.indexOf("--model-type mlp (LogitMLPClassifier parameters):");
    assertTrue(both > 0 && linear > both && mlp > linear, help);
    assertTrue(help.indexOf("  --loss ") > both && help.indexOf("  --loss ") < linear, help);
    assertTrue(help.indexOf("  --elastic-net-param ") > linear, help);
    for (String f : new String[] {"--layers N,N", "--activation", "--step-size", "--warmup-iters",
        "--max-grad-norm", "--mini-batch-fraction", "--init-seed"}) {
      assertTrue(help.indexOf("  " + f) > mlp, f);
    }
    // --solver is listed once per model type, each with its own values.
    assertTrue(help.indexOf("  --solver ", linear) < mlp, help);
    assertTrue(help.indexOf("  --solver ", mlp) > mlp, help);
    assertTrue(help.contains("[32]"), help);
  }
}
