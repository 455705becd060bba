package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * An event that had no subscriber when it was published.
 *
 * <p>Delivered synchronously on the publishing thread, only to subscribers of {@code DeadEvent}
 * itself; counted in {@link DeliveryStats#deadEvents()} whether or not anyone subscribes.
 *
 * <p><b>JSON.</b> Jackson writes a dead event as {@code {"event_id": "...", "type": "..."}},
 * without the payload.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param event the envelope of the event nobody subscribed to
 */
@EventType("bus.dead_event")
@JsonIgnoreProperties({"event"})
@JsonPropertyOrder({"event_id", "type"})
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

  /**
   * The id of the event nobody subscribed to, for the JSON form.
   *
   * @return {@code event().id()}
   */
  @JsonProperty("event_id")
  public String eventId() {
    return event.id();
  }

  /**
   * The type name of the event nobody subscribed to, for the JSON form.
   *
   * @return {@code event().type()}
   */
  @JsonProperty("type")
  public String type() {
    return event.type();
  }
}
