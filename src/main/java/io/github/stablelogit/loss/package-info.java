/**
 * Loss kernels: BCE-with-logits (with posWeight and label smoothing) and sigmoid focal loss, their
 * analytic derivatives and a batch kernel, evaluated from the logit in overflow- and cancellation-free
 * forms. Pure Java, no Spark types; everything here is serializable and immutable.
 */
package io.github.stablelogit.loss;
