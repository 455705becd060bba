package io.github.eventbus;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Collects the outcomes of one tracked publish and completes its future when the last subscriber's
 * delivery is final. Each index is written by one thread at a time (its delivery's current owner).
 */
final class Tracker {

  private final Event<?> event;
  private final Subscriber[] targets;
  private final SubscriberOutcome[] outcomes;
  private final long[] nanos;
  private final AtomicInteger remaining;
  final CompletableFuture<DeliveryReport> future = new CompletableFuture<>();

  Tracker(Event<?> event, Subscriber[] targets) {
    this.event = event;
    this.targets = targets;
    this.outcomes = new SubscriberOutcome[targets.length];
    this.nanos = new long[targets.length];
    this.remaining = new AtomicInteger(targets.length);
    if (targets.length == 0) {
      future.complete(new DeliveryReport(event, java.util.List.of()));
    }
  }

  void addTime(int index, long elapsedNanos) {
    nanos[index] += elapsedNanos;
  }

  void finish(int index, DeliveryStatus status, int attempts, Throwable failure, String reason) {
    outcomes[index] = new SubscriberOutcome(targets[index].name, status, attempts,
        Duration.ofNanos(nanos[index]), failure, reason);
    if (remaining.decrementAndGet() == 0) {
      // The atomic decrement orders every earlier write of `outcomes` before this read.
      future.complete(new DeliveryReport(event, Arrays.asList(outcomes.clone())));
    }
  }
}
