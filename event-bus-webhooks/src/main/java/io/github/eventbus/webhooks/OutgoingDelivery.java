package io.github.eventbus.webhooks;

import java.net.URI;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One message on its way to one endpoint: what the client knows of it between attempts. One
 * attempt at a time touches the mutable fields.
 */
final class OutgoingDelivery {

  final URI endpoint;
  final WebhookMessage message;
  final EndpointGate gate;
  final String outboxKey; // the key of its outbox records; null without an outbox
  final CompletableFuture<WebhookDelivery> done = new CompletableFuture<>();
  int attempts;
  Instant firstAttempt;
  int lastStatus;
  String lastError;
  volatile Instant retryAt; // due time of the next attempt while waiting for it; else null
  // Its own outbox record, forced or failed; null if it has none (no outbox, or resumed from one).
  volatile CompletableFuture<Void> recorded;
  /** Null while open; {@link #ANSWERED} while an answer is being settled; then the outcome. */
  private final AtomicReference<Object> end = new AtomicReference<>();

  private static final Object ANSWERED = new Object();

  OutgoingDelivery(URI endpoint, WebhookMessage message, EndpointGate gate, String outboxKey) {
    this.endpoint = endpoint;
    this.message = message;
    this.gate = gate;
    this.outboxKey = outboxKey;
  }

  /**
   * Claims the end of this delivery with {@code outcome} for the attempt that owns it (and so may
   * be settling its answer): true for the one caller that ends it.
   */
  boolean claimEnd(DeliveryOutcome outcome) {
    return end.compareAndSet(null, outcome) || end.compareAndSet(ANSWERED, outcome);
  }

  /**
   * Claims the end from outside its attempts (a drain abandoning it): false once it has ended, and
   * while an answer that came is being settled, which then ends it.
   */
  boolean claimEndUnlessAnswered(DeliveryOutcome outcome) {
    return end.compareAndSet(null, outcome);
  }

  /**
   * Marks an answer as come: until {@link #claimEnd} or {@link #reopen}, a drain leaves the
   * delivery to the attempt. False if it had ended already.
   */
  boolean holdAnswer() {
    return end.compareAndSet(null, ANSWERED);
  }

  /** After an answer that calls for another attempt: open again, as while waiting for it. */
  void reopen() {
    end.compareAndSet(ANSWERED, null);
  }

  /**
   * Whether this delivery is under way or will try again by {@code time}: what a drain waits for;
   * a retry counts only if {@code retriesRun}. Reads {@link #retryAt} once, since an attempt
   * starting clears it.
   */
  boolean dueBy(Instant time, boolean retriesRun) {
    Instant at = retryAt;
    return at == null || (retriesRun && !at.isAfter(time));
  }

  /** The outcome this delivery was ended with, or null while it has not ended. */
  DeliveryOutcome endedAs() {
    return end.get() instanceof DeliveryOutcome outcome ? outcome : null;
  }

  /** The result with the given outcome, as the caller's future reports it. */
  WebhookDelivery result(DeliveryOutcome outcome) {
    return new WebhookDelivery(message.id(), endpoint, outcome, attempts, lastStatus, lastError);
  }

  /** The outbox record of this delivery. */
  Outbox.Entry outboxEntry() {
    return new Outbox.Entry(outboxKey, message.id(), endpoint,
        message.eventType(), message.bodyBytes(), false);
  }
}
