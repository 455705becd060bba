package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import io.github.eventbus.ManualScheduler;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.webhooks.ScriptedServer.Received;
import io.github.eventbus.webhooks.ScriptedServer.Reply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Against a real HTTP server on 127.0.0.1 (ephemeral port); retries on a manual clock. */
class WebhookClientTest {

  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().executor(Runnable::run).build();
  private final ScriptedServer server = new ScriptedServer();
  private final BlockingQueue<Received> received = server.received;
  private WebhookClient client;

  @BeforeEach
  void subscribe() {
    bus.subscribe(DeadLetter.class, letters::add);
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    server.close();
    bus.close();
  }

  private URI uri(String path) {
    return server.uri(path);
  }

  private void script(Reply... replies) {
    server.script(replies);
  }

  private WebhookClient client(RetryPolicy retry, Duration requestTimeout) {
    client = WebhookClient.builder().secret(SECRET).clock(clock).scheduler(scheduler)
        .jitterSource(() -> 1.0).retry(retry).timeouts(Duration.ofSeconds(5), requestTimeout)
        .attemptLog(dir.resolve("webhooks/webhook_attempts.jsonl")).deadLetters(bus).build();
    return client;
  }

  private static RetryPolicy retries(int attempts) {
    return RetryPolicy.builder().maxAttempts(attempts).initialDelay(Duration.ofSeconds(1))
        .multiplier(2).maxDelay(Duration.ofMinutes(1)).jitter(0.5).build();
  }

  private static WebhookMessage message() {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("file_change", Map.of("file_path", "/a")))
        .id("evt-1").timestamp(Instant.parse("2026-11-23T09:00:00Z")).source("pm").build());
  }

  private Received next() throws InterruptedException {
    return server.next();
  }

  /** Waits for the failed attempt's retry to be scheduled, then fires it. */
  private void fireRetry(Duration after) throws InterruptedException {
    assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
    scheduler.advance(after);
  }

  private static WebhookDelivery result(CompletableFuture<WebhookDelivery> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void success_isOneSignedRequest_thatBothSchemesVerify() throws Exception {
    WebhookDelivery d = result(client(retries(3), Duration.ofSeconds(5)).send(uri("/hook"), message()));

    Received r = next();
    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(d.attempts()).isEqualTo(1);
    assertThat(new String(r.body())).isEqualTo("{\"event_type\":\"file_change\",\"timestamp\":"
        + Instant.parse("2026-11-23T09:00:00Z").getEpochSecond()
        + ",\"event_id\":\"evt-1\",\"data\":{\"file_path\":\"/a\"},\"source\":\"pm\"}");
    java.time.Clock at = java.time.Clock.fixed(clock.instant(), ZoneOffset.UTC);
    assertThat(WebhookVerifier.builder().secret(SECRET).clock(at).build().verify(r.body(), r.headers())
        .isValid()).isTrue();
    assertThat(WebhookVerifier.builder().scheme(SignatureScheme.xWebhookSignature()).secret(SECRET).build()
        .verify(r.body(), r.headers()).isValid()).isTrue();
    assertThat(r.headers().get("webhook-id")).isEqualTo("evt-1");
  }

  @Test
  void retries_keepTheId_withFreshTimestampAndSignature_thenSucceed_andAreLogged() throws Exception {
    script(Reply.of(503), Reply.of(500));
    CompletableFuture<WebhookDelivery> f = client(retries(5), Duration.ofSeconds(5))
        .send(uri("/hook"), message());

    Received first = next();
    fireRetry(Duration.ofMillis(1500)); // 1 s * (1 + 0.5 * (2*1.0 - 1)) = 1.5 s
    Received second = next();
    fireRetry(Duration.ofSeconds(3));
    Received third = next();
    WebhookDelivery d = result(f);

    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(d.attempts()).isEqualTo(3);
    assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(1500), Duration.ofSeconds(3));
    assertThat(List.of(first, second, third)).extracting(r -> r.headers().get("webhook-id"))
        .containsOnly("evt-1");
    assertThat(first.headers().get("webhook-timestamp")).isNotEqualTo(second.headers().get("webhook-timestamp"));
    assertThat(first.headers().get("webhook-signature")).isNotEqualTo(second.headers().get("webhook-signature"));
    client.flushLog();
    List<String> log = Files.readAllLines(dir.resolve("webhooks/webhook_attempts.jsonl"));
    assertThat(log).hasSize(3);
    assertThat(log.get(0)).contains("\"status\":503", "\"outcome\":\"retrying\"", "\"next_retry_at\":\"");
    assertThat(log.get(2)).contains("\"status\":200", "\"outcome\":\"delivered\"");
    assertThat(String.join("\n", log)).doesNotContain("MfKQ9r8");
  }

  @Test
  void gone_stopsAtOnce() throws Exception {
    script(Reply.of(410));
    WebhookDelivery d = result(client(retries(5), Duration.ofSeconds(5)).send(uri("/hook"), message()));
    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.GONE);
    assertThat(d.attempts()).isEqualTo(1);
    assertThat(scheduler.pending()).isZero();
  }

  @Test
  void gone_isLoggedAndDeadLettered_andLaterSendsThereEndAtOnce_withoutARequest()
      throws Exception {
    script(Reply.of(410));
    try (LogCapture logs = new LogCapture(WebhookClient.class)) {
      WebhookClient c = client(retries(5), Duration.ofSeconds(5));
      WebhookDelivery first = result(c.send(uri("/removed?token=T0K"), message()));
      WebhookDelivery later = result(c.send(uri("/removed?token=T0K"), message()));
      WebhookDelivery elsewhere = result(c.send(uri("/other"), message()));

      assertThat(first.outcome()).isEqualTo(DeliveryOutcome.GONE);
      assertThat(first.attempts()).isEqualTo(1);
      assertThat(later.outcome()).isEqualTo(DeliveryOutcome.GONE);
      assertThat(later.attempts()).isZero();
      assertThat(later.lastStatus()).isEqualTo(410);
      assertThat(later.lastError()).contains("410");
      assertThat(elsewhere.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      assertThat(received).hasSize(2); // the first send and the other endpoint's
      assertThat(received).extracting(Received::path).containsExactly("/removed", "/other");
      assertThat(letters).hasSize(2).allSatisfy(l -> assertThat(l.cause())
          .isInstanceOfSatisfying(WebhookDeliveryException.class,
              e -> assertThat(e.outcome()).isEqualTo(DeliveryOutcome.GONE)));
      assertThat(logs.lines(ch.qos.logback.classic.Level.WARN)).singleElement()
          .satisfies(line -> assertThat(line).contains("410", "127.0.0.1")
              .doesNotContain("T0K", "/removed"));
    }
  }

  @Test
  void redirect_isNotFollowed_andExhaustedDeliveryBecomesADeadLetter() throws Exception {
    script(new Reply(302, Map.of("Location", uri("/elsewhere").toString()), null), Reply.of(302));
    CompletableFuture<WebhookDelivery> f = client(retries(2), Duration.ofSeconds(5))
        .send(uri("/hook"), message());

    next();
    fireRetry(Duration.ofMillis(1500));
    next();
    WebhookDelivery d = result(f);

    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
    assertThat(d.lastStatus()).isEqualTo(302);
    assertThat(received).isEmpty(); // /elsewhere was never requested
    assertThat(letters).singleElement().satisfies(l -> {
      assertThat(l.event().id()).isEqualTo("evt-1");
      assertThat(l.attempts()).isEqualTo(2);
      assertThat(l.cause()).hasMessageContaining("status 302");
    });
  }

  @Test
  void retryAfter_inSecondsAndAsHttpDate_isHonoured_andClamped() throws Exception {
    String inTwoMinutes = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        clock.instant().plusSeconds(120).atZone(ZoneOffset.UTC));
    script(new Reply(429, Map.of("Retry-After", "7"), null),
        new Reply(503, Map.of("Retry-After", inTwoMinutes), null),
        new Reply(503, Map.of("Retry-After", "999999"), null));
    CompletableFuture<WebhookDelivery> f = client(retries(5), Duration.ofSeconds(5))
        .send(uri("/hook"), message());

    next();
    fireRetry(Duration.ofSeconds(7));
    next();
    fireRetry(Duration.ofSeconds(113)); // the date was 120 s ahead, 7 s ago
    next();
    fireRetry(Duration.ofHours(1));
    next();

    assertThat(result(f).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(7), Duration.ofSeconds(113),
        Duration.ofHours(1));
  }

  @Test
  void retryAfter_zeroOrADateGoneBy_waitsThePolicysFirstDelay_notBackToBack() throws Exception {
    String aMinuteAgo = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        clock.instant().minusSeconds(60).atZone(ZoneOffset.UTC));
    script(new Reply(503, Map.of("Retry-After", "0"), null),
        new Reply(429, Map.of("Retry-After", aMinuteAgo), null));
    CompletableFuture<WebhookDelivery> f = client(retries(5), Duration.ofSeconds(5))
        .send(uri("/hook"), message());

    next();
    fireRetry(Duration.ofSeconds(1));
    next();
    fireRetry(Duration.ofSeconds(1));
    next();

    assertThat(result(f).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(scheduler.delays()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1));
  }

  /**
   * Seconds past what a long holds are still seconds (RFC 9110's delay-seconds is any run of
   * digits): clamped to maxRetryAfter; leading zeros add nothing. A sign is not a digit, so "+3"
   * is no Retry-After at all.
   */
  @Test
  void retryAfter_pastALong_isClamped_andASignedNumber_isIgnored() throws Exception {
    script(new Reply(503, Map.of("Retry-After", "99999999999999999999"), null),
        new Reply(503, Map.of("Retry-After", "+3"), null),
        new Reply(503, Map.of("Retry-After", "0000000000000000000000007"), null));
    CompletableFuture<WebhookDelivery> f = client(retries(5), Duration.ofSeconds(5))
        .send(uri("/hook"), message());

    Duration policys = retries(5).delayBefore(3, 1.0); // the jitter source says 1.0
    next();
    fireRetry(Duration.ofHours(1));
    next();
    fireRetry(policys);
    next();
    fireRetry(Duration.ofSeconds(7)); // leading zeros are no size
    next();

    assertThat(result(f).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(scheduler.delays()).containsExactly(Duration.ofHours(1), policys,
        Duration.ofSeconds(7));
  }

  /**
   * An endpoint answering the largest Retry-After there is, to a client whose maxRetryAfter says
   * "no limit": the wait is capped at about 146 years, and the delivery waits; no overflow loses it.
   */
  @Test
  void retryAfter_hostileHuge_withNoLimitSet_waitsTheCap_andIsNotLost() throws Exception {
    script(new Reply(503, Map.of("Retry-After", String.valueOf(Long.MAX_VALUE)), null));
    client = WebhookClient.builder().secret(SECRET).clock(clock).scheduler(scheduler)
        .jitterSource(() -> 1.0).retry(retries(2)).maxRetryAfter(Duration.ofSeconds(Long.MAX_VALUE))
        .attemptLog(dir.resolve("webhooks/webhook_attempts.jsonl")).deadLetters(bus).build();
    CompletableFuture<WebhookDelivery> f = client.send(uri("/hook"), message());

    next();
    Duration cap = Duration.ofNanos(Long.MAX_VALUE / 2);
    fireRetry(cap);
    next();

    assertThat(result(f).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(scheduler.delays()).containsExactly(cap);
    assertThat(letters).isEmpty();
  }

  /**
   * A client sending to ever new origins (URLs its users supply) keeps a request limit only for
   * those with deliveries under way, not one for every origin it ever sent to.
   */
  @Test
  void originsWithNothingUnderWay_keepNoRequestLimit() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    client(retries(1), Duration.ofSeconds(5));
    List<CompletableFuture<WebhookDelivery>> sent = new ArrayList<>();
    for (int host = 1; host <= 50; host++) { // 127.0.0.0/8 is all loopback: 50 origins
      sent.add(client.send(URI.create("http://127.0.0." + host + ":" + port + "/h"), message()));
    }
    for (CompletableFuture<WebhookDelivery> f : sent) {
      assertThat(result(f).outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED); // refused
    }
    assertThat(client.endpointGates()).isZero();
    client.close();

    script(new Reply(503, Map.of(), null));
    CompletableFuture<WebhookDelivery> waiting = client(retries(2), Duration.ofSeconds(5))
        .send(uri("/hook"), message());
    next();
    assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
    assertThat(client.endpointGates()).as("kept while a retry is due").isEqualTo(1);
    fireRetry(retries(2).delayBefore(2, 1.0));
    next();
    assertThat(result(waiting).outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    assertThat(client.endpointGates()).isZero();
  }

  /**
   * URLs that answered 410 are remembered up to a bound: a client whose users' endpoints come
   * and go does not keep every one for its lifetime. One forgotten gets one more request.
   */
  @Test
  @org.junit.jupiter.api.Tag("slow")
  void goneUrls_areRememberedUpToABound_theOldestForgotten() throws Exception {
    AtomicInteger requests = new AtomicInteger();
    com.sun.net.httpserver.HttpServer gone = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    gone.createContext("/", exchange -> {
      requests.incrementAndGet();
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(410, -1);
      exchange.close();
    });
    gone.start();
    try {
      client(retries(1), Duration.ofSeconds(5));
      String base = "http://127.0.0.1:" + gone.getAddress().getPort() + "/gone-";
      int urls = 2 * DeliveryRunner.GONE_REMEMBERED;
      for (int batch = 0; batch < urls; batch += 500) {
        List<CompletableFuture<WebhookDelivery>> sent = new ArrayList<>();
        for (int i = batch; i < batch + 500; i++) {
          sent.add(client.send(URI.create(base + i), message()));
        }
        for (CompletableFuture<WebhookDelivery> f : sent) {
          assertThat(result(f).outcome()).isEqualTo(DeliveryOutcome.GONE);
        }
      }
      assertThat(requests.get()).isEqualTo(urls);

      WebhookDelivery latest = result(client.send(URI.create(base + (urls - 1)), message()));
      WebhookDelivery oldest = result(client.send(URI.create(base + 0), message()));
      assertThat(latest.attempts()).as("remembered: no request").isZero();
      assertThat(oldest.attempts()).as("forgotten: asked again").isEqualTo(1);
      assertThat(oldest.outcome()).isEqualTo(DeliveryOutcome.GONE);
      assertThat(requests.get()).isEqualTo(urls + 1);
    } finally {
      gone.stop(0);
    }
  }

  @Test
  void timeout_isAFailedAttempt() throws Exception {
    CountDownLatch hold = new CountDownLatch(1);
    script(new Reply(200, Map.of(), hold));
    CompletableFuture<WebhookDelivery> f = client(retries(1), Duration.ofMillis(300))
        .send(uri("/hook"), message());

    WebhookDelivery d = result(f);
    hold.countDown();

    assertThat(d.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
    assertThat(d.lastError()).contains("HttpTimeoutException");
  }

  @Test
  void connectionClosedWithoutAnswer_isAFailedAttempt() throws Exception {
    try (ServerSocket rude = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread closer = new Thread(() -> {
        try (Socket s = rude.accept()) {
          s.setSoLinger(true, 0); // reset
        } catch (Exception ignored) {
          // the test checks the client's side
        }
      });
      closer.start();
      WebhookDelivery d = result(client(retries(1), Duration.ofSeconds(5))
          .send(URI.create("http://127.0.0.1:" + rude.getLocalPort() + "/hook"), message()));
      closer.join(10_000);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
      assertThat(d.lastStatus()).isZero();
      assertThat(d.lastError()).isNotNull();
    }
  }

  /**
   * The status line and headers came, then the body was cut off (Content-Length promised more):
   * the endpoint has said what it did with the message, so a 2xx is delivered, not sent again,
   * and a 404 rejected, not retried as a network error.
   */
  @ParameterizedTest
  @CsvSource({"200 OK, DELIVERED", "404 Not Found, REJECTED"})
  void anAnswerWhoseBodyIsCutOff_isTakenAtItsStatus(String statusLine, DeliveryOutcome outcome)
      throws Exception {
    answerWithAShortBody(statusLine, outcome, false);
  }

  /** The same answer, its body then stalled until the request timeout ends the exchange. */
  @ParameterizedTest
  @CsvSource({"200 OK, DELIVERED", "404 Not Found, REJECTED"})
  void anAnswerWhoseBodyStalls_isTakenAtItsStatus_atTheRequestTimeout(String statusLine,
      DeliveryOutcome outcome) throws Exception {
    answerWithAShortBody(statusLine, outcome, true);
  }

  private void answerWithAShortBody(String statusLine, DeliveryOutcome outcome, boolean stall)
      throws Exception {
    CountDownLatch ended = new CountDownLatch(1);
    try (ServerSocket cutting = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread answerer = answerOnce(cutting, "HTTP/1.1 " + statusLine
          + "\r\nContent-Length: 100\r\n\r\nonly this", stall ? ended : null);
      WebhookDelivery d = result(client(retries(3), Duration.ofMillis(stall ? 500 : 5000))
          .send(URI.create("http://127.0.0.1:" + cutting.getLocalPort() + "/hook"), message()));
      ended.countDown();
      answerer.join(10_000);

      assertThat(d.outcome()).isEqualTo(outcome);
      assertThat(d.attempts()).isEqualTo(1);
      assertThat(scheduler.delays()).isEmpty();
    }
  }

  /**
   * Starts a thread that takes one connection on {@code server}, reads the request head (the
   * body may stay unread), writes {@code response} as it is, and then, if {@code holdOpen} is
   * not null, keeps the connection open until it is counted down.
   */
  private static Thread answerOnce(ServerSocket server, String response, CountDownLatch holdOpen) {
    Thread answerer = new Thread(() -> {
      try (Socket s = server.accept()) {
        var in = s.getInputStream();
        for (int matched = 0; matched < 4; ) {
          int b = in.read();
          if (b < 0) {
            return;
          }
          matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : b == '\r' ? 1 : 0;
        }
        s.getOutputStream().write(response.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        if (holdOpen != null) {
          holdOpen.await(10, TimeUnit.SECONDS);
        }
      } catch (Exception ignored) {
        // the test checks the client's side
      }
    }, "answer-once");
    answerer.start();
    return answerer;
  }

  /**
   * A status line carrying terminal escapes: the error a delivery, its dead letter and its
   * listeners see holds none of them raw (code printing it could repaint a terminal).
   */
  @Test
  void aHostileStatusLine_reachesTheResultAndTheDeadLetterEscaped() throws Exception {
    try (ServerSocket hostile = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread answerer = answerOnce(hostile,
          "HTTP/1.1 2x0 \u001b[2J\u001b[31mall good\u0007\r\n\r\n", null);
      WebhookDelivery d = result(client(retries(1), Duration.ofSeconds(5))
          .send(URI.create("http://127.0.0.1:" + hostile.getLocalPort() + "/hook"), message()));
      answerer.join(10_000);

      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.EXHAUSTED);
      assertThat(d.lastError()).contains("\\u001b[2J").doesNotContain("\u001b", "\u0007");
      assertThat(new WebhookDeliveryException(d).getMessage()).doesNotContain("\u001b");
      assertThat(letters).singleElement().satisfies(l ->
          assertThat(l.cause().getMessage()).doesNotContain("\u001b"));
    }
  }

  @Test
  void targetUrls_areValidated_andThePublicGuardRefusesPrivateRanges() throws Exception {
    WebhookClient c = client(retries(1), Duration.ofSeconds(5));
    assertThatThrownBy(() -> c.send(URI.create("ftp://example.com/x"), message()))
        .hasMessageContaining("http or https");
    assertThatThrownBy(() -> c.send(URI.create("http://user:pw@example.com/x"), message()))
        .hasMessageContaining("user info");
    WebhookClient guarded = WebhookClient.builder().secret(SECRET).publicAddressesOnly().build();
    try {
      assertThatThrownBy(() -> guarded.send(uri("/hook"), message()))
          .hasMessageContaining("non-public address");
    } finally {
      guarded.close();
    }
    for (String address : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
        "169.254.1.1", "100.64.0.1", "0.0.0.0", "::1", "fc00::1", "fe80::1", "::ffff:10.0.0.1",
        "64:ff9b::a00:1")) {
      assertThat(TargetUrls.isPublic(InetAddress.getByName(address))).as(address).isFalse();
    }
    assertThat(TargetUrls.isPublic(InetAddress.getByName("8.8.8.8"))).isTrue();
    assertThat(TargetUrls.isPublic(InetAddress.getByName("2001:4860:4860::8888"))).isTrue();
  }

  /** Abandoned while waiting for a retry: numbered with the attempts started, as documented. */
  @Test
  void attemptLog_abandonedWhileWaitingForARetry_isNumberedWithTheAttemptsStarted()
      throws Exception {
    script(new Reply(503, Map.of(), null));
    Path log = dir.resolve("waiting/webhook_attempts.jsonl");
    WebhookClient c = WebhookClient.builder().secret(SECRET).clock(clock).scheduler(scheduler)
        .jitterSource(() -> 1.0).retry(retries(5)).attemptLog(log).drainTimeout(Duration.ZERO)
        .build();
    CompletableFuture<WebhookDelivery> f = c.send(uri("/hook"), message());
    next();
    assertThat(scheduler.awaitPending(1, Duration.ofSeconds(10))).isTrue();
    c.close();

    assertThat(result(f).outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
    assertThat(result(f).attempts()).isEqualTo(1);
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).contains("\"attempt\":1", "\"outcome\":\"retrying\"");
    assertThat(lines.get(1)).contains("\"attempt\":1", "\"outcome\":\"abandoned\"");
  }

  @Test
  void attemptLog_hasALineForEveryAttempt_rejectedGoneAndAbandonedIncluded() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    script(Reply.of(404), Reply.of(401), Reply.of(410), Reply.held(200, never));
    Path log = dir.resolve("every/webhook_attempts.jsonl");
    WebhookClient c = WebhookClient.builder().secret(SECRET).retry(retries(5))
        .attemptLog(log).drainTimeout(Duration.ofMillis(100)).build();
    try {
      List<DeliveryOutcome> outcomes = new java.util.ArrayList<>();
      for (String path : List.of("/hook", "/hook", "/gone")) {
        outcomes.add(result(c.send(uri(path), message())).outcome());
      }
      CompletableFuture<WebhookDelivery> held = c.send(uri("/hook"), message());
      for (int i = 0; i < 4; i++) {
        next(); // the fourth is in flight, held by the server
      }
      c.close();
      outcomes.add(result(held).outcome());

      assertThat(outcomes).containsExactly(DeliveryOutcome.REJECTED, DeliveryOutcome.REJECTED,
          DeliveryOutcome.GONE, DeliveryOutcome.ABANDONED);
      List<String> lines = Files.readAllLines(log);
      assertThat(lines).hasSize(4);
      assertThat(lines.get(0)).contains("\"status\":404", "\"outcome\":\"rejected\"");
      assertThat(lines.get(1)).contains("\"status\":401", "\"outcome\":\"rejected\"");
      assertThat(lines.get(2)).contains("\"status\":410", "\"outcome\":\"gone\"");
      assertThat(lines.get(3)).contains("\"attempt\":1", "\"outcome\":\"abandoned\"",
          "\"kept_in_outbox\":false");
    } finally {
      never.countDown();
      c.close();
    }
  }

  @Test
  void endpointPathAndQuery_areNeverShown_outsideTheEndpointAccessors() throws Exception {
    script(Reply.of(404));
    URI secretUrl = uri("/services/T0/B0/SECRETTOKEN?key=APIKEY");
    Path log = dir.resolve("tokens/webhook_attempts.jsonl");
    WebhookDelivery d;
    try (LogCapture logs = new LogCapture(WebhookClient.class)) {
      try (WebhookClient c = WebhookClient.builder().secret(SECRET).retry(retries(3))
          .attemptLog(log).deadLetters(bus).build()) {
        d = result(c.send(secretUrl, message()));
      }
      String origin = "http://127.0.0.1:" + secretUrl.getPort();

      assertThat(d.endpoint()).isEqualTo(secretUrl); // asked for: the whole URI
      assertThat(d.toString()).contains(origin).doesNotContain("SECRETTOKEN", "APIKEY", "/services");
      assertThat(letters).singleElement().satisfies(l -> {
        assertThat(l.subscriber()).isEqualTo("webhook " + origin);
        assertThat(l.cause().getMessage()).contains(origin)
            .doesNotContain("SECRETTOKEN", "APIKEY", "/services");
        assertThat(((WebhookDeliveryException) l.cause()).endpoint()).isEqualTo(secretUrl);
      });
      assertThat(Files.readString(log)).contains(origin).doesNotContain("SECRETTOKEN", "APIKEY");
      assertThat(logs.lines(ch.qos.logback.classic.Level.WARN)).isNotEmpty()
          .allSatisfy(line -> assertThat(line).doesNotContain("SECRETTOKEN", "APIKEY"));
      assertThat(new AttemptResult(secretUrl, 1, 404, null, Duration.ZERO).toString())
          .contains(origin).doesNotContain("SECRETTOKEN", "APIKEY");
    }
  }
}
