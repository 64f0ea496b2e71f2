/**
 * The blocked aggregation and optimizer layer: rows packed once per partition into cached dense or
 * CSR blocks with their statistics ({@code BlockPacker}, {@code InstanceBlock}, {@code
 * DataSummary}), per-block BLAS evaluation of loss and gradient combined with {@code treeAggregate}
 * ({@code BlockAggregator}, {@code LogitObjective}), and breeze L-BFGS / OWL-QN with a
 * gradient-based stopping rule ({@code LogitMinimizer}). Knows nothing of Spark ML Params.
 */
package io.github.stablelogit.optim;
