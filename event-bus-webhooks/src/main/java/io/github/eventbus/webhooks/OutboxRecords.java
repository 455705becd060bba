package io.github.eventbus.webhooks;

import io.github.eventbus.jsonl.WriteErrorHandler;
import io.github.eventbus.jsonl.WriterStats;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Keeps the outbox in step with the deliveries: records each accepted one (its first attempt
 * waits for the record to be on disk, no thread does), marks it done when delivered or gone and
 * dead when rejected or exhausted, and leaves an abandoned one pending for the next client.
 * Without an outbox file, every call does nothing.
 */
final class OutboxRecords implements AutoCloseable {

  private final Outbox outbox; // null: deliveries are kept in memory only

  OutboxRecords(Path file, WriteErrorHandler errors) {
    this.outbox = file == null ? null : new Outbox(file, errors);
  }

  /** The outbox writer's counts; empty without an outbox. */
  Optional<WriterStats> stats() {
    return outbox == null ? Optional.empty() : Optional.of(outbox.stats());
  }

  boolean enabled() {
    return outbox != null;
  }

  /** The deliveries a previous client left pending. */
  List<Outbox.Entry> pending() {
    return outbox == null ? List.of() : outbox.pending();
  }

  /** The exhausted deliveries kept for re-driving. */
  List<Outbox.Entry> dead() {
    return outbox == null ? List.of() : outbox.dead();
  }

  /** The key of a new delivery's records (see {@link Outbox#newKey}); null without an outbox. */
  String newKey(WebhookMessage message, URI endpoint) {
    return outbox == null ? null : outbox.newKey(message.id(), endpoint);
  }

  /** Forgets a dead delivery for good (a done record). */
  void discard(Outbox.Entry dead) {
    outbox.done(dead.key());
  }

  /** Records an accepted delivery; the future completes once the record is on disk. */
  CompletableFuture<Void> accepted(OutgoingDelivery d) {
    return outbox == null ? CompletableFuture.completedFuture(null)
        : outbox.pending(d.outboxEntry());
  }

  /** Records how a delivery ended. */
  void finished(OutgoingDelivery d, DeliveryOutcome outcome) {
    if (outbox == null) {
      return;
    }
    try {
      record(d, outcome);
    } catch (IllegalStateException closedWriter) {
      // only after close, when no delivery is active any more
    }
  }

  private void record(OutgoingDelivery d, DeliveryOutcome outcome) {
    switch (outcome) {
      case DELIVERED, GONE -> outbox.done(d.outboxKey);
      case REJECTED, EXHAUSTED -> outbox.dead(d.outboxEntry());
      case ABANDONED -> { } // stays pending, to resume in the next client
      default -> throw new AssertionError(outcome);
    }
  }

  @Override
  public void close() {
    if (outbox != null) {
      outbox.close();
    }
  }
}
