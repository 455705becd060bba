package io.github.eventbus.webhooks.outside;

import static io.github.eventbus.TestFiles.replaceWithFile;
import static io.github.eventbus.webhooks.outside.WebhookClientPromisesTest.awaitAll;
import static io.github.eventbus.webhooks.outside.WebhookClientPromisesTest.message;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.RetryPolicy;
import io.github.eventbus.webhooks.DeliveryListener;
import io.github.eventbus.webhooks.DeliveryOutcome;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookDelivery;
import io.github.eventbus.webhooks.WebhookMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of the client's outbox, from the outside: real files in a temporary folder. */
class OutboxPromisesTest {

  private static WebhookClient client(Path outbox, DeliveryListener... listeners) {
    WebhookClient.Builder b = WebhookClient.builder().secret("s").outbox(outbox)
        .retry(RetryPolicy.none());
    for (DeliveryListener l : listeners) {
      b.listener(l);
    }
    return b.build();
  }

  @Test
  void anIdDeadForTwoEndpoints_isRedrivenToEach_andThenNoLongerDead(@TempDir Path dir)
      throws Exception {
    Path outbox = dir.resolve("outbox.jsonl");
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(422, 422, 200)) {
      WebhookMessage m = message("dead-twice");
      try (WebhookClient first = client(outbox)) {
        WebhookDelivery a = first.send(endpoint.uri("/a"), m).get(20, TimeUnit.SECONDS);
        WebhookDelivery b = first.send(endpoint.uri("/b"), m).get(20, TimeUnit.SECONDS);
        assertThat(List.of(a.outcome(), b.outcome())).containsOnly(DeliveryOutcome.REJECTED);
        assertThat(first.deadDeliveryIds()).contains("dead-twice");
      }
      try (WebhookClient next = client(outbox)) {
        assertThat(next.resumed()).isEmpty();
        assertThat(next.deadDeliveryIds()).contains("dead-twice");
        List<CompletableFuture<WebhookDelivery>> redriven = next.redrive("dead-twice");
        assertThat(redriven).hasSize(2);
        awaitAll(redriven);
        assertThat(redriven).extracting(f -> f.join().endpoint().getPath())
            .containsExactlyInAnyOrder("/a", "/b");
        assertThat(redriven).allSatisfy(f -> assertThat(f.join().outcome())
            .isEqualTo(DeliveryOutcome.DELIVERED));
        assertThat(next.deadDeliveryIds()).isEmpty();
      }
      try (WebhookClient last = client(outbox)) {
        assertThat(last.resumed()).isEmpty();
        assertThat(last.deadDeliveryIds()).isEmpty();
      }
      assertThat(endpoint.arrived.get()).isEqualTo(4);
    }
  }

  /** Two threads re-driving the same dead id at once: each dead delivery is sent again once. */
  @Test
  void concurrentRedrivesOfOneId_sendEachDeadDeliveryOnce(@TempDir Path dir) throws Exception {
    int ids = 40;
    int[] statuses = new int[ids + 1];
    java.util.Arrays.fill(statuses, 422);
    statuses[ids] = 200;
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(statuses);
        WebhookClient client = client(dir.resolve("outbox.jsonl"))) {
      for (int i = 0; i < ids; i++) {
        assertThat(client.send(endpoint.uri("/r"), message("race-" + i)).get(20, TimeUnit.SECONDS)
            .outcome()).isEqualTo(DeliveryOutcome.REJECTED);
      }
      List<CompletableFuture<WebhookDelivery>> redriven = new CopyOnWriteArrayList<>();
      for (int i = 0; i < ids; i++) {
        String id = "race-" + i;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Thread> racers = new java.util.ArrayList<>();
        for (int t = 0; t < 2; t++) {
          Thread racer = new Thread(() -> {
            try {
              go.await();
              redriven.addAll(client.redrive(id));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }, "redrive-racer-" + t);
          racer.start();
          racers.add(racer);
        }
        go.countDown();
        for (Thread racer : racers) {
          racer.join(20_000);
        }
      }
      awaitAll(redriven);
      assertThat(redriven).hasSize(ids);
      assertThat(endpoint.arrived.get()).isEqualTo(2 * ids);
      assertThat(client.deadDeliveryIds()).isEmpty();
    }
  }

  @Test
  void aGoneDelivery_isNeitherResumedNorKeptForRedrive(@TempDir Path dir) throws Exception {
    Path outbox = dir.resolve("outbox.jsonl");
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(410)) {
      try (WebhookClient first = client(outbox)) {
        WebhookDelivery d = first.send(endpoint.uri("/gone"), message("g1"))
            .get(20, TimeUnit.SECONDS);
        assertThat(d.outcome()).isEqualTo(DeliveryOutcome.GONE);
        assertThat(first.deadDeliveryIds()).isEmpty();
      }
      try (WebhookClient next = client(outbox)) {
        assertThat(next.resumed()).isEmpty();
        assertThat(next.deadDeliveryIds()).isEmpty();
        assertThat(next.redrive("g1")).isEmpty();
      }
    }
  }

  @Test
  void accepted_withAnOutbox_comesWhenTheRecordIsInTheFile(@TempDir Path dir) throws Exception {
    Path outbox = dir.resolve("outbox.jsonl");
    List<Boolean> recordPresent = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> heard = new CompletableFuture<>();
    DeliveryListener listener = new DeliveryListener() {
      @Override
      public void accepted(WebhookMessage message, URI endpoint) {
        try {
          recordPresent.add(new String(Files.readAllBytes(outbox), StandardCharsets.UTF_8)
              .contains(message.id()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          heard.complete(null);
        }
      }
    };
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(200);
        WebhookClient client = client(outbox, listener)) {
      WebhookDelivery d = client.send(endpoint.uri("/a"), message("durable-1"))
          .get(20, TimeUnit.SECONDS);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      heard.get(20, TimeUnit.SECONDS);
    }
    assertThat(recordPresent).containsExactly(true);
  }

  /**
   * The outbox's and the attempt log's directories blocked by files: the delivery goes ahead (the
   * record's fsync never holds up an attempt), each failure reaches the write-error handler and
   * the counts, {@code accepted} waits; once the way is clear, the record, {@code accepted} and
   * the log line all follow.
   */
  @Test
  void blockedOutboxAndAttemptLog_tellTheWriteErrorHandler_countFailures_thenCatchUp(
      @TempDir Path dir) throws Exception {
    Path boxDir = dir.resolve("box");
    Path logDir = dir.resolve("attempts");
    BlockingQueue<Path> failed = new LinkedBlockingQueue<>();
    CompletableFuture<String> accepted = new CompletableFuture<>();
    DeliveryListener listener = new DeliveryListener() {
      @Override
      public void accepted(WebhookMessage message, URI endpoint) {
        accepted.complete(message.id());
      }
    };
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(200)) {
      try (WebhookClient client = WebhookClient.builder().secret("s").retry(RetryPolicy.none())
          .outbox(boxDir.resolve("outbox.jsonl")).attemptLog(logDir.resolve("attempts.jsonl"))
          .listener(listener).writeErrorHandler((file, problem, cause) -> failed.add(file))
          .build()) {
        // The outbox restores its file even while idle: replaceWithFile retries that race.
        replaceWithFile(boxDir, "in the way");
        replaceWithFile(logDir, "in the way");
        WebhookDelivery d = client.send(endpoint.uri("/a"), message("b-1"))
            .get(20, TimeUnit.SECONDS);
        assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);

        awaitFailure(failed, boxDir);
        awaitFailure(failed, logDir);
        assertThat(client.outboxStats()).hasValueSatisfying(stats -> {
          assertThat(stats.failedWrites()).isPositive();
          assertThat(stats.pending()).as("the pending record, maybe its done record").isPositive();
        });
        assertThat(client.attemptLogStats()).hasValueSatisfying(stats -> {
          assertThat(stats.failedWrites()).isPositive();
          assertThat(stats.pending()).isEqualTo(1);
        });
        assertThat(accepted).as("not durable yet").isNotDone();

        Files.delete(boxDir);
        Files.delete(logDir);
        assertThat(accepted.get(20, TimeUnit.SECONDS)).isEqualTo("b-1");
        client.flushLog();
        assertThat(Files.readAllLines(logDir.resolve("attempts.jsonl"))).singleElement()
            .satisfies(line -> assertThat(line).contains("\"b-1\"", "\"delivered\""));
        assertThat(client.attemptLogStats()).hasValueSatisfying(
            stats -> assertThat(stats.pending()).isZero());
      }
      try (WebhookClient next = client(boxDir.resolve("outbox.jsonl"))) {
        assertThat(next.resumed()).as("its done record reached the file").isEmpty();
        assertThat(next.deadDeliveryIds()).isEmpty();
      }
      assertThat(endpoint.arrived.get()).isEqualTo(1);
    }
  }


  /** Waits until a failure under {@code under} is reported, skipping others. */
  private static void awaitFailure(BlockingQueue<Path> failed, Path under)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      Path file = failed.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      assertThat(file).as("a failure reported under %s", under).isNotNull();
      if (file.startsWith(under)) {
        return;
      }
    }
  }
}
