package io.github.eventbus.webhooks;

import java.nio.file.Path;
import java.util.List;

/**
 * Keeps the outbox in step with the deliveries: records each accepted one before its first
 * attempt, marks it done when delivered or gone and dead when exhausted, and leaves an abandoned
 * one pending for the next client. Without an outbox file, every call does nothing.
 */
final class OutboxRecords implements AutoCloseable {

  private final Outbox outbox; // null: deliveries are kept in memory only

  OutboxRecords(Path file) {
    this.outbox = file == null ? null : new Outbox(file);
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

  /** Records an accepted delivery; returns once it is on disk. */
  void accepted(OutgoingDelivery d) {
    if (outbox != null) {
      outbox.pending(d.outboxEntry());
    }
  }

  /** Records how a delivery ended. */
  void finished(OutgoingDelivery d, DeliveryOutcome outcome) {
    if (outbox == null) {
      return;
    }
    switch (outcome) {
      case DELIVERED, GONE -> outbox.done(Outbox.key(d.message.id(), d.endpoint));
      case EXHAUSTED -> outbox.dead(d.outboxEntry());
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
