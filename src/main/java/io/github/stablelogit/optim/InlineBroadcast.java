package io.github.stablelogit.optim;

import org.apache.spark.broadcast.Broadcast;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * A value that travels inside the job's closure instead of through Spark's broadcast manager: for
 * a job whose closure Spark ships once as its task binary ({@link ExecutorGroups#aggregate}'s
 * direct path), small per-job values such as a few models' coefficients cost nothing to create
 * or destroy, where a real broadcast costs a block-manager write when created and a blocking
 * removal when destroyed, every round. The aggregators read it as they read a broadcast.
 *
 * @param <T> the value's type
 */
final class InlineBroadcast<T> extends Broadcast<T> {

  private static final long serialVersionUID = 1L;
  /** Serialized with the broadcast, as a real broadcast's value would be: a serializable value. */
  @SuppressWarnings("serial")
  private final T inline;

  @SuppressWarnings("unchecked")
  InlineBroadcast(T value) {
    super(-1L, (ClassTag<T>) ClassTag$.MODULE$.apply(Object.class));
    this.inline = value;
  }

  @Override
  public T getValue() {
    return inline;
  }

  @Override
  public void doUnpersist(boolean blocking) {}

  @Override
  public void doDestroy(boolean blocking) {}
}
