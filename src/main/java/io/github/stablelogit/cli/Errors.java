package io.github.stablelogit.cli;

import java.util.LinkedHashSet;
import java.util.Set;

/** One-line descriptions of failures, for the job's {@code error:} line. */
final class Errors {

  private Errors() {}

  /** One line: the first line of the message, whitespace collapsed. */
  static String oneLine(String message) {
    if (message == null) {
      return "(no message)";
    }
    String first = message.strip();
    int nl = first.indexOf('\n');
    if (nl >= 0) {
      first = first.substring(0, nl);
    }
    return first.replaceAll("\\s+", " ").strip();
  }

  /** The first line of the message, or of the exception's name when it has none. */
  static String oneLine(Throwable t) {
    return oneLine(t.getMessage() != null ? t.getMessage() : t.toString());
  }

  /** The root cause's class and first message line: what went wrong, without the stack. */
  static String describe(Throwable t) {
    return rootOf(t).getClass().getSimpleName() + ": " + rootMessage(t);
  }

  /** The first line of the root cause's message (or of the outermost one's, if it has none). */
  static String rootMessage(Throwable t) {
    Throwable root = rootOf(t);
    return oneLine(root.getMessage() != null ? root.getMessage() : t.getMessage());
  }

  private static Throwable rootOf(Throwable t) {
    Throwable root = t;
    Set<Throwable> seen = new LinkedHashSet<>();
    while (root.getCause() != null && seen.add(root)) {
      root = root.getCause();
    }
    return root;
  }
}
