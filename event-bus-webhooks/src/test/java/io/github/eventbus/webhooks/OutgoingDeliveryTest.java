package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OutgoingDeliveryTest {

  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static OutgoingDelivery delivery() {
    WebhookMessage m = WebhookMessage.of(Event.builder(DynamicEvent.of("t", Map.of()))
        .id("d-1").timestamp(T).build());
    return new OutgoingDelivery(URI.create("http://127.0.0.1:1/"), m, null, null);
  }

  @Test
  void dueBy_underWayOrRetryingInTime_isDue_retryingLater_isNot() {
    OutgoingDelivery d = delivery();
    assertThat(d.dueBy(T, true)).as("an attempt under way").isTrue();
    assertThat(d.dueBy(T, false)).as("under way, whatever the scheduler").isTrue();
    d.retryAt = T;
    assertThat(d.dueBy(T, true)).as("retrying at the time").isTrue();
    assertThat(d.dueBy(T, false)).as("a retry that will never run").isFalse();
    d.retryAt = T.plusMillis(1);
    assertThat(d.dueBy(T, true)).as("retrying after it").isFalse();
  }

  /** A drain reads retryAt while attempts start and clear it: it must not read it twice. */
  @Test
  void dueBy_whileAnotherThreadSetsAndClearsTheRetry_neverFails() throws Exception {
    OutgoingDelivery d = delivery();
    AtomicBoolean stop = new AtomicBoolean();
    Instant later = T.plusSeconds(1);
    Thread flipper = new Thread(() -> {
      while (!stop.get()) {
        d.retryAt = later;
        d.retryAt = null;
      }
    }, "flipper");
    flipper.start();
    long due = 0;
    try {
      for (int i = 0; i < 20_000_000; i++) {
        due += d.dueBy(T, true) ? 1 : 0;
      }
    } finally {
      stop.set(true);
      flipper.join();
    }
    assertThat(due).as("under way at some reads").isPositive();
  }
}
