package io.github.eventbus;

import io.github.eventbus.jsonl.WriterStats;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A snapshot of an {@link EventBus}'s counters, taken by {@link EventBus#metrics()}.
 *
 * <p>Counters are read one after the other while events flow, so a snapshot of a busy bus is not
 * an atomic cut: {@code delivered} may include a delivery whose {@code published} was not yet
 * counted. Per-type counters are kept for at most {@link EventBusBuilder#maxTrackedTypes(int)}
 * type names; events of further names are counted under the key {@code "(other)"}.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param totals counters over the application's events: every type except the bus's own
 *     {@code bus.dead_letter} ({@link DeadLetter}) and {@code bus.dead_event} ({@link DeadEvent}),
 *     which {@code byType} lists but the totals leave out, so that one failed event is not counted
 *     twice (once as a dead letter, once as a published {@code DeadLetter})
 * @param byType counters per type name, sorted by name, the bus's own types included
 * @param queueDepth deliveries accepted by {@code publish} and not yet finished (including those
 *     waiting for a retry; finished ones leave it in the batches {@link BackpressurePolicy}
 *     describes, so it is exact at quiescence); a delivery's outcome is counted before its place
 *     leaves, so a snapshot that reads zero here holds every outcome
 * @param queueHighWaterMark the largest {@code queueDepth} seen
 * @param auditLog the audit log's counters (lines written, failed writes, unwritten at close), if
 *     the bus has an audit log
 */
public record EventBusMetrics(
    DeliveryStats totals,
    Map<String, DeliveryStats> byType,
    long queueDepth,
    long queueHighWaterMark,
    Optional<WriterStats> auditLog) {

  /**
   * Copies the map into an unmodifiable one sorted by type name.
   *
   * @param totals counters over the application's events
   * @param byType counters per type name
   * @param queueDepth deliveries accepted and not yet finished
   * @param queueHighWaterMark the largest {@code queueDepth} seen
   * @param auditLog the audit log's counters, if the bus has an audit log
   */
  public EventBusMetrics {
    byType = Collections.unmodifiableMap(new TreeMap<>(byType));
  }
}
