package io.github.stablelogit.cli;

/**
 * A problem the user can fix at the command line (bad option, missing file or column, unusable
 * label, existing model directory): {@link LogitJob} prints its message as one line and exits 2.
 */
final class UsageException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }

  UsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
