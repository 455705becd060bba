package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries driven by a manual clock and scheduler, synchronous publishes, and a fixed jitter. */
class RetryTest {

  record Task(String id) {}

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<SubscriberExceptionContext> failures = new CopyOnWriteArrayList<>();
  private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  // Direct executor: a due retry runs on the thread that advances the scheduler.
  private final EventBus bus = EventBus.builder().name("retry").clock(clock).scheduler(scheduler)
      .executor(Runnable::run).jitterSource(() -> 1.0)
      .exceptionHandler((e, c) -> failures.add(c)).build();

  private final RetryPolicy policy = RetryPolicy.builder().maxAttempts(4)
      .initialDelay(Duration.ofSeconds(1)).multiplier(2).maxDelay(Duration.ofSeconds(3))
      .jitter(0.5).build();

  @AfterEach
  void close() {
    bus.close();
  }

  @Test
  void failingThenSucceeding_isRetriedAfterBackoff_andDelivered() {
    AtomicInteger calls = new AtomicInteger();
    bus.subscribe(DeadLetter.class, letters::add);
    bus.on(Task.class).name("flaky").retry(policy).subscribe(t -> {
      if (calls.incrementAndGet() < 3) {
        throw new IllegalStateException("try again");
      }
    });

    bus.publishSync(new Task("t1"));
    assertThat(calls).hasValue(1);
    scheduler.advance(Duration.ofMillis(1499));
    assertThat(calls).hasValue(1); // jitter 1.0 with fraction 0.5: 1 s becomes 1.5 s
    scheduler.advance(Duration.ofMillis(1));
    assertThat(calls).hasValue(2);
    scheduler.advance(Duration.ofSeconds(3)); // 2 s * 1.5 = 3 s, at the cap
    assertThat(calls).hasValue(3);

    assertThat(scheduler.delays()).containsExactly(Duration.ofMillis(1500), Duration.ofSeconds(3));
    assertThat(failures).extracting(SubscriberExceptionContext::attempt).containsExactly(1, 2);
    assertThat(failures).allMatch(SubscriberExceptionContext::willRetry);
    assertThat(letters).isEmpty();
    DeliveryStats stats = bus.metrics().byType().get(TypeNames.of(Task.class));
    assertThat(stats.failed()).isEqualTo(2);
    assertThat(stats.retried()).isEqualTo(2);
    assertThat(stats.delivered()).isEqualTo(1);
    assertThat(bus.metrics().queueDepth()).isZero();
  }

  @Test
  void alwaysFailing_becomesDeadLetter_afterMaxAttempts_withSameEvent() {
    List<Event<? extends Task>> seen = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    bus.on(Task.class).name("broken").retry(policy).subscribeEnvelope(e -> {
      seen.add(e);
      throw new IllegalStateException("always");
    });

    bus.publishSync(new Task("t1"));
    for (int i = 0; i < 4; i++) {
      scheduler.advance(Duration.ofSeconds(3));
    }

    assertThat(seen).hasSize(4);
    assertThat(seen).extracting(Event::id).containsOnly(seen.get(0).id());
    assertThat(letters).singleElement().satisfies(l -> {
      assertThat(l.subscriber()).isEqualTo("broken");
      assertThat(l.attempts()).isEqualTo(4);
      assertThat(l.cause()).hasMessage("always");
      assertThat(l.event().id()).isEqualTo(seen.get(0).id());
    });
    assertThat(failures).extracting(SubscriberExceptionContext::willRetry)
        .containsExactly(true, true, true, false);
    assertThat(scheduler.pending()).isZero();
    assertThat(bus.metrics().totals().deadLettered()).isEqualTo(1);
  }

  @Test
  void maxElapsed_stopsRetriesEarly() {
    RetryPolicy shortLived = RetryPolicy.builder().maxAttempts(10)
        .initialDelay(Duration.ofSeconds(1)).multiplier(1).jitter(0)
        .maxElapsed(Duration.ofMillis(2500)).build();
    AtomicInteger calls = new AtomicInteger();
    bus.subscribe(DeadLetter.class, letters::add);
    bus.on(Task.class).retry(shortLived).subscribe(t -> {
      calls.incrementAndGet();
      throw new IllegalStateException("no");
    });

    bus.publishSync(new Task("t"));
    for (int i = 0; i < 5; i++) {
      scheduler.advance(Duration.ofSeconds(1));
    }

    assertThat(calls).hasValue(3); // at 0 s, 1 s, 2 s; a 4th at 3 s would pass 2.5 s
    assertThat(letters).singleElement().extracting(DeadLetter::attempts).isEqualTo(3);
  }

  @Test
  void closingSubscription_discardsPendingRetry() {
    AtomicInteger calls = new AtomicInteger();
    Subscription s = bus.on(Task.class).retry(policy).subscribe(t -> {
      calls.incrementAndGet();
      throw new IllegalStateException("no");
    });
    bus.publishSync(new Task("t"));

    s.close();
    scheduler.advance(Duration.ofSeconds(10));

    assertThat(calls).hasValue(1);
    assertThat(bus.metrics().queueDepth()).isZero();
  }

  @Test
  void payloadHandler_lazilyStampedEnvelope_keepsOneIdAcrossAttemptsAndDeadLetter() {
    bus.subscribe(DeadLetter.class, letters::add);
    bus.on(Task.class).retry(policy).subscribe(t -> {
      throw new IllegalStateException("always");
    });

    bus.publish(new Task("async")); // one payload subscriber: the bus skips stamping until needed
    for (int i = 0; i < 4; i++) {
      scheduler.advance(Duration.ofSeconds(3));
    }

    assertThat(failures).hasSize(4);
    String id = failures.get(0).event().id();
    assertThat(failures).allSatisfy(c -> assertThat(c.event().id()).isEqualTo(id));
    assertThat(letters).singleElement().satisfies(l -> {
      assertThat(l.event().id()).isEqualTo(id);
      assertThat(l.event().payload()).isEqualTo(new Task("async"));
    });
  }
}
