package io.github.stablelogit.ml;

/**
 * Receives every iteration of a fit on the driver, as it happens: for progress bars, live plots or
 * custom stopping logs. Registered with {@link LogitClassifier#addIterationListener}; not saved.
 */
@FunctionalInterface
public interface IterationListener {

  /**
   * Called once per iteration, the starting point (iteration 0) first, on the thread that runs
   * {@code fit}.
   *
   * @param iteration what the iteration reached
   */
  void onIteration(LogitIteration iteration);
}
