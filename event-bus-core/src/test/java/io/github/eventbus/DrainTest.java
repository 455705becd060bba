package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Hostile cases for Drain.close: interrupts during the drain and the bounded thread waits; every
 * accepted event ends delivered, dead-lettered or undelivered exactly once, and no bus thread
 * outlives close().
 */
class DrainTest {

  record Job(int n) {}

  /** Runs close() on a thread of its own and interrupts it until it returns. */
  private static boolean closeInterruptedRepeatedly(EventBus bus, CountDownLatch started,
      int interrupts) throws InterruptedException {
    AtomicBoolean keptInterrupt = new AtomicBoolean();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread closer = new Thread(() -> {
      try {
        bus.close();
      } catch (Throwable t) {
        thrown.set(t);
      }
      keptInterrupt.set(Thread.currentThread().isInterrupted());
    }, "t-closer");
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    closer.start();
    int sent = 0;
    while (closer.isAlive()) {
      if (sent < interrupts) {
        closer.interrupt();
        sent++;
      }
      closer.join(20); // pacing between interrupts, not synchronisation
    }
    assertThat(thrown.get()).isNull();
    return keptInterrupt.get();
  }

  @Test
  void close_interruptedRepeatedly_everyEventAccountedOnceAndThreadsEnd() throws Exception {
    for (int round = 0; round < 15; round++) {
      String name = "t-drain-1-" + round;
      int events = 40;
      CountDownLatch never = new CountDownLatch(1);
      CountDownLatch started = new CountDownLatch(1);
      Map<Integer, Integer> delivered = new ConcurrentHashMap<>();
      Map<Integer, Integer> letters = new ConcurrentHashMap<>();
      EventBus bus = busCountingLetters(name, 2, Duration.ofSeconds(30), letters);
      bus.subscribe(Job.class, j -> {
        started.countDown();
        if (j.n() % 2 == 0) {
          never.await(); // answers the interrupt of shutdownNow
        }
        delivered.merge(j.n(), 1, Integer::sum);
      });
      for (int i = 0; i < events; i++) {
        bus.publish(new Job(i));
      }
      boolean kept = closeInterruptedRepeatedly(bus, started, 1 + round % 5);
      assertThat(kept).as("round %d: interrupt kept", round).isTrue();
      assertThat(TestThreads.alive(name + "-")).as("round %d", round).isEmpty();
      for (int i = 0; i < events; i++) {
        int d = delivered.getOrDefault(i, 0);
        int l = letters.getOrDefault(i, 0);
        assertThat(d + l).as("round %d event %d: delivered %d, dead letters %d", round, i, d, l)
            .isEqualTo(1);
      }
      DeliveryStats totals = bus.metrics().byType().entrySet().stream()
          .filter(e -> e.getKey().endsWith("Job")).map(Map.Entry::getValue).findFirst()
          .orElseThrow();
      assertThat(totals.delivered()).as("round %d", round).isEqualTo(delivered.size());
      assertThat(totals.delivered() + totals.deadLettered()).as("round %d: %s", round, totals)
          .isEqualTo(events);
    }
  }

  @Test
  void close_interrupted_userExecutorAndSchedulerNotShutDown() throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(2);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int round = 0; round < 10; round++) {
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        Map<Integer, Integer> outcomes = new ConcurrentHashMap<>();
        EventBus bus = EventBus.builder().name("t-drain-2-" + round).executor(executor)
            .scheduler(scheduler).drainTimeout(Duration.ofSeconds(30))
            .exceptionHandler((e, c) -> { })
            .build();
        bus.subscribe(DeadLetter.class,
            d -> outcomes.merge(((Job) d.event().payload()).n(), 1, Integer::sum));
        bus.on(Job.class).retry(RetryPolicy.builder().maxAttempts(5)
            .initialDelay(Duration.ofMillis(1)).build()).subscribe(j -> {
              started.countDown();
              if (j.n() == 0) {
                never.await();
              }
              if (j.n() % 3 == 1) {
                throw new IllegalStateException("retry me");
              }
              outcomes.merge(j.n(), 1, Integer::sum);
            });
        for (int i = 0; i < 30; i++) {
          bus.publish(new Job(i));
        }
        closeInterruptedRepeatedly(bus, started, 3);
        never.countDown(); // the user's thread is the user's to free
        assertThat(executor.isShutdown()).as("round %d", round).isFalse();
        assertThat(scheduler.isShutdown()).as("round %d", round).isFalse();
        assertThat(executor.submit(() -> 7).get(10, TimeUnit.SECONDS)).isEqualTo(7);
        assertThat(scheduler.schedule(() -> 8, 1, TimeUnit.MILLISECONDS)
            .get(10, TimeUnit.SECONDS)).isEqualTo(8);
        // event 0's handler still ran on the user's thread when close() returned; it ends now
        // and must then be reported once, as a late dead letter or a delivery
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (outcomes.size() < 30 && System.nanoTime() - deadline < 0) {
          Thread.onSpinWait();
        }
        for (int i = 0; i < 30; i++) {
          assertThat(outcomes.getOrDefault(i, 0)).as("round %d event %d", round, i).isEqualTo(1);
        }
      }
    } finally {
      executor.shutdownNow();
      scheduler.shutdownNow();
    }
  }

  @Test
  void close_interruptedWhileCallerRunsPublishersRunMailbox_everyEventAccountedOnce()
      throws Exception {
    for (int round = 0; round < 10; round++) {
      String name = "t-drain-3-" + round;
      Map<String, Integer> delivered = new ConcurrentHashMap<>();
      Map<String, Integer> letters = new ConcurrentHashMap<>();
      Map<String, Boolean> accepted = new ConcurrentHashMap<>();
      CountDownLatch started = new CountDownLatch(1);
      EventBus bus = EventBus.builder().name(name).workers(1).queueCapacity(4)
          .backpressure(BackpressurePolicy.CALLER_RUNS).drainTimeout(Duration.ofSeconds(30))
          .exceptionHandler((e, c) -> { })
          .build();
      bus.subscribe(DeadLetter.class,
          d -> letters.merge(((Tagged) d.event().payload()).id(), 1, Integer::sum));
      bus.subscribe(Tagged.class, t -> {
        started.countDown();
        delivered.merge(t.id(), 1, Integer::sum);
      });
      int publishers = 3;
      CountDownLatch done = new CountDownLatch(publishers);
      for (int p = 0; p < publishers; p++) {
        int id = p;
        new Thread(() -> {
          try {
            for (int i = 0; i < 100_000; i++) {
              Tagged t = new Tagged(id + "-" + i);
              bus.publish(t);
              accepted.put(t.id(), true);
            }
          } catch (RuntimeException closed) {
            // refused once close() began
          } finally {
            done.countDown();
          }
        }, name + "-pub-" + p).start();
      }
      closeInterruptedRepeatedly(bus, started, 2);
      assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(TestThreads.alive(name + "-worker")).as("round %d", round).isEmpty();
      for (String id : accepted.keySet()) {
        int d = delivered.getOrDefault(id, 0);
        int l = letters.getOrDefault(id, 0);
        assertThat(d + l).as("round %d event %s: delivered %d, dead letters %d", round, id, d, l)
            .isEqualTo(1);
      }
    }
  }

  record Tagged(String id) {}

  /**
   * A handler that ignores interrupts keeps its worker past close(); interrupts during the
   * bounded waits must not make close() wait longer than the bounds, and the event that handler
   * held is reported once when it ends.
   */
  @Test
  void close_interruptedDuringBoundedWaits_handlerIgnoringInterrupts_returnsAndAccountsOnce()
      throws Exception {
    for (int round = 0; round < 3; round++) {
      String name = "t-drain-4-" + round;
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch started = new CountDownLatch(1);
      Map<Integer, Integer> delivered = new ConcurrentHashMap<>();
      Map<Integer, Integer> letters = new ConcurrentHashMap<>();
      EventBus bus = busCountingLetters(name, 1, Duration.ofMillis(100), letters);
      bus.subscribe(Job.class, j -> {
        started.countDown();
        if (j.n() == 0) {
          TestThreads.awaitIgnoringInterrupts(release);
        }
        delivered.merge(j.n(), 1, Integer::sum);
      });
      for (int i = 0; i < 10; i++) {
        bus.publish(new Job(i));
      }
      long start = System.nanoTime();
      closeInterruptedRepeatedly(bus, started, 200);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMillis).as("round %d: close() bounded", round).isLessThan(15_000);
      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (delivered.size() + letters.size() < 10 && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
      }
      for (int i = 0; i < 10; i++) {
        int d = delivered.getOrDefault(i, 0);
        int l = letters.getOrDefault(i, 0);
        assertThat(d + l).as("round %d event %d: delivered %d, dead letters %d", round, i, d, l)
            .isEqualTo(1);
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!TestThreads.alive(name + "-").isEmpty() && System.nanoTime() - end < 0) {
        Thread.onSpinWait();
      }
      assertThat(TestThreads.alive(name + "-")).as("round %d", round).isEmpty();
    }
  }

  /** Handlers publish follow-ups while close() drains: every accepted event is reported once. */
  @Test
  void close_handlersPublishDuringDrain_everyAcceptedEventAccountedOnce() throws Exception {
    for (int round = 0; round < 20; round++) {
      String name = "t-drain-5-" + round;
      boolean interrupt = round % 2 == 1;
      Map<Integer, Integer> delivered = new ConcurrentHashMap<>();
      Map<Integer, Integer> letters = new ConcurrentHashMap<>();
      Map<Integer, Boolean> accepted = new ConcurrentHashMap<>();
      CountDownLatch started = new CountDownLatch(1);
      EventBus bus = EventBus.builder().name(name).workers(2).queueCapacity(64)
          .drainTimeout(Duration.ofSeconds(interrupt ? 30 : 5))
          .exceptionHandler((e, c) -> { })
          .build();
      bus.subscribe(DeadLetter.class,
          d -> letters.merge(((Job) d.event().payload()).n(), 1, Integer::sum));
      bus.on(Job.class).concurrent().subscribe(j -> {
        started.countDown();
        delivered.merge(j.n(), 1, Integer::sum);
        if (j.n() < 1_000_000) {
          try {
            int child = j.n() + 1_000_000;
            bus.publish(new Job(child));
            accepted.put(child, true);
          } catch (RuntimeException refused) {
            // closing: refused, not accepted
          }
        }
      });
      for (int i = 0; i < 200; i++) {
        bus.publish(new Job(i));
        accepted.put(i, true);
      }
      if (interrupt) {
        closeInterruptedRepeatedly(bus, started, 1);
      } else {
        bus.close();
      }
      assertThat(TestThreads.alive(name + "-")).as("round %d", round).isEmpty();
      for (Integer n : accepted.keySet()) {
        int d = delivered.getOrDefault(n, 0);
        int l = letters.getOrDefault(n, 0);
        assertThat(d + l).as("round %d event %d: delivered %d, dead letters %d", round, n, d, l)
            .isEqualTo(1);
      }
    }
  }

  record Inner(int n) {}

  /**
   * close() drains pending retries, including one of an event a handler published with
   * publishSync during the drain: such an event holds no queue place, and its retry was refused
   * a place once the queue had closed, so it was dead-lettered after one attempt.
   */
  @Test
  void close_aSyncPublishFromAHandlerDuringTheDrain_isRetriedNotDeadLetteredAtOnce()
      throws Exception {
    EventBus bus = EventBus.builder().name("t-drain-retry").workers(1)
        .exceptionHandler((e, c) -> { }).build();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    AtomicInteger attempts = new AtomicInteger();
    bus.on(Inner.class)
        .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(10)).build())
        .subscribe(i -> {
          if (attempts.incrementAndGet() == 1) {
            throw new IllegalStateException("first attempt fails");
          }
        });
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    bus.subscribe(Job.class, j -> {
      holding.countDown();
      TestThreads.awaitIgnoringInterrupts(release);
      bus.publishSync(new Inner(j.n()));
    });
    bus.publish(new Job(1));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(bus::close, "t-drain-retry-closer");
    closer.start();
    assertThat(TestThreads.await(() -> closer.getState() == Thread.State.TIMED_WAITING
        || closer.getState() == Thread.State.WAITING, Duration.ofSeconds(10))).isTrue();
    release.countDown(); // the handler publishes now, while close() drains

    closer.join(30_000);
    assertThat(closer.isAlive()).isFalse();
    assertThat(attempts.get()).isEqualTo(2);
    assertThat(letters).isEmpty();
  }

  /**
   * A bus whose handler failures are quiet and whose dead letters are counted per job in
   * {@code letters}.
   */
  private static EventBus busCountingLetters(String name, int workers, Duration drainTimeout,
      Map<Integer, Integer> letters) {
    EventBus bus = EventBus.builder().name(name).workers(workers).drainTimeout(drainTimeout)
        .exceptionHandler((e, c) -> { }).build();
    bus.subscribe(DeadLetter.class,
        d -> letters.merge(((Job) d.event().payload()).n(), 1, Integer::sum));
    return bus;
  }
}
