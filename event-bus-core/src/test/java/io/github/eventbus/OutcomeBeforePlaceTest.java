package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A queued delivery's outcome is counted before its queue place is freed: a reader who sees
 * {@code queueDepth} at zero also sees the delivery's counter, even while the report of that
 * outcome (a DeadLetter handler, the exception handler, a report's callback) still runs. A queue
 * of 16 frees each place as soon as its delivery is over.
 */
class OutcomeBeforePlaceTest {

  record Job(int n) {}

  @Test
  void aFailureGivenUp_isCountedDeadLettered_beforeItsPlaceIsFreed() throws Exception {
    CountDownLatch reporting = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("order-dead").workers(1).queueCapacity(16)
        .exceptionHandler((e, c) -> { }).build()) {
      bus.subscribe(DeadLetter.class, letter -> {
        reporting.countDown();
        TestThreads.awaitQuietly(release);
      });
      bus.subscribe(Job.class, j -> {
        throw new IllegalStateException("fails");
      });
      try {
        bus.publish(new Job(1));
        assertThat(reporting.await(20, TimeUnit.SECONDS)).isTrue();
        awaitEmptyQueue(bus);
        assertThat(bus.metrics().totals().deadLettered()).isEqualTo(1);
        assertThat(bus.metrics().totals().failed()).isEqualTo(1);
      } finally {
        release.countDown();
      }
    }
  }

  @Test
  void aHandlerError_isCountedFailed_beforeItsPlaceIsFreed() throws Exception {
    CountDownLatch reporting = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("order-error").workers(1).queueCapacity(16)
        .exceptionHandler((e, c) -> {
          reporting.countDown();
          TestThreads.awaitQuietly(release);
        }).build()) {
      bus.subscribe(Job.class, j -> {
        throw new AssertionError("broken on purpose");
      });
      try {
        bus.publish(new Job(1));
        assertThat(reporting.await(20, TimeUnit.SECONDS)).isTrue();
        awaitEmptyQueue(bus);
        assertThat(bus.metrics().totals().failed()).isEqualTo(1);
      } finally {
        release.countDown();
      }
    }
  }

  @Test
  void aDeliverySkippedForAClosedSubscription_isCountedDiscarded_beforeItsPlaceIsFreed()
      throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch releaseHandler = new CountDownLatch(1);
    CountDownLatch reporting = new CountDownLatch(1);
    CountDownLatch releaseReport = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("order-skip").workers(1).queueCapacity(16)
        .build()) {
      Subscription subscription = bus.subscribe(Job.class, j -> {
        if (j.n() == 0) {
          holding.countDown();
          TestThreads.awaitQuietly(releaseHandler);
        }
      });
      try {
        bus.publish(new Job(0));
        assertThat(holding.await(20, TimeUnit.SECONDS)).isTrue();
        bus.publishAndTrack(new Job(1)).thenRun(() -> {
          reporting.countDown();
          TestThreads.awaitQuietly(releaseReport);
        });
        Thread closer = new Thread(subscription::close, "order-skip-closer");
        closer.start();
        while (subscription.isActive()) {
          Thread.onSpinWait();
        }
        releaseHandler.countDown(); // the queued Job(1) is then taken and skipped
        assertThat(reporting.await(20, TimeUnit.SECONDS)).isTrue();
        awaitEmptyQueue(bus);
        assertThat(bus.metrics().totals().discarded()).isEqualTo(1);
        releaseReport.countDown(); // close() waits for the worker, which runs the callback
        closer.join(20_000);
        assertThat(closer.isAlive()).isFalse();
      } finally {
        releaseHandler.countDown();
        releaseReport.countDown();
      }
    }
  }

  @Test
  void everyOutcome_isCountedByTheTimeTheQueueReadsEmpty_overManyEvents() {
    int events = 20_000;
    try (EventBus bus = EventBus.builder().name("order-many").workers(1).queueCapacity(16)
        .exceptionHandler((e, c) -> { }).build()) {
      bus.subscribe(DeadLetter.class, letter -> { });
      bus.subscribe(Job.class, j -> {
        if (j.n() % 3 == 0) {
          throw new IllegalStateException("fails");
        }
      });
      long failed = 0;
      for (int i = 1; i <= events; i++) {
        bus.publish(new Job(i));
        failed += i % 3 == 0 ? 1 : 0;
        awaitEmptyQueue(bus);
        DeliveryStats totals = bus.metrics().totals();
        assertThat(totals.delivered() + totals.deadLettered()).as("after event %d", i)
            .isEqualTo(i);
        assertThat(totals.deadLettered()).as("after event %d", i).isEqualTo(failed);
      }
    }
  }

  @Test
  void aRetry_isCountedByTheTimeTheQueueReadsEmpty_evenIfItRunsAtOnceOnAnotherThread() {
    int events = 5_000;
    try (EventBus bus = EventBus.builder().name("order-retry").workers(2).queueCapacity(16)
        .exceptionHandler((e, c) -> { }).build()) {
      java.util.Set<Integer> failedOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
      bus.on(Job.class).concurrent().retry(RetryPolicy.builder().maxAttempts(2)
          .initialDelay(Duration.ZERO).jitter(0).build()).subscribe(j -> {
            if (failedOnce.add(j.n())) {
              throw new IllegalStateException("first attempt fails");
            }
          });
      for (int i = 1; i <= events; i++) {
        bus.publish(new Job(i));
        awaitEmptyQueue(bus);
        DeliveryStats totals = bus.metrics().totals();
        assertThat(totals.delivered()).as("after event %d", i).isEqualTo(i);
        assertThat(totals.retried()).as("after event %d", i).isEqualTo(i);
      }
    }
  }

  private static void awaitEmptyQueue(EventBus bus) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (bus.metrics().queueDepth() != 0) {
      assertThat(System.nanoTime() - deadline).as("queue still not empty").isNegative();
      Thread.onSpinWait();
    }
  }
}
