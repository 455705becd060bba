package io.github.eventbus.webhooks;

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
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each class of answer from a real local server: what is retried, rejected, gone, logged. */
class RetryClassificationTest {

  private final ScriptedServer server = new ScriptedServer();
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().executor(Runnable::run).build();
  private final WebhookClient client;

  RetryClassificationTest() {
    bus.subscribe(DeadLetter.class, letters::add);
    client = WebhookClient.builder().secret("s3cret").clock(clock).scheduler(scheduler)
        .jitterSource(() -> 0.5)
        .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofSeconds(1)).jitter(0)
            .build())
        .deadLetters(bus).drainTimeout(Duration.ZERO).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
    bus.close();
  }

  private static boolean resolves(String host) {
    try {
      java.net.InetAddress.getAllByName(host);
      return true;
    } catch (java.net.UnknownHostException expected) {
      return false;
    }
  }

  private static WebhookMessage message(String id) {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("t", Map.of("n", 1))).id(id)
        .timestamp(Instant.EPOCH).build());
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 425, 429, 500, 502, 503, 504, 302})
  void retryableStatus_isRetried_thenDelivered(int status) throws Exception {
    server.script(ScriptedServer.Reply.of(status));
    CompletableFuture<WebhookDelivery> f = client.send(server.uri("/hook"), message("r-" + status));
    server.next();
    assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
    scheduler.advance(Duration.ofSeconds(1));
    server.next();
    WebhookDelivery d = f.get(10, TimeUnit.SECONDS);
    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(d.attempts()).isEqualTo(2);
    assertThat(letters).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 401, 403, 404, 405, 409, 413, 422})
  void otherClientError_isRejectedAtOnce_asADeadLetterCarryingTheStatus(int status)
      throws Exception {
    server.script(ScriptedServer.Reply.of(status));
    WebhookDelivery d = client.send(server.uri("/hook"), message("x-" + status))
        .get(10, TimeUnit.SECONDS);
    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.REJECTED);
    assertThat(d.attempts()).isEqualTo(1);
    assertThat(d.lastStatus()).isEqualTo(status);
    assertThat(scheduler.pending()).isZero();
    assertThat(server.received).hasSize(1);
    assertThat(letters).singleElement().satisfies(l -> {
      assertThat(l.event().id()).isEqualTo("x-" + status);
      assertThat(l.cause()).isInstanceOfSatisfying(WebhookDeliveryException.class, e -> {
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.outcome()).isEqualTo(DeliveryOutcome.REJECTED);
      });
    });
  }

  @Test
  void gone_endsAtOnce_asADeadLetter() throws Exception {
    server.script(ScriptedServer.Reply.of(410));
    WebhookDelivery d = client.send(server.uri("/hook"), message("g")).get(10, TimeUnit.SECONDS);
    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.GONE);
    assertThat(letters).singleElement().satisfies(l -> assertThat(l.cause())
        .isInstanceOfSatisfying(WebhookDeliveryException.class, e -> {
          assertThat(e.status()).isEqualTo(410);
          assertThat(e.outcome()).isEqualTo(DeliveryOutcome.GONE);
        }));
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void aRetryToAnEndpointThatWentGoneMeanwhile_endsGone_numberedAsTheAttemptNotMade()
      throws Exception {
    List<AttemptResult> goneAt = new CopyOnWriteArrayList<>();
    DeliveryListener listener = new DeliveryListener() {
      @Override
      public void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
        goneAt.add(last);
      }
    };
    server.script(ScriptedServer.Reply.of(503), ScriptedServer.Reply.of(410));
    try (WebhookClient goneProne = WebhookClient.builder().secret("s3cret").clock(clock)
        .scheduler(scheduler).jitterSource(() -> 0.5).listener(listener)
        .retry(RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofSeconds(1)).jitter(0)
            .build()).drainTimeout(Duration.ZERO).build()) {
      CompletableFuture<WebhookDelivery> retried =
          goneProne.send(server.uri("/hook"), message("first"));
      server.next();
      assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
      assertThat(goneProne.send(server.uri("/hook"), message("second"))
          .get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.GONE);
      server.next();

      scheduler.advance(Duration.ofSeconds(1)); // the retry finds the endpoint gone

      WebhookDelivery d = retried.get(10, TimeUnit.SECONDS);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.GONE);
      assertThat(d.attempts()).as("HTTP attempts made").isEqualTo(1);
      assertThat(goneAt).hasSize(2).last().satisfies(last -> {
        assertThat(last.attempt()).as("the attempt that was not made").isEqualTo(2);
        assertThat(last.error()).contains("410 Gone before");
      });
    }
  }

  @Test
  void aDeliveryWaitingAtTheGateWhenTheEndpointAnswers410_endsGone_withoutARequest()
      throws Exception {
    CountDownLatch answer = new CountDownLatch(1);
    server.script(ScriptedServer.Reply.held(410, answer), ScriptedServer.Reply.of(200));
    try (WebhookClient oneAtATime = WebhookClient.builder().secret("s3cret").clock(clock)
        .scheduler(scheduler).maxInFlightPerEndpoint(1).drainTimeout(Duration.ZERO).build()) {
      CompletableFuture<WebhookDelivery> first =
          oneAtATime.send(server.uri("/hook"), message("first"));
      server.next(); // the first request is in; the second delivery waits at the gate
      CompletableFuture<WebhookDelivery> second =
          oneAtATime.send(server.uri("/hook"), message("second"));
      answer.countDown();

      assertThat(first.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.GONE);
      WebhookDelivery d = second.get(10, TimeUnit.SECONDS);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.GONE);
      assertThat(d.attempts()).isZero();
      assertThat(server.received).as("no request after the 410").isEmpty();
    }
  }

  @Test
  void aLongQueueAtTheGateWhenTheEndpointAnswers410_allEndGone_withoutNestingOnOneStack()
      throws Exception {
    int waiting = 5_000; // each let through by the one before: nested, 5,000 frames deep
    CountDownLatch answer = new CountDownLatch(1);
    server.script(ScriptedServer.Reply.held(410, answer));
    try (WebhookClient oneAtATime = WebhookClient.builder().secret("s3cret").clock(clock)
        .scheduler(scheduler).maxInFlightPerEndpoint(1).drainTimeout(Duration.ZERO).build()) {
      CompletableFuture<WebhookDelivery> first =
          oneAtATime.send(server.uri("/hook"), message("first"));
      server.next();
      List<CompletableFuture<WebhookDelivery>> queued = new java.util.ArrayList<>();
      for (int i = 0; i < waiting; i++) {
        queued.add(oneAtATime.send(server.uri("/hook"), message("q-" + i)));
      }
      answer.countDown();

      assertThat(first.get(20, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.GONE);
      CompletableFuture.allOf(queued.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
      assertThat(queued).allSatisfy(f ->
          assertThat(f.join().outcome()).isEqualTo(DeliveryOutcome.GONE));
      assertThat(server.received).isEmpty();
    }
  }

  @Test
  void aHostTheAddressGuardCannotResolve_isAFailedAttempt_retried_notARefusedTarget()
      throws Exception {
    // A DNS outage passes: the guarded client takes the delivery and retries it. (".invalid"
    // never resolves, RFC 6761; a resolver that answers every name makes this moot.)
    org.junit.jupiter.api.Assumptions.assumeFalse(resolves("no-such-host.invalid"));
    try (WebhookClient guarded = WebhookClient.builder().secret("s3cret").clock(clock)
        .scheduler(scheduler).publicAddressesOnly().jitterSource(() -> 0.5)
        .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofSeconds(1)).jitter(0)
            .build())
        .drainTimeout(Duration.ZERO).build()) {
      CompletableFuture<WebhookDelivery> f =
          guarded.send(URI.create("http://no-such-host.invalid/hook"), message("dns"));
      assertThat(scheduler.awaitPending(1, Duration.ofSeconds(20))).isTrue();
      scheduler.advance(Duration.ofMinutes(1));
      WebhookDelivery d = f.get(20, TimeUnit.SECONDS);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
      assertThat(d.attempts()).isEqualTo(2);
      assertThat(d.lastError()).contains("does not resolve");
    }
  }

  @Test
  void retryableStatus_untilThePolicyIsSpent_isExhausted() throws Exception {
    server.script(ScriptedServer.Reply.of(503), ScriptedServer.Reply.of(503),
        ScriptedServer.Reply.of(503));
    CompletableFuture<WebhookDelivery> f = client.send(server.uri("/hook"), message("e"));
    for (int i = 0; i < 2; i++) {
      server.next();
      assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
      scheduler.advance(Duration.ofMinutes(1)); // past the backoff of either retry
    }
    server.next();
    WebhookDelivery d = f.get(10, TimeUnit.SECONDS);
    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
    assertThat(d.attempts()).isEqualTo(3);
    assertThat(letters).singleElement().satisfies(l ->
        assertThat(((WebhookDeliveryException) l.cause()).status()).isEqualTo(503));
  }

  @Test
  void unauthorized_logsOneWarnPerEndpoint_namingSecretAndClock() throws Exception {
    try (LogCapture logs = new LogCapture(WebhookClient.class)) {
      for (int i = 0; i < 5; i++) {
        server.script(ScriptedServer.Reply.of(i % 2 == 0 ? 401 : 403));
        assertThat(client.send(server.uri("/a"), message("u-" + i)).get(10, TimeUnit.SECONDS)
            .outcome()).isEqualTo(DeliveryOutcome.REJECTED);
      }
      List<String> warns = logs.lines(Level.WARN);
      assertThat(warns).singleElement().satisfies(line -> {
        assertThat(line).contains("401", "secret", "clock", server.uri("").getAuthority());
        assertThat(line).doesNotContain("s3cret");
      });
      assertThat(letters).hasSize(5); // every one is still dead-lettered

      clock.advance(Duration.ofHours(1).plusSeconds(1)); // the next hour may warn again
      server.script(ScriptedServer.Reply.of(401));
      client.send(server.uri("/a"), message("u-late")).get(10, TimeUnit.SECONDS);
      assertThat(logs.lines(Level.WARN)).hasSize(2);
      assertThat(logs.lines(Level.WARN).get(1)).contains("4 more");
    }
  }

  @Test
  void unauthorized_fromTwoEndpoints_warnsForEach() throws Exception {
    try (ScriptedServer other = new ScriptedServer(); LogCapture logs = new LogCapture(WebhookClient.class)) {
      server.script(ScriptedServer.Reply.of(401));
      other.script(ScriptedServer.Reply.of(403));
      client.send(server.uri("/a"), message("a")).get(10, TimeUnit.SECONDS);
      client.send(other.uri("/b"), message("b")).get(10, TimeUnit.SECONDS);
      assertThat(logs.lines(Level.WARN)).hasSize(2);
    }
  }

  @Test
  void publicOnlyGuard_isAppliedBeforeEveryAttempt_evenOfAResumedDelivery(@TempDir Path dir)
      throws Exception {
    Path outbox = dir.resolve("outbox.jsonl");
    server.script(ScriptedServer.Reply.of(503));
    try (WebhookClient first = WebhookClient.builder().secret("s3cret").clock(clock)
        .scheduler(new ManualScheduler(clock)).drainTimeout(Duration.ZERO).outbox(outbox).build()) {
      first.send(server.uri("/hook"), message("p"));
      server.next(); // 503: the retry waits, and close() leaves it pending in the outbox
    }
    try (WebhookClient guarded = WebhookClient.builder().secret("s3cret").publicAddressesOnly()
        .outbox(outbox).build()) {
      assertThatThrownBy(() -> guarded.send(server.uri("/hook"), message("q")))
          .hasMessageContaining("non-public");
      WebhookDelivery resumed = guarded.resumed().get(0).get(10, TimeUnit.SECONDS);
      assertThat(resumed.outcome()).isEqualTo(DeliveryOutcome.REJECTED);
      assertThat(resumed.lastError()).contains("non-public");
      assertThat(guarded.deadDeliveryIds()).containsExactly("p");
    }
    assertThat(server.received).isEmpty(); // the guarded client sent nothing
  }
}
