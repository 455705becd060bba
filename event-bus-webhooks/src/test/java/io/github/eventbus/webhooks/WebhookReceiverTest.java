package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The receiver over real HTTP on 127.0.0.1 (ephemeral port), and its framework-free entry point. */
class WebhookReceiverTest {

  @EventType("deployment")
  public record Deployment(String service, String status) {}

  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

  private final List<Event<?>> published = new CopyOnWriteArrayList<>();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final EventBus bus = EventBus.builder().name("inbox").executor(Runnable::run).build();
  private final HttpClient http = HttpClient.newHttpClient();
  private WebhookReceiver receiver;

  @BeforeEach
  void start() {
    bus.subscribe("*", published::add);
    receiver = WebhookReceiver.builder(bus).clock(clock).maxBodyBytes(4096)
        .verifier(WebhookVerifier.builder().secret(SECRET).clock(clock).build())
        .register(Deployment.class).build();
    receiver.start();
  }

  @AfterEach
  void stop() {
    receiver.close();
    bus.close();
  }

  static byte[] payload(String type, String id) {
    return ("{\"event_type\":\"" + type + "\",\"timestamp\":1642248000,\"event_id\":\"" + id
        + "\",\"data\":{\"service\":\"api\",\"status\":\"ok\"},\"source\":\"ci\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static Map<String, String> signed(String id, Instant at, byte[] body) {
    Map<String, String> headers = new HashMap<>(SignatureScheme.standardWebhooks().sign(id, at, body,
        List.of(WebhookSecret.of(SECRET))));
    headers.put("Content-Type", "application/json");
    return headers;
  }

  private HttpResponse<String> post(URI uri, Map<String, String> headers, byte[] body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void start_onAnAddressInUse_throws_andLeavesNoSocketOpen() throws Exception {
    java.nio.file.Path fds = java.nio.file.Path.of("/proc/self/fd");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(fds));
    java.net.InetSocketAddress taken =
        new java.net.InetSocketAddress("127.0.0.1", receiver.uri().getPort());
    long before = openFiles(fds);
    for (int i = 0; i < 50; i++) {
      WebhookReceiver second = WebhookReceiver.builder(bus).bind(taken)
          .verifier(WebhookVerifier.builder().secret(SECRET).build()).build();
      org.assertj.core.api.Assertions.assertThatThrownBy(second::start)
          .isInstanceOf(java.io.UncheckedIOException.class)
          .hasMessageContaining(String.valueOf(taken.getPort()));
      second.close();
    }
    // Fifty failed starts that each kept their socket would leave fifty more descriptors.
    assertThat(openFiles(fds)).isLessThan(before + 10);
  }

  private static long openFiles(java.nio.file.Path fds) throws java.io.IOException {
    try (java.util.stream.Stream<java.nio.file.Path> list = java.nio.file.Files.list(fds)) {
      return list.count();
    }
  }

  @Test
  void validRequest_isAccepted_andPublishedTyped_thenItsDuplicateIsAcknowledgedOnly() throws Exception {
    byte[] body = payload("deployment", "evt-1");

    HttpResponse<String> first = post(receiver.uri(), signed("msg-1", NOW, body), body);
    HttpResponse<String> again = post(receiver.uri(), signed("msg-1", NOW.plusSeconds(5), body), body);

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(first.body()).contains("\"event_id\":\"evt-1\"");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).contains("\"status\":\"duplicate\"");
    assertThat(published).singleElement().satisfies(e -> {
      assertThat(e.payload()).isEqualTo(new Deployment("api", "ok"));
      assertThat(e.id()).isEqualTo("evt-1");
      assertThat(e.source()).isEqualTo("ci");
      assertThat(e.timestamp()).isEqualTo(Instant.ofEpochSecond(1642248000));
      assertThat(e.metadata().headers()).containsEntry("webhook_id", "msg-1");
    });
  }

  @Test
  void unknownType_isPublishedAsDynamicEvent() throws Exception {
    byte[] body = payload("build.finished", "evt-2");
    assertThat(post(receiver.uri(), signed("msg-2", NOW, body), body).statusCode()).isEqualTo(202);
    assertThat(published).singleElement()
        .satisfies(e -> assertThat(e.payload()).isInstanceOf(DynamicEvent.class));
  }

  @Test
  void badRequests_getTheirDocumentedStatus_andNothingReachesTheBus() throws Exception {
    byte[] body = payload("deployment", "evt-3");
    Map<String, String> forged = signed("msg-3", NOW, "{\"other\":1}".getBytes());
    Map<String, String> stale = signed("msg-4", NOW.minusSeconds(301), body);
    Map<String, String> missing = new HashMap<>(signed("msg-5", NOW, body));
    missing.remove("webhook-signature");
    Map<String, String> badTimestamp = new HashMap<>(signed("msg-6", NOW, body));
    badTimestamp.put("webhook-timestamp", "soon");
    Map<String, String> text = new HashMap<>(signed("msg-7", NOW, body));
    text.put("Content-Type", "text/plain");
    byte[] notJson = "{\"event_type\": ".getBytes();
    byte[] noType = "{\"data\":{}}".getBytes();
    byte[] big = ("{\"event_type\":\"x\",\"data\":{\"pad\":\"" + "x".repeat(5000) + "\"}}").getBytes();

    assertThat(post(receiver.uri(), forged, body).statusCode()).isEqualTo(401);
    assertThat(post(receiver.uri(), stale, body).statusCode()).isEqualTo(401);
    assertThat(post(receiver.uri(), missing, body).statusCode()).isEqualTo(401);
    assertThat(post(receiver.uri(), badTimestamp, body).statusCode()).isEqualTo(400);
    assertThat(post(receiver.uri(), text, body).statusCode()).isEqualTo(415);
    assertThat(post(receiver.uri(), signed("msg-8", NOW, notJson), notJson).statusCode()).isEqualTo(400);
    assertThat(post(receiver.uri(), signed("msg-9", NOW, noType), noType).statusCode()).isEqualTo(400);
    assertThat(post(receiver.uri(), signed("msg-10", NOW, big), big).statusCode()).isEqualTo(413);
    HttpResponse<String> get = http.send(HttpRequest.newBuilder(receiver.uri()).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).contains("POST");
    assertThat(published).isEmpty();
  }

  /** Seeded random mutations of valid requests: no mutated request may be accepted. */
  @Test
  void mutatedValidRequests_areNeverAccepted_tenThousandSeededCases() {
    Random random = new Random(20261123);
    int accepted = 0;
    for (int i = 0; i < 10_000; i++) {
      String id = "msg-m" + i;
      byte[] body = payload("deployment", "evt-m" + i);
      Map<String, String> headers = signed(id, NOW, body);
      String target = List.of("body", "webhook-id", "webhook-timestamp", "webhook-signature")
          .get(random.nextInt(4));
      int flips = 1 + random.nextInt(3);
      if (target.equals("body")) {
        byte[] original = body;
        body = body.clone();
        for (int f = 0; f < flips; f++) {
          body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
        }
        if (java.util.Arrays.equals(original, body)) {
          continue; // flips that cancel out are not mutations
        }
      } else {
        char[] chars = headers.get(target).toCharArray();
        for (int f = 0; f < flips; f++) {
          int at = random.nextInt(chars.length);
          chars[at] = (char) ((chars[at] ^ (1 << random.nextInt(7))) & 0x7F);
        }
        String mutated = new String(chars);
        if (mutated.equals(headers.get(target))) {
          continue; // flips that cancel out are not mutations
        }
        headers.put(target, mutated);
      }
      if (receiver.handle("POST", headers, body).accepted()) {
        accepted++;
      }
    }
    assertThat(accepted).isZero();
    assertThat(published).isEmpty();
  }

  /**
   * Seeded random mutations of the bytes of valid requests on the wire (flipped bits, deleted,
   * inserted and duplicated bytes, cut requests): every one gets an answer, never a 5xx, and
   * whatever is accepted is exactly an original event.
   */
  @Test
  void mutatedRawRequests_getA4xxOrTheOriginalEvent_neverA5xx_threeThousandSeededCases()
      throws Exception {
    Random random = new Random(20261130);
    byte[] specials = "\r\n :;,\t\u0000-0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);
    URI uri = receiver.uri();
    int answered = 0;
    int acceptedCount = 0;
    for (int i = 0; i < 3_000; i++) {
      byte[] body = payload("deployment", "evt-w" + i);
      byte[] request = RawHttp.post(uri, signed("msg-w" + i, NOW, body), body);
      byte[] mutated = request;
      int mutations = 1 + random.nextInt(3);
      for (int m = 0; m < mutations; m++) {
        mutated = mutate(mutated, random, specials);
      }
      RawHttp.Answer answer = RawHttp.exchange(uri, mutated);
      assertThat(answer).as("case %d", i).isNotNull();
      assertThat(answer.status()).as("case %d", i).isBetween(200, 499);
      answered++;
      if (answer.status() == 202) {
        acceptedCount++;
      }
    }
    assertThat(answered).isEqualTo(3_000);
    assertThat(published).hasSize(acceptedCount).allSatisfy(e -> {
      assertThat(e.payload()).isEqualTo(new Deployment("api", "ok"));
      assertThat(e.id()).matches("evt-w\\d+");
      assertThat(e.metadata().headers().get("webhook_id")).isEqualTo("msg-" + e.id().substring(4));
      assertThat(e.source()).isEqualTo("ci");
    });
    assertThat(receiver.metrics().accepted()).isEqualTo(acceptedCount);
  }

  private static byte[] mutate(byte[] request, Random random, byte[] specials) {
    if (request.length < 2) {
      return request; // keep at least one byte: an empty connection is not a request
    }
    int at = random.nextInt(request.length);
    switch (random.nextInt(5)) {
      case 0: { // flip a bit
        byte[] out = request.clone();
        out[at] ^= (byte) (1 << random.nextInt(8));
        return out;
      }
      case 1: // delete a byte
        return RawHttp.concat(java.util.Arrays.copyOf(request, at),
            java.util.Arrays.copyOfRange(request, at + 1, request.length));
      case 2: // insert a framing-relevant byte
        return RawHttp.concat(java.util.Arrays.copyOf(request, at),
            new byte[] {specials[random.nextInt(specials.length)]},
            java.util.Arrays.copyOfRange(request, at, request.length));
      case 3: { // duplicate a stretch
        int len = 1 + random.nextInt(Math.min(40, request.length - at));
        return RawHttp.concat(java.util.Arrays.copyOf(request, at + len),
            java.util.Arrays.copyOfRange(request, at, request.length));
      }
      default: // cut short
        return java.util.Arrays.copyOf(request, Math.max(1, at));
    }
  }

  /**
   * Characters that break, hide or reorder a log line, make two ids look alike (invisible), or
   * are not text at all (lone halves).
   */
  @ParameterizedTest
  @ValueSource(strings = {"\u0085", "\u009b", "\u0080", "\u009f", "\u2028", "\u2029", "\u202a",
      "\u202e", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\ud800", "\udfff",
      "\udc00\ud800", "\u200b", "\u2060", "\ufeff", "\u00ad", "\udb40\udc41"})
  void idsAndSource_withLineBreakingBidiInvisibleOrLoneSurrogateCharacters_are400(String bad) {
    StringBuilder escaped = new StringBuilder(); // as JSON escapes: lone halves survive them
    bad.chars().forEach(c -> escaped.append(String.format(java.util.Locale.ROOT, "\\u%04x", c)));
    String id = "evt" + escaped + "x";
    List<byte[]> bodies = List.of(
        payload("deployment", id),
        ("{\"event_type\":\"deployment\",\"event_id\":\"e\",\"source\":\"" + id
            + "\",\"data\":{}}").getBytes(StandardCharsets.UTF_8));
    for (byte[] body : bodies) {
      assertThat(receiver.handle("POST", signed("msg-ok", NOW, body), body).status())
          .isEqualTo(400);
    }
    byte[] body = payload("deployment", "evt-ok");
    assertThat(receiver.handle("POST", signed("msg" + bad, NOW, body), body).status())
        .isEqualTo(400);
    assertThat(published).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"253402300799.9999", "-0.5", "1e300", "253402300800",
      "\"+10000-01-01T00:00:00Z\"", "100000000000000000000"})
  void timestamps_pastTheYear9999OrBefore1970_are400_sayingSo(String timestamp) {
    byte[] body = ("{\"event_type\":\"deployment\",\"event_id\":\"e\",\"data\":{},"
        + "\"timestamp\":" + timestamp + "}").getBytes(StandardCharsets.UTF_8);
    assertMalformed(body, "1970 to 9999");
  }

  @Test
  void anEventTypeReservedForTheBus_is400_soNoSenderCanPoseAsADeadLetter() {
    assertMalformed(payload("bus.dead_letter", "evt-posing"), "the bus's own");
  }

  /** A signed body is answered 400 with the reason, and nothing is published. */
  private void assertMalformed(byte[] body, String reason) {
    ReceiverResponse answer = receiver.handle("POST", signed("msg-400", NOW, body), body);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.body()).contains(reason);
    assertThat(published).isEmpty();
  }

  @Test
  void idsWithPairedSurrogatesAndOtherNonAscii_areAccepted() {
    byte[] body = payload("deployment", "evt-\ud83d\ude00-\u00e9-\u4e2d");
    assertThat(receiver.handle("POST", signed("msg-\u00e9", NOW, body), body).status())
        .isEqualTo(202);
    assertThat(published).extracting(Event::id).containsExactly("evt-\ud83d\ude00-\u00e9-\u4e2d");
  }

  @Test
  void aMessageOfAnEnvelopeWithoutSource_asWebhookClientSendsIt_isAccepted() {
    // Event.builder without source() gives source "", which WebhookMessage writes as it is.
    WebhookMessage message = WebhookMessage.of(Event.builder(DynamicEvent.of("build.finished",
        java.util.Map.of("v", 1))).id("evt-no-source").timestamp(NOW).build());
    byte[] body = message.body();
    assertThat(new String(body, StandardCharsets.UTF_8)).contains("\"source\":\"\"");
    ReceiverResponse answer = receiver.handle("POST", signed("msg-no-source", NOW, body), body);
    assertThat(answer.status()).as(answer.toString()).isEqualTo(202);
    assertThat(published).singleElement().satisfies(e -> assertThat(e.source()).isEqualTo("webhook"));
  }
}
