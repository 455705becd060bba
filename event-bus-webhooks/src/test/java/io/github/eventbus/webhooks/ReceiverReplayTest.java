package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Replay protection: keyed on what is signed, remembered for the window, fail-closed when full. */
class ReceiverReplayTest {

  static final String SECRET = WebhookReceiverTest.SECRET;
  static final Instant NOW = WebhookReceiverTest.NOW;

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    volatile Instant now = NOW;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final MovableClock clock = new MovableClock();
  private final List<Event<?>> published = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().name("replay").executor(Runnable::run).build();
  private WebhookReceiver receiver;

  private WebhookReceiver receiver(SignatureScheme scheme, int maxIds) {
    bus.subscribe("*", published::add);
    receiver = WebhookReceiver.builder(bus).clock(clock).maxRememberedIds(maxIds)
        .verifier(WebhookVerifier.builder().scheme(scheme).secret(SECRET).clock(clock).build())
        .build();
    return receiver;
  }

  @AfterEach
  void stop() {
    if (receiver != null) {
      receiver.close();
    }
    bus.close();
  }

  private static Map<String, String> designSigned(byte[] body, String webhookId) {
    Map<String, String> h = new HashMap<>(SignatureScheme.xWebhookSignature().sign(webhookId, NOW, body,
        List.of(WebhookSecret.of(SECRET))));
    h.put("webhook-id", webhookId);
    h.put("Content-Type", "application/json");
    return h;
  }

  /** A payload whose signed {@code timestamp} is the given time, as a sender would make it. */
  static byte[] payloadAt(String id, Instant at) {
    return ("{\"event_type\":\"deployment\",\"timestamp\":" + at.getEpochSecond()
        + ",\"event_id\":\"" + id + "\",\"data\":{\"status\":\"ok\"}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void bodyOnlyScheme_replayUnderNewUnsignedIds_isADuplicate() {
    receiver(SignatureScheme.xWebhookSignature(), 100);
    byte[] body = payloadAt("evt-r", NOW);

    assertThat(receiver.handle("POST", designSigned(body, "a"), body).status()).isEqualTo(202);
    for (String fresh : List.of("b", "c", "d")) {
      assertThat(receiver.handle("POST", designSigned(body, fresh), body).status())
          .isEqualTo(200);
    }
    assertThat(published).hasSize(1);
    assertThat(published.get(0).metadata().headers()).doesNotContainKey("webhook_id");
  }

  @Test
  void bodyOnlyScheme_replayAfterWindow_isRefused() {
    receiver(SignatureScheme.xWebhookSignature(), 100);
    byte[] body = payloadAt("evt-late", NOW);
    Map<String, String> h = designSigned(body, "x");

    assertThat(receiver.handle("POST", h, body).status()).isEqualTo(202);
    clock.now = NOW.plus(Duration.ofMinutes(10)).plusSeconds(1); // the id is forgotten now
    ReceiverResponse late = receiver.handle("POST", h, body);

    assertThat(late.status()).isEqualTo(401);
    assertThat(late.body()).contains("timestamp");
    assertThat(published).hasSize(1);
  }

  @Test
  void bodyOnlyScheme_acceptsABodyTimestampOnlyWithinHalfTheWindow_eitherSide() {
    receiver(SignatureScheme.xWebhookSignature(), 100);
    Duration half = Duration.ofMinutes(5);
    byte[] oldest = payloadAt("evt-old", NOW.minus(half));
    byte[] newest = payloadAt("evt-new", NOW.plus(half));
    byte[] tooOld = payloadAt("evt-too-old", NOW.minus(half).minusSeconds(1));
    byte[] tooNew = payloadAt("evt-too-new", NOW.plus(half).plusSeconds(1));

    assertThat(receiver.handle("POST", designSigned(oldest, "a"), oldest).status()).isEqualTo(202);
    assertThat(receiver.handle("POST", designSigned(newest, "b"), newest).status()).isEqualTo(202);
    assertThat(receiver.handle("POST", designSigned(tooOld, "c"), tooOld).status()).isEqualTo(401);
    assertThat(receiver.handle("POST", designSigned(tooNew, "d"), tooNew).status()).isEqualTo(401);
    assertThat(published).extracting(Event::id).containsExactly("evt-old", "evt-new");
  }

  @Test
  void bodyOnlyScheme_withoutABodyTimestamp_is400() {
    receiver(SignatureScheme.github(), 100);
    byte[] body = "{\"event_type\":\"deployment\",\"event_id\":\"e\",\"data\":{}}"
        .getBytes(StandardCharsets.UTF_8);
    Map<String, String> h = new HashMap<>(SignatureScheme.github().sign("x", NOW, body,
        List.of(WebhookSecret.of(SECRET))));
    h.put("Content-Type", "application/json");

    ReceiverResponse r = receiver.handle("POST", h, body);
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("timestamp");
    assertThat(published).isEmpty();
  }

  @Test
  void bodyOnlyScheme_withoutABodyEventId_is400() {
    receiver(SignatureScheme.xWebhookSignature(), 100);
    byte[] body = "{\"event_type\":\"deployment\",\"data\":{}}".getBytes(StandardCharsets.UTF_8);

    ReceiverResponse r = receiver.handle("POST", designSigned(body, "unsigned-id"), body);
    assertThat(r.status()).isEqualTo(400);
    assertThat(published).isEmpty();
  }

  /**
   * Signed times are whole seconds, so a request verifies for up to a second past the tolerance on
   * a millisecond clock: its id must be remembered that second longer than the window too.
   */
  @Test
  void aReplayInTheLastSecondItStillVerifies_isADuplicate_notPublishedAgain() {
    receiver(SignatureScheme.standardWebhooks(Duration.ofSeconds(300)), 100);
    byte[] body = WebhookReceiverTest.payload("deployment", "evt-edge");
    Instant arrival = Instant.ofEpochSecond(1_700_000_000, 200_000_000);
    Instant signedAt = Instant.ofEpochSecond(1_700_000_300); // a sender 299.8 s ahead
    Map<String, String> headers = WebhookReceiverTest.signed("msg-edge", signedAt, body);
    clock.now = arrival;
    assertThat(receiver.handle("POST", headers, body).status()).isEqualTo(202);

    clock.now = Instant.ofEpochSecond(1_700_000_600, 500_000_000); // still verifies: 300 s
    ReceiverResponse replay = receiver.handle("POST", headers, body);

    assertThat(replay.status()).isEqualTo(200);
    assertThat(published).hasSize(1);
  }

  @Test
  void standardWebhooks_newTimestampSameId_isADuplicate_untilTheWholeWindowHasPassed() {
    receiver(SignatureScheme.standardWebhooks(Duration.ofSeconds(300)), 100);
    byte[] body = WebhookReceiverTest.payload("deployment", "evt-w");
    Instant first = clock.now;

    assertThat(receiver.handle("POST", WebhookReceiverTest.signed("msg-w", first, body), body)
        .status()).isEqualTo(202);
    clock.now = first.plus(Duration.ofMinutes(10)).plusSeconds(1).minusMillis(1);
    assertThat(receiver.handle("POST", WebhookReceiverTest.signed("msg-w", clock.now, body),
        body).status()).isEqualTo(200);
    clock.now = first.plus(Duration.ofMinutes(10)).plusSeconds(1);
    assertThat(receiver.handle("POST", WebhookReceiverTest.signed("msg-w", clock.now, body),
        body).status()).isEqualTo(202); // the window passed: a new delivery, signed anew
    assertThat(published).hasSize(2);
  }

  @Test
  void fullMemory_failsClosedWith503_untilIdsExpire() {
    receiver(SignatureScheme.standardWebhooks(), 3);
    for (int i = 0; i < 3; i++) {
      byte[] body = WebhookReceiverTest.payload("deployment", "evt-f" + i);
      assertThat(receiver.handle("POST", WebhookReceiverTest.signed("msg-f" + i, NOW, body), body)
          .status()).isEqualTo(202);
    }
    byte[] more = WebhookReceiverTest.payload("deployment", "evt-f3");
    ReceiverResponse full = receiver.handle("POST",
        WebhookReceiverTest.signed("msg-f3", NOW, more), more);
    byte[] old = WebhookReceiverTest.payload("deployment", "evt-f0");
    ReceiverResponse replay = receiver.handle("POST",
        WebhookReceiverTest.signed("msg-f0", NOW, old), old);

    assertThat(full.status()).isEqualTo(503);
    assertThat(full.headers()).containsKey("Retry-After");
    assertThat(replay.status()).isEqualTo(200); // nothing inside the window was forgotten
    clock.now = NOW.plus(Duration.ofMinutes(10)).plusSeconds(1);
    assertThat(receiver.handle("POST", WebhookReceiverTest.signed("msg-f3", clock.now, more),
        more).status()).isEqualTo(202);
    assertThat(receiver.metrics().rememberedIds()).isEqualTo(1);
    assertThat(published).hasSize(4);
  }

  @Test
  void concurrentReplaysOfOneRequest_publishItOnce_inEveryRound() throws Exception {
    receiver(SignatureScheme.standardWebhooks(), 10_000);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 200; round++) {
        byte[] body = WebhookReceiverTest.payload("deployment", "evt-c" + round);
        Map<String, String> headers = WebhookReceiverTest.signed("msg-c" + round, NOW, body);
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(8);
        List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
        for (int t = 0; t < 8; t++) {
          answers.add(pool.submit(() -> {
            start.await();
            return receiver.handle("POST", headers, body).status();
          }));
        }
        int accepted = 0;
        for (java.util.concurrent.Future<Integer> a : answers) {
          int status = a.get(10, java.util.concurrent.TimeUnit.SECONDS);
          assertThat(status).isIn(200, 202, 503);
          accepted += status == 202 ? 1 : 0;
        }
        assertThat(accepted).as("round %d", round).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(published).hasSize(200);
  }

  @Test
  void repeatedSignatureHeaders_areAmbiguous_andRefusedWith400() {
    receiver(SignatureScheme.standardWebhooks(), 100);
    byte[] body = WebhookReceiverTest.payload("deployment", "evt-a");
    Map<String, String> signed = WebhookReceiverTest.signed("msg-a", NOW, body);
    Map<String, Object> twoValues = new HashMap<>(signed);
    twoValues.put("webhook-id", List.of("msg-a", "msg-b"));
    Map<String, Object> twoSpellings = new HashMap<>(signed);
    twoSpellings.put("Webhook-Id", "msg-b");

    assertThat(receiver.handle("POST", twoValues, body).status()).isEqualTo(400);
    assertThat(receiver.handle("POST", twoSpellings, body).status()).isEqualTo(400);
    assertThat(published).isEmpty();
  }

  @Test
  void aSchemeThatThrowsOnHostileInput_gives400_notA5xx() {
    SignatureScheme fragile = new SignatureScheme() {
      @Override
      public Verification verify(byte[] body, Map<String, ?> headers, List<WebhookSecret> secrets,
          Instant now) {
        throw new IllegalArgumentException("cannot parse");
      }

      @Override
      public Map<String, String> sign(String id, Instant timestamp, byte[] body,
          List<WebhookSecret> secrets) {
        return Map.of();
      }
    };
    receiver(fragile, 100);
    byte[] body = WebhookReceiverTest.payload("deployment", "evt-x");

    assertThat(receiver.handle("POST", Map.of("Content-Type", "application/json"), body).status())
        .isEqualTo(400);
    assertThat(published).isEmpty();
  }

  @Test
  void dedupeWindowShorterThanTheReplayWindow_isRefusedAtBuild() {
    assertThatThrownBy(() -> WebhookReceiver.builder(bus).dedupeWindow(Duration.ofMinutes(9))
        .verifier(WebhookVerifier.builder().secret(SECRET).build()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("replay");
  }

  @Test
  void everyBuilderOption_canBeSetOnlyOnce() {
    WebhookReceiver.Builder b = WebhookReceiver.builder(bus).maxBodyBytes(10)
        .register(WebhookReceiverTest.Deployment.class).publishTimeout(Duration.ofSeconds(1));
    assertThatThrownBy(() -> b.maxBodyBytes(20)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maxBodyBytes");
    assertThatThrownBy(() -> b.register(WebhookReceiverTest.Deployment.class))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("register");
    assertThatThrownBy(() -> b.publishTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("publishTimeout");
    assertThatThrownBy(() -> b.headerTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("headerTimeout");
  }

  @Test
  void githubScheme_hexSignatureOverTheBody_keysOnTheBodyId() {
    receiver(SignatureScheme.github(), 100);
    byte[] body = payloadAt("evt-g", NOW);
    Map<String, String> h = new HashMap<>(Map.of("Content-Type", "application/json",
        "X-Hub-Signature-256", "sha256=" + HexFormat.of().formatHex(
            Hmac.sha256(SECRET.getBytes(StandardCharsets.UTF_8), body))));
    h.put("X-GitHub-Delivery", "d1");
    assertThat(receiver.handle("POST", h, body).status()).isEqualTo(202);
    h.put("X-GitHub-Delivery", "d2");
    assertThat(receiver.handle("POST", h, body).status()).isEqualTo(200);
  }
}
