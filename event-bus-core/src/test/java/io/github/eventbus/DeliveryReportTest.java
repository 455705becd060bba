package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reports of tracked publishes, retries driven by a manual clock and a direct executor. */
class DeliveryReportTest {

  record Order(String id) {}

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final EventBus bus = EventBus.builder().name("track").clock(clock).scheduler(scheduler)
      .executor(Runnable::run).exceptionHandler((e, c) -> {})
      .interceptor(new EventInterceptor() {
        @Override
        public Optional<String> beforeDelivery(Event<?> event, Subscription subscription) {
          return subscription.name().equals("vetoed") ? Optional.of("not for you") : Optional.empty();
        }
      }).build();
  private final RetryPolicy twoRetries = RetryPolicy.builder().maxAttempts(3)
      .initialDelay(Duration.ofSeconds(1)).jitter(0).build();

  @AfterEach
  void close() {
    bus.close();
  }

  private static DeliveryReport now(CompletionStage<DeliveryReport> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void report_coversEveryOutcome_forManySubscribersWithMixedResults() throws Exception {
    AtomicInteger flaky = new AtomicInteger();
    bus.on(Order.class).name("ok").priority(7).subscribe(o -> {});
    bus.on(Order.class).name("fails").priority(6).subscribe(o -> {
      throw new IllegalStateException("broken");
    });
    bus.on(Order.class).name("flaky").priority(5).retry(twoRetries).subscribe(o -> {
      if (flaky.incrementAndGet() < 2) {
        throw new IllegalStateException("once");
      }
    });
    bus.on(Order.class).name("exhausted").priority(4).retry(twoRetries).subscribe(o -> {
      throw new IllegalStateException("always");
    });
    bus.on(Order.class).name("filtered").priority(3).filter(o -> false).subscribe(o -> {});
    bus.on(Order.class).name("vetoed").priority(2).subscribe(o -> {});

    CompletionStage<DeliveryReport> stage = bus.publishAndTrack(new Order("o1"));
    assertThat(stage.toCompletableFuture()).isNotDone(); // retries pending
    scheduler.advance(Duration.ofSeconds(1));
    scheduler.advance(Duration.ofSeconds(2));
    DeliveryReport report = now(stage);

    assertThat(report.outcomes()).extracting(SubscriberOutcome::subscriber, SubscriberOutcome::status,
            SubscriberOutcome::attempts)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("ok", DeliveryStatus.DELIVERED, 1),
            org.assertj.core.groups.Tuple.tuple("fails", DeliveryStatus.DEAD_LETTERED, 1),
            org.assertj.core.groups.Tuple.tuple("flaky", DeliveryStatus.DELIVERED, 2),
            org.assertj.core.groups.Tuple.tuple("exhausted", DeliveryStatus.DEAD_LETTERED, 3),
            org.assertj.core.groups.Tuple.tuple("filtered", DeliveryStatus.FILTERED, 0),
            org.assertj.core.groups.Tuple.tuple("vetoed", DeliveryStatus.VETOED, 0));
    assertThat(report.outcomes().get(1).cause()).get().asString().contains("broken");
    assertThat(report.outcomes().get(3).cause()).get().asString().contains("always");
    assertThat(report.outcomes().get(5).reason()).isEqualTo("not for you");
    assertThat(report.allDelivered()).isFalse();
    assertThat(report.problems()).extracting(SubscriberOutcome::subscriber)
        .containsExactly("fails", "exhausted", "vetoed");
    assertThat(report.event().payload()).isEqualTo(new Order("o1"));
    assertThat(bus.metrics().totals().vetoed()).isEqualTo(1);
  }

  @Test
  void report_success_andDeadEvent() throws Exception {
    DeliveryReport dead = now(bus.publishAndTrack(new Order("nobody")));
    assertThat(dead.noSubscriber()).isTrue();

    bus.on(Order.class).name("ok").subscribe(o -> {});
    DeliveryReport ok = now(bus.publishAndTrack(new Order("o")));
    assertThat(ok.allDelivered()).isTrue();
    assertThat(ok.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.attempts()).isEqualTo(1);
      assertThat(o.latency()).isGreaterThanOrEqualTo(Duration.ZERO);
      assertThat(o.cause()).isEmpty();
    });
  }

  @Test
  void syncTracked_isolatesFailures_andCompletesAtOnceWithoutRetries() throws Exception {
    List<String> called = new CopyOnWriteArrayList<>();
    bus.on(Order.class).name("first").priority(2).subscribe(o -> {
      called.add("first");
      throw new IllegalStateException("boom");
    });
    bus.on(Order.class).name("second").priority(1).subscribe(o -> called.add("second"));

    CompletionStage<DeliveryReport> stage = bus.publishSyncAndTrack(new Order("o"));

    assertThat(stage.toCompletableFuture()).isDone();
    assertThat(called).containsExactly("first", "second");
    assertThat(now(stage).outcomes()).extracting(SubscriberOutcome::status)
        .containsExactly(DeliveryStatus.DEAD_LETTERED, DeliveryStatus.DELIVERED);
  }

  @Test
  void failFast_throwsToPublisher_andSkipsLaterSubscribers_withoutDeadLetter() {
    List<String> called = new CopyOnWriteArrayList<>();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    bus.on(Order.class).name("first").priority(2).retry(twoRetries).subscribe(o -> {
      called.add("first");
      throw new IllegalStateException("boom");
    });
    bus.on(Order.class).name("second").priority(1).subscribe(o -> called.add("second"));

    assertThatThrownBy(() -> bus.publishSyncFailFast(new Order("o")))
        .isInstanceOf(DeliveryFailedException.class)
        .hasMessageContaining("subscriber 'first' failed")
        .hasCauseInstanceOf(IllegalStateException.class)
        .satisfies(e -> assertThat(((DeliveryFailedException) e).subscriber()).isEqualTo("first"));
    assertThat(called).containsExactly("first");
    assertThat(letters).isEmpty();
    assertThat(scheduler.pending()).isZero(); // no retry either
  }

  @Test
  void trackedDelivery_toClosedSubscription_isReportedUnsubscribed() throws Exception {
    EventBus queued = EventBus.builder().name("queued").workers(1).build();
    try {
      java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      queued.subscribe(String.class, s -> {
        started.countDown();
        release.await(10, TimeUnit.SECONDS);
      });
      Subscription later = queued.on(Order.class).name("later").subscribe(o -> {});
      queued.publish("hold the only worker");
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      CompletionStage<DeliveryReport> stage = queued.publishAndTrack(new Order("o"));
      later.close();
      release.countDown();
      assertThat(now(stage).outcomes()).singleElement()
          .extracting(SubscriberOutcome::status).isEqualTo(DeliveryStatus.UNSUBSCRIBED);
    } finally {
      queued.close();
    }
  }
}
