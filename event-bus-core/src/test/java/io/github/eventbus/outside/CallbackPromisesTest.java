package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DeadEvent;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DeliveryReport;
import io.github.eventbus.DeliveryStatus;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventBusBuilder;
import io.github.eventbus.EventInterceptor;
import io.github.eventbus.Metadata;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Promises about calls the bus makes into user callbacks other than handlers. */
class CallbackPromisesTest {

  private static final long WAIT_SECONDS = 20;

  /** Runs {@code close} where it was called from and records what it threw, or null. */
  private static void closeFrom(EventBus[] bus, CompletableFuture<Throwable> outcome) {
    try {
      bus[0].close();
      outcome.complete(null);
    } catch (Throwable t) {
      outcome.complete(t);
    }
  }

  /** Each callback that runs on a worker while it delivers, wired to call close() from there. */
  static Stream<Arguments> workerCallbacks() {
    return Stream.of(
        Arguments.of("exception handler", (Function<Wiring, EventBusBuilder>) w ->
            EventBus.builder().exceptionHandler((e, c) -> closeFrom(w.bus, w.outcome))),
        Arguments.of("interceptor afterDelivery", (Function<Wiring, EventBusBuilder>) w ->
            EventBus.builder().interceptor(new EventInterceptor() {
              @Override
              public void afterDelivery(Event<?> event, Subscription s, Throwable failure) {
                closeFrom(w.bus, w.outcome);
              }
            })),
        Arguments.of("interceptor beforeDelivery", (Function<Wiring, EventBusBuilder>) w ->
            EventBus.builder().interceptor(new EventInterceptor() {
              @Override
              public Optional<String> beforeDelivery(Event<?> event, Subscription s) {
                closeFrom(w.bus, w.outcome);
                return Optional.empty();
              }
            })),
        Arguments.of("dead-letter subscriber", (Function<Wiring, EventBusBuilder>) w -> {
          w.closeFromDeadLetter = true;
          return EventBus.builder();
        }));
  }

  /** What a callback needs to reach the bus it is wired into. */
  static final class Wiring {
    final EventBus[] bus = new EventBus[1];
    final CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    boolean closeFromDeadLetter;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("workerCallbacks")
  void closeFromACallbackOnAWorker_isRefusedWithIllegalState_noDeadlock_eventAccountedFor(
      String where, Function<Wiring, EventBusBuilder> wire) throws Exception {
    Wiring w = new Wiring();
    EventBus bus = wire.apply(w).drainTimeout(Duration.ofSeconds(WAIT_SECONDS)).build();
    w.bus[0] = bus;
    if (w.closeFromDeadLetter) {
      bus.subscribe(DeadLetter.class, d -> closeFrom(w.bus, w.outcome));
    }
    bus.subscribe(String.class, s -> {
      throw new IllegalStateException("fails");
    });
    DeliveryReport report = bus.publishAndTrack("x").toCompletableFuture()
        .get(WAIT_SECONDS, TimeUnit.SECONDS);
    Throwable thrown = w.outcome.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(thrown).as(where).isInstanceOf(IllegalStateException.class);
    assertThat(bus.isClosed()).as(where).isFalse();
    assertThat(report.outcomes()).extracting(o -> o.status())
        .containsExactly(DeliveryStatus.DEAD_LETTERED);
    bus.close();
    assertThat(bus.isClosed()).isTrue();
  }

  @Test
  void onPublishReturningNull_isIgnored_eventGoesOnUnchanged() {
    List<Event<?>> seen = new CopyOnWriteArrayList<>();
    EventInterceptor nulling = new EventInterceptor() {
      @Override
      public Event<?> onPublish(Event<?> event) {
        return null;
      }
    };
    try (EventBus bus = EventBus.builder().interceptor(nulling).build()) {
      bus.subscribeEnvelope(String.class, seen::add);
      bus.publishSync("x", Metadata.builder().correlationId("c").build());
      assertThat(bus.metrics().totals().delivered()).isEqualTo(1);
    }
    assertThat(seen).singleElement().satisfies(e -> {
      assertThat(e.payload()).isEqualTo("x");
      assertThat(e.metadata().correlationId()).contains("c");
    });
  }

  @Test
  void veto_ofATrackedAsyncDeliveryWithRetries_isReportedWithReason_neverRetriedOrDeadLettered()
      throws Exception {
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    EventInterceptor guard = new EventInterceptor() {
      @Override
      public Optional<String> beforeDelivery(Event<?> event, Subscription s) {
        return s.name().equals("billing") ? Optional.of("billing needs a tenant") : Optional.empty();
      }
    };
    try (EventBus bus = EventBus.builder().interceptor(guard).build()) {
      bus.subscribe(DeadLetter.class, dead::add);
      bus.on(String.class).name("billing")
          .retry(RetryPolicy.builder().maxAttempts(5).initialDelay(Duration.ZERO).build())
          .subscribe(s -> {
            throw new AssertionError("vetoed handler was called");
          });
      bus.on(String.class).name("audit").subscribe(s -> {});
      DeliveryReport report = bus.publishAndTrack("x").toCompletableFuture()
          .get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertThat(report.outcomes()).extracting(o -> o.subscriber() + " " + o.status() + " "
          + o.attempts() + " " + o.reason())
          .containsExactlyInAnyOrder("billing VETOED 0 billing needs a tenant",
              "audit DELIVERED 1 null");
      assertThat(report.problems()).singleElement()
          .satisfies(o -> assertThat(o.subscriber()).isEqualTo("billing"));
      var totals = bus.metrics().totals();
      assertThat(totals.vetoed()).isEqualTo(1);
      assertThat(totals.failed()).isZero();
      assertThat(totals.retried()).isZero();
      assertThat(totals.deadLettered()).isZero();
    }
    assertThat(dead).isEmpty();
  }

  @Test
  void deadEventOfAnAsyncPublish_isDeliveredOnThePublishingThread_andCounted() {
    List<String> threads = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(DeadEvent.class, d -> threads.add(Thread.currentThread().getName()));
      bus.publish("nobody listens");
      assertThat(threads).containsExactly(Thread.currentThread().getName());
      assertThat(bus.metrics().totals().deadEvents()).isEqualTo(1);
    }
  }

  @Test
  void start_calledConcurrentlyFromFourThreads_startsTheConfiguredWorkersOnce() throws Exception {
    try (EventBus bus = EventBus.builder().name("start-race").workers(2).build()) {
      Together.run(4, () -> {
        bus.start();
        bus.start();
      }, WAIT_SECONDS);
      assertThat(ProbeSupport.alive("start-race-worker-"))
          .containsExactlyInAnyOrder("start-race-worker-1", "start-race-worker-2");
      CountDownLatch handled = new CountDownLatch(100);
      bus.subscribe(Integer.class, i -> handled.countDown());
      for (int i = 0; i < 100; i++) {
        bus.publish(i);
      }
      assertThat(handled.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(ProbeSupport.alive("start-race-worker-"))
          .containsExactlyInAnyOrder("start-race-worker-1", "start-race-worker-2");
    }
  }
}
