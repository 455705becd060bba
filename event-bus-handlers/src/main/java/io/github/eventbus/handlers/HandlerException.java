package io.github.eventbus.handlers;

import io.github.eventbus.EventBusException;

/**
 * The root of the unchecked exceptions of event-bus-handlers.
 *
 * <p><b>Thread-safety:</b> immutable once thrown.
 */
public class HandlerException extends EventBusException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong
   */
  public HandlerException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what went wrong
   * @param cause the underlying failure
   */
  public HandlerException(String message, Throwable cause) {
    super(message, cause);
  }
}
