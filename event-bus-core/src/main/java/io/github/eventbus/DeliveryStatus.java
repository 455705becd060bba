package io.github.eventbus;

/**
 * What finally happened to one subscriber's delivery of a tracked publish, in a
 * {@link SubscriberOutcome}.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum DeliveryStatus {

  /** The handler returned normally, on the first attempt or a retry. */
  DELIVERED,

  /** The handler failed on every attempt its retry policy allowed; a {@link DeadLetter} was made. */
  DEAD_LETTERED,

  /** The subscription's filter rejected the event; the handler was not called. */
  FILTERED,

  /** An {@link EventInterceptor} vetoed the delivery; the reason is in the outcome. */
  VETOED,

  /** The queue was full under {@link BackpressurePolicy#DROP}; a {@link DeadLetter} was made. */
  DROPPED,

  /**
   * The bus closed before the delivery could be made, or a user's executor refused to run it; a
   * {@link DeadLetter} was made, whose cause says which.
   */
  UNDELIVERED,

  /** The subscription was closed before the delivery was made. */
  UNSUBSCRIBED,

  /**
   * The handler (or its filter) threw an {@link Error}: not a failure to retry or dead-letter. The
   * Error went to the exception handler and then to the worker thread's uncaught-exception
   * handler; see the package guide.
   */
  ERROR
}
