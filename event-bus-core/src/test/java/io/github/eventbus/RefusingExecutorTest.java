package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A user's executor that refuses a task while the bus is open: a queue it refuses to start is
 * reported as refused (not as "closed"); one that is running goes on on its own thread instead of
 * giving up what it holds.
 */
class RefusingExecutorTest {

  record Hold(int n) {}

  record Ping(int n) {}

  /** One thread, no queue: it refuses every task while its thread is busy. */
  private final ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
      new SynchronousQueue<>(), r -> new Thread(r, "refusing-pool"),
      new ThreadPoolExecutor.AbortPolicy());

  @AfterEach
  void shutDown() {
    pool.shutdownNow();
  }

  @Test
  void publish_whileTheExecutorRefuses_isReportedUndeliveredBecauseOfTheRefusal_notAClose()
      throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("refusing").executor(pool).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.subscribe(Hold.class, h -> {
        holding.countDown();
        TestThreads.awaitQuietly(release);
      });
      bus.on(Ping.class).name("pinged").subscribe(p -> { });
      bus.publish(new Hold(0));
      assertThat(holding.await(20, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<DeliveryReport> report;
      try {
        report = bus.publishAndTrack(new Ping(1)).toCompletableFuture();
      } finally {
        release.countDown();
      }

      SubscriberOutcome outcome = report.get(20, TimeUnit.SECONDS).outcomes().get(0);
      assertThat(outcome.status()).isEqualTo(DeliveryStatus.UNDELIVERED);
      assertThat(outcome.reason()).contains("executor").contains("refused")
          .doesNotContain("closed");
      assertThat(letters).singleElement().satisfies(letter -> {
        assertThat(letter.subscriber()).isEqualTo("pinged");
        assertThat(letter.causeMessage()).contains("refused").doesNotContain("closed");
      });
      assertThat(bus.metrics().totals().undelivered()).isEqualTo(1);
    }
  }

  @Test
  void anExecutorThatThrowsAnythingElse_isARefusal_andTheQueueIsNotStuck() throws Exception {
    for (int run = 0; run < 4; run++) {
      boolean concurrent = run >= 2; // a concurrent subscriber hands each delivery to the executor
      Throwable thrown = run % 2 == 0 ? new IllegalStateException("pool is misconfigured")
          : new OutOfMemoryError("unable to create native thread: possibly out of memory");
      AtomicInteger calls = new AtomicInteger();
      // Behind the first throw, a pool that takes every task (the test's one-thread pool refuses
      // while its thread is still busy with the previous run).
      java.util.concurrent.ExecutorService works = java.util.concurrent.Executors
          .newCachedThreadPool();
      java.util.concurrent.Executor firstThrows = task -> {
        if (calls.incrementAndGet() == 1) {
          if (thrown instanceof Error e) {
            throw e;
          }
          throw (RuntimeException) thrown;
        }
        works.execute(task);
      };
      List<DeadLetter> letters = new CopyOnWriteArrayList<>();
      CountDownLatch second = new CountDownLatch(1);
      try (EventBus bus = EventBus.builder().name("throwing").executor(firstThrows).build()) {
        bus.subscribe(DeadLetter.class, letters::add);
        SubscriptionBuilder<Ping> pinged = bus.on(Ping.class).name("pinged");
        (concurrent ? pinged.concurrent() : pinged).subscribe(p -> second.countDown());
        CompletableFuture<DeliveryReport> report =
            bus.publishAndTrack(new Ping(1)).toCompletableFuture();
        SubscriberOutcome outcome = report.get(20, TimeUnit.SECONDS).outcomes().get(0);
        assertThat(outcome.status()).as(thrown.toString()).isEqualTo(DeliveryStatus.UNDELIVERED);
        assertThat(outcome.reason()).contains("refused", thrown.getMessage());
        assertThat(letters).singleElement().satisfies(letter ->
            assertThat(letter.causeMessage()).contains(thrown.getMessage()));

        bus.publish(new Ping(2)); // the queue was given back: this one is scheduled and delivered
        assertThat(second.await(20, TimeUnit.SECONDS)).as(thrown.toString()).isTrue();
      } finally {
        works.shutdownNow();
      }
    }
  }

  @Test
  void aRunningQueue_whoseExecutorRefusesToRescheduleIt_goesOnOnItsThread_deliveringEverything()
      throws Exception {
    int events = Mailbox.BATCH * 4;
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger delivered = new AtomicInteger();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("refusing-run").executor(pool).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.subscribe(Ping.class, p -> {
        if (p.n() == 0) {
          holding.countDown();
          TestThreads.awaitQuietly(release);
        }
        delivered.incrementAndGet();
      });
      bus.publish(new Ping(0));
      assertThat(holding.await(20, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i < events; i++) {
        bus.publish(new Ping(i)); // queued behind the held one: the queue is running
      }
      release.countDown();
    }
    assertThat(delivered).hasValue(events);
    assertThat(letters).isEmpty();
  }

  @Test
  void aRetryTheExecutorRefuses_aDeadLetterHandlersError_reachesTheSchedulerThreadsHandler()
      throws Exception {
    CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
    CountDownLatch firstRunOver = new CountDownLatch(1);
    // Holds the retry until the queue's first run has ended, so that the retry must start a run.
    java.util.concurrent.ScheduledExecutorService scheduler =
        new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
          Thread t = new Thread(r, "refusing-retry-scheduler");
          t.setUncaughtExceptionHandler((thread, e) -> uncaught.complete(e));
          return t;
        }) {
          @Override
          public java.util.concurrent.ScheduledFuture<?> schedule(Runnable command, long delay,
              TimeUnit unit) {
            return super.schedule(() -> {
              TestThreads.awaitQuietly(firstRunOver);
              command.run();
            }, delay, unit);
          }
        };
    AtomicInteger executions = new AtomicInteger();
    java.util.concurrent.Executor firstOnly = task -> {
      if (executions.getAndIncrement() > 0) {
        throw new java.util.concurrent.RejectedExecutionException("no more");
      }
      new Thread(() -> {
        try {
          task.run();
        } finally {
          firstRunOver.countDown();
        }
      }, "refusing-first-only").start();
    };
    try (EventBus bus = EventBus.builder().name("refusing-retry").executor(firstOnly)
        .scheduler(scheduler).exceptionHandler((e, c) -> { }).build()) {
      bus.subscribe(DeadLetter.class, letter -> {
        throw new AssertionError("dead-letter handler broke");
      });
      bus.on(Ping.class).retry(io.github.eventbus.RetryPolicy.builder().maxAttempts(2)
          .initialDelay(java.time.Duration.ofMillis(1)).jitter(0).build()).subscribe(p -> {
            throw new IllegalStateException("fails");
          });

      bus.publish(new Ping(1));

      assertThat(uncaught.get(20, TimeUnit.SECONDS)).isInstanceOf(AssertionError.class)
          .hasMessage("dead-letter handler broke");
      assertThat(bus.metrics().totals().undelivered()).isEqualTo(1);
    } finally {
      scheduler.shutdownNow();
    }
  }
}
