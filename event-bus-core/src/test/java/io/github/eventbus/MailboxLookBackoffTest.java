package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A waiting worker looks less and less often once something is written, takes at once an event
 * seen after a quiet spell, and takes what it saw written when its idle deadline passes
 * mid-gather ({@link Mailbox}'s {@code awaitMore}). Paced producers land events between looks,
 * around the deadline and around {@link Mailbox#KEEP_BEHIND}; every event must still arrive once,
 * in order, with no further enqueue. Adopted from an adversary's probes, which reached every way
 * out of the wait (the deadline mid-gather mostly with the cores oversubscribed).
 */
class MailboxLookBackoffTest {

  /** Gaps (ns) around the spin looks, the yield phase and the 50 µs deadlines. */
  private static final long[] GAPS = {0, 300, 1_000, 2_000, 3_000, 5_000, 8_000, 12_000, 20_000,
      30_000, 40_000, 45_000, 48_000, 50_000, 52_000, 55_000, 60_000, 70_000, 90_000, 100_000,
      110_000, 130_000};
  private static final Route ROUTE =
      new Route(Long.class, "Long", new Subscriber[0], new TypeStats());

  /** One gap under a pacing regime: none, tight, one of {@link #GAPS}, or random up to 120 µs. */
  private static long gap(Random random, int regime) {
    switch (regime) {
      case 0:
        return 0;
      case 1:
        return 500 + random.nextInt(4_000);
      case 2:
        return GAPS[random.nextInt(GAPS.length)];
      default:
        return random.nextInt(120_000);
    }
  }

  private static void awaitDelivered(AtomicLong delivered, long want, String what) {
    assertThat(TestThreads.await(() -> delivered.get() == want, Duration.ofSeconds(5)))
        .as("%s: %s of %s delivered", what, delivered.get(), want).isTrue();
  }

  @Test
  void pacedBursts_eachDeliveredInOrder_withoutFurtherEnqueue() {
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-backoff"));
    AtomicLong delivered = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    Mailbox mailbox = MailboxTest.inOrder(worker, delivered, errors);
    Random random = new Random(20261201L);
    long next = 0;
    try {
      for (int burst = 0; burst < 2_500; burst++) {
        int length = 1 + random.nextInt(random.nextBoolean() ? 4 : 64);
        int regime = random.nextInt(4);
        for (int i = 0; i < length; i++) {
          mailbox.enqueue(next++, ROUTE, null);
          if (i < length - 1) {
            TestThreads.spin(gap(random, regime));
          }
        }
        awaitDelivered(delivered, next, "burst " + burst + " of " + length + ", regime " + regime);
        TestThreads.spin(GAPS[random.nextInt(GAPS.length)]); // land the next in the wait
      }
      assertThat(errors).isEmpty();
      assertThat(TestThreads.await(mailbox::isSettled, Duration.ofSeconds(5))).isTrue();
    } finally {
      worker.shutdownNow();
    }
  }

  @ParameterizedTest(name = "{0} busy threads")
  @CsvSource({"0,21", "2,22"})
  void threeProducers_withBusyThreadsOrNot_exactlyOnceInProducerOrder(int busy, long seed)
      throws InterruptedException {
    int producers = 3;
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-backoff"));
    AtomicLong delivered = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    long[] last = new long[producers];
    Arrays.fill(last, -1);
    Mailbox mailbox = MailboxTest.standalone((s, d, run) -> {
      long value = (Long) d.payload;
      int producer = (int) (value >>> 40);
      long sequence = value & ((1L << 40) - 1);
      if (sequence != last[producer] + 1) {
        errors.add("producer " + producer + ": " + last[producer] + " then " + sequence);
      }
      last[producer] = sequence;
      delivered.incrementAndGet();
      run.finished();
    }, worker);
    // Busy threads oversubscribe the cores, so that the worker's yields are slow and its idle
    // deadline passes while it gathers.
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> busyThreads = new ArrayList<>();
    for (int n = 0; n < busy; n++) {
      Thread thread = new Thread(() -> {
        while (!stop.get()) {
          Thread.onSpinWait();
        }
      }, "t-backoff-busy-" + n);
      thread.setDaemon(true);
      busyThreads.add(thread);
      thread.start();
    }
    long[] next = new long[producers];
    Random random = new Random(seed);
    long total = 0;
    try {
      for (int round = 0; round < 600; round++) {
        CyclicBarrier go = new CyclicBarrier(producers);
        int regime = random.nextInt(4);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
          int me = p;
          int length = random.nextInt(random.nextBoolean() ? 3 : 40);
          Random own = new Random(random.nextLong());
          total += length;
          Thread thread = new Thread(() -> {
            TestThreads.awaitBarrier(go);
            for (int i = 0; i < length; i++) {
              mailbox.enqueue(((long) me << 40) | next[me]++, ROUTE, null);
              TestThreads.spin(gap(own, regime) / 2);
            }
          }, "t-backoff-producer-" + p);
          threads.add(thread);
          thread.start();
        }
        for (Thread thread : threads) {
          thread.join(10_000);
          assertThat(thread.isAlive()).as("producer ended").isFalse();
        }
        awaitDelivered(delivered, total, "round " + round + ", regime " + regime);
        TestThreads.spin(GAPS[random.nextInt(GAPS.length)]);
      }
      assertThat(errors).isEmpty();
      assertThat(TestThreads.await(mailbox::isSettled, Duration.ofSeconds(5))).isTrue();
    } finally {
      stop.set(true);
      for (Thread thread : busyThreads) {
        thread.join(5_000);
      }
      worker.shutdownNow();
    }
  }

  @Test
  void leadEvents_thenBurstAroundKeepBehind_thenPacedTail_allDeliveredInOrder() {
    ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "t-backoff"));
    AtomicLong delivered = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    Mailbox mailbox = MailboxTest.inOrder(worker, delivered, errors);
    Random random = new Random(1000);
    long next = 0;
    try {
      for (int round = 0; round < 150; round++) {
        // Two lead events a moment apart leave the worker gathering with something seen.
        mailbox.enqueue(next++, ROUTE, null);
        TestThreads.spin(random.nextInt(3_000));
        mailbox.enqueue(next++, ROUTE, null);
        TestThreads.spin(random.nextInt(2_000));
        int length = Mailbox.KEEP_BEHIND - 400 + random.nextInt(1_800);
        for (int i = 0; i < length; i++) {
          mailbox.enqueue(next++, ROUTE, null);
        }
        int tail = random.nextInt(6);
        for (int i = 0; i < tail; i++) {
          TestThreads.spin(GAPS[random.nextInt(GAPS.length)]);
          mailbox.enqueue(next++, ROUTE, null);
        }
        awaitDelivered(delivered, next, "round " + round + ", burst " + length + ", tail " + tail);
        TestThreads.spin(GAPS[random.nextInt(GAPS.length)]);
      }
      assertThat(errors).isEmpty();
      assertThat(TestThreads.await(mailbox::isSettled, Duration.ofSeconds(5))).isTrue();
    } finally {
      worker.shutdownNow();
    }
  }
}
