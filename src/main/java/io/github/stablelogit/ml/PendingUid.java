package io.github.stablelogit.ml;

import java.util.Objects;

/**
 * The uid of a model while Spark's Scala superclass constructors run. Spark's shared-param traits
 * (featuresCol, thresholds, …) create their Params in those constructors and name their parent by
 * calling {@code uid()}, before a Java subclass can assign its own fields; a Scala class assigns
 * its constructor fields first, Java cannot. The subclass therefore passes its uid through
 * {@link #begin} in the argument list of a {@code this(...)} call, answers {@code uid()} with
 * {@link #current()} while its uid field is still null, and calls {@link #end()} right after the
 * superclass constructors returned. Per thread, so concurrent constructions do not interfere.
 */
final class PendingUid {

  private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

  private final String uid;

  private PendingUid(String uid) {
    this.uid = uid;
  }

  /**
   * @param uid the uid of the model about to be constructed on this thread
   * @return a token for the constructor, which must call {@link #end()}
   */
  static PendingUid begin(String uid) {
    CURRENT.set(Objects.requireNonNull(uid, "uid"));
    return new PendingUid(uid);
  }

  /** @return the uid of the model under construction on this thread, or null */
  static String current() {
    return CURRENT.get();
  }

  /** @return the uid, no longer pending on this thread */
  String end() {
    CURRENT.remove();
    return uid;
  }
}
