package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile cases for the mailbox's batch-local head and the sparse spin, and for close():
 * no event lost when a publish races with the worker going idle, per-publisher order kept, every
 * accepted event delivered, dead-lettered or reported undelivered exactly once.
 */
class MailboxTest {

  record Msg(int publisher, int seq) {}

  /** Busy-waits a pseudo-random few microseconds: only to vary where a publish lands. */
  private static void jitter(long seed) {
    long nanos = (seed * 2654435761L >>> 7) % 120_000; // 0..120 us, around the 50 us idle bound
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
  }

  @Test
  void publishRacesWorkerGoingIdle_noEventLost() throws Exception {
    AtomicInteger delivered = new AtomicInteger();
    try (EventBus bus = EventBus.builder().name("t-mb-1").workers(1).build()) {
      bus.subscribe(Msg.class, m -> delivered.incrementAndGet());
      for (int i = 0; i < 5000; i++) {
        int expected = i + 1;
        bus.publish(new Msg(0, i));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (delivered.get() < expected) { // wait for this one before the next
          assertThat(System.nanoTime() - deadline).as("event %d lost", i).isNegative();
          Thread.onSpinWait();
        }
        jitter(i); // the worker is somewhere in its spin, its yield or idle
      }
    }
    assertThat(delivered).hasValue(5000);
  }

  /**
   * A worker that has caught up waits for the publisher to get ahead before it takes more; a burst
   * of any length, around that distance and across chunk ends, must still be delivered in full,
   * in order, without a further publish to push it along.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 7, 2026})
  void burstsOfAnyLength_eachDeliveredInOrderWithoutAFurtherPublish(long seed) throws Exception {
    Random random = new Random(seed);
    List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
    try (EventBus bus = EventBus.builder().name("t-mb-bursts").workers(1).build()) {
      bus.subscribe(Msg.class, m -> seen.add(m.seq()));
      int next = 0;
      for (int burst = 0; burst < 400; burst++) {
        int length = 1 + random.nextInt(Mailbox.KEEP_BEHIND + MailboxQueue.CHUNK);
        for (int i = 0; i < length; i++) {
          bus.publish(new Msg(0, next++));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.size() < next) {
          assertThat(System.nanoTime() - deadline)
              .as("burst %d of %d events: %d of %d delivered", burst, length, seen.size(), next)
              .isNegative();
          Thread.onSpinWait();
        }
        jitter(random.nextLong() & Long.MAX_VALUE);
      }
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < next; i++) {
        expected.add(i);
      }
      assertThat(seen).isEqualTo(expected);
    }
  }

  @Test
  void severalPublishers_perPublisherOrderAndExactCounts() throws Exception {
    int publishers = 4;
    int perPublisher = 20_000;
    List<String> errors = new CopyOnWriteArrayList<>();
    AtomicIntegerArray lastA = new AtomicIntegerArray(publishers);
    AtomicIntegerArray lastB = new AtomicIntegerArray(publishers);
    for (int p = 0; p < publishers; p++) {
      lastA.set(p, -1);
      lastB.set(p, -1);
    }
    AtomicInteger countA = new AtomicInteger();
    AtomicInteger countB = new AtomicInteger();
    EventBus bus = EventBus.builder().name("t-mb-2").workers(2).queueCapacity(1 << 20)
        .build();
    bus.subscribe(Msg.class, m -> {
      if (lastA.getAndSet(m.publisher(), m.seq()) != m.seq() - 1) {
        errors.add("A out of order " + m);
      }
      countA.incrementAndGet();
    });
    bus.subscribe(Msg.class, m -> {
      if (lastB.getAndSet(m.publisher(), m.seq()) != m.seq() - 1) {
        errors.add("B out of order " + m);
      }
      countB.incrementAndGet();
    });
    TestThreads.publishFromThreads(publishers, perPublisher, (id, s) -> {
      bus.publish(new Msg(id, s));
      if (s % 997 == 0) {
        jitter(s + id);
      }
    });
    bus.close();
    assertThat(errors).isEmpty();
    assertThat(countA).hasValue(publishers * perPublisher);
    assertThat(countB).hasValue(publishers * perPublisher);
    assertThat(bus.metrics().totals().delivered()).isEqualTo(2L * publishers * perPublisher);
    assertThat(bus.metrics().totals().undelivered()).isZero();
  }

  @Test
  void callerRuns_takesOverMailbox_orderAndCountsKept() throws Exception {
    int publishers = 3;
    int perPublisher = 5000;
    List<String> errors = new CopyOnWriteArrayList<>();
    AtomicIntegerArray last = new AtomicIntegerArray(publishers);
    for (int p = 0; p < publishers; p++) {
      last.set(p, -1);
    }
    AtomicInteger count = new AtomicInteger();
    AtomicInteger concurrentRunners = new AtomicInteger();
    EventBus bus = EventBus.builder().name("t-mb-3").workers(1).queueCapacity(4)
        .backpressure(BackpressurePolicy.CALLER_RUNS).build();
    bus.subscribe(Msg.class, m -> {
      if (concurrentRunners.incrementAndGet() != 1) {
        errors.add("two threads in the handler at once at " + m);
      }
      if (last.getAndSet(m.publisher(), m.seq()) != m.seq() - 1) {
        errors.add("out of order " + m);
      }
      count.incrementAndGet();
      concurrentRunners.decrementAndGet();
    });
    TestThreads.publishFromThreads(publishers, perPublisher,
        (id, s) -> bus.publish(new Msg(id, s)));
    bus.close();
    assertThat(errors).isEmpty();
    assertThat(count).hasValue(publishers * perPublisher);
    assertThat(bus.metrics().totals().delivered()).isEqualTo((long) publishers * perPublisher);
  }

  @Test
  void closeWithStuckHandler_everyEventAccountedExactlyOnce() throws Exception {
    for (int round = 0; round < 5; round++) {
      int events = 2000;
      CountDownLatch stuck = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch stuckDone = new CountDownLatch(1);
      Map<Integer, String> outcome = new ConcurrentHashMap<>();
      List<String> duplicates = new CopyOnWriteArrayList<>();
      EventBus bus = EventBus.builder().name("t-mb-4-" + round).workers(2)
          .drainTimeout(Duration.ofMillis(150)).build();
      bus.subscribe(DeadLetter.class, d -> {
        Msg m = (Msg) d.event().payload();
        if (outcome.putIfAbsent(m.seq(), "letter:" + d.causeClass()) != null) {
          duplicates.add(m.seq() + " also " + d.causeClass());
        }
      });
      bus.on(Msg.class).name("slow").subscribe(m -> {
        if (m.seq() == 10) {
          stuck.countDown();
          TestThreads.awaitIgnoringInterrupts(release);
        }
        if (outcome.putIfAbsent(m.seq(), "delivered") != null) {
          duplicates.add(m.seq() + " also delivered");
        }
        if (m.seq() == 10) {
          stuckDone.countDown();
        }
      });
      for (int i = 0; i < events; i++) {
        bus.publish(new Msg(0, i));
      }
      assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      release.countDown();
      assertThat(stuckDone.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(duplicates).as("round %d", round).isEmpty();
      assertThat(outcome).as("round %d", round).hasSize(events);
      // every accepted delivery counted once: delivered or undelivered (nothing failed here);
      // the stuck worker flushes its count when its batch ends, after the handler returned
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      DeliveryStats totals = bus.metrics().totals();
      while (totals.delivered() + totals.undelivered() < events
          && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
        totals = bus.metrics().totals();
      }
      assertThat(totals.delivered() + totals.undelivered())
          .as("round %d: %s", round, totals).isEqualTo(events);
      assertThat(bus.metrics().queueDepth()).as("round %d", round).isZero();
    }
  }

  @Test
  void closeWhileInterruptibleHandlerStuck_eventReportedOnce() throws Exception {
    for (int round = 0; round < 5; round++) {
      int events = 500;
      CountDownLatch stuck = new CountDownLatch(1);
      Map<Integer, String> outcome = new ConcurrentHashMap<>();
      List<String> duplicates = new CopyOnWriteArrayList<>();
      EventBus bus = EventBus.builder().name("t-mb-5-" + round).workers(1)
          .drainTimeout(Duration.ofMillis(100)).build();
      bus.subscribe(DeadLetter.class, d -> {
        Msg m = (Msg) d.event().payload();
        if (outcome.putIfAbsent(m.seq(), "letter:" + d.causeClass()) != null) {
          duplicates.add(m.seq() + " also " + d.causeClass());
        }
      });
      bus.subscribe(Msg.class, m -> {
        if (m.seq() == 3) {
          stuck.countDown();
          new CountDownLatch(1).await(); // answers the interrupt only
        }
        if (outcome.putIfAbsent(m.seq(), "delivered") != null) {
          duplicates.add(m.seq() + " also delivered");
        }
      });
      for (int i = 0; i < events; i++) {
        bus.publish(new Msg(0, i));
      }
      assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      assertThat(duplicates).as("round %d", round).isEmpty();
      assertThat(outcome).as("round %d: %s", round, bus.metrics().totals()).hasSize(events);
      DeliveryStats t = bus.metrics().totals();
      // an undelivered event is also counted as dead-lettered
      assertThat(t.delivered() + t.deadLettered()).as("round %d: %s", round, t)
          .isEqualTo(events);
      assertThat(t.deadLettered()).as("round %d: %s", round, t)
          .isEqualTo(t.undelivered() + t.failed());
    }
  }

  @Test
  void sparseSpin_manySubscribersOneWorker_noneStarvedNoneLost() throws Exception {
    int subscribers = 16;
    int events = 3000;
    AtomicLong total = new AtomicLong();
    CountDownLatch done = new CountDownLatch(subscribers * events);
    try (EventBus bus = EventBus.builder().name("t-mb-6").workers(1).build()) {
      for (int s = 0; s < subscribers; s++) {
        bus.subscribe(Msg.class, m -> {
          total.incrementAndGet();
          done.countDown();
        });
      }
      for (int i = 0; i < events; i++) {
        bus.publish(new Msg(0, i));
        if (i % 50 == 0) {
          jitter(i);
        }
      }
      assertThat(done.await(60, TimeUnit.SECONDS)).as("delivered %d", total.get()).isTrue();
    }
    assertThat(total).hasValue((long) subscribers * events);
  }

  @Test
  void trackedPublishes_closeWithStuckHandler_everyTrackerCompletesOnceWithOneStatus()
      throws Exception {
    for (int round = 0; round < 5; round++) {
      int events = 300;
      CountDownLatch stuck = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      EventBus bus = EventBus.builder().name("t-mb-7-" + round).workers(1)
          .drainTimeout(Duration.ofMillis(100)).build();
      bus.subscribe(Msg.class, m -> {
        if (m.seq() == 5) {
          stuck.countDown();
          TestThreads.awaitIgnoringInterrupts(release);
        }
      });
      List<java.util.concurrent.CompletableFuture<DeliveryReport>> reports = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        reports.add(bus.publishAndTrack(new Msg(0, i)).toCompletableFuture());
      }
      assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      release.countDown();
      java.util.concurrent.CompletableFuture.allOf(reports.toArray(
          new java.util.concurrent.CompletableFuture<?>[0])).get(10, TimeUnit.SECONDS);
      for (int i = 0; i < events; i++) {
        DeliveryReport r = reports.get(i).get();
        assertThat(r.outcomes()).as("round %d event %d", round, i).hasSize(1);
        DeliveryStatus status = r.outcomes().get(0).status();
        if (i <= 5) {
          assertThat(status).as("round %d event %d", round, i)
              .isEqualTo(DeliveryStatus.DELIVERED);
        } else {
          assertThat(status).as("round %d event %d", round, i)
              .isEqualTo(DeliveryStatus.UNDELIVERED);
        }
      }
    }
  }

  /**
   * close() takes what is left in a mailbox nobody runs while a publish that reserved room before
   * the close may still be queueing: each item is taken by close or delivered by the worker, once,
   * and none is left in a queue nobody will run (each round's item is the last one queued, so no
   * later publish would schedule it). The narrowest case, an item queued between close's last look
   * and its giving the mailbox back, is covered by the same re-check that ends every run; these
   * rounds did not hit that window on the unfixed code.
   */
  @Test
  void takeAll_racingEnqueue_eachItemTakenOrDeliveredOnce() throws Exception {
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-mb-worker"));
    AtomicLong delivered = new AtomicLong();
    Mailbox mailbox = standalone((s, d, run) -> {
      delivered.incrementAndGet();
      run.finished();
    }, worker);
    Route route = new Route(Msg.class, "Msg", new Subscriber[0], new TypeStats());
    int rounds = 20_000;
    CyclicBarrier start = new CyclicBarrier(2);
    AtomicLong taken = new AtomicLong();
    Thread closer = new Thread(() -> {
      try {
        for (int i = 0; i < rounds; i++) {
          start.await();
          taken.addAndGet(mailbox.takeAll().size()); // once, as close() does
        }
      } catch (InterruptedException | BrokenBarrierException e) {
        Thread.currentThread().interrupt();
      }
    }, "t-mb-closer");
    closer.start();
    try {
      // Each round's item is the last one queued until it is gone: nothing later schedules it.
      for (int i = 0; i < rounds; i++) {
        start.await(10, TimeUnit.SECONDS);
        mailbox.enqueue(new Msg(0, i), route, null);
        long expected = i + 1;
        assertThat(TestThreads.await(() -> delivered.get() + taken.get() == expected,
            Duration.ofSeconds(10)))
            .as("round %s: delivered %s, taken %s", i, delivered, taken).isTrue();
      }
    } finally {
      start.reset();
      closer.join();
      worker.shutdownNow();
    }
  }

  /** The queue of a mailbox, for tests that reach into its slots. */
  static MailboxQueue queueOf(Mailbox mailbox) throws ReflectiveOperationException {
    java.lang.reflect.Field field = Mailbox.class.getDeclaredField("queue");
    field.setAccessible(true);
    return (MailboxQueue) field.get(mailbox);
  }

  /**
   * A {@link #standalone} mailbox for {@code Long} payloads 0, 1, 2, ... whose handler counts each
   * in {@code delivered} and adds a line to {@code errors} for any out of order.
   */
  static Mailbox inOrder(java.util.concurrent.Executor executor,
      java.util.concurrent.atomic.AtomicLong delivered, List<String> errors) {
    long[] expect = {0};
    return standalone((s, d, run) -> {
      long value = (Long) d.payload;
      if (value != expect[0]) {
        errors.add("expected " + expect[0] + " got " + value);
      }
      expect[0] = value + 1;
      delivered.incrementAndGet();
      run.finished();
    }, executor);
  }

  /** A mailbox outside any bus, with no bound on its queue: for tests that drive it directly. */
  static Mailbox standalone(Mailbox.Deliverer deliverer, java.util.concurrent.Executor executor) {
    return standalone(deliverer, executor, Mailbox.THREAD_YIELD);
  }

  /**
   * As {@link #standalone(Mailbox.Deliverer, java.util.concurrent.Executor)}, with how its worker
   * yields.
   */
  static Mailbox standalone(Mailbox.Deliverer deliverer, java.util.concurrent.Executor executor,
      Mailbox.Yielder yielder) {
    InFlight inFlight = new InFlight();
    Capacity capacity = new Capacity(Long.MAX_VALUE, new MetricsRegistry(16));
    Mailbox[] made = new Mailbox[1];
    Subscriptions subscriptions = new Subscriptions(new Lifecycle("standalone"), inFlight,
        new MetricsRegistry(16),
        s -> made[0] = Mailbox.create(s, deliverer, executor, inFlight, capacity, yielder),
        s -> { });
    subscriptions.add(SubscriptionSpec.of(Long.class, null, payload -> { }));
    return made[0];
  }
}
