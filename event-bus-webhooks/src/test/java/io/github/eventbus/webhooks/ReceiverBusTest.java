package io.github.eventbus.webhooks;

import static io.github.eventbus.webhooks.RawHttp.exchange;
import static io.github.eventbus.webhooks.RawHttp.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The receiver against a full, slow or closed bus, under each backpressure policy. */
class ReceiverBusTest {

  static final String SECRET = WebhookReceiverTest.SECRET;
  static final Instant NOW = WebhookReceiverTest.NOW;

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final List<String> delivered = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch firstDelivered = new CountDownLatch(1);
  private final ExecutorService clients = Executors.newCachedThreadPool();
  private EventBus bus;
  private WebhookReceiver receiver;
  private URI uri;

  /** A bus of capacity 1 whose only queue place is taken by an event its handler holds. */
  private void fullBus(BackpressurePolicy policy) throws Exception {
    bus = EventBus.builder().name("full").workers(1).queueCapacity(1).backpressure(policy).build();
    CountDownLatch holding = new CountDownLatch(1);
    bus.subscribe("*", (Event<?> e) -> {
      if (e.id().equals("blocker")) {
        holding.countDown();
        release.await();
      }
      delivered.add(e.id());
      if (e.id().equals("evt-1")) {
        firstDelivered.countDown();
      }
    });
    bus.publish(Event.builder(io.github.eventbus.DynamicEvent.of("blocker", Map.of()))
        .id("blocker").timestamp(NOW).build());
    assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
    receiver = WebhookReceiver.builder(bus).clock(clock).publishTimeout(Duration.ofMillis(300))
        .verifier(WebhookVerifier.builder().secret(SECRET).clock(clock).build()).build();
    receiver.start();
    uri = receiver.uri();
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (receiver != null) {
      receiver.close();
    }
    if (bus != null) {
      bus.close();
    }
    clients.shutdownNow();
  }

  private Future<RawHttp.Answer> send(String id) {
    byte[] body = WebhookReceiverTest.payload("deployment", id);
    return clients.submit(() -> exchange(uri, post(uri,
        RawHttp.signed(SECRET, "msg-" + id, NOW, body), body)));
  }

  /** Retries as a sender would, until the answer is not 503; bounded by the caller's get. */
  private Future<RawHttp.Answer> retryWhile503(String id) {
    return clients.submit(() -> {
      RawHttp.Answer a;
      do {
        a = send(id).get();
      } while (a.status() == 503);
      return a;
    });
  }

  private Future<RawHttp.Answer> sendUnsigned(String id) {
    byte[] body = WebhookReceiverTest.payload("deployment", id);
    return clients.submit(() -> exchange(uri, post(uri,
        Map.of("Content-Type", "application/json"), body)));
  }

  @ParameterizedTest
  @EnumSource(BackpressurePolicy.class)
  void fullBus_answers503WithRetryAfter_unsignedAt401AtOnce_andTheRetryIsPublishedOnce(
      BackpressurePolicy policy) throws Exception {
    fullBus(policy);

    Future<RawHttp.Answer> signed = send("evt-1");
    Future<RawHttp.Answer> unsigned = sendUnsigned("evt-2");

    assertThat(unsigned.get(2, TimeUnit.SECONDS).status()).isEqualTo(401);
    RawHttp.Answer busy = signed.get(5, TimeUnit.SECONDS);
    assertThat(busy.status()).isEqualTo(503);
    assertThat(busy.headers()).containsEntry("retry-after", "5");
    release.countDown();
    // The sender retries (the id was not remembered as accepted unless the bus took it late).
    Future<RawHttp.Answer> retried = retryWhile503("evt-1");
    assertThat(retried.get(10, TimeUnit.SECONDS).status()).isIn(200, 202);
    assertThat(firstDelivered.await(10, TimeUnit.SECONDS)).isTrue();
    bus.close();
    assertThat(delivered).filteredOn("evt-1"::equals).hasSize(1);
    assertThat(receiver.metrics().unavailable()).isPositive();
  }

  @Test
  void droppedOrRejected_isNotRemembered_soTheRetryIsAcceptedAndPublished() throws Exception {
    fullBus(BackpressurePolicy.DROP);

    assertThat(send("evt-d").get(5, TimeUnit.SECONDS).status()).isEqualTo(503);
    assertThat(receiver.metrics().rememberedIds()).isZero();
    release.countDown();
    Future<RawHttp.Answer> retried = retryWhile503("evt-d");
    assertThat(retried.get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
  }

  @Test
  void close_endsThePublishThreads_evenOneStillWaitingForAFullBus() throws Exception {
    fullBus(BackpressurePolicy.BLOCK);
    assertThat(send("evt-1").get(5, TimeUnit.SECONDS).status()).isEqualTo(503);
    assertThat(publishThreads()).as("the publish still waits for room").isNotEmpty();

    receiver.close();

    assertThat(publishThreads()).as("no publish thread outlives close()").isEmpty();
  }

  private static List<String> publishThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(Thread::getName).filter(n -> n.startsWith("webhook-receiver-publish-")).toList();
  }

  /**
   * A bus whose executor runs handlers inline throws a handler's Error out of publish once every
   * subscriber had the event: accepted (202, remembered), and the Error goes to the publishing
   * thread's uncaught-exception handler rather than leaving the id "being published" for good.
   */
  @Test
  void aHandlerErrorThrownThroughPublish_isStillAnAcceptance_andTheReplayIsADuplicate()
      throws Exception {
    bus = EventBus.builder().name("inline-error").executor(Runnable::run)
        .exceptionHandler((e, c) -> { }).build();
    bus.subscribe("*", (Event<?> e) -> {
      delivered.add(e.id());
      throw new AssertionError("handler broke");
    });
    receiver = WebhookReceiver.builder(bus).clock(clock).publishTimeout(Duration.ofSeconds(5))
        .verifier(WebhookVerifier.builder().secret(SECRET).clock(clock).build()).build();
    receiver.start();
    uri = receiver.uri();

    assertThat(send("evt-e").get(10, TimeUnit.SECONDS).status()).isEqualTo(202);
    assertThat(send("evt-e").get(10, TimeUnit.SECONDS).status()).as("the replay").isEqualTo(200);
    assertThat(delivered).containsExactly("evt-e");
  }

  @Test
  void closedBus_answers503() throws Exception {
    bus = EventBus.builder().name("closed").build();
    receiver = WebhookReceiver.builder(bus).clock(clock)
        .verifier(WebhookVerifier.builder().secret(SECRET).clock(clock).build()).build();
    receiver.start();
    uri = receiver.uri();
    bus.close();

    RawHttp.Answer answer = send("evt-c").get(5, TimeUnit.SECONDS);
    assertThat(answer.status()).isEqualTo(503);
    assertThat(answer.body()).contains("closed");
    assertThat(receiver.metrics().rememberedIds()).isZero();
  }
}
