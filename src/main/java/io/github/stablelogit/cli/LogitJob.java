package io.github.stablelogit.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The stablelogit command-line job: {@code train}, {@code predict} and {@code evaluate} binary
 * classifiers from CSV, Parquet or LIBSVM files. Run it with {@code mvn compile exec:exec}
 * (embedded local Spark) or
 * {@code spark-submit --class io.github.stablelogit.cli.LogitJob <jar> train …}. {@code help}
 * lists the options. This class dispatches to {@link TrainCommand}, {@link
 * PredictCommand} and {@link EvaluateCommand} and turns failures into exit codes.
 *
 * <p>Exit codes: 0 success; 2 for input the user can fix (bad option or value, missing file or
 * column, non-binary label, existing model directory), with one {@code error:} line on stderr; 1
 * for any other failure.
 */
public final class LogitJob {

  private LogitJob() {}

  /**
   * Runs the job and exits with its code.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    int rc = run(args, System.out, System.err);
    System.out.flush();
    System.err.flush();
    System.exit(rc);
  }

  /**
   * Runs one command in this JVM (reusing an active SparkSession, if any).
   *
   * @param args the command line, e.g. {@code train --input x.csv --label y --model m}
   * @param out receives results
   * @param err receives progress lines and errors
   * @return the exit code: 0 success, 1 failure, 2 invalid input
   */
  static int run(String[] args, PrintStream out, PrintStream err) {
    boolean debug = Arrays.asList(args).contains("--debug");
    try {
      JobLogging.configure();
      if (args.length == 0) {
        err.print(Usage.GENERAL);
        return 2;
      }
      return dispatch(args[0], Arrays.copyOfRange(args, 1, args.length), out, err);
    } catch (UsageException e) {
      err.println("error: " + Errors.oneLine(e.getMessage()));
      if (debug) {
        e.printStackTrace(err);
      }
      return 2;
    } catch (Throwable t) {
      err.println("error: " + Errors.describe(t)
          + (debug ? "" : " (add --debug for the stack trace)"));
      if (debug) {
        t.printStackTrace(err);
      }
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static int dispatch(String cmd, String[] rest, PrintStream out, PrintStream err)
      throws Exception {
    List<String> restList = Arrays.asList(rest);
    boolean help = restList.contains("--help") || restList.contains("-h");
    switch (cmd) {
      case "help":
      case "--help":
      case "-h":
        out.print(rest.length == 0 ? Usage.GENERAL : usageOf(rest[0]));
        return 0;
      case "train":
        if (help) {
          break;
        }
        return TrainCommand.run(TrainOptions.parse(
            CliArgs.parse(cmd, rest, TrainOptions.OPTIONS, TrainOptions.SWITCHES)), out, err);
      case "predict":
        if (help) {
          break;
        }
        return PredictCommand.run(
            CliArgs.parse(cmd, rest, PredictCommand.OPTIONS, PredictCommand.SWITCHES), out);
      case "evaluate":
        if (help) {
          break;
        }
        return EvaluateCommand.run(
            CliArgs.parse(cmd, rest, EvaluateCommand.OPTIONS, EvaluateCommand.SWITCHES), out);
      default:
        throw new UsageException("unknown command '" + cmd + "'; the commands are train, "
            + "predict, evaluate and help");
    }
    out.print(usageOf(cmd));
    return 0;
  }

  private static String usageOf(String cmd) {
    switch (cmd) {
      case "train":
        return Usage.TRAIN;
      case "predict":
        return Usage.PREDICT;
      case "evaluate":
        return Usage.EVALUATE;
      default:
        throw new UsageException("no help for '" + cmd + "'; the commands are train, predict, "
            + "evaluate");
    }
  }
}
