package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.internal.LogText;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An outgoing webhook: the library's webhook payload ({@code event_type}, {@code timestamp} in
 * Unix seconds, {@code event_id}, {@code data}, {@code source}), serialised once; the bytes sent
 * are the bytes signed, on every attempt.
 *
 * <p><b>Thread-safety:</b> immutable (the body is copied on access).
 */
public final class WebhookMessage {

  private static final ObjectMapper MAPPER = JsonLinesWriter.defaultMapper();

  private final String id;
  private final String eventType;
  private final byte[] body;
  private final Event<?> event; // null for a message made from bytes

  private WebhookMessage(String id, String eventType, byte[] body, Event<?> event) {
    this.id = id;
    this.eventType = eventType;
    this.body = body;
    this.event = event;
  }

  /**
   * Makes the message of an event envelope.
   *
   * @param event the envelope; its id becomes the webhook id, stable across retries, and must be
   *     printable ASCII without a leading or trailing space: it is sent in a header, which
   *     carries nothing else intact
   * @return the message
   * @throws IllegalArgumentException if the payload cannot be serialised as JSON, or the id is
   *     not printable ASCII (a control character, any other character, or a space at either end)
   */
  public static WebhookMessage of(Event<?> event) {
    requireNonNull(event, "event");
    String id = event.id();
    if (!id.chars().allMatch(c -> c >= 0x20 && c < 0x7F) || id.startsWith(" ")
        || id.endsWith(" ")) {
      // Sent as is, an é becomes ? on the wire (no receiver then verifies the signature over
      // it), and a line break is refused by the HTTP client on every attempt.
      throw new IllegalArgumentException("event id " + LogText.escape(id) + " cannot be"
          + " a webhook id: the webhook-id header carries printable ASCII only, not trimmable");
    }
    Object payload = event.payload();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("event_type", event.type());
    json.put("timestamp", event.timestamp().getEpochSecond());
    json.put("event_id", event.id());
    json.put("data", payload instanceof DynamicEvent d ? d.data() : payload);
    json.put("source", event.source());
    try {
      return new WebhookMessage(event.id(), event.type(), MAPPER.writeValueAsBytes(json), event);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the payload of event " + event.id() + " (" + event.type()
          + ") cannot be serialised as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** A message read back from the outbox: its bytes are sent as they were stored. */
  static WebhookMessage stored(String id, String eventType, byte[] body) {
    return new WebhookMessage(requireNonNull(id, "id"), requireNonNull(eventType, "eventType"),
        requireNonNull(body, "body"), null);
  }

  /**
   * Returns the webhook id.
   *
   * @return the id, the same on every attempt
   */
  public String id() {
    return id;
  }

  /**
   * Returns the event type.
   *
   * @return the type name
   */
  public String eventType() {
    return eventType;
  }

  /**
   * Returns the body.
   *
   * @return a copy of the bytes sent
   */
  public byte[] body() {
    return body.clone();
  }

  byte[] bodyBytes() {
    return body;
  }

  /** The event the message was made from, or a stand-in envelope for one made from bytes. */
  Event<?> event(Instant now) {
    return event != null
        ? event
        : Event.builder(DynamicEvent.of(eventType, Map.of("webhook_id", id))).id(id).timestamp(now)
            .source("webhook-client").build();
  }

  @Override
  public String toString() {
    return "WebhookMessage{" + id + ", " + eventType + ", " + body.length + " bytes}";
  }

}
