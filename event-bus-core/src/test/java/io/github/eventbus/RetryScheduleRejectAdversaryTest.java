package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A retry that its subscription's close() discards while the scheduler is still refusing it (a
 * scheduler shutting down, as the bus's own does when the bus closes): the event must be counted
 * and reported once, and its queue place freed once. The scheduler here is the user's, so that
 * the probe can hold schedule() open until close() has discarded the retry; the random race
 * {@link RetryCloseAdversaryTest} hit once (bus close racing subscription close, sync publishes)
 * ended the same way: a queue depth of -1 and a dead letter for an event reported UNSUBSCRIBED.
 */
class RetryScheduleRejectAdversaryTest {

  /** Holds schedule() until released, then refuses, as a scheduler shutting down does. */
  static final class RefusingScheduler extends ScheduledThreadPoolExecutor {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    RefusingScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      entered.countDown();
      TestThreads.awaitQuietly(release);
      throw new RejectedExecutionException("scheduler shutting down");
    }
  }

  /** A bus of one worker whose retries go to {@code scheduler}; handler Errors ignored. */
  private static EventBusBuilder onScheduler(String name, ScheduledExecutorService scheduler) {
    return EventBus.builder().name(name).workers(1).scheduler(scheduler)
        .exceptionHandler((e, c) -> { });
  }

  /** A subscription whose handler always fails, with quick retries. */
  private static Subscription alwaysFailing(EventBus bus) {
    return bus.on(String.class).retry(RetryPolicy.builder().maxAttempts(3)
        .initialDelay(Duration.ofMillis(1)).build()).subscribe(m -> {
          throw new ProbeLedger.PlannedFailure();
        });
  }

  /** Publishes one tracked event off this thread; returns once its retry is being scheduled. */
  private static CompletableFuture<CompletableFuture<DeliveryReport>> publishUntilRetryScheduled(
      EventBus bus, RefusingScheduler scheduler, boolean sync) throws InterruptedException {
    CompletableFuture<CompletableFuture<DeliveryReport>> published = CompletableFuture
        .supplyAsync(() -> (sync ? bus.publishSyncAndTrack("x") : bus.publishAndTrack("x"))
            .toCompletableFuture());
    assertThat(scheduler.entered.await(20, TimeUnit.SECONDS)).as("retry scheduling").isTrue();
    return published;
  }

  @ParameterizedTest(name = "sync {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(60)
  void closeDiscardsRetry_thenSchedulerRejectsIt_countedAndReleasedOnce(boolean sync)
      throws Exception {
    RefusingScheduler scheduler = new RefusingScheduler();
    EventBus bus = onScheduler("adv-reject", scheduler).build();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    try {
      Subscription s = alwaysFailing(bus);
      CompletableFuture<CompletableFuture<DeliveryReport>> published =
          publishUntilRetryScheduled(bus, scheduler, sync);
      // close() discards the waiting retry first, then waits for the handler's call to end,
      // which ends only once schedule() returns: close on another thread.
      CompletableFuture<Void> closed = CompletableFuture.runAsync(s::close);
      assertThat(TestThreads.await(() -> bus.metrics().totals().discarded() == 1,
          Duration.ofSeconds(20))).as("discarded by close").isTrue();
      scheduler.release.countDown();
      closed.get(20, TimeUnit.SECONDS);
      DeliveryReport report = published.get(20, TimeUnit.SECONDS).get(20, TimeUnit.SECONDS);
      boolean settled = TestThreads.await(() -> bus.metrics().queueDepth() == 0,
          Duration.ofSeconds(5));
      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(report.outcomes().get(0).status()).isEqualTo(DeliveryStatus.UNSUBSCRIBED);
      soft.assertThat(settled).as("queue depth %d returns to 0",
          bus.metrics().queueDepth()).isTrue();
      DeliveryStats totals = bus.metrics().totals();
      soft.assertThat(totals.discarded()).as("discarded (%s)", totals).isEqualTo(1);
      soft.assertThat(totals.deadLettered()).as("dead-lettered (%s)", totals).isZero();
      soft.assertThat(letters).as("dead letters").isEmpty();
      soft.assertAll();
    } finally {
      scheduler.release.countDown();
      bus.close();
      scheduler.shutdownNow();
    }
    assertThat(bus.metrics().queueDepth()).as("depth after bus close").isZero();
  }

  /**
   * Regression: a retry was counted in {@code retried} before it was handed to the scheduler and
   * taken back when the scheduler refused it, so a reader saw the counter go from 1 to 0 (a
   * probe of publishers racing close caught it). A retry is now counted once the scheduler took
   * it, or by whoever takes it first.
   */
  @ParameterizedTest(name = "sync {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(60)
  void retryTheSchedulerRefuses_isNeverCounted_soRetriedNeverGoesBack(boolean sync)
      throws Exception {
    RefusingScheduler scheduler = new RefusingScheduler();
    EventBus bus = onScheduler("adv-reject-count", scheduler).build();
    try {
      alwaysFailing(bus);
      CompletableFuture<CompletableFuture<DeliveryReport>> published =
          publishUntilRetryScheduled(bus, scheduler, sync);
      assertThat(bus.metrics().totals().retried()).as("while the scheduler decides").isZero();
      scheduler.release.countDown();
      DeliveryReport report = published.get(20, TimeUnit.SECONDS).get(20, TimeUnit.SECONDS);
      assertThat(report.outcomes().get(0).status()).isEqualTo(DeliveryStatus.DEAD_LETTERED);
      DeliveryStats totals = bus.metrics().totals();
      assertThat(totals.retried()).as("%s", totals).isZero();
      assertThat(totals.deadLettered()).as("%s", totals).isEqualTo(1);
    } finally {
      scheduler.release.countDown();
      bus.close();
      scheduler.shutdownNow();
    }
  }

  /**
   * The same race with the bus's close() instead: close abandons the waiting retry (UNDELIVERED,
   * counted undelivered and so dead-lettered once) while schedule() is still refusing it.
   */
  @ParameterizedTest(name = "sync {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(60)
  void busCloseAbandonsRetry_thenSchedulerRejectsIt_countedAndReleasedOnce(boolean sync)
      throws Exception {
    RefusingScheduler scheduler = new RefusingScheduler();
    EventBus bus = onScheduler("adv-reject-bus", scheduler).drainTimeout(Duration.ZERO).build();
    try {
      alwaysFailing(bus);
      CompletableFuture<CompletableFuture<DeliveryReport>> published =
          publishUntilRetryScheduled(bus, scheduler, sync);
      CompletableFuture<Void> closed = CompletableFuture.runAsync(bus::close);
      assertThat(TestThreads.await(() -> bus.metrics().totals().undelivered() == 1,
          Duration.ofSeconds(20))).as("abandoned by close").isTrue();
      scheduler.release.countDown();
      closed.get(20, TimeUnit.SECONDS);
      DeliveryReport report = published.get(20, TimeUnit.SECONDS).get(20, TimeUnit.SECONDS);
      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(report.outcomes().get(0).status()).isEqualTo(DeliveryStatus.UNDELIVERED);
      DeliveryStats totals = bus.metrics().totals();
      soft.assertThat(totals.undelivered()).as("undelivered (%s)", totals).isEqualTo(1);
      // An undelivered delivery is counted dead-lettered too, once.
      soft.assertThat(totals.deadLettered()).as("dead-lettered (%s)", totals).isEqualTo(1);
      soft.assertThat(bus.metrics().queueDepth()).as("depth after bus close").isZero();
      soft.assertAll();
    } finally {
      scheduler.release.countDown();
      bus.close();
      scheduler.shutdownNow();
    }
  }

  /**
   * A user's scheduler that throws something other than a refusal (a bug, or an Error because it
   * cannot make its thread): the retry is given up.
   */
  @ParameterizedTest(name = "sync {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(60)
  void aSchedulerThatThrows_givesTheRetryUp_asADeadLetter_notAnEscapedException(boolean sync)
      throws Exception {
    ScheduledThreadPoolExecutor broken = throwingScheduler(new IllegalStateException("bug"));
    EventBus bus = onScheduler("adv-throwing", broken).build();
    try {
      List<DeadLetter> letters = new CopyOnWriteArrayList<>();
      bus.subscribe(DeadLetter.class, letters::add);
      alwaysFailing(bus);

      DeliveryReport report = (sync ? bus.publishSyncAndTrack("x") : bus.publishAndTrack("x"))
          .toCompletableFuture().get(20, TimeUnit.SECONDS);

      assertThat(report.outcomes().get(0).status()).isEqualTo(DeliveryStatus.DEAD_LETTERED);
      assertGivenUpOnce(bus, letters);
    } finally {
      bus.close();
      broken.shutdownNow();
    }
  }

  /** The retry was given up: one dead letter, nothing retried, nothing left queued. */
  private static void assertGivenUpOnce(EventBus bus, List<DeadLetter> letters) {
    assertThat(letters).hasSize(1);
    assertThat(TestThreads.await(() -> bus.metrics().queueDepth() == 0,
        Duration.ofSeconds(20))).isTrue();
    DeliveryStats totals = bus.metrics().totals();
    assertThat(totals.retried()).isZero();
    assertThat(totals.deadLettered()).isEqualTo(1);
  }

  /**
   * An Error from the scheduler (one that cannot make its thread) goes by the failure rule: the
   * retry is given up as a dead letter, and then the Error reaches the publisher of publishSync,
   * or the worker's uncaught-exception handler, rather than only a log line.
   */
  @ParameterizedTest(name = "sync {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(60)
  void aSchedulerThrowingAnError_deadLettersTheRetry_thenTheErrorGoesOn(boolean sync)
      throws Exception {
    Error error = new OutOfMemoryError("unable to create native thread: possibly out of memory");
    ScheduledThreadPoolExecutor broken = throwingScheduler(error);
    CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> uncaught.complete(e));
    EventBus bus = onScheduler("adv-throwing-error", broken).build();
    try {
      List<DeadLetter> letters = new CopyOnWriteArrayList<>();
      bus.subscribe(DeadLetter.class, letters::add);
      alwaysFailing(bus);

      if (sync) {
        assertThatThrownBy(() -> bus.publishSync("x")).isSameAs(error);
      } else {
        DeliveryReport report = bus.publishAndTrack("x").toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
        assertThat(report.outcomes().get(0).status()).isEqualTo(DeliveryStatus.DEAD_LETTERED);
        assertThat(uncaught.get(20, TimeUnit.SECONDS)).isSameAs(error);
      }
      assertGivenUpOnce(bus, letters);
    } finally {
      bus.close();
      broken.shutdownNow();
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
  }

  /** A scheduler whose schedule(...) throws {@code failure}. */
  private static ScheduledThreadPoolExecutor throwingScheduler(Throwable failure) {
    return new ScheduledThreadPoolExecutor(1) {
      @Override
      public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        if (failure instanceof Error e) {
          throw e;
        }
        throw (RuntimeException) failure;
      }
    };
  }
}
