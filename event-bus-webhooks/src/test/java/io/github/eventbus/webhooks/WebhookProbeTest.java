package io.github.eventbus.webhooks;

import static io.github.eventbus.webhooks.RawHttp.ascii;
import static io.github.eventbus.webhooks.RawHttp.concat;
import static io.github.eventbus.webhooks.RawHttp.exchange;
import static io.github.eventbus.webhooks.RawHttp.post;
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
import io.github.eventbus.internal.LogText;
import io.github.eventbus.webhooks.ScriptedServer.Reply;
import java.io.InputStream;
import java.net.Socket;
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
 * Adversarial probes of the webhook module: hostile clients against the receiver, unlucky
 * endpoints and outbox files against the client. Every server runs on 127.0.0.1 on an ephemeral
 * port; every wait is bounded.
 */
class WebhookProbeTest extends WebhookProbes {

  private static final String SECRET_KEY_B64 = SECRET.substring("whsec_".length());

  // ---------------------------------------------------------------- receiver

  private WebhookReceiver receiver(Duration headerTimeout, Duration bodyTimeout) {
    EventBus bus = closeLater(EventBus.builder().name("probe").executor(Runnable::run).build());
    bus.subscribe("*", published::add);
    WebhookReceiver receiver = closeLater(WebhookReceiver.builder(bus).clock(fixed)
        .maxBodyBytes(4096).headerTimeout(headerTimeout).bodyTimeout(bodyTimeout)
        .verifier(WebhookVerifier.builder().secret(SECRET).clock(fixed).build()).build());
    receiver.start();
    return receiver;
  }

  private WebhookReceiver receiver() {
    return receiver(Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  private static byte[] payload(String id) {
    return WebhookReceiverTest.payload("deployment", id);
  }

  @ParameterizedTest
  @ValueSource(longs = {-301, -300, 300, 301})
  void timestampsExactlyAtTheTolerance_areAccepted_andOneSecondBeyond_are401(long offset)
      throws Exception {
    URI uri = receiver().uri();
    byte[] body = payload("evt-edge");

    RawHttp.Answer a = exchange(uri, post(uri,
        RawHttp.signed(SECRET, "msg-edge", NOW.plusSeconds(offset), body), body));

    if (Math.abs(offset) <= 300) {
      assertThat(a.status()).isEqualTo(202);
      assertThat(published).hasSize(1);
    } else {
      assertThat(a.status()).isEqualTo(401);
      assertThat(published).isEmpty();
    }
  }

  @Test
  void pipelinedReplayOfASignedRequest_onOneConnection_isPublishedOnce_andAcknowledgedAsDuplicate()
      throws Exception {
    URI uri = receiver().uri();
    byte[] body = payload("evt-pipe");
    byte[] request = post(uri, RawHttp.signed(SECRET, "msg-pipe", NOW, body), body);

    List<RawHttp.Answer> answers = new ArrayList<>();
    try (Socket s = RawHttp.connect(uri)) {
      s.getOutputStream().write(concat(request, request, request));
      s.getOutputStream().flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      for (RawHttp.Answer a = RawHttp.read(in); a != null; a = RawHttp.read(in)) {
        answers.add(a);
      }
    }

    assertThat(answers).extracting(RawHttp.Answer::status).containsExactly(202, 200, 200);
    assertThat(answers.get(1).body()).contains("duplicate");
    assertThat(published).singleElement().satisfies(e -> assertThat(e.id()).isEqualTo("evt-pipe"));
  }

  @Test
  void bodyLongerThanItsContentLength_isVerifiedOverTheDeclaredBytesOnly_andTheTailIsNotARequest()
      throws Exception {
    URI uri = receiver().uri();
    byte[] body = payload("evt-lie");
    Map<String, String> headers = RawHttp.signed(SECRET, "msg-lie", NOW, body);
    StringBuilder head = new StringBuilder("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("Content-Length: ").append(body.length - 12).append("\r\n\r\n");

    List<RawHttp.Answer> answers = new ArrayList<>();
    try (Socket s = RawHttp.connect(uri)) {
      s.getOutputStream().write(concat(ascii(head.toString()), body));
      s.getOutputStream().flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      for (RawHttp.Answer a = RawHttp.read(in); a != null; a = RawHttp.read(in)) {
        answers.add(a);
      }
    }

    // the signature covers the whole body, the receiver read less of it: a bad signature, and
    // the connection closes after the 4xx, so the tail is never parsed as a second request
    assertThat(answers).extracting(RawHttp.Answer::status).containsExactly(401);
    assertThat(published).isEmpty();
  }

  @Test
  void chunkedAbuse_hugeSize413_missingLastChunk400_stalledTerminator408_nothingPublished()
      throws Exception {
    URI uri = receiver(Duration.ofSeconds(5), Duration.ofMillis(400)).uri();
    byte[] body = payload("evt-chunk");
    Map<String, String> headers = RawHttp.signed(SECRET, "msg-chunk", NOW, body);
    StringBuilder head = new StringBuilder("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("\r\n");
    byte[] h = ascii(head.toString());
    byte[] oneChunk = concat(ascii(Integer.toHexString(body.length) + "\r\n"), body, ascii("\r\n"));

    long t0 = System.nanoTime();
    RawHttp.Answer huge = exchange(uri, concat(h, ascii("FFFFFFFF\r\n"), body));
    RawHttp.Answer noLast = exchange(uri, concat(h, oneChunk));
    RawHttp.Answer stalled;
    try (Socket s = RawHttp.connect(uri)) { // no last chunk and the sender stays: the deadline
      s.getOutputStream().write(concat(h, oneChunk));
      s.getOutputStream().flush();
      stalled = RawHttp.read(s.getInputStream());
    }

    assertThat(huge.status()).isEqualTo(413);
    assertThat(noLast.status()).isEqualTo(400);
    assertThat(stalled.status()).isEqualTo(408);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    assertThat(published).isEmpty();
  }

  /**
   * Signed bodies that are not UTF-8: a UTF-8-encoded surrogate (CESU-8), an overlong encoding
   * of '/', and a byte that never occurs in UTF-8, each inside a data string.
   */
  // Regression: "one JSON object in UTF-8"; Jackson's byte parser used to decode ED A0 80 to a
  // lone surrogate and C0 AF to '/', so such bodies got 202 and reached the bus.
  @ParameterizedTest
  @ValueSource(strings = {"eda080", "c0af", "ff"})
  void signedBodyThatIsNotUtf8_is400_andNothingIsPublished(String badHex) throws Exception {
    URI uri = receiver().uri();
    byte[] bad = java.util.HexFormat.of().parseHex(badHex);
    byte[] body = concat(ascii("{\"event_type\":\"deployment.raw\",\"event_id\":\"evt-utf\","
        + "\"timestamp\":1642248000,\"data\":{\"note\":\"a"), bad, ascii("b\"}}"));

    RawHttp.Answer a = exchange(uri, post(uri, RawHttp.signed(SECRET, "msg-utf", NOW, body), body));

    assertThat(a.status()).as("answer to a body with %s", badHex).isEqualTo(400);
    assertThat(published).isEmpty();
  }

  @Test
  void hostileRequestText_neverReachesALogLineUnescaped() throws Exception {
    URI uri = receiver().uri();
    List<byte[]> requests = new ArrayList<>();
    String evil = "x\u2028FAKE\u202e\u0085 line";
    // a signed request whose type and source carry separators and bidi controls (raw UTF-8)
    byte[] body1 = ("{\"event_type\":\"" + evil + "\",\"event_id\":\"e1\",\"timestamp\":1642248000,"
        + "\"data\":{},\"source\":\"" + evil + "\"}").getBytes(StandardCharsets.UTF_8);
    requests.add(post(uri, RawHttp.signed(SECRET, "m1", NOW, body1), body1));
    // the same, as JSON escapes
    byte[] body2 = ("{\"event_type\":\"a\\u000d\\u000aWARN forged\",\"event_id\":\"e2\\u2028\","
        + "\"data\":{}}").getBytes(StandardCharsets.UTF_8);
    requests.add(post(uri, RawHttp.signed(SECRET, "m2", NOW, body2), body2));
    // a signed id carrying U+2028 and a bidi override in the header (valid UTF-8, no C0 control)
    byte[] body3 = payload("e3");
    requests.add(post(uri, RawHttp.signed(SECRET, "m3\u2028\u202eFAKE", NOW, body3), body3));
    // an unsigned one with separators in a header value and a path with encoded CRLF
    requests.add(concat(ascii("POST /webhooks/%0d%0aFAKE?q=\u2028 HTTP/1.1\r\nHost: x\r\n"
        + "Content-Type: application/json\r\nwebhook-id: \u202e\u2066\r\nContent-Length: 2\r\n\r\n{}")));
    requests.add(concat(ascii("POST /other%0aFAKE HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")));

    List<String> lines;
    List<RawHttp.Answer> answers = new ArrayList<>();
    try (LogCapture logs = new LogCapture(WebhookReceiver.class)) {
      logs.enable(Level.DEBUG);
      for (byte[] r : requests) {
        answers.add(exchange(uri, r));
      }
      lines = new ArrayList<>(logs.lines(Level.DEBUG));
      lines.addAll(logs.lines(Level.WARN));
      lines.addAll(logs.lines(Level.INFO));
    }

    assertThat(answers).allSatisfy(a -> assertThat(a.status()).isBetween(400, 499));
    assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(LogText.safe(l))
        .as("log line is safe: %s", l.replace("\r", "<CR>").replace("\n", "<LF>")).isTrue());
    assertThat(answers).allSatisfy(a -> assertThat(LogText.safe(a.body())).isTrue());
    assertThat(published).isEmpty();
  }

  @Test
  void close_withSlowlorisConnectionsMidHeaderAndMidBody_returnsPromptly_andDisconnectsThem()
      throws Exception {
    WebhookReceiver receiver = receiver(Duration.ofSeconds(30), Duration.ofSeconds(30));
    URI uri = receiver.uri();
    byte[] body = payload("evt-slow");
    byte[] request = post(uri, RawHttp.signed(SECRET, "msg-slow", NOW, body), body);
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        Socket s = RawHttp.connect(uri);
        s.setSoTimeout(10_000);
        sockets.add(s);
        // half of them stop inside the head, half inside the body
        int cut = i % 2 == 0 ? 20 : request.length - 5;
        s.getOutputStream().write(request, 0, cut);
        s.getOutputStream().flush();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (receiver.metrics().openConnections() < 20 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(receiver.metrics().openConnections()).isEqualTo(20);

      long t0 = System.nanoTime();
      receiver.close();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
      for (Socket s : sockets) { // each sees the end of its stream (or a reset), not a hang
        try {
          InputStream in = s.getInputStream();
          while (in.read() >= 0) {
            // drain whatever was answered
          }
        } catch (java.net.SocketException reset) {
          // closed by the receiver: as good as an end of stream
        }
      }
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    assertThat(published).isEmpty();
  }

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
    Files.delete(outbox.getParent());
    assertThat(resumeFrom(outbox, server)).isEmpty();
    Files.write(outbox, new byte[0]);
    assertThat(resumeFrom(outbox, server)).isEmpty();
    assertThat(server.received).hasSize(1);
  }

}
