package io.github.eventbus.internal;

import io.github.eventbus.EventBus;
import io.github.eventbus.RejectedEventException;

/**
 * What an {@link Error} thrown out of a bus's {@code publish} says of the event, for code that
 * publishes on a user's behalf and must know whether the bus took it (a Kafka record to commit, a
 * webhook to answer 202). The bus throws an Error from user code (an interceptor, a handler run
 * inline) only once it is done with the event: the event was accepted, unless the bus's refusal
 * rides along suppressed in it. Not part of the API.
 *
 * <p><b>Thread-safety:</b> immutable.
 */
public enum PublishError {
  /** The bus took the event; the Error is user code's. */
  ACCEPTED,
  /** The bus refused the event ({@link RejectedEventException} suppressed in the Error). */
  REFUSED,
  /** The bus was closed (its {@link IllegalStateException} suppressed in the Error). */
  BUS_CLOSED;

  /**
   * Reads an Error thrown by {@code bus.publish} (or a variant).
   *
   * @param error what publish threw
   * @param bus the bus it was published on
   * @return what became of the event
   */
  public static PublishError of(Error error, EventBus bus) {
    for (Throwable suppressed : error.getSuppressed()) {
      if (suppressed instanceof RejectedEventException) {
        return REFUSED;
      }
      if (suppressed instanceof IllegalStateException && bus.isClosed()) {
        return BUS_CLOSED;
      }
    }
    return ACCEPTED;
  }
}
