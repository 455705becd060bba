package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

/**
 * An executor that runs tasks on the calling thread ({@code Runnable::run}, a pool's
 * CallerRunsPolicy) runs each subscriber's queue inside publish: a handler's Error then reaches
 * the publisher, but only after every subscriber got the event. A retry runs on the scheduler's
 * thread, whose uncaught-exception handler gets such an Error.
 */
class InlineExecutorTest {

  @Test
  void publish_aHandlerError_stillDeliversToTheOtherSubscribers_andFreesEveryPlace() {
    List<String> second = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("inline").executor(Runnable::run)
        .exceptionHandler((e, c) -> { }).build()) {
      bus.on(String.class).priority(10).subscribe(s -> {
        throw new AssertionError("first handler broke");
      });
      bus.on(String.class).priority(1).subscribe(second::add);

      assertThatThrownBy(() -> bus.publish("e")).isInstanceOf(AssertionError.class)
          .hasMessage("first handler broke");

      assertThat(second).containsExactly("e");
      assertThat(bus.metrics().queueDepth()).isZero();
    }
  }

  @Test
  void publish_aConcurrentHandlersError_reachesThePublisher_notReportedAsARefusal() {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("inline-concurrent").executor(Runnable::run)
        .exceptionHandler((e, c) -> { }).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.on(String.class).concurrent().subscribe(s -> {
        throw new AssertionError("concurrent handler broke");
      });

      assertThatThrownBy(() -> bus.publish("e")).isInstanceOf(AssertionError.class)
          .hasMessage("concurrent handler broke");

      assertThat(letters).isEmpty();
      assertThat(bus.metrics().totals().undelivered()).isZero();
      assertThat(bus.metrics().queueDepth()).isZero();
    }
  }

  @Test
  void retry_aHandlerErrorOnTheSchedulerThread_reachesThatThreadsUncaughtExceptionHandler()
      throws Exception {
    CompletableFuture<Throwable> uncaught = new CompletableFuture<>();
    CountDownLatch published = new CountDownLatch(1);
    // Holds each retry until publish has returned, so that the publisher's own run of the queue
    // cannot be the one that picks the retry up.
    ScheduledExecutorService scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "inline-retry-test");
      t.setUncaughtExceptionHandler((thread, e) -> uncaught.complete(e));
      return t;
    }) {
      @Override
      public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return super.schedule(() -> {
          TestThreads.awaitQuietly(published);
          command.run();
        }, delay, unit);
      }
    };
    AtomicInteger attempts = new AtomicInteger();
    try (EventBus bus = EventBus.builder().name("inline-retry").executor(Runnable::run)
        .scheduler(scheduler).exceptionHandler((e, c) -> { }).build()) {
      bus.on(String.class).retry(RetryPolicy.builder().maxAttempts(2)
          .initialDelay(Duration.ofMillis(1)).build()).subscribe(s -> {
            if (attempts.incrementAndGet() == 1) {
              throw new IllegalStateException("first attempt fails");
            }
            throw new AssertionError("the retry broke");
          });

      bus.publish("e");
      published.countDown();

      assertThat(uncaught.get(20, TimeUnit.SECONDS)).isInstanceOf(AssertionError.class)
          .hasMessage("the retry broke");
      assertThat(attempts).hasValue(2);
    } finally {
      scheduler.shutdownNow();
    }
  }
}
