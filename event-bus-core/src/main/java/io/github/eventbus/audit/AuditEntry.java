package io.github.eventbus.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One line of an audit log, as read by {@link AuditReader}. Turn it back into an event with
 * {@link AuditReader#toEvent(AuditEntry)}.
 *
 * <p><b>Thread-safety:</b> immutable (do not modify {@code data}).
 *
 * @param eventId the event's id
 * @param type the event's type name
 * @param timestamp when the event was stamped
 * @param source the event's source
 * @param correlationId the correlation id, or {@code null}
 * @param headers the metadata headers
 * @param data the payload as JSON; a decimal is a {@code DoubleNode} if a {@code double} holds
 *     it as written, otherwise a {@code DecimalNode} (see {@link AuditFormat})
 * @param file the file the line was read from; {@code null} for text decoded by
 *     {@link AuditFormat#decode(String)}
 * @param line the line's number in that file, from 1; 0 when there is no file
 */
public record AuditEntry(
    String eventId, String type, Instant timestamp, String source, String correlationId,
    Map<String, String> headers, JsonNode data, Path file, long line) {

  /**
   * Checks and copies the components.
   *
   * @param eventId the event's id
   * @param type the event's type name
   * @param timestamp when the event was stamped
   * @param source the event's source
   * @param correlationId the correlation id, or {@code null}
   * @param headers the metadata headers
   * @param data the payload as JSON
   * @param file the file the line was read from; {@code null} for text decoded by {@link AuditFormat#decode(String)}
   * @param line the line's number in that file, from 1; 0 when there is no file
   * @throws NullPointerException if a component other than {@code correlationId} is null
   */
  public AuditEntry {
    requireNonNull(eventId, "eventId");
    requireNonNull(type, "type");
    requireNonNull(timestamp, "timestamp");
    requireNonNull(source, "source");
    headers = Map.copyOf(headers);
    requireNonNull(data, "data");
  }

  /**
   * Returns the correlation id.
   *
   * @return the correlation id, if the event had one
   */
  public Optional<String> correlation() {
    return Optional.ofNullable(correlationId);
  }
}
