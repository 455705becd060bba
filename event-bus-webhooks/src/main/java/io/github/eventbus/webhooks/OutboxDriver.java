package io.github.eventbus.webhooks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the outbox's kept deliveries through the runner: resumes those a previous client left
 * pending, re-drives dead ones by id, and reports at close what stays pending for the next
 * client (or, without an outbox, what was abandoned and dead-lettered).
 */
final class OutboxDriver {

  private static final Logger log = LoggerFactory.getLogger(WebhookClient.class);

  private final OutboxRecords outbox;
  private final Path file; // null: no outbox
  private final DeliveryRunner runner;

  OutboxDriver(OutboxRecords outbox, Path file, DeliveryRunner runner) {
    this.outbox = outbox;
    this.file = file;
    this.runner = runner;
  }

  /** Starts again every delivery a previous client left pending. */
  List<CompletableFuture<WebhookDelivery>> resumePending() {
    List<CompletableFuture<WebhookDelivery>> resumed = new ArrayList<>();
    for (Outbox.Entry e : outbox.pending()) {
      resumed.add(runner.accept(e));
    }
    return List.copyOf(resumed);
  }

  /** The ids of rejected and exhausted deliveries kept for re-driving. */
  List<String> deadIds() {
    return outbox.dead().stream().map(Outbox.Entry::id).toList();
  }

  /** Sends each dead delivery of {@code id} again, with a fresh set of attempts. */
  // Synchronized: accepting a delivery records it pending in the outbox before returning, so a
  // second call for the same id, made meanwhile, must not find it still dead and send it again.
  synchronized List<CompletableFuture<WebhookDelivery>> redrive(String id) {
    List<CompletableFuture<WebhookDelivery>> sent = new ArrayList<>();
    for (Outbox.Entry e : outbox.dead()) {
      if (e.id().equals(id)) {
        sent.add(runner.accept(e));
      }
    }
    return sent;
  }

  /** Forgets each dead delivery of {@code id}: recorded done; returns how many. */
  // Synchronized with redrive: a delivery is either sent again or forgotten, never both.
  synchronized int discard(String id) {
    int discarded = 0;
    for (Outbox.Entry e : outbox.dead()) {
      if (e.id().equals(id)) {
        outbox.discard(e);
        discarded++;
      }
    }
    return discarded;
  }

  /** Reports the deliveries a drain of {@code drainTimeout} left unfinished. */
  void reportAbandoned(int abandoned, Duration drainTimeout) {
    if (abandoned > 0 && outbox.enabled()) {
      log.info("Webhook client closed with {} unfinished delivery(ies) after a drain of {}; "
          + "they stay pending in the outbox {} for the next client", abandoned, drainTimeout,
          file);
    } else if (abandoned > 0) {
      log.warn("Webhook client closed with {} unfinished delivery(ies) after a drain of {}; "
          + "without an outbox they are abandoned and dead-lettered", abandoned, drainTimeout);
    }
  }
}
