package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a failure's report says about its retry ({@link SubscriberExceptionContext#willRetry()})
 * is what happens: a retry the scheduler refuses, or one a closed bus can no longer wait for, is
 * reported as no retry and the event dead-lettered, and a retry never overtakes its failure's
 * report.
 */
class RetriesTest {

  private static final RetryPolicy THREE_QUICK = RetryPolicy.builder().maxAttempts(3)
      .initialDelay(Duration.ofMillis(5)).maxDelay(Duration.ofMillis(5)).build();

  /** Runs every task at once, in schedule() itself, as a direct scheduler would. */
  static final class InlineScheduler extends ScheduledThreadPoolExecutor {
    InlineScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      command.run();
      return super.schedule(() -> { }, 0, unit);
    }
  }

  private static boolean awaitSecond(CountDownLatch latch) {
    try {
      return latch.await(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @ParameterizedTest(name = "sync {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(30)
  void failure_whoseRetryTheSchedulerRefuses_isReportedAsNoRetry_andDeadLettered(boolean sync)
      throws Exception {
    ScheduledExecutorService stopped = new ScheduledThreadPoolExecutor(1);
    stopped.shutdown();
    List<SubscriberExceptionContext> reports = new CopyOnWriteArrayList<>();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("retries-refused").scheduler(stopped)
        .exceptionHandler((e, c) -> reports.add(c)).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.on(String.class).name("failing").retry(THREE_QUICK).subscribe(m -> {
        throw new IllegalStateException("handler failed");
      });

      DeliveryReport report = (sync ? bus.publishSyncAndTrack("x") : bus.publishAndTrack("x"))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);

      assertThat(reports).singleElement().satisfies(c -> {
        assertThat(c.attempt()).isEqualTo(1);
        assertThat(c.willRetry()).as("the scheduler refused the retry").isFalse();
      });
      assertThat(report.outcomes()).singleElement().satisfies(o -> {
        assertThat(o.status()).isEqualTo(DeliveryStatus.DEAD_LETTERED);
        assertThat(o.attempts()).isEqualTo(1);
      });
      assertThat(letters).singleElement()
          .satisfies(l -> assertThat(l.causeMessage()).isEqualTo("handler failed"));
      assertThat(bus.metrics().totals().retried()).isZero();
    }
  }

  /**
   * close() lets a {@code publishSync} already under way on another thread finish its dispatch;
   * if it then fails, the bus is past its drain and tries it no more: no "will retry", and a
   * dead letter for the handler's failure rather than an undelivered one.
   */
  @ParameterizedTest(name = "own scheduler {0}")
  @ValueSource(booleans = {true, false})
  @Timeout(30)
  void syncDispatch_failingAfterCloseReturned_isNotRetried_butDeadLettered(boolean ownScheduler)
      throws Exception {
    ScheduledThreadPoolExecutor userScheduler = new ScheduledThreadPoolExecutor(1);
    EventBusBuilder builder = EventBus.builder().name("retries-after-close");
    if (!ownScheduler) {
      builder.scheduler(userScheduler);
    }
    List<SubscriberExceptionContext> reports = new CopyOnWriteArrayList<>();
    EventBus bus = builder.exceptionHandler((e, c) -> reports.add(c)).build();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    bus.on(String.class).name("slow").retry(THREE_QUICK).subscribe(m -> {
      if (calls.incrementAndGet() == 1) {
        entered.countDown();
        TestThreads.awaitQuietly(release);
        throw new IllegalStateException("failed after close");
      }
    });
    CompletableFuture<DeliveryReport> report = publishSyncOn("retries-publisher", bus);
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    bus.close();
    release.countDown();

    assertTriedOnceAndDeadLettered(bus, report, userScheduler, calls, reports,
        "failed after close");
  }

  /** Publishes "x" with publishSyncAndTrack on a new thread named {@code name}. */
  private static CompletableFuture<DeliveryReport> publishSyncOn(String name, EventBus bus) {
    CompletableFuture<DeliveryReport> report = new CompletableFuture<>();
    new Thread(() -> bus.publishSyncAndTrack("x").whenComplete((r, e) -> {
      if (e != null) {
        report.completeExceptionally(e);
      } else {
        report.complete(r);
      }
    }), name).start();
    return report;
  }

  /**
   * Waits for the report and for the user scheduler to run what it holds, then checks that the
   * handler ran once, its failure was reported without a retry, and the event was dead-lettered.
   */
  private static void assertTriedOnceAndDeadLettered(EventBus bus,
      CompletableFuture<DeliveryReport> report, ScheduledThreadPoolExecutor userScheduler,
      AtomicInteger calls, List<SubscriberExceptionContext> reports, String failure)
      throws Exception {
    DeliveryReport r = report.get(10, TimeUnit.SECONDS);
    userScheduler.shutdown(); // runs any retry it holds before it terminates
    assertThat(userScheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

    assertThat(calls).hasValue(1);
    assertThat(reports).singleElement().satisfies(c -> assertThat(c.willRetry()).isFalse());
    assertThat(r.outcomes()).singleElement().satisfies(o -> {
      assertThat(o.status()).isEqualTo(DeliveryStatus.DEAD_LETTERED);
      assertThat(o.failure()).hasMessage(failure);
    });
    DeliveryStats totals = bus.metrics().totals();
    assertThat(totals.retried()).as("%s", totals).isZero();
    assertThat(totals.deadLettered()).as("%s", totals).isEqualTo(1);
    assertThat(bus.metrics().queueDepth()).isZero();
  }

  /**
   * The same, with close() ending its drain between the failing thread's check that retries are
   * still made and its scheduling of one (the jitter source, user code, runs in between; here it
   * holds the thread there until close() has returned).
   */
  @Test
  @Timeout(30)
  void syncDispatch_whoseRetryIsPlannedAsTheDrainEnds_isNotRetried_butDeadLettered()
      throws Exception {
    ScheduledThreadPoolExecutor userScheduler = new ScheduledThreadPoolExecutor(1);
    CountDownLatch planning = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    List<SubscriberExceptionContext> reports = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().name("retries-planned-at-close").scheduler(userScheduler)
        .jitterSource(() -> {
          if (Thread.currentThread().getName().equals("retries-publisher")) {
            planning.countDown();
            TestThreads.awaitQuietly(closed);
          }
          return 0.5;
        })
        .exceptionHandler((e, c) -> reports.add(c)).build();
    AtomicInteger calls = new AtomicInteger();
    bus.on(String.class).name("failing").retry(THREE_QUICK).subscribe(m -> {
      calls.incrementAndGet();
      throw new IllegalStateException("handler failed");
    });
    CompletableFuture<DeliveryReport> report = publishSyncOn("retries-publisher", bus);
    assertThat(planning.await(10, TimeUnit.SECONDS)).isTrue();
    bus.close();
    closed.countDown();

    assertTriedOnceAndDeadLettered(bus, report, userScheduler, calls, reports, "handler failed");
  }

  /**
   * A retry that comes due while its failure is still being reported (here at once, in
   * schedule()) waits for the report: the exception handler of attempt 1 ends before attempt 2
   * starts, even when the retry is handed to another thread.
   */
  @Test
  @Timeout(30)
  void aRetryDueWhileItsFailureIsReported_startsOnlyAfterTheReport() throws Exception {
    InlineScheduler scheduler = new InlineScheduler();
    List<String> order = new CopyOnWriteArrayList<>();
    CountDownLatch secondAttempt = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("retries-order").scheduler(scheduler)
        .exceptionHandler((e, c) -> {
          // Gives a retry that would not wait a second to start on a worker meanwhile.
          boolean overtaken = awaitSecond(secondAttempt);
          order.add("reported " + c.attempt() + (overtaken ? " after attempt 2 began" : ""));
        }).build()) {
      AtomicInteger calls = new AtomicInteger();
      bus.on(String.class).name("once").retry(THREE_QUICK).subscribe(m -> {
        int n = calls.incrementAndGet();
        order.add("attempt " + n);
        if (n == 1) {
          throw new IllegalStateException("first fails");
        }
        secondAttempt.countDown();
      });

      DeliveryReport report = bus.publishSyncAndTrack("x").toCompletableFuture()
          .get(10, TimeUnit.SECONDS);

      assertThat(report.outcomes().get(0).status()).isEqualTo(DeliveryStatus.DELIVERED);
      assertThat(order).containsExactly("attempt 1", "reported 1", "attempt 2");
    } finally {
      scheduler.shutdownNow();
    }
  }
}
