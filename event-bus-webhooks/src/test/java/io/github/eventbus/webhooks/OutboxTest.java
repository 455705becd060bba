package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.ManualClock;
import io.github.eventbus.ManualScheduler;
import io.github.eventbus.RetryPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Deliveries survive a client's close and are re-driven, never sent again after success. */
class OutboxTest {

  @TempDir Path dir;
  private final BlockingQueue<String> ids = new LinkedBlockingQueue<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      ids.add(exchange.getRequestHeaders().getFirst("webhook-id"));
      exchange.sendResponseHeaders(failuresLeft.getAndDecrement() > 0 ? 503 : 200, -1);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
  }

  private WebhookClient client(ManualScheduler scheduler, ManualClock clock, int attempts) {
    return WebhookClient.builder().secret("s3cret").clock(clock).scheduler(scheduler)
        .retry(RetryPolicy.builder().maxAttempts(attempts).initialDelay(Duration.ofMinutes(1))
            .jitter(0).build())
        .outbox(dir.resolve("outbox.jsonl")).build();
  }

  private static WebhookMessage message(String id) {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("t", Map.of("n", 1))).id(id)
        .timestamp(Instant.EPOCH).build());
  }

  /** Sends {@code id}, which the server answers 503 (set failuresLeft): left for its retry. */
  private java.util.concurrent.CompletableFuture<WebhookDelivery> sentAndWaitingForItsRetry(
      WebhookClient client, ManualScheduler scheduler, String id) throws Exception {
    var waiting = client.send(uri(), message(id));
    assertThat(ids.poll(10, TimeUnit.SECONDS)).isEqualTo(id); // 503, retry pending
    assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
    return waiting;
  }

  @Test
  void pendingRetryAtClose_isSentByTheNextClient_andNothingTwiceAfterSuccess() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    ManualScheduler scheduler = new ManualScheduler(clock);
    failuresLeft.set(1);
    WebhookClient first = client(scheduler, clock, 5);
    var ok = sentAndWaitingForItsRetry(first, scheduler, "delivered-1");
    var pending = first.send(uri(), message("pending-2"));
    assertThat(ids.poll(10, TimeUnit.SECONDS)).isEqualTo("pending-2"); // 200
    assertThat(pending.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);

    first.close(); // delivered-1 is still waiting for its retry
    assertThat(ok.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);

    ManualScheduler scheduler2 = new ManualScheduler(clock);
    try (WebhookClient second = client(scheduler2, clock, 5)) {
      assertThat(second.resumed()).hasSize(1);
      assertThat(second.resumed().get(0).get(10, TimeUnit.SECONDS).outcome())
          .isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(ids.poll(10, TimeUnit.SECONDS)).isEqualTo("delivered-1");
    }
    try (WebhookClient third = client(new ManualScheduler(clock), clock, 5)) {
      assertThat(third.resumed()).isEmpty(); // both done: nothing is sent again
    }
    assertThat(ids).isEmpty();
  }

  @Test
  void sameMessageSentTwiceToOneEndpoint_theOneLeftPendingIsResumed() throws Exception {
    // Regression: both sends shared one outbox key, so the done of the one delivered ended, on
    // replay, the pending record of the one still waiting for its retry: it was never resumed.
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    ManualScheduler scheduler = new ManualScheduler(clock);
    failuresLeft.set(1);
    WebhookClient first = client(scheduler, clock, 5);
    var waiting = sentAndWaitingForItsRetry(first, scheduler, "twice-1");
    var again = first.send(uri(), message("twice-1"));
    assertThat(again.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(ids.poll(10, TimeUnit.SECONDS)).isEqualTo("twice-1");

    first.close();
    assertThat(waiting.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);

    try (WebhookClient second = client(new ManualScheduler(clock), clock, 5)) {
      assertThat(second.resumed()).as("the send left waiting").singleElement().satisfies(f ->
          assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED));
      assertThat(ids.poll(10, TimeUnit.SECONDS)).isEqualTo("twice-1");
    }
    try (WebhookClient third = client(new ManualScheduler(clock), clock, 5)) {
      assertThat(third.resumed()).isEmpty();
      assertThat(third.deadDeliveryIds()).isEmpty();
    }
    assertThat(ids).isEmpty();
  }

  @Test
  void newKey_isNeverOneUsedBefore_inThisClientOrInTheFile() throws Exception {
    // Regression: numbers began at 1 in each client and skipped only live keys, so a resumed
    // delivery's key, once done, was made again for a new send; the done record, appended after
    // the new pending one, then ended it on replay.
    Path file = dir.resolve("keys.jsonl");
    try (Outbox outbox = new Outbox(file, null)) {
      for (int i = 0; i < 3; i++) {
        String key = outbox.newKey("k", OutboxProbes.ENDPOINT);
        outbox.pending(new Outbox.Entry(key, "k", OutboxProbes.ENDPOINT, "t", new byte[0], false))
            .get(20, TimeUnit.SECONDS);
        if (i > 0) {
          outbox.done(key); // #2 and #3 end; #1 stays pending for the next client
        }
      }
    }
    try (Outbox outbox = new Outbox(file, null)) {
      assertThat(outbox.pending()).extracting(Outbox.Entry::key)
          .containsExactly("k " + OutboxProbes.ENDPOINT + " #1");
      outbox.done("k " + OutboxProbes.ENDPOINT + " #1"); // the resumed delivery ends
      // Above every number the file held when opened (#3, in a done record), never #1 again.
      assertThat(outbox.newKey("k", OutboxProbes.ENDPOINT))
          .isEqualTo("k " + OutboxProbes.ENDPOINT + " #4");
      assertThat(outbox.newKey("k", OutboxProbes.ENDPOINT)).endsWith(" #5");
    }
  }

  @Test
  void newKey_afterHandEditedKeysNearTheEndsOfLong_neitherWrapsNorMeetsThem() throws Exception {
    Path file = dir.resolve("edited-keys.jsonl");
    String prefix = "k " + OutboxProbes.ENDPOINT + " #";
    List<String> edited = List.of(prefix + Long.MAX_VALUE, prefix + Long.MIN_VALUE, prefix + "-1",
        prefix + (Outbox.MAX_NOTED_KEY + 1), prefix + 7);
    try (Outbox outbox = new Outbox(file, null)) {
      for (String key : edited) {
        outbox.pending(new Outbox.Entry(key, "k", OutboxProbes.ENDPOINT, "t", new byte[0], false))
            .get(20, TimeUnit.SECONDS);
      }
    }
    try (Outbox outbox = new Outbox(file, null)) {
      assertThat(outbox.pending()).extracting(Outbox.Entry::key)
          .containsExactlyInAnyOrderElementsOf(edited);
      // Counted up from the highest number noted (7), not from Long.MAX_VALUE into negatives.
      assertThat(outbox.newKey("k", OutboxProbes.ENDPOINT)).isEqualTo(prefix + 8);
    }
  }

  @Test
  void aBodyWhoseBase64PassesJacksonsStringLimit_isResumed_notMovedToCorrupt() throws Exception {
    // 15.5 MB of body is 20.7 million characters of base64 in one JSON string: more than
    // Jackson reads by default, so the record would be written durably and lost on reopening.
    Path file = dir.resolve("large.jsonl");
    byte[] body = new byte[15_500_000];
    new Random(7).nextBytes(body);
    try (Outbox outbox = new Outbox(file, null)) {
      outbox.pending(new Outbox.Entry(OutboxProbes.key("large"), "large", OutboxProbes.ENDPOINT,
          "t", body, false)).get(60, TimeUnit.SECONDS);
    }
    try (Outbox outbox = new Outbox(file, null)) {
      assertThat(outbox.pending()).singleElement().satisfies(e -> {
        assertThat(e.id()).isEqualTo("large");
        assertThat(e.body()).isEqualTo(body);
      });
    }
    assertThat(dir.resolve("large.jsonl.corrupt")).doesNotExist();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void recordsOfAnySize_andCorruptLinesBetween_areReadAcrossPieces(long seed) throws Exception {
    // The file is read 64 KiB at a time: records and line breaks fall anywhere in a piece.
    Random random = new Random(seed);
    Path file = dir.resolve("pieces.jsonl");
    Map<String, String> bodies = new LinkedHashMap<>();
    try (Outbox outbox = new Outbox(file, null)) {
      for (int i = 0; i < 12; i++) {
        String id = "big-" + i;
        String body = "x".repeat(random.nextInt(150_000)) + i;
        bodies.put(id, body);
        outbox.pending(new Outbox.Entry(OutboxProbes.key(id), id, OutboxProbes.ENDPOINT, "t",
            body.getBytes(StandardCharsets.UTF_8), false)).join();
      }
    }
    Files.writeString(file, "{\"op\":\"pending\",\"truncated", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND); // a torn last line
    List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    lines.add(1 + random.nextInt(lines.size() - 1), "not a record");
    Files.writeString(file, String.join("\n", lines), StandardCharsets.UTF_8);

    try (Outbox outbox = new Outbox(file, null)) {
      Map<String, String> read = new LinkedHashMap<>();
      for (Outbox.Entry e : outbox.pending()) {
        read.put(e.id(), new String(e.body(), StandardCharsets.UTF_8));
      }
      assertThat(read).isEqualTo(bodies);
    }
    assertThat(Files.readString(dir.resolve("pieces.jsonl.corrupt"))).isEqualTo("not a record\n");
  }

  @Test
  void exhaustedDelivery_staysDead_andCanBeRedrivenById() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    failuresLeft.set(1);
    try (WebhookClient client = client(new ManualScheduler(clock), clock, 1)) {
      assertThat(client.send(uri(), message("dead-1")).get(10, TimeUnit.SECONDS).outcome())
          .isEqualTo(DeliveryOutcome.EXHAUSTED);
    }
    try (WebhookClient next = client(new ManualScheduler(clock), clock, 1)) {
      assertThat(next.resumed()).isEmpty();
      assertThat(next.deadDeliveryIds()).containsExactly("dead-1");
      var redriven = next.redrive("dead-1");
      assertThat(redriven).singleElement().satisfies(f ->
          assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED));
      assertThat(next.deadDeliveryIds()).isEmpty();
    }
    try (WebhookClient after = client(new ManualScheduler(clock), clock, 1)) {
      assertThat(after.resumed()).as("the re-driven record replaced the dead one").isEmpty();
      assertThat(after.deadDeliveryIds()).isEmpty();
    }
  }

  @Test
  void discardDead_forgetsTheDeadDelivery_forThisClientAndTheNext() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    failuresLeft.set(2);
    try (WebhookClient client = client(new ManualScheduler(clock), clock, 1)) {
      for (String id : List.of("dead-1", "dead-2")) {
        assertThat(client.send(uri(), message(id)).get(10, TimeUnit.SECONDS).outcome())
            .isEqualTo(DeliveryOutcome.EXHAUSTED);
      }
      assertThat(client.discardDead("dead-1")).isEqualTo(1);
      assertThat(client.discardDead("dead-1")).isZero();
      assertThat(client.redrive("dead-1")).isEmpty();
      assertThat(client.deadDeliveryIds()).containsExactly("dead-2");
    }
    try (WebhookClient next = client(new ManualScheduler(clock), clock, 1)) {
      assertThat(next.deadDeliveryIds()).containsExactly("dead-2");
      assertThat(next.resumed()).isEmpty();
    }
    WebhookClient closed = client(new ManualScheduler(clock), clock, 1);
    closed.close();
    assertThatThrownBy(() -> closed.discardDead("dead-2"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void wholeLastRecordWithoutItsLineBreak_isResumed_andATornOneIsDropped() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    failuresLeft.set(1);
    try (WebhookClient client = client(new ManualScheduler(clock), clock, 5)) {
      client.send(uri(), message("cut-short")); // 503: stays pending for a retry
      assertThat(ids.poll(10, TimeUnit.SECONDS)).isEqualTo("cut-short");
    }
    Path outbox = dir.resolve("outbox.jsonl");
    String whole = Files.readString(outbox, StandardCharsets.UTF_8).strip(); // one record
    assertThat(whole).contains("cut-short").doesNotContain("\n");

    Files.writeString(outbox, whole); // the crash fell just before the line break
    try (WebhookClient next = client(new ManualScheduler(clock), clock, 5)) {
      assertThat(next.resumed()).hasSize(1);
      assertThat(next.resumed().get(0).get(10, TimeUnit.SECONDS).outcome())
          .isEqualTo(DeliveryOutcome.DELIVERED);
    }
    assertThat(ids.poll(10, TimeUnit.SECONDS)).isEqualTo("cut-short");

    Files.writeString(outbox, whole.substring(0, whole.length() / 2)); // torn mid-record
    try (WebhookClient next = client(new ManualScheduler(clock), clock, 5)) {
      assertThat(next.resumed()).isEmpty();
    }
    assertThat(dir.resolve("outbox.jsonl.corrupt")).doesNotExist(); // a tear is not corruption
  }
}
