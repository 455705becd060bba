package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Hostile cases for the shared publish preamble (DefaultEventBus.accept): what reaches the
 * publisher from handlers, interceptors and propagators, on both paths, as the package guide says.
 */
class GuardTest {

  record Ping(int n) {}

  private static ContextPropagator capturing(Throwable toThrow) {
    return new ContextPropagator() {
      @Override
      public Object capture() {
        if (toThrow instanceof Error e) {
          throw e;
        }
        throw (RuntimeException) toThrow;
      }

      @Override
      public Runnable restore(Object captured) {
        return () -> { };
      }
    };
  }

  @Test
  void queuedPublish_propagatorCaptureError_eventDeliveredThenErrorToPublisher()
      throws Exception {
    CountDownLatch delivered = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("t-err-1").workers(1)
        .contextPropagator(capturing(new AssertionError("capture"))).build()) {
      bus.subscribe(Ping.class, p -> delivered.countDown());
      assertThatThrownBy(() -> bus.publish(new Ping(1))).isInstanceOf(AssertionError.class)
          .hasMessage("capture");
      assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
      // the Error is not left for a later publish
      bus.publishSync(new Ping(2));
    }
  }

  @Test
  void queuedPublish_propagatorCaptureException_ignored() throws Exception {
    CountDownLatch delivered = new CountDownLatch(2);
    try (EventBus bus = EventBus.builder().name("t-err-2").workers(1)
        .contextPropagator(capturing(new IllegalStateException("capture"))).build()) {
      bus.subscribe(Ping.class, p -> delivered.countDown());
      bus.publish(new Ping(1));
      bus.publishAndTrack(new Ping(2));
      assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void bothPaths_onPublishError_deliveredThenThrown_sameWay() throws Exception {
    AtomicInteger handled = new AtomicInteger();
    CountDownLatch queued = new CountDownLatch(1);
    EventInterceptor bad = new EventInterceptor() {
      @Override
      public Event<?> onPublish(Event<?> event) {
        throw new AssertionError("onPublish");
      }
    };
    try (EventBus bus = EventBus.builder().name("t-err-3").workers(1).interceptor(bad)
        .build()) {
      bus.subscribe(Ping.class, p -> {
        handled.incrementAndGet();
        if (p.n() == 2) {
          queued.countDown();
        }
      });
      assertThatThrownBy(() -> bus.publishSync(new Ping(1))).isInstanceOf(AssertionError.class);
      assertThat(handled).hasValue(1);
      assertThatThrownBy(() -> bus.publish(new Ping(2))).isInstanceOf(AssertionError.class);
      assertThat(queued.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(bus.metrics().totals().published()).isEqualTo(2);
    }
  }

  @Test
  void handlerExceptionNeverReachesPublisher_exceptFailFast() throws Exception {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    AtomicInteger second = new AtomicInteger();
    try (EventBus bus = EventBus.builder().name("t-err-4").workers(1).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.on(Ping.class).priority(10).subscribe(p -> {
        throw new IllegalStateException("boom " + p.n());
      });
      bus.subscribe(Ping.class, p -> second.incrementAndGet());
      bus.publishSync(new Ping(1));
      bus.publishSyncAndTrack(new Ping(2));
      assertThat(second).hasValue(2);
      assertThatThrownBy(() -> bus.publishSyncFailFast(new Ping(3)))
          .isInstanceOf(DeliveryFailedException.class).hasRootCauseMessage("boom 3");
      assertThat(second).hasValue(2); // the dispatch stopped at the first failure
      bus.publish(new Ping(4));
    }
    assertThat(letters).extracting(d -> ((Ping) d.event().payload()).n())
        .containsExactlyInAnyOrder(1, 2, 4);
  }

  @Test
  void deadLetterGivenToPublish_subscriberErrorToPublisher_exceptionNot() {
    try (EventBus bus = EventBus.builder().name("t-err-5").workers(1).build()) {
      bus.subscribe(DeadLetter.class, d -> {
        if (d.subscriber().equals("error")) {
          throw new AssertionError("dead-letter subscriber");
        }
        throw new IllegalStateException("ignored");
      });
      Event<?> event = Event.builder(new Ping(1)).id("evt-1")
          .timestamp(java.time.Instant.parse("2030-01-01T00:00:00Z")).build();
      DeadLetter quiet = new DeadLetter(event, "quiet", new RuntimeException("x"), 1);
      DeadLetter loud = new DeadLetter(event, "error", new RuntimeException("x"), 1);
      bus.publish(quiet);
      bus.publishSync(quiet);
      assertThatThrownBy(() -> bus.publish(loud)).isInstanceOf(AssertionError.class);
      assertThatThrownBy(() -> bus.publishSync(loud)).isInstanceOf(AssertionError.class);
    }
  }

  @Test
  void nullAndClosed_sameOnBothPaths() {
    EventBus bus = EventBus.builder().name("t-err-6").drainTimeout(Duration.ofMillis(50))
        .build();
    assertThatThrownBy(() -> bus.publish(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> bus.publishSync(null)).isInstanceOf(NullPointerException.class);
    bus.close();
    assertThatThrownBy(() -> bus.publish(new Ping(1))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> bus.publishSync(new Ping(1)))
        .isInstanceOf(IllegalStateException.class);
  }
}
