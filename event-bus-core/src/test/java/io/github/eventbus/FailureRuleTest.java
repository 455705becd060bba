package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The one failure rule for user code: exceptions are failures, Errors are not deliveries. */
class FailureRuleTest {

  record Item(int n) {}

  private static RetryPolicy threeAttempts() {
    return RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofMillis(1)).build();
  }

  @Test
  void publishSync_handlerError_reachesPublisher_notRetriedNorDeadLettered() {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger later = new AtomicInteger();
    AssertionError boom = new AssertionError("broken invariant");
    try (EventBus bus = EventBus.builder().name("sync-error").build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.on(Item.class).priority(10).retry(threeAttempts()).subscribe(i -> {
        calls.incrementAndGet();
        if (i.n() == 1) {
          throw boom;
        }
      });
      bus.on(Item.class).priority(0).subscribe(i -> later.incrementAndGet());

      assertThatThrownBy(() -> bus.publishSync(new Item(1))).isSameAs(boom);

      assertThat(calls).hasValue(1);
      assertThat(later).as("an Error ends the dispatch, as in Guava").hasValue(0);
      assertThat(letters).isEmpty();
      assertThat(bus.metrics().totals().failed()).isEqualTo(1);
      assertThat(bus.metrics().totals().deadLettered()).isZero();
      // Regression: the subscriber the Error kept from its call was counted nowhere.
      assertThat(bus.metrics().totals().discarded()).isEqualTo(1);
      bus.publishSync(new Item(2)); // the bus is consistent: the next publish works
      assertThat(later).hasValue(1);
      assertThat(bus.metrics().totals().delivered()).isEqualTo(2);
      assertThat(bus.metrics().totals().discarded()).isEqualTo(1);
    }
  }

  @Test
  void publishSyncFailFast_subscribersAfterTheFailure_areCountedDiscarded() {
    try (EventBus bus = EventBus.builder().name("fail-fast-count").build()) {
      bus.on(Item.class).priority(10).subscribe(i -> {
        throw new IllegalStateException("no");
      });
      bus.on(Item.class).priority(5).subscribe(i -> { });
      bus.on(Item.class).priority(0).subscribe(i -> { });

      assertThatThrownBy(() -> bus.publishSyncFailFast(new Item(1)))
          .isInstanceOf(DeliveryFailedException.class);

      DeliveryStats totals = bus.metrics().totals();
      assertThat(totals.published()).isEqualTo(1);
      assertThat(totals.failed()).isEqualTo(1);
      assertThat(totals.delivered()).isZero();
      assertThat(totals.discarded()).isEqualTo(2); // three deliveries, each counted once
    }
  }

  @Test
  void publishSync_afterDeliveryError_neverRerunsASucceededHandler() {
    AtomicInteger calls = new AtomicInteger();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    Error boom = new OutOfMemoryError("simulated");
    EventInterceptor throwsAfter = new EventInterceptor() {
      @Override
      public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
        if (event.payload() instanceof Item) {
          throw boom;
        }
      }
    };
    try (EventBus bus = EventBus.builder().name("after-error").interceptor(throwsAfter).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.on(Item.class).retry(threeAttempts()).subscribe(i -> calls.incrementAndGet());

      assertThatThrownBy(() -> bus.publishSync(new Item(1))).isSameAs(boom);

      assertThat(calls).hasValue(1);
      assertThat(letters).isEmpty();
      assertThat(bus.metrics().totals().delivered()).isEqualTo(1);
      assertThat(bus.metrics().totals().failed()).isZero();
    }
  }

  @Test
  void publish_afterDeliveryErrorOnWorker_handlerRunsOnce_workerReplaced() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    EventInterceptor throwsAfterFirst = new EventInterceptor() {
      @Override
      public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
        if (event.payload() instanceof Item i && i.n() == 1) {
          throw new StackOverflowError("simulated");
        }
      }
    };
    try (EventBus bus = EventBus.builder().name("worker-after").workers(1)
        .interceptor(throwsAfterFirst).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      CountDownLatch second = new CountDownLatch(1);
      bus.on(Item.class).retry(threeAttempts()).subscribe(i -> {
        calls.incrementAndGet();
        threads.add(Thread.currentThread().getName());
        if (i.n() == 2) {
          second.countDown();
        }
      });
      withUncaughtErrorsIgnored(() -> {
        bus.publish(new Item(1));
        bus.publish(new Item(2));
        assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
      });
      assertThat(calls).hasValue(2);
      assertThat(letters).isEmpty();
      assertThat(threads.get(1)).as("the worker that threw was replaced").isNotEqualTo(threads.get(0));
    }
  }

  @Test
  void publish_handlerErrorOnWorker_reportedTrackedAndHandedToUncaughtHandler() throws Exception {
    List<SubscriberExceptionContext> reported = new CopyOnWriteArrayList<>();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    Error boom = new AssertionError("handler bug");
    CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.complete(e));
    try (EventBus bus = EventBus.builder().name("worker-error").workers(1)
        .exceptionHandler((e, c) -> reported.add(c)).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.on(Item.class).retry(threeAttempts()).subscribe(i -> {
        calls.incrementAndGet();
        throw boom;
      });

      DeliveryReport report = bus.publishAndTrack(new Item(1)).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);

      assertThat(report.outcomes()).singleElement()
          .satisfies(o -> assertThat(o.status()).isEqualTo(DeliveryStatus.ERROR));
      assertThat(uncaught.get(10, TimeUnit.SECONDS)).isSameAs(boom);
      assertThat(calls).hasValue(1);
      assertThat(letters).isEmpty();
      assertThat(reported).singleElement().satisfies(c -> assertThat(c.willRetry()).isFalse());
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
  }

  @Test
  void publishSync_exceptionHandlerError_eventStillDeadLettered_thenErrorThrown() {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    Error boom = new LinkageError("exception handler broke");
    try (EventBus bus = EventBus.builder().name("handler-error")
        .exceptionHandler((e, c) -> {
          throw boom;
        }).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.subscribe(Item.class, i -> {
        throw new IllegalStateException("ordinary failure");
      });

      assertThatThrownBy(() -> bus.publishSync(new Item(1))).isSameAs(boom);

      assertThat(letters).singleElement()
          .satisfies(l -> assertThat(l.cause()).isInstanceOf(IllegalStateException.class));
    }
  }

  @Test
  void publishSync_onPublishError_eventDelivered_thenErrorThrown() {
    AtomicInteger calls = new AtomicInteger();
    Error boom = new AssertionError("interceptor bug");
    EventInterceptor throwsOnPublish = new EventInterceptor() {
      @Override
      public Event<?> onPublish(Event<?> event) {
        throw boom;
      }
    };
    try (EventBus bus = EventBus.builder().name("on-publish-error")
        .interceptor(throwsOnPublish).build()) {
      bus.subscribe(Item.class, i -> calls.incrementAndGet());

      assertThatThrownBy(() -> bus.publishSync(new Item(1))).isSameAs(boom);

      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void interceptorException_isIgnored_handlerNotRerun() {
    AtomicInteger calls = new AtomicInteger();
    EventInterceptor throwsAfter = new EventInterceptor() {
      @Override
      public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
        throw new IllegalStateException("interceptor failure");
      }
    };
    try (EventBus bus = EventBus.builder().name("after-exception").interceptor(throwsAfter)
        .build()) {
      bus.on(Item.class).retry(threeAttempts()).subscribe(i -> calls.incrementAndGet());
      bus.publishSync(new Item(1));
      assertThat(calls).hasValue(1);
      assertThat(bus.metrics().totals().delivered()).isEqualTo(1);
    }
  }

  @Test
  void publishSync_errorInNestedPublish_propagatesThroughOuterHandler() {
    AtomicReference<Throwable> seenByOuter = new AtomicReference<>();
    Error boom = new AssertionError("inner");
    try (EventBus bus = EventBus.builder().name("nested-error").build()) {
      bus.subscribe(String.class, s -> {
        throw boom;
      });
      bus.subscribe(Item.class, i -> {
        try {
          bus.publishSync("inner");
        } catch (Error e) {
          seenByOuter.set(e);
          throw e;
        }
      });
      assertThatThrownBy(() -> bus.publishSync(new Item(1))).isSameAs(boom);
      assertThat(seenByOuter.get()).isSameAs(boom);
    }
  }

  /** Throws an AssertionError from afterDelivery the first time a delivery succeeds. */
  private static EventInterceptor afterDeliveryErrorOnce(String message) {
    AtomicInteger once = new AtomicInteger();
    return new EventInterceptor() {
      @Override
      public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
        if (failure == null && once.getAndIncrement() == 0) {
          throw new AssertionError(message);
        }
      }
    };
  }

  @Test
  void publishSyncFailFast_parkedErrorGoesWithTheFailure_neverToALaterPublish() {
    try (EventBus bus = EventBus.builder().name("rule-fail-fast-parked")
        .interceptor(afterDeliveryErrorOnce("afterDelivery")).build()) {
      bus.on(Item.class).priority(2).subscribe(i -> {});
      bus.on(Item.class).priority(1).subscribe(i -> {
        throw new IllegalStateException("fails fast");
      });

      assertThatThrownBy(() -> bus.publishSyncFailFast(new Item(1)))
          .isInstanceOf(AssertionError.class).hasMessage("afterDelivery")
          .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
              .isInstanceOf(DeliveryFailedException.class));

      bus.publishSync("unrelated"); // nothing left over for this publish
    }
  }

  @Test
  void publish_rejectedWithParkedOnPublishError_errorGoesWithTheRejection() throws Exception {
    AtomicInteger once = new AtomicInteger();
    EventInterceptor onPublishError = new EventInterceptor() {
      @Override
      public Event<?> onPublish(Event<?> event) {
        if (event.payload() instanceof Item item && item.n() == 2 && once.getAndIncrement() == 0) {
          throw new AssertionError("onPublish");
        }
        return event;
      }
    };
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    EventBus bus = EventBus.builder().name("rule-reject-parked").workers(1).queueCapacity(1)
        .backpressure(BackpressurePolicy.REJECT).interceptor(onPublishError).build();
    try {
      bus.subscribe(Item.class, i -> {
        started.countDown();
        release.await();
      });
      bus.publish(new Item(0));
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      assertThatThrownBy(() -> bus.publish(new Item(2)))
          .isInstanceOf(AssertionError.class).hasMessage("onPublish")
          .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
              .isInstanceOf(RejectedEventException.class));

      bus.publishSync("unrelated"); // nothing left over for this publish
    } finally {
      release.countDown();
      bus.close();
    }
  }

  @Test
  void publishSync_callbackErrorOfEarlierSubscriber_waitsForTheOutermostPublish() {
    List<String> log = new CopyOnWriteArrayList<>();
    EventInterceptor afterA = new EventInterceptor() {
      @Override
      public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
        if (subscription.name().equals("A")) {
          throw new AssertionError("afterDelivery of A");
        }
      }
    };
    try (EventBus bus = EventBus.builder().name("rule-nested-parked").interceptor(afterA)
        .build()) {
      bus.subscribe(String.class, s -> log.add("inner"));
      bus.on(Item.class).name("A").priority(3).subscribe(i -> log.add("A"));
      bus.on(Item.class).name("B").priority(2).subscribe(i -> {
        bus.publishSync("nested");
        log.add("B's publishSync returned");
      });
      bus.on(Item.class).name("C").priority(1).subscribe(i -> log.add("C"));

      assertThatThrownBy(() -> bus.publishSync(new Item(1)))
          .isInstanceOf(AssertionError.class).hasMessage("afterDelivery of A");

      assertThat(log).containsExactly("A", "inner", "B's publishSync returned", "C");
      assertThat(bus.metrics().byType().get(Item.class.getName()).delivered()).isEqualTo(3);
    }
  }

  /** Runs with the default uncaught-exception handler silenced, restoring it after. */
  private static void withUncaughtErrorsIgnored(ThrowingRunnable body) throws Exception {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> {});
    try {
      body.run();
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}
