package io.github.eventbus;

/**
 * The root of the unchecked exceptions thrown by event-bus. Subclasses exist only for outcomes a
 * caller acts on, such as {@link RejectedEventException}.
 *
 * <p><b>Thread-safety:</b> instances are immutable once thrown.
 */
public class EventBusException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong and, where possible, how to fix it
   */
  public EventBusException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what went wrong and, where possible, how to fix it
   * @param cause the underlying failure
   */
  public EventBusException(String message, Throwable cause) {
    super(message, cause);
  }
}
