package io.github.eventbus.kafka;

import io.github.eventbus.EventBusException;

/**
 * The root of the unchecked exceptions of event-bus-kafka: a bridge that cannot be built or
 * started, a record that could not be sent (the cause of its {@link io.github.eventbus.DeadLetter}),
 * or a record that is not an event (likewise).
 *
 * <p><b>Thread-safety:</b> immutable once thrown.
 */
public class KafkaBridgeException extends EventBusException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong
   */
  public KafkaBridgeException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure, such as the Kafka client's exception
   */
  public KafkaBridgeException(String message, Throwable cause) {
    super(message, cause);
  }
}
