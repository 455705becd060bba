package io.github.eventbus.kafka;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.EventType;

/**
 * A Kafka record that is not an event of the bridge's format (not UTF-8, not JSON, not an
 * envelope, an unknown format version, or data that does not fit the registered class). The
 * bridge skips it and publishes a {@link io.github.eventbus.DeadLetter} whose event has this as
 * its payload, so the record can be inspected or repaired; the partition moves on.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param topic the record's topic
 * @param partition the record's partition
 * @param offset the record's offset
 * @param reason why it is not an event (never quotes the value)
 * @param size the value's size in bytes, -1 for a null value
 */
@EventType("kafka.undecodable_record")
public record UndecodableRecord(String topic, int partition, long offset, String reason, int size) {

  /**
   * Checks the components.
   *
   * @param topic the record's topic
   * @param partition the record's partition
   * @param offset the record's offset
   * @param reason why it is not an event
   * @param size the value's size in bytes, -1 for a null value
   * @throws NullPointerException if {@code topic} or {@code reason} is null
   */
  public UndecodableRecord {
    requireNonNull(topic, "topic");
    requireNonNull(reason, "reason");
  }

  /**
   * Returns the record's position as {@code topic/partition/offset}.
   *
   * @return the position
   */
  public String position() {
    return topic + "/" + partition + "/" + offset;
  }
}
