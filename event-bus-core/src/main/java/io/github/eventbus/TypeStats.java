package io.github.eventbus;

import java.time.Duration;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters of one type name; {@link #snapshot} turns them into {@link DeliveryStats}.
 */
final class TypeStats {

  // Only part of the count: threads count their first type in their own slots (see InFlight).
  final LongAdder published = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder retried = new LongAdder();
  final LongAdder deadLettered = new LongAdder();
  final LongAdder deadEvents = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder dropped = new LongAdder();
  final LongAdder undelivered = new LongAdder();
  final LongAdder vetoed = new LongAdder();
  final LongAdder discarded = new LongAdder();
  private final LongAdder timedCount = new LongAdder();
  private final LongAdder timedNanos = new LongAdder();
  private final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);
  // Synchronous publishes of this type since the last timed one. Kept here, not in a route, so
  // that it survives the routes rebuilt on every subscription change.
  private final SampleCount untimedPublishes = new SampleCount();

  /** Tells whether this synchronous publish of the type is timed: one in every {@code interval}. */
  boolean samplePublish(int interval) {
    return untimedPublishes.next(interval);
  }

  /** Records {@code count} timed deliveries at once: three shared writes, however many. */
  void recordLatencies(int count, long totalNanos, long max) {
    timedCount.add(count);
    timedNanos.add(totalNanos);
    maxNanos.accumulate(max);
  }

  /**
   * The counts now, with the published count given, or, if null (a type the snapshot had not
   * listed: see {@link InFlight#published}), the shared counter's alone.
   */
  DeliveryStats snapshot(Long publishedCount) {
    return new DeliveryStats(
        publishedCount != null ? publishedCount : published.sum(), delivered.sum(),
        failed.sum(), retried.sum(), deadLettered.sum(), deadEvents.sum(), rejected.sum(),
        dropped.sum(), undelivered.sum(), vetoed.sum(), discarded.sum(),
        latency(timedCount.sum(), timedNanos.sum(), maxNanos.get()));
  }

  static HandlerLatency latency(long count, long totalNanos, long max) {
    return count == 0
        ? HandlerLatency.NONE
        : new HandlerLatency(count, Duration.ofNanos(totalNanos / count), Duration.ofNanos(max));
  }

  /** Adds up several snapshots, latency included. */
  static DeliveryStats sum(Iterable<DeliveryStats> all) {
    long[] c = new long[11];
    long count = 0;
    long total = 0;
    long max = 0;
    for (DeliveryStats s : all) {
      c[0] += s.published();
      c[1] += s.delivered();
      c[2] += s.failed();
      c[3] += s.retried();
      c[4] += s.deadLettered();
      c[5] += s.deadEvents();
      c[6] += s.rejected();
      c[7] += s.dropped();
      c[8] += s.undelivered();
      c[9] += s.vetoed();
      c[10] += s.discarded();
      count += s.latency().count();
      total += s.latency().mean().toNanos() * s.latency().count();
      max = Math.max(max, s.latency().max().toNanos());
    }
    return new DeliveryStats(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9],
        c[10], latency(count, total, max));
  }
}
