package io.github.eventbus;

import java.util.concurrent.RejectedExecutionException;

/**
 * Reads whatever an executor throws from {@code execute} as a refusal: it did not take the task,
 * whether it said so ({@link RejectedExecutionException}), failed otherwise, or could not make a
 * thread (an Error). Not instantiable.
 */
final class ExecutorRefusal {

  private ExecutorRefusal() {}

  /** The refusal itself, or one that names and carries the failure. */
  static RejectedExecutionException of(Throwable failure) {
    return failure instanceof RejectedExecutionException refusal ? refusal
        : new RejectedExecutionException(failure.toString(), failure);
  }
}
