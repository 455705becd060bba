package io.github.eventbus.audit;

import io.github.eventbus.EventBusException;

/**
 * Thrown by a publish whose audit log acknowledges writes ({@link AuditLog.Builder#acknowledge})
 * when the event's line could not be written in time. The event was not delivered.
 *
 * <p><b>Thread-safety:</b> immutable once thrown.
 */
public final class AuditLogException extends EventBusException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed
   * @param cause why
   */
  public AuditLogException(String message, Throwable cause) {
    super(message, cause);
  }
}
