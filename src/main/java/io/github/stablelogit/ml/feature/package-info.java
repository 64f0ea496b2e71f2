/**
 * Feature and label preparation stages for pipelines around {@code LogitClassifier}, e.g. {@link
 * io.github.stablelogit.ml.feature.BinaryLabelMapper}, which turns a two-valued label column into
 * the 0/1 label the classifier trains on.
 */
package io.github.stablelogit.ml.feature;
