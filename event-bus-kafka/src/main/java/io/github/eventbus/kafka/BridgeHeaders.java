package io.github.eventbus.kafka;

/**
 * Names of the Kafka record headers the bridge writes, and of the metadata header it adds to
 * events that came from Kafka. Values are UTF-8 strings. A consumer that does not use the bridge
 * can route on them without parsing the value. A lone surrogate (which UTF-8 cannot encode; an id
 * may hold one through a JSON escape) is written as {@code ?} in a header and in the key, so two
 * ids that differ only there share their header value; the record's value keeps each exactly.
 *
 * <p><b>Thread-safety:</b> constants only.
 */
public final class BridgeHeaders {

  /** Record header: the event's id. */
  public static final String EVENT_ID = "event_id";

  /** Record header: the event's type name. */
  public static final String TYPE = "type";

  /** Record header: the event's source. */
  public static final String SOURCE = "source";

  /** Record header: the event's correlation id; absent when it has none. */
  public static final String CORRELATION_ID = "correlation_id";

  /**
   * Record header: the version of the value's format,
   * {@link io.github.eventbus.audit.AuditFormat#VERSION}.
   */
  public static final String FORMAT_VERSION = "format_version";

  /**
   * Record header: the instance id of the bridge that produced the record; a bridge never delivers
   * its own records back to its bus.
   */
  public static final String BRIDGE = "eventbus_bridge";

  /**
   * Metadata header of an event that a bridge received from Kafka, valued
   * {@code topic/partition/offset}. Such events are never produced back to Kafka, so that bridged
   * processes cannot loop an event between them; see {@link #ORIGIN_ID}.
   */
  public static final String ORIGIN = "kafka.origin";

  /**
   * Metadata header of an event that a bridge received from Kafka: that event's own id. An event
   * counts as received from Kafka, and is not produced, when this header equals its id. A new
   * event published with a received event's metadata (to keep its correlation id, say) copies
   * both headers but has an id of its own, so it is produced like any other.
   */
  public static final String ORIGIN_ID = "kafka.origin_id";

  private BridgeHeaders() {}
}
