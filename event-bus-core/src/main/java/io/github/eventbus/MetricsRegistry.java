package io.github.eventbus;

import io.github.eventbus.jsonl.WriterStats;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bus's counters: {@link TypeStats} per type name, capped so that a flood of distinct dynamic
 * type names cannot grow memory without bound, and the queue's depth and high-water mark.
 */
final class MetricsRegistry {

  static final String OTHER_TYPES = "(other)";
  /** The bus's own events: listed by type, left out of the totals, which count the user's. */
  static final java.util.Set<String> BUS_TYPES =
      java.util.Set.of(TypeNames.of(DeadLetter.class), TypeNames.of(DeadEvent.class));

  private final ConcurrentHashMap<String, TypeStats> byType = new ConcurrentHashMap<>();
  private final TypeStats other = new TypeStats();
  private final int maxTypes;
  final AtomicLong highWaterMark = new AtomicLong();

  MetricsRegistry(int maxTypes) {
    this.maxTypes = maxTypes;
  }

  TypeStats forType(String type) {
    TypeStats stats = byType.get(type);
    if (stats != null) {
      return stats;
    }
    // The bus's own types are always listed, so that the totals can leave them out.
    if (byType.size() >= maxTypes && !BUS_TYPES.contains(type)) {
      return other;
    }
    return byType.computeIfAbsent(type, t -> new TypeStats());
  }

  void observeDepth(long depth) {
    long high = highWaterMark.get();
    while (depth > high && !highWaterMark.compareAndSet(high, depth)) {
      high = highWaterMark.get();
    }
  }

  /** The counters now, the published counts through {@code inFlight} (see there). */
  EventBusMetrics snapshot(InFlight inFlight, long queueDepth, Optional<WriterStats> audit) {
    java.util.List<TypeStats> all = new java.util.ArrayList<>(byType.values());
    all.add(other);
    Map<TypeStats, Long> published = inFlight.published(all);
    Map<String, DeliveryStats> types = new LinkedHashMap<>();
    byType.forEach((type, stats) -> types.put(type, stats.snapshot(published.get(stats))));
    DeliveryStats others = other.snapshot(published.get(other));
    if (others.published() > 0 || others.deadLettered() > 0 || others.rejected() > 0) {
      types.put(OTHER_TYPES, others);
    }
    java.util.List<DeliveryStats> users = new java.util.ArrayList<>(types.size());
    types.forEach((type, stats) -> {
      if (!BUS_TYPES.contains(type)) {
        users.add(stats);
      }
    });
    return new EventBusMetrics(
        TypeStats.sum(users), types, queueDepth, Math.max(queueDepth, highWaterMark.get()), audit);
  }
}
