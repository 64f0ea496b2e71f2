/**
 * Loss kernels, each concept in one class: BCE-with-logits (with posWeight and label smoothing) and
 * sigmoid focal loss with their analytic derivatives and batch kernels ({@link
 * io.github.stablelogit.loss.LogitLoss}, evaluated from the logit in overflow- and
 * cancellation-free forms), label smoothing ({@link io.github.stablelogit.loss.LabelSmoothing}),
 * the clamped loss of a probability input ({@link io.github.stablelogit.loss.ProbabilityLoss}),
 * the logistic primitives ({@link io.github.stablelogit.loss.StableMath}) and the double-double
 * summation every order-independent sum uses ({@link io.github.stablelogit.loss.CompensatedSum}).
 * Pure Java, no Spark types; everything here is immutable or stateless, and the loss serializable.
 */
package io.github.stablelogit.loss;
