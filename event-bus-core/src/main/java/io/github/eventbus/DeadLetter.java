package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * An event that a subscriber did not handle: its handler failed on every attempt its
 * {@link RetryPolicy} allowed, the bus dropped it under {@link BackpressurePolicy#DROP}, or the
 * bus closed before it could be delivered.
 *
 * <p>Subscribe to {@code DeadLetter.class} to receive them: they are delivered synchronously, on
 * the thread that gave up on the event, only to subscribers of {@code DeadLetter} itself (never to
 * {@code Object} or {@code *} subscribers, so that a catch-all subscriber cannot loop on them). A
 * failing dead-letter handler is reported to the exception handler and goes no further. Without a
 * subscriber, each dead letter is logged at WARN, because an event was lost to the application.
 *
 * <p>Publishing a {@code DeadLetter} yourself, with {@code publish} or {@code publishSync}, takes
 * the same path: it is delivered synchronously to {@code DeadLetter} subscribers only. One
 * published by a {@code DeadLetter} handler is logged and not delivered, so dead letters never
 * loop. {@code publishAndTrack} of a dead letter takes that path too; its report, complete at
 * once, is about the event that failed ({@link #event()}) and lists no subscriber outcome, since
 * the dead letter's own subscribers are not tracked.
 *
 * <p><b>JSON.</b> Jackson writes a dead letter as one flat object without the payload or a stack
 * trace: {@code {"event_id": "...", "type": "...", "subscriber": "...", "cause_class":
 * "java.io.IOException", "cause_message": "..." , "attempts": 3}} ({@code cause_message} is
 * {@code null} if the cause has no message).
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param event the envelope of the event that was not handled
 * @param subscriber the name of the subscription that did not handle it
 * @param cause why: the handler's last exception, or a {@link RejectedEventException} for a drop
 *     or a close
 * @param attempts how many times the handler was called for it (0 if it never was)
 */
@EventType("bus.dead_letter")
@JsonIgnoreProperties({"event", "cause"})
@JsonPropertyOrder({"event_id", "type", "subscriber", "cause_class", "cause_message", "attempts"})
public record DeadLetter(Event<?> event, String subscriber, Throwable cause, int attempts) {

  /**
   * Checks the components.
   *
   * @param event the envelope of the event that was not handled
   * @param subscriber the name of the subscription that did not handle it
   * @param cause why: the handler's last exception, or a {@link RejectedEventException} for a drop or a close
   * @param attempts how many times the handler was called for it (0 if it never was)
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code attempts} is negative
   */
  public DeadLetter {
    requireNonNull(event, "event");
    requireNonNull(subscriber, "subscriber");
    requireNonNull(cause, "cause");
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must not be negative, but was " + attempts);
    }
  }

  /**
   * The id of the event that was not handled, for the JSON form.
   *
   * @return {@code event().id()}
   */
  @JsonProperty("event_id")
  public String eventId() {
    return event.id();
  }

  /**
   * The type name of the event that was not handled, for the JSON form.
   *
   * @return {@code event().type()}
   */
  @JsonProperty("type")
  public String type() {
    return event.type();
  }

  /**
   * The class of the cause, for the JSON form.
   *
   * @return the cause's class name
   */
  @JsonProperty("cause_class")
  public String causeClass() {
    return cause.getClass().getName();
  }

  /**
   * The cause's message, for the JSON form.
   *
   * @return the message, or {@code null} if it has none
   */
  @JsonProperty("cause_message")
  public String causeMessage() {
    return cause.getMessage();
  }
}
