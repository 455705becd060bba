package io.github.eventbus.webhooks;

import static io.github.eventbus.webhooks.RawHttp.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import io.github.eventbus.ManualScheduler;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.webhooks.ScriptedServer.Reply;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adversarial probes of the webhook client and its outbox: unlucky endpoints (stalled, answering
 * Retry-After in each HTTP-date form), secrets, close mid-delivery, and damaged outbox files.
 * Every server runs on 127.0.0.1 on an ephemeral port; every wait is bounded.
 */
class WebhookProbeTest extends WebhookProbes {

  // ------------------------------------------------------------------ client

  private static WebhookMessage message(String id) {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("file_change", Map.of("file_path", "/a")))
        .id(id).timestamp(Instant.parse("2026-11-23T09:00:00Z")).source("pm").build());
  }

  /**
   * RFC 9110 5.6.7: "A recipient that parses a timestamp value in an HTTP field MUST accept all
   * three HTTP-date formats". The client promises to honour a Retry-After "as an HTTP-date".
   */
  // Regression: a Retry-After in the obsolete RFC 850 or asctime form, which RFC 9110 requires
  // a recipient to accept, used to be read as unreadable and the backoff used instead.
  @ParameterizedTest
  @ValueSource(strings = {"Mon, 23 Nov 2026 10:02:00 GMT", "Monday, 23-Nov-26 10:02:00 GMT",
      "Mon Nov 23 10:02:00 2026"})
  void retryAfter_inEachHttpDateFormat_setsTheNextDelay(String date) throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    ManualScheduler scheduler = new ManualScheduler(clock);
    ScriptedServer server = closeLater(new ScriptedServer());
    server.script(new Reply(429, Map.of("Retry-After", date), null));
    List<Instant> retryAt = new CopyOnWriteArrayList<>();
    WebhookClient client = closeLater(WebhookClient.builder().secret(SECRET).clock(clock)
        .scheduler(scheduler).jitterSource(() -> 0.0).drainTimeout(Duration.ZERO)
        .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofSeconds(1)).build())
        .listener(new DeliveryListener() {
          @Override
          public void retryScheduled(WebhookMessage m, AttemptResult last, Instant at) {
            retryAt.add(at);
          }
        }).build());

    client.send(server.uri("/hook"), message("evt-date"));
    server.next();
    assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();

    assertThat(retryAt).containsExactly(Instant.parse("2026-11-23T10:02:00Z"));
  }

  // Regression: an endpoint is shown by scheme, host and port only (its path or query may hold a
  // token); the refusal of a non-http scheme or a missing host used to quote the whole URL.
  @ParameterizedTest
  @ValueSource(strings = {"ftp://hooks.example.com/services/T000/B000/TOKEN-xyzzy",
      "http:///services/T000/TOKEN-xyzzy?key=TOKEN-xyzzy", "mailto:TOKEN-xyzzy@example.com"})
  void refusedUrl_exceptionMessage_showsNoPathQueryOrToken(String url) {
    WebhookClient client = closeLater(WebhookClient.builder().secret(SECRET)
        .drainTimeout(Duration.ZERO).build());

    assertThatThrownBy(() -> client.send(URI.create(url), message("evt-url")))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(String.valueOf(e.getMessage())).doesNotContain("TOKEN-xyzzy"));
  }

  @Test
  void secrets_neverInToString_results_deadLetters_attemptLog_orLogLines() throws Exception {
    ScriptedServer server = closeLater(new ScriptedServer());
    server.script(Reply.of(401), Reply.of(500));
    EventBus bus = closeLater(EventBus.builder().executor(Runnable::run).build());
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    Path attempts = dir.resolve("attempts.jsonl");
    List<String> texts = new ArrayList<>();
    try (LogCapture logs = new LogCapture(WebhookClient.class)) {
      logs.enable(Level.DEBUG);
      WebhookClient client = WebhookClient.builder().secret(SECRET).secret("raw-second-secret")
          .retry(RetryPolicy.builder().maxAttempts(1).build()).attemptLog(attempts)
          .deadLetters(bus).drainTimeout(Duration.ofSeconds(5)).build();
      texts.add(client.toString());
      WebhookDelivery rejected = client.send(server.uri("/a"), message("evt-s1"))
          .get(10, TimeUnit.SECONDS);
      WebhookDelivery exhausted = client.send(server.uri("/b"), message("evt-s2"))
          .get(10, TimeUnit.SECONDS);
      client.close();
      assertThat(rejected.outcome()).isEqualTo(DeliveryOutcome.REJECTED);
      assertThat(exhausted.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
      texts.add(rejected.toString());
      texts.add(exhausted.toString());
      texts.add(WebhookSecret.of(SECRET).toString());
      texts.add(WebhookVerifier.builder().secret(SECRET).build().toString());
      for (Level level : List.of(Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR)) {
        texts.addAll(logs.lines(level));
      }
    }
    assertThat(letters).hasSize(2);
    for (DeadLetter l : letters) {
      texts.add(l.toString());
      texts.add(String.valueOf(l.cause()));
    }
    texts.add(Files.readString(attempts));

    assertThat(texts).allSatisfy(t -> assertThat(t).doesNotContain(SECRET_KEY_B64)
        .doesNotContain("raw-second-secret").doesNotContain("MfKQ9r8G"));
  }

  @Test
  void close_whileTheEndpointAcceptsAndNeverAnswers_returnsWithinTheDrain_keepsTheDelivery_andTheNextClientDeliversItOnce()
      throws Exception {
    RawEndpoint endpoint = closeLater(new RawEndpoint());
    Path outbox = dir.resolve("outbox.jsonl");
    WebhookClient first = WebhookClient.builder().secret(SECRET).outbox(outbox)
        .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60))
        .drainTimeout(Duration.ofMillis(300)).build();
    CompletableFuture<WebhookDelivery> sent = first.send(endpoint.uri("/hook"), message("evt-stall"));
    assertThat(endpoint.stalledOnce.await(10, TimeUnit.SECONDS)).isTrue();

    long t0 = System.nanoTime();
    first.close();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(took).isLessThan(Duration.ofSeconds(4)); // drain 0.3 s + thread stops (1 s each)
    assertThat(sent.get(1, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);

    endpoint.stall = false;
    try (WebhookClient second = WebhookClient.builder().secret(SECRET).outbox(outbox).build()) {
      assertThat(second.resumed()).hasSize(1);
      assertThat(second.resumed().get(0).get(10, TimeUnit.SECONDS).outcome())
          .isEqualTo(DeliveryOutcome.DELIVERED);
    }
    try (WebhookClient third = WebhookClient.builder().secret(SECRET).outbox(outbox).build()) {
      assertThat(third.resumed()).isEmpty();
    }
    assertThat(endpoint.ids).containsExactly("evt-stall");
  }

  @Test
  void close_calledFromAListenerOnTheClientsOwnThread_returns_andTheStalledDeliveryIsAbandoned()
      throws Exception {
    RawEndpoint stalled = closeLater(new RawEndpoint());
    ScriptedServer healthy = closeLater(new ScriptedServer());
    CompletableFuture<WebhookClient> self = new CompletableFuture<>();
    CompletableFuture<Duration> closeTook = new CompletableFuture<>();
    EventBus bus = closeLater(EventBus.builder().executor(Runnable::run).build());
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    WebhookClient client = WebhookClient.builder().secret(SECRET).deadLetters(bus)
        .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60))
        .drainTimeout(Duration.ofMillis(300)).listener(new DeliveryListener() {
          @Override
          public void delivered(WebhookMessage m, AttemptResult last, WebhookDelivery result) {
            long t0 = System.nanoTime();
            self.join().close(); // an application that shuts down on its first delivery
            closeTook.complete(Duration.ofNanos(System.nanoTime() - t0));
          }
        }).build();
    self.complete(client);
    try {
      CompletableFuture<WebhookDelivery> stuck = client.send(stalled.uri("/a"), message("evt-a"));
      assertThat(stalled.stalledOnce.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<WebhookDelivery> ok = client.send(healthy.uri("/b"), message("evt-b"));

      assertThat(ok.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(closeTook.get(10, TimeUnit.SECONDS)).isLessThan(Duration.ofSeconds(4));
      assertThat(stuck.get(5, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
      assertThat(letters).singleElement().satisfies(l -> assertThat(l.eventId()).isEqualTo("evt-a"));
      assertThatThrownBy(() -> client.send(healthy.uri("/b"), message("evt-c")))
          .isInstanceOf(IllegalStateException.class);
    } finally {
      client.close();
    }
  }

  // ------------------------------------------------------------------ outbox

  private static String pendingLine(String id, URI endpoint, WebhookMessage m) {
    return "{\"op\":\"pending\",\"key\":\"" + id + " " + endpoint + "\",\"id\":\"" + id
        + "\",\"endpoint\":\"" + endpoint + "\",\"event_type\":\"" + m.eventType()
        + "\",\"body\":\"" + Base64.getEncoder().encodeToString(m.body()) + "\"}\n";
  }

  /** A client on an outbox file; what it resumes is delivered to the scripted server. */
  private List<String> resumeFrom(Path outbox, ScriptedServer server) throws Exception {
    List<String> ids = new ArrayList<>();
    try (WebhookClient client = WebhookClient.builder().secret(SECRET).outbox(outbox).build()) {
      for (CompletableFuture<WebhookDelivery> f : client.resumed()) {
        assertThat(f.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      }
      for (int i = 0; i < client.resumed().size(); i++) {
        ids.add(server.next().headers().get("webhook-id"));
      }
    }
    return ids;
  }

  // Regression: a torn last line that ends inside a multi-byte character used to make the
  // client unbuildable, so the intact delivery before it was never resumed.
  @Test
  void outbox_tornLastLineInsideAUtf8Character_isIgnored_andTheIntactDeliveryResumes()
      throws Exception {
    ScriptedServer server = closeLater(new ScriptedServer());
    URI uri = server.uri("/hook");
    Path outbox = dir.resolve("outbox.jsonl");
    byte[] intact = pendingLine("evt-ok", uri, message("evt-ok")).getBytes(StandardCharsets.UTF_8);
    byte[] torn = "{\"op\":\"pending\",\"key\":\"evt-\u00fc".getBytes(StandardCharsets.UTF_8);
    Files.write(outbox, concat(intact, java.util.Arrays.copyOf(torn, torn.length - 1)));

    assertThat(resumeFrom(outbox, server)).containsExactly("evt-ok");
  }

  // Regression: a record that parses but holds a bad body, endpoint or missing fields used to
  // throw out of build() (or be kept with an empty endpoint), so no other delivery resumed.
  @ParameterizedTest
  @ValueSource(strings = {
      "{\"op\":\"pending\",\"key\":\"k\",\"id\":\"x\",\"endpoint\":\"http://h/\",\"event_type\":\"t\",\"body\":\"%%%\"}",
      "{\"op\":\"pending\",\"key\":\"k\",\"id\":\"x\",\"endpoint\":\"http://h/a b\",\"event_type\":\"t\",\"body\":\"e30=\"}",
      "{\"op\":\"dead\",\"key\":\"k\"}"})
  void outbox_oneDamagedRecord_doesNotKeepTheOtherDeliveriesFromResuming(String damaged)
      throws Exception {
    ScriptedServer server = closeLater(new ScriptedServer());
    URI uri = server.uri("/hook");
    Path outbox = dir.resolve("outbox.jsonl");
    Files.writeString(outbox, pendingLine("evt-a", uri, message("evt-a")) + damaged + "\n"
        + pendingLine("evt-b", uri, message("evt-b")));

    assertThat(resumeFrom(outbox, server)).containsExactlyInAnyOrder("evt-a", "evt-b");
  }

  // Regression: a corrupted record in the middle of the outbox used to be dropped by the
  // compaction without a word; it is now moved to outbox.jsonl.corrupt with one WARN.
  @Test
  void outbox_corruptedRecordInTheMiddle_isReported_notSilentlyCompactedAway() throws Exception {
    ScriptedServer server = closeLater(new ScriptedServer());
    URI uri = server.uri("/hook");
    Path outbox = dir.resolve("outbox.jsonl");
    String lost = pendingLine("evt-lost", uri, message("evt-lost"));
    String corrupted = lost.substring(0, 40) + "\u0000\u0000\u0000" + lost.substring(60);
    Files.writeString(outbox, pendingLine("evt-a", uri, message("evt-a")) + corrupted
        + pendingLine("evt-b", uri, message("evt-b")));

    List<String> warnings;
    List<String> resumed;
    try (LogCapture logs = new LogCapture(WebhookClient.class)) {
      resumed = resumeFrom(outbox, server);
      warnings = logs.lines(Level.WARN);
    }

    assertThat(resumed).containsExactlyInAnyOrder("evt-a", "evt-b");
    assertThat(warnings).as("a WARN line that says a record of the outbox was unreadable")
        .singleElement().satisfies(l -> assertThat(l).containsIgnoringCase("outbox")
            .contains("1 record(s)").doesNotContain("evt-lost"));
    // The unreadable line is kept beside the outbox, not compacted away.
    assertThat(Files.readString(dir.resolve("outbox.jsonl.corrupt"), StandardCharsets.UTF_8))
        .isEqualTo(corrupted);
  }

  @Test
  void outbox_deletedBetweenRuns_startsEmpty_andTruncatedToNothing_too() throws Exception {
    ScriptedServer server = closeLater(new ScriptedServer());
    Path outbox = dir.resolve("gone/outbox.jsonl");
    try (WebhookClient client = WebhookClient.builder().secret(SECRET).outbox(outbox).build()) {
      assertThat(client.send(server.uri("/hook"), message("evt-d")).get(10, TimeUnit.SECONDS)
          .outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    }
    Files.delete(outbox);
    Files.delete(outbox.resolveSibling("outbox.jsonl.lock")); // the one other file it leaves
    Files.delete(outbox.getParent());
    assertThat(resumeFrom(outbox, server)).isEmpty();
    Files.write(outbox, new byte[0]);
    assertThat(resumeFrom(outbox, server)).isEmpty();
    assertThat(server.received).hasSize(1);
  }
}
