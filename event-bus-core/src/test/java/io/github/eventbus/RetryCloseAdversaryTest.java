package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.ProbeLedger.Msg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Timeout;

/**
 * Adversary probes of Subscription.close() discarding waiting retries: a flaky handler with tiny
 * retry delays (0 to 2 ms) while its subscription is closed from outside, by two threads at once,
 * from its own handler, or together with the bus, with asynchronous or synchronous publishes.
 * Each accepted event ends with exactly one outcome consistent with the handler calls, the
 * metrics add up, the queue empties and no handler call starts after close() returned.
 */
class RetryCloseAdversaryTest {

  static IntStream seeds() {
    return IntStream.rangeClosed(1, Integer.getInteger("probe.seeds", 4));
  }

  /** Whether the given attempt of {@code m} succeeds; about one in three does. */
  private static boolean succeeds(int seed, Msg m, int attempt) {
    return Math.floorMod(seed + m.publisher() * 31 + m.seq() * 7 + attempt, 3) == 0;
  }

  /** Closed from outside, by two threads at once, or from its own handler (modes 0 to 2). */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @Timeout(120)
  void closeRacingTinyRetries_outsideTwiceOrFromHandler_oneOutcomeEach_metricsAddUp(int seed)
      throws Exception {
    Random random = new Random(seed);
    for (int round = 0; round < 30; round++) {
      runRound(seed, round, random.nextInt(3), random.nextBoolean(), random);
    }
  }

  /** Closed while the bus closes (mode 3). */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @Timeout(120)
  void closeRacingTinyRetries_andBusClose_oneOutcomeEach_metricsAddUp(int seed)
      throws Exception {
    Random random = new Random(seed);
    for (int round = 0; round < 30; round++) {
      runRound(seed, round, 3, random.nextBoolean(), random);
    }
  }

  private static void runRound(int seed, int round, int mode, boolean sync, Random random)
      throws Exception {
    int maxAttempts = 1 + random.nextInt(4);
    long delayMicros = random.nextInt(2001);
    int publishers = 2;
    int per = 40 + random.nextInt(40);
    int closeAfter = random.nextInt(per);
    String where = "round " + round + " mode " + mode + " sync " + sync + " attempts "
        + maxAttempts + " delay " + delayMicros + "us";
    EventBus bus = EventBus.builder().name("adv-retry").workers(2)
        .drainTimeout(Duration.ofMillis(random.nextInt(4))).exceptionHandler((e, c) -> { })
        .build();
    Map<Msg, AtomicInteger> calls = new ConcurrentHashMap<>();
    AtomicBoolean closeReturned = new AtomicBoolean();
    List<String> broken = new CopyOnWriteArrayList<>();
    List<String> lateCalls = new CopyOnWriteArrayList<>();
    AtomicReference<Subscription> self = new AtomicReference<>();
    CountDownLatch subscribed = new CountDownLatch(1);
    Subscription s = bus.on(Msg.class).name("flaky")
        .retry(RetryPolicy.builder().maxAttempts(maxAttempts)
            .initialDelay(Duration.ofNanos(delayMicros * 1000)).multiplier(1.0).build())
        .subscribe(m -> {
          if (closeReturned.get()) {
            if (mode == 2) {
              // Closed from a handler, close() does not wait: a delivery another thread had
              // begun (it found the subscription open) may still reach the handler.
              lateCalls.add(Thread.currentThread().getName());
            } else {
              broken.add("call after close() returned: " + m);
            }
          }
          int attempt = calls.computeIfAbsent(m, k -> new AtomicInteger()).incrementAndGet();
          if (mode == 2 && m.publisher() == 0 && m.seq() == closeAfter) {
            subscribed.await();
            self.get().close();
            closeReturned.set(true);
          }
          if (!succeeds(seed, m, attempt)) {
            throw new ProbeLedger.PlannedFailure();
          }
        });
    self.set(s);
    subscribed.countDown();
    Map<Msg, CompletableFuture<DeliveryReport>> reports = new ConcurrentHashMap<>();
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    AtomicInteger published = new AtomicInteger();
    AtomicInteger publishing = new AtomicInteger(publishers);
    int closers = mode == 1 || mode == 3 ? 2 : mode == 0 ? 1 : 0;
    CyclicBarrier start = new CyclicBarrier(publishers + closers);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      int id = p;
      threads.add(new Thread(() -> {
        TestThreads.awaitBarrier(start);
        try {
          for (int i = 0; i < per; i++) {
            Msg m = new Msg(id, i);
            try {
              reports.put(m, (sync ? bus.publishSyncAndTrack(m) : bus.publishAndTrack(m))
                  .toCompletableFuture());
            } catch (IllegalStateException closed) {
              break;
            } catch (Throwable t) {
              unexpected.add(t);
              break;
            } finally {
              published.incrementAndGet();
            }
          }
        } finally {
          publishing.decrementAndGet();
        }
      }, "adv-publisher-" + p));
    }
    for (int c = 0; c < closers; c++) {
      boolean closeBus = mode == 3 && c == 1;
      threads.add(new Thread(() -> {
        TestThreads.awaitBarrier(start);
        TestThreads.await(() -> published.get() >= closeAfter || publishing.get() == 0,
            Duration.ofSeconds(20));
        if (closeBus) {
          bus.close();
        } else {
          s.close();
          closeReturned.set(true);
        }
      }, "adv-closer-" + c));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(20));
      assertThat(t.isAlive()).as("%s: %s finished", where, t.getName()).isFalse();
    }
    if (mode == 2 && !closeReturned.get()) {
      s.close(); // the closing message was never published before the bus... (not in mode 2)
      closeReturned.set(true);
    }
    CompletableFuture.allOf(reports.values().toArray(CompletableFuture[]::new))
        .get(20, TimeUnit.SECONDS);
    boolean settled = TestThreads.await(() -> bus.metrics().queueDepth() == 0,
        Duration.ofSeconds(20));
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(unexpected).as("%s: publish threw", where).isEmpty();
    soft.assertThat(broken).as("%s: broken", where).isEmpty();
    soft.assertThat(lateCalls).as("%s: threads calling after close() returned (one each at most)",
        where).doesNotHaveDuplicates();
    soft.assertThat(settled).as("%s: queue depth returns to 0", where).isTrue();
    long delivered = 0;
    long dead = 0;
    long discarded = 0;
    long undelivered = 0;
    for (Map.Entry<Msg, CompletableFuture<DeliveryReport>> e : reports.entrySet()) {
      Msg m = e.getKey();
      DeliveryReport r = e.getValue().get();
      int n = calls.getOrDefault(m, new AtomicInteger()).get();
      if (r.outcomes().isEmpty()) {
        soft.assertThat(n).as("%s: calls of unrouted %s", where, m).isZero();
        continue;
      }
      soft.assertThat(r.outcomes()).as("%s: outcomes of %s", where, m).hasSize(1);
      DeliveryStatus status = r.outcomes().get(0).status();
      switch (status) {
        case DELIVERED -> {
          delivered++;
          soft.assertThat(n >= 1 && succeeds(seed, m, n))
              .as("%s: %s delivered after %d calls", where, m, n).isTrue();
        }
        case DEAD_LETTERED -> {
          dead++;
          if (mode != 3) { // a closing bus retries nothing: a failure then is dead-lettered
            soft.assertThat(n).as("%s: calls of dead-lettered %s", where, m)
                .isEqualTo(maxAttempts);
          }
        }
        case UNSUBSCRIBED -> {
          discarded++;
          soft.assertThat(n).as("%s: calls of discarded %s (a failed last attempt is dead-lettered)",
              where, m).isLessThan(maxAttempts);
          soft.assertThat(n >= 1 && succeeds(seed, m, n))
              .as("%s: discarded %s whose last call (%d) succeeded", where, m, n).isFalse();
        }
        case UNDELIVERED -> {
          undelivered++;
          soft.assertThat(mode).as("%s: %s undelivered without a bus close", where, m)
              .isEqualTo(3);
        }
        default -> soft.fail("%s: %s ended %s", where, m, status);
      }
    }
    DeliveryStats totals = bus.metrics().totals();
    where = where + " reports " + reports.size() + " delivered " + delivered + " dead " + dead
        + " discarded " + discarded + " undelivered " + undelivered + " totals " + totals;
    soft.assertThat(totals.delivered()).as("%s: delivered", where).isEqualTo(delivered);
    // undelivered ones are counted dead-lettered too (DeliveryStats)
    soft.assertThat(totals.deadLettered()).as("%s: dead-lettered", where)
        .isEqualTo(dead + undelivered);
    soft.assertThat(totals.discarded()).as("%s: discarded", where).isEqualTo(discarded);
    soft.assertThat(totals.undelivered()).as("%s: undelivered", where).isEqualTo(undelivered);
    bus.close();
    soft.assertThat(bus.metrics().queueDepth()).as("%s: depth after bus close", where).isZero();
    soft.assertAll();
  }

}
