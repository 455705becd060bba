package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Hostile cases for Workers.shutDown with TrackedThreads: close() returns only after the
 * bus's own worker and retry threads ended.
 */
class WorkersTest {

  record Job(int n) {}

  @Test
  void closeWhileRetriesScheduled_noBusThreadAliveAfterClose() throws Exception {
    for (int round = 0; round < 10; round++) {
      String name = "t-thr-1-" + round;
      int events = 50;
      CountDownLatch failedOnce = new CountDownLatch(events);
      Map<Integer, Integer> letters = new ConcurrentHashMap<>();
      EventBus bus = EventBus.builder().name(name).workers(2)
          .drainTimeout(Duration.ofMillis(100))
          .exceptionHandler((e, c) -> failedOnce.countDown())
          .build();
      bus.subscribe(DeadLetter.class,
          d -> letters.merge(((Job) d.event().payload()).n(), 1, Integer::sum));
      bus.on(Job.class).retry(RetryPolicy.builder().maxAttempts(3)
          .initialDelay(Duration.ofSeconds(30)).build()).subscribe(j -> {
            throw new IllegalStateException("always");
          });
      for (int i = 0; i < events; i++) {
        bus.publish(new Job(i));
      }
      assertThat(failedOnce.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      assertThat(TestThreads.alive(name + "-")).as("round %d", round).isEmpty();
      assertThat(letters).as("round %d", round).hasSize(events);
      assertThat(letters.values()).as("round %d", round).containsOnly(1);
    }
  }

  @Test
  void twoConcurrentCloses_bothReturnAfterThreadsEnded() throws Exception {
    for (int round = 0; round < 20; round++) {
      String name = "t-thr-2-" + round;
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger handled = new AtomicInteger();
      EventBus bus = EventBus.builder().name(name).workers(2).build();
      bus.subscribe(Job.class, j -> {
        release.await(10, TimeUnit.SECONDS);
        handled.incrementAndGet();
      });
      for (int i = 0; i < 20; i++) {
        bus.publish(new Job(i));
      }
      List<String> seenAlive = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      Runnable closer = () -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        bus.close();
        seenAlive.addAll(TestThreads.alive(name + "-"));
      };
      CompletableFuture<Void> a = CompletableFuture.runAsync(closer);
      CompletableFuture<Void> b = CompletableFuture.runAsync(closer);
      go.countDown();
      release.countDown();
      CompletableFuture.allOf(a, b).get(20, TimeUnit.SECONDS);
      assertThat(seenAlive).as("round %d", round).isEmpty();
      assertThat(handled).as("round %d", round).hasValue(20);
      assertThat(bus.isClosed()).isTrue();
    }
  }

  @Test
  void closeFromInsideHandlerDeadLetterAndCallback_refusedAndBusStillCloses()
      throws Exception {
    List<Throwable> refusals = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(3);
    // Job 2 completes only after its callback is registered, so the callback runs on the worker,
    // inside the delivery, not on this thread (where an already completed future would run it).
    CountDownLatch callbackRegistered = new CountDownLatch(1);
    EventBus bus = EventBus.builder().name("t-thr-3").workers(1).build();
    bus.subscribe(DeadLetter.class, d -> {
      try {
        bus.close();
      } catch (IllegalStateException e) {
        refusals.add(e);
      }
      done.countDown();
    });
    bus.subscribe(Job.class, j -> {
      if (j.n() == 0) {
        try {
          bus.close();
        } catch (IllegalStateException e) {
          refusals.add(e);
        }
        done.countDown();
      } else if (j.n() == 1) {
        throw new IllegalStateException("to the dead letters");
      } else {
        TestThreads.awaitQuietly(callbackRegistered);
      }
    });
    bus.publish(new Job(0));
    bus.publish(new Job(1));
    bus.publishAndTrack(new Job(2)).thenRun(() -> {
      try {
        bus.close();
      } catch (IllegalStateException e) {
        refusals.add(e);
      }
      done.countDown();
    });
    callbackRegistered.countDown();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(refusals).hasSize(3);
    assertThat(bus.isClosed()).isFalse();
    bus.close();
    assertThat(TestThreads.alive("t-thr-3-")).isEmpty();
  }

  /**
   * A delivery fails just as close gives up on the drain: it passed Retries' "not abandoned"
   * check, and schedules its retry after Workers.shutDown looked at the (not yet created)
   * scheduler. The jitter source is the hook that holds the failing worker inside that window; it
   * returns when close interrupts the workers, which happens after shutDown's look.
   */
  @Test
  void retrySchedulerCreatedDuringClose_retryThreadOutlivesClose() throws Exception {
    String name = "t-thr-4";
    CountDownLatch inJitter = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    EventBus bus = EventBus.builder().name(name).workers(1)
        .drainTimeout(Duration.ofMillis(100))
        .jitterSource(() -> {
          if (first.compareAndSet(true, false)) {
            inJitter.countDown();
            try {
              new CountDownLatch(1).await(20, TimeUnit.SECONDS); // until close interrupts
            } catch (InterruptedException e) {
              // close interrupted the worker: go on scheduling the retry
            }
          }
          return 0.5;
        })
        .build();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    bus.on(Job.class).retry(RetryPolicy.builder().maxAttempts(3)
        .initialDelay(Duration.ofSeconds(30)).build()).subscribe(j -> {
          throw new IllegalStateException("fails");
        });
    bus.publish(new Job(1));
    assertThat(inJitter.await(10, TimeUnit.SECONDS)).isTrue();
    bus.close();
    List<String> alive = TestThreads.alive(name + "-");
    assertThat(letters).hasSize(1); // reported once, as undelivered
    assertThat(alive).as("threads of the bus alive after close()").isEmpty();
  }

  @Test
  void closeByInterruptedThread_everyEventAccountedOnce_threadsEndSoon() throws Exception {
    for (int round = 0; round < 10; round++) {
      String name = "t-thr-5-" + round;
      int events = 1000;
      Map<Integer, String> outcome = new ConcurrentHashMap<>();
      List<String> duplicates = new CopyOnWriteArrayList<>();
      CountDownLatch started = new CountDownLatch(1);
      EventBus bus = EventBus.builder().name(name).workers(2).build();
      List<String> causes = new CopyOnWriteArrayList<>();
      bus.subscribe(DeadLetter.class, d -> {
        int n = ((Job) d.event().payload()).n();
        causes.add(String.valueOf(d.cause().getMessage()));
        if (outcome.putIfAbsent(n, "letter") != null) {
          duplicates.add(n + " also letter");
        }
      });
      bus.subscribe(Job.class, j -> {
        started.countDown();
        long end = System.nanoTime() + 20_000;
        while (System.nanoTime() - end < 0) {
          Thread.onSpinWait();
        }
        if (outcome.putIfAbsent(j.n(), "delivered") != null) {
          duplicates.add(j.n() + " also delivered");
        }
      });
      for (int i = 0; i < events; i++) {
        bus.publish(new Job(i));
      }
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      AtomicReference<List<String>> aliveAtReturn = new AtomicReference<>();
      AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
      Thread closer = new Thread(() -> {
        Thread.currentThread().interrupt();
        bus.close();
        aliveAtReturn.set(TestThreads.alive(name + "-"));
        stillInterrupted.set(Thread.currentThread().isInterrupted());
      }, "t-interrupted-closer");
      closer.start();
      closer.join(20_000);
      assertThat(closer.isAlive()).isFalse();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!TestThreads.alive(name + "-").isEmpty() && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
      }
      assertThat(duplicates).as("round %d", round).isEmpty();
      assertThat(outcome).as("round %d %s", round, bus.metrics().totals()).hasSize(events);
      assertThat(aliveAtReturn.get()).as("round %d: bus threads alive when close() returned",
          round).isEmpty();
      assertThat(stillInterrupted.get()).as("the closer's interrupt is kept").isTrue();
      assertThat(causes).as("dead letters say why").allMatch(c -> c.contains("interrupted"));
    }
  }
}
