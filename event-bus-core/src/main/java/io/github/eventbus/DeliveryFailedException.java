package io.github.eventbus;

/**
 * Thrown by {@link EventBus#publishSyncFailFast(Object)} when a handler throws: the remaining
 * subscribers were not called, and nothing was retried or dead-lettered, so that the publisher can
 * roll back, as a transaction would. The handler's exception is the cause.
 *
 * <p><b>Thread-safety:</b> immutable once thrown.
 */
public final class DeliveryFailedException extends EventBusException {

  private static final long serialVersionUID = 1L;

  /** The name of the subscription whose handler failed; part of the serialized form. */
  private final String subscriber;

  /**
   * Creates the exception.
   *
   * @param subscriber the name of the subscription whose handler failed
   * @param eventId the event's id
   * @param cause the handler's exception
   */
  public DeliveryFailedException(String subscriber, String eventId, Throwable cause) {
    super("subscriber '" + subscriber + "' failed on event " + eventId + ": " + cause, cause);
    this.subscriber = subscriber;
  }

  /**
   * Returns the subscription whose handler failed.
   *
   * @return its name
   */
  public String subscriber() {
    return subscriber;
  }
}
