package io.github.eventbus;

/** One queued attempt to hand an event to one subscriber. */
final class Delivery {

  final Event<?> event;
  final TypeStats stats;
  final int attempt;
  final long firstAttemptMillis; // by the bus clock; meaningful from the second attempt on

  Delivery(Event<?> event, TypeStats stats, int attempt, long firstAttemptMillis) {
    this.event = event;
    this.stats = stats;
    this.attempt = attempt;
    this.firstAttemptMillis = firstAttemptMillis;
  }
}
