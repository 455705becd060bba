package io.github.eventbus;

import static java.util.Objects.requireNonNull;

/**
 * An event that had no subscriber when it was published.
 *
 * <p>Delivered synchronously on the publishing thread, only to subscribers of {@code DeadEvent}
 * itself; counted in {@link DeliveryStats#deadEvents()} whether or not anyone subscribes.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param event the envelope of the event nobody subscribed to
 */
@EventType("bus.dead_event")
public record DeadEvent(Event<?> event) {

  /**
   * Checks the component.
   *
   * @param event the envelope of the event nobody subscribed to
   * @throws NullPointerException if {@code event} is null
   */
  public DeadEvent {
    requireNonNull(event, "event");
  }
}
