package io.github.eventbus.webhooks.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.webhooks.ReceiverMetrics;
import io.github.eventbus.webhooks.ReceiverResponse;
import io.github.eventbus.webhooks.SignatureScheme;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookSecret;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The promises of {@link WebhookReceiver}, its builder and its answers, from the outside. */
class WebhookReceiverPromisesTest {

  static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final EventBus bus = EventBus.builder().name("inbox").executor(Runnable::run).build();

  @EventType("alpha.same")
  public record First(String a) {}

  @EventType("alpha.same")
  public record Second(String b) {}

  @AfterEach
  void closeBus() {
    bus.close();
  }

  private WebhookVerifier verifier() {
    return WebhookVerifier.builder().secret(SECRET).clock(clock).build();
  }

  private WebhookReceiver.Builder receiver() {
    return WebhookReceiver.builder(bus).verifier(verifier()).clock(clock);
  }

  static byte[] body(String id) {
    return ("{\"event_type\":\"deployment\",\"event_id\":\"" + id + "\",\"data\":{\"ok\":true}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static Map<String, String> signed(String id, byte[] body) {
    Map<String, String> h = new HashMap<>(SignatureScheme.standardWebhooks().sign(id, NOW, body,
        List.of(WebhookSecret.of(SECRET))));
    h.put("Content-Type", "application/json");
    return h;
  }

  /** Sends one request over a raw socket and returns the status code of the answer. */
  static int rawStatus(URI base, String method, String path, Map<String, String> headers,
      byte[] body, boolean withLength) throws Exception {
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\nConnection: close\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    if (withLength) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    return rawExchange(base, head.append("\r\n").toString(), body);
  }

  /** Sends a request head given byte for byte, then the body; returns the answer's status. */
  static int rawExchange(URI base, String head, byte[] body) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", base.getPort())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
        line.write(c);
      }
      String status = line.toString(StandardCharsets.ISO_8859_1);
      assertThat(status).startsWith("HTTP/1.1 ");
      return Integer.parseInt(status.substring(9, 12));
    }
  }

  @Test
  void uriBeforeStart_throws_startIsIdempotent_andStartAfterClose_throws() {
    WebhookReceiver r = receiver().build();
    assertThatThrownBy(r::uri).isInstanceOf(IllegalStateException.class);
    r.start();
    URI first = r.uri();
    r.start();
    assertThat(r.uri()).isEqualTo(first);
    assertThat(first.getHost()).isEqualTo("127.0.0.1");
    assertThat(first.getPath()).isEqualTo("/webhooks");
    r.close();
    r.close();
    assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void afterClose_handleAnswersAValidRequest503_withRetryAfterRoundedUpToWholeSeconds() {
    WebhookReceiver r = receiver().retryAfter(Duration.ofMillis(1500)).build();
    byte[] body = body("e1");
    r.close();
    ReceiverResponse answer = r.handle("POST", signed("m1", body), body);
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.headers()).containsEntry("Retry-After", "2");
    assertThat(answer.accepted()).isFalse();
    assertThat(r.metrics().unavailable()).isEqualTo(1);
    assertThat(r.metrics().accepted()).isZero();
  }

  @Test
  void defaultRetryAfter_isFiveSeconds() {
    try (WebhookReceiver r = receiver().build()) {
      r.close();
      byte[] body = body("e1");
      assertThat(r.handle("POST", signed("m1", body), body).headers())
          .containsEntry("Retry-After", "5");
    }
  }

  @Test
  void everyAnswerOfHandle_isCountedUnderItsOwnMetric() {
    try (WebhookReceiver r = receiver().maxBodyBytes(200).build()) {
      byte[] body = body("e1");
      assertThat(r.handle("POST", signed("m1", body), body).status()).isEqualTo(202);
      ReceiverResponse duplicate = r.handle("POST", signed("m1", body), body);
      assertThat(duplicate.status()).isEqualTo(200);
      assertThat(duplicate.accepted()).isTrue();
      ReceiverResponse notPost = r.handle("GET", signed("m2", body), body);
      assertThat(notPost.status()).isEqualTo(405);
      assertThat(notPost.headers()).containsEntry("Allow", "POST");
      Map<String, String> text = signed("m3", body);
      text.put("Content-Type", "text/plain");
      assertThat(r.handle("POST", text, body).status()).isEqualTo(415);
      Map<String, String> forged = signed("m4", body);
      forged.put("webhook-signature", "v1,AAAA");
      assertThat(r.handle("POST", forged, body).status()).isEqualTo(401);
      ReceiverMetrics m = r.metrics();
      assertThat(m.accepted()).isEqualTo(1);
      assertThat(m.duplicates()).isEqualTo(1);
      assertThat(m.methodNotAllowed()).isEqualTo(1);
      assertThat(m.unsupportedMediaType()).isEqualTo(1);
      assertThat(m.unauthorized()).isEqualTo(1);
      assertThat(m.rememberedIds()).isEqualTo(1);
      assertThat(m.openConnections()).isZero();
    }
  }

  @Test
  void sizeAndMediaType_areCheckedBeforeTheSignature() {
    try (WebhookReceiver r = receiver().maxBodyBytes(64).build()) {
      byte[] big = new byte[65];
      assertThat(r.handle("POST", Map.of("Content-Type", "application/json"), big).status())
          .isEqualTo(413);
      assertThat(r.handle("POST", Map.of("Content-Type", "text/html"), body("x")).status())
          .isEqualTo(415);
      assertThat(r.metrics().tooLarge()).isEqualTo(1);
      assertThat(r.metrics().unauthorized()).isZero();
    }
  }

  @Test
  void overHttp_thePathAndPathsBeneathItAreServed_othersGet404_andNoLengthGets411()
      throws Exception {
    try (WebhookReceiver r = receiver().build()) {
      r.start();
      URI base = r.uri();
      byte[] one = body("e1");
      assertThat(rawStatus(base, "POST", "/webhooks/alerts", signed("m1", one), one, true))
          .isEqualTo(202);
      byte[] two = body("e2");
      assertThat(rawStatus(base, "POST", "/webhooks?from=ci", signed("m2", two), two, true))
          .isEqualTo(202);
      byte[] three = body("e3");
      assertThat(rawStatus(base, "POST", "/webhooksevil", signed("m3", three), three, true))
          .isEqualTo(404);
      assertThat(rawStatus(base, "POST", "/other", signed("m4", three), three, true))
          .isEqualTo(404);
      assertThat(rawStatus(base, "POST", "/webhooks", signed("m5", three), new byte[0], false))
          .isEqualTo(411);
      ReceiverMetrics m = r.metrics();
      assertThat(m.accepted()).isEqualTo(2);
      assertThat(m.notFound()).isEqualTo(2);
      assertThat(m.lengthRequired()).isEqualTo(1);
    }
  }

  @Test
  void builder_eachOptionSetTwice_failsFast_namingTheOption() {
    Map<String, Consumer<WebhookReceiver.Builder>> options = Map.ofEntries(
        Map.entry("verifier", b -> b.verifier(verifier())),
        Map.entry("path", b -> b.path("/in")),
        Map.entry("maxBodyBytes", b -> b.maxBodyBytes(10)),
        Map.entry("dedupeWindow", b -> b.dedupeWindow(Duration.ofHours(1))),
        Map.entry("maxRememberedIds", b -> b.maxRememberedIds(10)),
        Map.entry("clock", b -> b.clock(clock)),
        Map.entry("register", b -> b.register(First.class)),
        Map.entry("headerTimeout", b -> b.headerTimeout(Duration.ofSeconds(1))),
        Map.entry("bodyTimeout", b -> b.bodyTimeout(Duration.ofSeconds(1))),
        Map.entry("idleTimeout", b -> b.idleTimeout(Duration.ofSeconds(1))),
        Map.entry("maxConnections", b -> b.maxConnections(1)),
        Map.entry("publishTimeout", b -> b.publishTimeout(Duration.ofSeconds(1))),
        Map.entry("retryAfter", b -> b.retryAfter(Duration.ofSeconds(1))));
    options.forEach((name, set) -> {
      WebhookReceiver.Builder b = WebhookReceiver.builder(bus);
      set.accept(b);
      assertThatThrownBy(() -> set.accept(b)).as(name)
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(name);
    });
    WebhookReceiver.Builder bound = WebhookReceiver.builder(bus)
        .bind(new InetSocketAddress("127.0.0.1", 0));
    assertThatThrownBy(() -> bound.bind(new InetSocketAddress("127.0.0.1", 0)))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void builder_badValues_failFast_namingTheParameter() {
    assertThatThrownBy(() -> WebhookReceiver.builder(bus).path("webhooks"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path");
    assertThatThrownBy(() -> WebhookReceiver.builder(bus).path("/webhooks?x=1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path");
    Map<String, Consumer<WebhookReceiver.Builder>> ranges = Map.of(
        "maxBodyBytes", b -> b.maxBodyBytes(0),
        "maxRememberedIds", b -> b.maxRememberedIds(-1),
        "maxConnections", b -> b.maxConnections(0),
        "dedupeWindow", b -> b.dedupeWindow(Duration.ZERO),
        "headerTimeout", b -> b.headerTimeout(Duration.ofMillis(-1)),
        "bodyTimeout", b -> b.bodyTimeout(Duration.ZERO),
        "idleTimeout", b -> b.idleTimeout(Duration.ZERO),
        "publishTimeout", b -> b.publishTimeout(Duration.ZERO),
        "retryAfter", b -> b.retryAfter(Duration.ZERO));
    ranges.forEach((name, set) -> assertThatThrownBy(() -> set.accept(WebhookReceiver.builder(bus)))
        .as(name).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name));
    assertThatThrownBy(() -> WebhookReceiver.builder(bus).register(First.class, Second.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WebhookReceiver.builder(bus).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("verifier(");
    assertThatThrownBy(() -> WebhookReceiver.builder(bus).verifier(verifier())
        .dedupeWindow(Duration.ofSeconds(599)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("dedupeWindow");
  }

  @Test
  void response_checksItsFields_andItsHeadersAreAnUnmodifiableCopy() {
    Map<String, String> headers = new HashMap<>(Map.of("Retry-After", "3"));
    ReceiverResponse response = new ReceiverResponse(503, "{}", headers);
    headers.put("X-Later", "1");
    assertThat(response.headers()).containsOnlyKeys("Retry-After");
    assertThatThrownBy(() -> response.headers().put("A", "b"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new ReceiverResponse(200, null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new ReceiverResponse(200, "{}", null))
        .isInstanceOf(NullPointerException.class);
    assertThat(new ReceiverResponse(299, "{}").accepted()).isTrue();
    assertThat(new ReceiverResponse(300, "{}").accepted()).isFalse();
    assertThat(new ReceiverResponse(199, "{}").accepted()).isFalse();
  }

  @Test
  void toString_neverShowsTheSecret() {
    try (WebhookReceiver r = receiver().build()) {
      assertThat(r.toString()).doesNotContain(SECRET.substring(6));
    }
  }
}
