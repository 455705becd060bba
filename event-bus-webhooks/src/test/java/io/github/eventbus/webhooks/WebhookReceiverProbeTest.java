package io.github.eventbus.webhooks;

import static io.github.eventbus.webhooks.RawHttp.ascii;
import static io.github.eventbus.webhooks.RawHttp.concat;
import static io.github.eventbus.webhooks.RawHttp.exchange;
import static io.github.eventbus.webhooks.RawHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.github.eventbus.EventBus;
import io.github.eventbus.internal.LogText;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adversarial probes of the webhook receiver: hostile clients (replays, broken framing, chunked
 * abuse, bodies that are not UTF-8, request text made to reach a log line, slowloris connections
 * at close). Every server runs on 127.0.0.1 on an ephemeral port; every wait is bounded.
 */
class WebhookReceiverProbeTest extends WebhookProbes {


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
}
