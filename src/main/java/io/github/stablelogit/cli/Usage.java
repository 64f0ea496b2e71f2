package io.github.stablelogit.cli;

/** The help texts of {@link LogitJob}. */
final class Usage {

  private Usage() {}

  static final String GENERAL = String.join("\n",
      "usage: LogitJob <command> [options]",
      "",
      "Trains, applies and evaluates stablelogit binary classifiers (BCE-with-logits, posWeight,",
      "focal loss) on Spark, with feature preparation saved inside the model.",
      "",
      "commands:",
      "  train     fit a model on a CSV, Parquet or LIBSVM file and save it",
      "  predict   write predictions of a saved model",
      "  evaluate  compute metrics of a saved model on labelled data",
      "  help      'help <command>' shows a command's options",
      "",
      "Exit codes: 0 success, 1 failure, 2 invalid input or options (one 'error:' line on stderr).",
      "Add --debug to print the stack trace of a failure.",
      "");

  static final String INPUT = String.join("\n",
      "input:",
      "  --input PATH           a file, directory or glob; local, HDFS or any Hadoop file system",
      "  --format FMT           csv, parquet or libsvm; default from the extension: .csv[.gz] csv,",
      "                         .parquet or a directory parquet, .libsvm/.svm/.txt libsvm.",
      "                         CSV needs a header line; ';', ',' or tab separators are detected.",
      "  --partitions N         repartition the input into N partitions",
      "  --master URL           Spark master; default: the one spark-submit sets, else an",
      "                         embedded local[*] (UI off, bound to 127.0.0.1)",
      "");

  static final String TRAIN = String.join("\n",
      "usage: LogitJob train --input PATH --label COL --model DIR [options]",
      "",
      "Fits a PipelineModel: label mapping to 0/1, string columns one-hot encoded",
      "(StringIndexer + OneHotEncoder, unseen values kept), numeric and vector columns",
      "assembled, then LogitClassifier. Prints one line per optimizer iteration on stderr and",
      "the metrics on stdout.",
      "",
      "data:",
      "  --label COL            label column: numeric 0/1 or -1/+1, boolean, or a string with",
      "                         two values (no/yes, false/true, 0/1, negative/positive, n/y map",
      "                         the obvious way; otherwise the lexicographically larger value is",
      "                         positive). LIBSVM input defaults to 'label'.",
      "  --features COL,COL     feature columns (default: all but label, weight and --drop)",
      "  --drop COL,COL         columns to leave out (e.g. --drop duration)",
      "  --weight COL           instance weight column (numeric, >= 0)",
      "  --test-fraction F      hold out this fraction (0 < F < 1) and report its metrics too",
      "  --seed N               seed of the held-out split (default 42)",
      "",
      INPUT,
      "output:",
      "  --model DIR            where to save the model (written atomically)",
      "  --overwrite            replace an existing DIR (kept intact if anything fails)",
      "  --metrics FILE.json    also write the metrics as JSON",
      "",
      "estimator (LogitClassifier parameters; defaults in brackets):",
      EstimatorFlags.help());

  static final String PREDICT = String.join("\n",
      "usage: LogitJob predict --model DIR --input PATH --output PATH [options]",
      "",
      "Writes 'prediction' (0/1), 'probability' (of class 1) and the input's scalar columns:",
      "Parquet, or a single CSV file with a header when PATH ends with .csv.",
      "",
      INPUT,
      "options:",
      "  --model DIR            a model saved by 'train'",
      "  --output PATH          where to write",
      "  --overwrite            replace an existing output",
      "  --threshold T          use this decision threshold instead of the model's",
      "");

  static final String EVALUATE = String.join("\n",
      "usage: LogitJob evaluate --model DIR --input PATH [--label COL] [options]",
      "",
      "Prints the metrics of a saved model on labelled data (the same table as 'train').",
      "",
      INPUT,
      "options:",
      "  --model DIR            a model saved by 'train'",
      "  --label COL            label column (default: the one the model was trained with)",
      "  --metrics FILE.json    also write the metrics as JSON",
      "  --threshold T          use this decision threshold instead of the model's",
      "");
}
