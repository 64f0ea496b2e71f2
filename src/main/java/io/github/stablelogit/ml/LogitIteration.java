package io.github.stablelogit.ml;

import java.io.Serializable;

/**
 * One iteration of a fit, as {@link IterationListener}s receive it and {@link
 * LogitTrainingSummary#iterations()} records it.
 *
 * @param iteration 0 for the starting point
 * @param objective the objective (with the L1 part)
 * @param gradientNorm ‖g‖∞ in the optimizer's (standardized) variables (minimum-norm subgradient
 *     with L1)
 * @param stepSize Euclidean length of the step that led here, in the optimizer's variables
 * @param evaluations objective evaluations so far (passes over the data)
 * @param elapsedSeconds since the optimizer started
 * @param validationLoss mean loss on the validation rows, NaN without a validation set
 */
public record LogitIteration(int iteration, double objective, double gradientNorm,
    double stepSize, int evaluations, double elapsedSeconds, double validationLoss)
    implements Serializable {}
