package io.github.stablelogit.ml;

/**
 * Thrown by {@code fit} when the objective or its gradient stops being finite during optimization:
 * the message says at which iteration, the last finite objective, and what to try. A fit never
 * returns NaN or infinite coefficients instead.
 */
public final class NonFiniteObjectiveException extends ArithmeticException {

  private static final long serialVersionUID = 1L;

  /** @param message what happened and what to try */
  public NonFiniteObjectiveException(String message) {
    super(message);
  }

  /** The public form of the optimizer's exception: the same message, the cause kept. */
  static NonFiniteObjectiveException of(RuntimeException optimizerException) {
    NonFiniteObjectiveException pub =
        new NonFiniteObjectiveException(optimizerException.getMessage());
    pub.initCause(optimizerException);
    return pub;
  }
}
