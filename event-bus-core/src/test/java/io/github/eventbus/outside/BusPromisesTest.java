package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DeadEvent;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DeliveryFailedException;
import io.github.eventbus.DeliveryReport;
import io.github.eventbus.DeliveryStats;
import io.github.eventbus.DeliveryStatus;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.Subscribe;
import io.github.eventbus.Subscription;
import io.github.eventbus.TestThreads;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** EventBus's promises about subscriptions, filters, failures, executors and close. */
class BusPromisesTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static DeliveryReport await(java.util.concurrent.CompletionStage<DeliveryReport> stage)
      throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void retry_withPracticallyUnboundedMaxDelay_isRetriedNotLost() throws Exception {
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1))
        .maxDelay(Duration.ofDays(365L * 1000)).jitter(0).build();
    AtomicInteger calls = new AtomicInteger();
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("huge-cap").build()) {
      bus.subscribe(DeadLetter.class, dead::add);
      bus.on(String.class).name("flaky").retry(policy).subscribe(s -> {
        if (calls.incrementAndGet() == 1) {
          throw new IllegalStateException("first attempt fails");
        }
      });
      DeliveryReport report = await(bus.publishAndTrack("x"));
      assertThat(report.outcomes()).singleElement()
          .satisfies(o -> assertThat(o.status()).isEqualTo(DeliveryStatus.DELIVERED));
      assertThat(calls).hasValue(2);
    }
    assertThat(dead).isEmpty();
  }

  @Test
  void filterRejectingTheOnlySubscriber_isNeitherFailureNorDeadEvent_reportedFiltered()
      throws Exception {
    List<DeadEvent> deadEvents = new CopyOnWriteArrayList<>();
    AtomicInteger handled = new AtomicInteger();
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(DeadEvent.class, deadEvents::add);
      bus.on(String.class).filter(s -> s.startsWith("keep")).subscribe(s -> handled.incrementAndGet());
      DeliveryReport sync = await(bus.publishSyncAndTrack("drop me"));
      DeliveryReport async = await(bus.publishAndTrack("drop me too"));
      bus.publishSync("keep");
      assertThat(sync.outcomes()).extracting(o -> o.status()).containsExactly(DeliveryStatus.FILTERED);
      assertThat(async.outcomes()).extracting(o -> o.status()).containsExactly(DeliveryStatus.FILTERED);
      assertThat(async.problems()).isEmpty();
      DeliveryStats totals = bus.metrics().totals();
      assertThat(totals.failed()).isZero();
      assertThat(totals.deadEvents()).isZero();
      assertThat(totals.deadLettered()).isZero();
    }
    assertThat(deadEvents).isEmpty();
    assertThat(handled).hasValue(1);
  }

  @Test
  void filterThatThrows_countsAsAFailedDelivery_reportedAndDeadLettered() throws Exception {
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    List<Throwable> reported = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().exceptionHandler((e, c) -> reported.add(e)).build()) {
      bus.subscribe(DeadLetter.class, dead::add);
      bus.on(String.class).name("picky").filter(s -> {
        throw new IllegalArgumentException("filter broke");
      }).subscribe(s -> {});
      DeliveryReport report = await(bus.publishAndTrack("x"));
      assertThat(report.outcomes()).singleElement().satisfies(o -> {
        assertThat(o.status()).isEqualTo(DeliveryStatus.DEAD_LETTERED);
        assertThat(o.cause()).get().extracting(Throwable::getMessage).isEqualTo("filter broke");
      });
      assertThat(bus.metrics().totals().failed()).isEqualTo(1);
    }
    assertThat(reported).extracting(Throwable::getMessage).containsExactly("filter broke");
    assertThat(dead).singleElement().satisfies(d -> assertThat(d.subscriber()).isEqualTo("picky"));
  }

  @Test
  void catchAllSubscribers_neverReceiveDeadLetters_deadLetterHandledOnPublisherThread() {
    List<Object> objects = new CopyOnWriteArrayList<>();
    List<String> patternTypes = new CopyOnWriteArrayList<>();
    List<String> deadLetterThreads = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(Object.class, objects::add);
      bus.subscribe("*", (Event<?> e) -> patternTypes.add(e.type()));
      bus.subscribe(DeadLetter.class, d -> deadLetterThreads.add(Thread.currentThread().getName()));
      bus.subscribe(Integer.class, i -> {
        throw new IllegalStateException("no");
      });
      bus.publishSync(42);
      assertThat(bus.metrics().totals().deadLettered()).isEqualTo(1);
    }
    assertThat(objects).containsExactly(42);
    assertThat(patternTypes).containsExactly("java.lang.Integer");
    assertThat(deadLetterThreads).containsExactly(Thread.currentThread().getName());
  }

  @Test
  void failFast_withARetryPolicy_neitherRetriesNorDeadLetters_andNamesTheSubscriber() {
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    AtomicBoolean laterCalled = new AtomicBoolean();
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(DeadLetter.class, dead::add);
      bus.on(String.class).name("tx").priority(10)
          .retry(RetryPolicy.builder().maxAttempts(5).initialDelay(Duration.ZERO).build())
          .subscribe(s -> {
            calls.incrementAndGet();
            throw new IllegalStateException("rollback");
          });
      bus.on(String.class).priority(1).subscribe(s -> laterCalled.set(true));
      assertThatThrownBy(() -> bus.publishSyncFailFast("x"))
          .isInstanceOfSatisfying(DeliveryFailedException.class,
              e -> assertThat(e.subscriber()).isEqualTo("tx"))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasRootCauseMessage("rollback");
      assertThat(bus.metrics().totals().retried()).isZero();
    }
    assertThat(calls).hasValue(1);
    assertThat(laterCalled).isFalse();
    assertThat(dead).isEmpty();
  }

  /** A listener with one handler method. */
  public static final class Listener {
    final List<String> got = new CopyOnWriteArrayList<>();

    @Subscribe
    public void on(String s) {
      got.add(s);
    }
  }

  /** A listener whose handler takes two parameters. */
  public static final class TwoParameters {
    @Subscribe
    public void on(String s, String t) {}
  }

  @Test
  void register_misuse_failsWithIllegalArgument() {
    try (EventBus bus = EventBus.builder().build()) {
      Listener listener = new Listener();
      assertThatThrownBy(() -> bus.unregister(listener)).isInstanceOf(IllegalArgumentException.class);
      bus.register(listener);
      assertThatThrownBy(() -> bus.register(listener)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> bus.register(new TwoParameters()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> bus.register(new Object()))
          .isInstanceOf(IllegalArgumentException.class);
      bus.publishSync("once");
      bus.unregister(listener);
      bus.publishSync("after");
      assertThatThrownBy(() -> bus.unregister(listener)).isInstanceOf(IllegalArgumentException.class);
      assertThat(listener.got).containsExactly("once");
    }
  }

  @Test
  void subscribersAndMetricsMaps_areSortedAndUnmodifiable_totalsLeaveOutTheBusOwnTypes() {
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe("zeta.*", e -> {});
      bus.subscribe(String.class, s -> {
        throw new IllegalStateException();
      });
      bus.subscribe("alpha", e -> {});
      bus.subscribe(DeadLetter.class, d -> {});
      assertThat(bus.subscribers().keySet()).containsExactly(
          "alpha", "bus.dead_letter", "java.lang.String", "zeta.*");
      assertThatThrownBy(() -> bus.subscribers().put("x", 1))
          .isInstanceOf(UnsupportedOperationException.class);
      bus.publishSync("x");
      var metrics = bus.metrics();
      assertThat(List.copyOf(metrics.byType().keySet())).isSorted()
          .contains("bus.dead_letter", "java.lang.String");
      assertThatThrownBy(() -> metrics.byType().clear())
          .isInstanceOf(UnsupportedOperationException.class);
      assertThat(metrics.totals().published()).isEqualTo(1);
      assertThat(metrics.totals().deadLettered()).isEqualTo(1);
      assertThat(metrics.byType().get("bus.dead_letter").published()).isEqualTo(1);
    }
  }

  @Test
  void userExecutorOfFourThreads_keepsPerSubscriberOrder_oneCallAtATime_andIsNotShutDown()
      throws Exception {
    int n = 20_000;
    List<Integer> got = java.util.Collections.synchronizedList(new java.util.ArrayList<>(n));
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    CountDownLatch all = new CountDownLatch(n);
    try (ProbeSupport.RecordingExecutor exec = new ProbeSupport.RecordingExecutor(4)) {
      try (EventBus bus = EventBus.builder().executor(exec.executor).queueCapacity(64).build()) {
        bus.subscribe(Integer.class, i -> {
          if (inside.incrementAndGet() != 1) {
            overlaps.incrementAndGet();
          }
          got.add(i);
          inside.decrementAndGet();
          all.countDown();
        });
        bus.subscribe(Integer.class, i -> {});
        for (int i = 0; i < n; i++) {
          bus.publish(i);
        }
        assertThat(all.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      }
      assertThat(exec.executor.isShutdown()).isFalse();
      assertThat(exec.uncaught).isEmpty();
    }
    assertThat(overlaps).hasValue(0);
    assertThat(got).hasSize(n).isSorted();
  }

  @Test
  void secondClose_returnsOnlyOnceTheFirstHasFinished() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean handlerDone = new AtomicBoolean();
    EventBus bus = EventBus.builder().name("close-twice").build();
    bus.subscribe(String.class, s -> {
      entered.countDown();
      release.await();
      handlerDone.set(true);
    });
    bus.publish("slow");
    bus.publish("queued");
    assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    List<Boolean> doneAtReturn = new CopyOnWriteArrayList<>();
    List<Thread> closers = List.of(new Thread(() -> {
      bus.close();
      doneAtReturn.add(handlerDone.get() && bus.metrics().totals().delivered() == 2);
    }, "closer-1"), new Thread(() -> {
      bus.close();
      doneAtReturn.add(handlerDone.get() && bus.metrics().totals().delivered() == 2);
    }, "closer-2"));
    closers.forEach(Thread::start);
    assertThat(ProbeSupport.eventually(() -> closers.stream()
        .allMatch(t -> t.getState() == Thread.State.WAITING
            || t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.BLOCKED),
        WAIT)).isTrue();
    assertThat(doneAtReturn).isEmpty();
    release.countDown();
    for (Thread t : closers) {
      t.join(WAIT.toMillis());
    }
    assertThat(doneAtReturn).containsExactly(true, true);
  }

  @Test
  void closedBus_marksEverySubscriptionInactive_andStopsItsRetryThread() throws Exception {
    CountDownLatch retried = new CountDownLatch(2);
    EventBus bus = EventBus.builder().name("retry-named").build();
    Subscription s = bus.on(String.class)
        .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1)).build())
        .subscribe(x -> {
          retried.countDown();
          if (retried.getCount() == 1) {
            throw new IllegalStateException("once");
          }
        });
    Subscription pattern = bus.subscribe("java.*", e -> {});
    bus.publish("x");
    assertThat(retried.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(ProbeSupport.alive("retry-named-retry-")).containsExactly("retry-named-retry-1");
    bus.close();
    assertThat(s.isActive()).isFalse();
    assertThat(pattern.isActive()).isFalse();
    assertThat(ProbeSupport.alive("retry-named-")).isEmpty();
  }

  @Test
  void publishFromAHandler_intoAFullBlockingQueue_isAcceptedOverCapacity_noDeadlock()
      throws Exception {
    CountDownLatch inner = new CountDownLatch(50);
    try (EventBus bus = EventBus.builder().workers(1).queueCapacity(1).build()) {
      bus.subscribe(Integer.class, i -> {
        for (int k = 0; k < 50; k++) {
          bus.publish("inner-" + k);
        }
      });
      bus.subscribe(String.class, s -> inner.countDown());
      CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> bus.publish(1));
      publisher.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(inner.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void subscriptionClose_withARetryDueInAnHour_discardsAndReportsItNow() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (EventBus bus = EventBus.builder().drainTimeout(Duration.ZERO).build()) {
      Subscription s = bus.on(String.class).name("slow-retry")
          .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofHours(1))
              .maxDelay(Duration.ofHours(1)).jitter(0).build())
          .subscribe(x -> {
            calls.incrementAndGet();
            throw new IllegalStateException("fails");
          });
      CompletableFuture<DeliveryReport> report = bus.publishAndTrack("x").toCompletableFuture();
      assertThat(ProbeSupport.eventually(() -> bus.metrics().totals().retried() == 1, WAIT))
          .isTrue();
      s.close();
      assertThat(bus.metrics().totals().discarded()).isEqualTo(1);
      assertThat(report.get(WAIT.toSeconds(), TimeUnit.SECONDS).outcomes())
          .extracting(o -> o.status()).containsExactly(DeliveryStatus.UNSUBSCRIBED);
      assertThat(bus.metrics().queueDepth()).isZero();
    }
    assertThat(calls).hasValue(1);
  }

  @Test
  void publishFromAHandler_afterADrainThatGaveUp_throwsIllegalStateException() throws Exception {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    EventBus bus = EventBus.builder().drainTimeout(Duration.ofMillis(50)).build();
    bus.subscribe(String.class, s -> {
      running.countDown();
      TestThreads.awaitIgnoringInterrupts(release);
      try {
        bus.publish(1);
        thrown.complete(null);
      } catch (RuntimeException e) {
        thrown.complete(e);
      }
    });
    bus.publish("slow");
    assertThat(running.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    bus.close(); // the drain gives up on the handler after 50 ms
    release.countDown();
    assertThat(thrown.get(WAIT.toSeconds(), TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class);
  }
}
