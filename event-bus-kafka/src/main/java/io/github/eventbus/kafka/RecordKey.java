package io.github.eventbus.kafka;

import io.github.eventbus.Event;

/**
 * Chooses the key of the Kafka record an event becomes. Records with one key go to one partition,
 * so the key decides what stays in order across processes: events of one key keep their publish
 * order end to end, events of different keys may interleave.
 *
 * <pre>{@code
 * KafkaBridge.builder(bus).key(RecordKey.correlationId());          // a conversation stays in order
 * KafkaBridge.builder(bus).key(event -> ((Order) event.payload()).customerId());
 * }</pre>
 *
 * <p><b>Thread-safety:</b> implementations must be thread-safe: the bridge calls them from the
 * bus's delivering threads.
 */
@FunctionalInterface
public interface RecordKey {

  /**
   * Returns the key for an event.
   *
   * @param event the event being sent
   * @return the key, or {@code null} for a record without a key (the producer spreads such records
   *     over partitions, so they keep no order among themselves)
   */
  String keyOf(Event<?> event);

  /**
   * Keys by correlation id; events without one get no key. The default.
   *
   * @return the strategy
   */
  static RecordKey correlationId() {
    return event -> event.metadata().correlationId().orElse(null);
  }

  /**
   * Keys by type name, so that all events of a type keep their order (and share one partition).
   *
   * @return the strategy
   */
  static RecordKey type() {
    return Event::type;
  }
}
