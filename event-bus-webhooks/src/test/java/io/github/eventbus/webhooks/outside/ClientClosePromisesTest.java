package io.github.eventbus.webhooks.outside;

import static io.github.eventbus.webhooks.outside.WebhookClientPromisesTest.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.Event;
import io.github.eventbus.webhooks.AttemptResult;
import io.github.eventbus.webhooks.DeliveryListener;
import io.github.eventbus.webhooks.DeliveryOutcome;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookDelivery;
import io.github.eventbus.webhooks.WebhookDeliveryException;
import io.github.eventbus.webhooks.WebhookMessage;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A second close, messages that cannot be made, and the delivery exception, from the outside. */
class ClientClosePromisesTest {

  /** A payload Jackson cannot serialise: its only property throws. */
  public record Unserialisable(String name) {
    @Override
    public String name() {
      throw new IllegalStateException("no name today");
    }
  }

  /** Waits, up to 20 s, until {@code thread} waits with a timeout (a drain) or has ended. */
  private static void awaitTimedWaitingOrEnded(Thread thread) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (thread.getState() != Thread.State.TIMED_WAITING && thread.isAlive()) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  /**
   * A delivery that ended in time is only finished once its listeners have been told: close used
   * to return as soon as the delivery had left the active set, with a listener still running.
   */
  @Test
  void close_whileAListenerIsToldOfADelivery_returnsOnlyAfterIt() throws Exception {
    CountDownLatch telling = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean told = new AtomicBoolean();
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(200)) {
      WebhookClient client = WebhookClient.builder().secret("s")
          .drainTimeout(Duration.ofSeconds(20))
          .listener(new DeliveryListener() {
            @Override
            public void delivered(WebhookMessage m, AttemptResult last, WebhookDelivery result) {
              telling.countDown();
              try {
                release.await();
                told.set(true);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }).build();
      client.send(endpoint.uri("/told"), message("t1"));
      assertThat(telling.await(20, TimeUnit.SECONDS)).isTrue();
      Thread closer = new Thread(client::close, "closer");
      closer.start();
      awaitTimedWaitingOrEnded(closer);
      assertThat(closer.isAlive()).as("close returned while a listener was being told").isTrue();
      release.countDown();
      closer.join(TimeUnit.SECONDS.toMillis(20));
      assertThat(closer.isAlive()).isFalse();
      assertThat(told).isTrue();
    }
  }

  @Test
  void aSecondClose_duringTheFirstsDrain_returnsOnlyOnceTheFirstHasFinished() throws Exception {
    CompletableFuture<Boolean> abandoned = new CompletableFuture<>();
    try (HoldingEndpoint endpoint = HoldingEndpoint.holding(200)) {
      WebhookClient client = WebhookClient.builder().secret("s").drainTimeout(Duration.ofSeconds(1))
          .listener(new DeliveryListener() {
            @Override
            public void abandoned(WebhookMessage m, WebhookDelivery result, boolean kept) {
              abandoned.complete(kept);
            }
          }).build();
      CompletableFuture<WebhookDelivery> held = client.send(endpoint.uri("/held"), message("h1"));
      assertThat(endpoint.awaitArrived(1)).isTrue();
      Thread first = new Thread(client::close, "first-close");
      first.start();
      awaitTimedWaitingOrEnded(first);
      client.close();
      assertThat(held).isDone();
      assertThat(held.join().outcome()).isEqualTo(DeliveryOutcome.ABANDONED);
      assertThat(abandoned).isCompletedWithValue(false);
      first.join(TimeUnit.SECONDS.toMillis(20));
      assertThat(first.isAlive()).isFalse();
    }
  }

  @Test
  void aPayloadThatCannotBeSerialised_isAnIllegalArgument_namingTheEvent() {
    Event<?> event = Event.builder(new Unserialisable("x")).id("evt-unserialisable")
        .timestamp(Instant.parse("2026-11-23T10:00:00Z")).build();
    assertThatThrownBy(() -> WebhookMessage.of(event))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("evt-unserialisable");
  }

  @Test
  void deliveryException_namesTheOriginOnly_andCarriesTheResult() {
    URI secretPath = URI.create("https://hooks.example.com:8443/T000/B000/XXXXtoken?key=abc");
    for (DeliveryOutcome outcome : new DeliveryOutcome[] {DeliveryOutcome.GONE,
        DeliveryOutcome.REJECTED, DeliveryOutcome.EXHAUSTED, DeliveryOutcome.ABANDONED}) {
      WebhookDeliveryException e = new WebhookDeliveryException(
          new WebhookDelivery("id-1", secretPath, outcome, 3, 404, null));
      assertThat(e.getMessage()).as(outcome.toString())
          .contains("https://hooks.example.com:8443").doesNotContain("XXXXtoken", "key=abc");
      assertThat(e.endpoint()).isEqualTo(secretPath);
      assertThat(e.outcome()).isEqualTo(outcome);
      assertThat(e.attempts()).isEqualTo(3);
      assertThat(e.status()).isEqualTo(404);
    }
    WebhookDelivery d = new WebhookDelivery("id-1", secretPath, DeliveryOutcome.REJECTED, 1, 404,
        null);
    assertThat(d.toString()).doesNotContain("XXXXtoken", "key=abc");
    assertThat(d.endpoint()).isEqualTo(secretPath);
  }
}
