package io.github.eventbus.webhooks;

import io.github.eventbus.EventBusException;

/**
 * The root of the unchecked exceptions of event-bus-webhooks.
 *
 * <p><b>Thread-safety:</b> immutable once thrown.
 */
public class WebhookException extends EventBusException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong
   */
  public WebhookException(String message) {
    super(message);
  }
}
