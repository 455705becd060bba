package io.github.eventbus;

/**
 * Thrown by {@link EventBus#publish(Object)} when the bus's bounded queue is full and the
 * {@link BackpressurePolicy} says to reject ({@link BackpressurePolicy#REJECT}, or
 * {@link BackpressurePolicy#BLOCK} whose timeout elapsed). The event was not accepted: nothing
 * of it was delivered, and the caller may retry, shed load or fail its own request.
 *
 * <p>Also used as the cause of a {@link DeadLetter} for an event dropped under
 * {@link BackpressurePolicy#DROP}.
 *
 * <p><b>Thread-safety:</b> instances are immutable once thrown.
 */
public final class RejectedEventException extends EventBusException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why the event was rejected
   */
  public RejectedEventException(String message) {
    super(message);
  }
}
