/**
 * The Spark ML layer: {@code LogitClassifier} (estimator), {@code LogitClassificationModel}, their
 * shared {@code LogitParams}, the training summary, {@code LogitLossEvaluator} and threshold
 * metrics. Columns and Params follow Spark's LogisticRegression so Pipelines, CrossValidator and
 * BinaryClassificationEvaluator work unchanged.
 */
package io.github.stablelogit.ml;
