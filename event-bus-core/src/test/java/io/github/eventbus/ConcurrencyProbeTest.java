package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.ProbeLedger.Msg;
import io.github.eventbus.ProbeLedger.PlannedFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Concurrency probes of the bus's accounting: publishers on several threads race close() under
 * each backpressure policy with tiny queues, failing handlers with retries and tracked publishes,
 * and every accepted event must end exactly once per subscriber, delivered or dead-lettered,
 * with metrics equal to what was observed. Seeded: a failure names its seed. Run more seeds with
 * {@code -Dprobe.seeds=50}.
 */
class ConcurrencyProbeTest {

  private static final int SEEDS = Integer.getInteger("probe.seeds", 2);
  private static final int[] CAPACITIES = {1, 2, 3, 17};

  static Stream<Arguments> policiesCapacitiesSeeds() {
    List<Arguments> all = new ArrayList<>();
    for (BackpressurePolicy policy : BackpressurePolicy.values()) {
      for (int capacity : CAPACITIES) {
        for (int seed = 1; seed <= SEEDS; seed++) {
          all.add(Arguments.of(policy, capacity, seed));
        }
      }
    }
    return all.stream();
  }

  /**
   * Three or four publishers (plain and tracked publishes) race close() while handlers fail at
   * random and retry; a drain timeout of zero on some seeds. Each accepted event is delivered or
   * dead-lettered exactly once per subscriber, in each publisher's order for first attempts; no
   * handler starts after close() returned; every report completes and agrees; the metrics are
   * exact with an empty queue that never held more than its capacity; no thread is left.
   */
  @ParameterizedTest(name = "{0} capacity {1} seed {2}")
  @MethodSource("policiesCapacitiesSeeds")
  @Timeout(30)
  void publishersRacingClose_eachPolicy_everyAcceptedEventHasOneOutcomePerSubscriber(
      BackpressurePolicy policy, int capacity, int seed) throws Exception {
    race(policy, capacity, seed, 0, false);
  }

  /**
   * The same race on a user's executor, with the first subscription concurrent: deliveries the
   * executor has not started when close() gives up are reported, and nothing is lost or doubled.
   */
  @ParameterizedTest(name = "{0} capacity {1} seed {2}")
  @MethodSource("policiesCapacitiesSeeds")
  @Timeout(30)
  void userExecutorAndConcurrentSubscriber_racingClose_everyAcceptedEventHasOneOutcome(
      BackpressurePolicy policy, int capacity, int seed) throws Exception {
    race(policy, capacity, seed, 0, true);
  }

  /**
   * The race above; handlers also throw an Error on {@code errorPercent} of their attempts,
   * which must end that delivery (reported to the exception handler, ERROR in its report)
   * without a retry or dead letter.
   */
  static void race(BackpressurePolicy policy, int capacity, int seed, int errorPercent,
      boolean userExecutor) throws Exception {
    Random random = new Random(seed * 31L + capacity * 7L + policy.ordinal());
    int workers = 1 + random.nextInt(3);
    int publishers = 3 + random.nextInt(2);
    int subscribers = 1 + random.nextInt(3);
    int failPercent = random.nextInt(3) * 10;
    Duration drain = switch (random.nextInt(4)) {
      case 0 -> Duration.ZERO;
      case 1 -> Duration.ofMillis(1);
      case 2 -> Duration.ofMillis(10);
      default -> Duration.ofSeconds(5);
    };
    int acceptedBeforeClose = 20 + random.nextInt(300);
    String name = "cp-" + policy.name().toLowerCase(java.util.Locale.ROOT) + "-" + capacity
        + "-" + seed + (errorPercent > 0 ? "-errors" : "") + (userExecutor ? "-exec" : "");
    ProbeLedger ledger = new ProbeLedger();
    java.util.concurrent.ExecutorService pool = userExecutor
        ? java.util.concurrent.Executors.newFixedThreadPool(workers) : null;
    EventBusBuilder builder = EventBus.builder().name(name);
    if (pool != null) {
      builder.executor(pool);
    } else {
      builder.workers(workers);
    }
    EventBus bus = builder.queueCapacity(capacity).backpressure(policy).drainTimeout(drain).exceptionHandler((e, c) -> {
          if (e instanceof ProbeError) {
            ledger.errored(c);
          }
        }).build();
    List<String> names = new ArrayList<>();
    RetryPolicy retry = RetryPolicy.builder().maxAttempts(3)
        .initialDelay(Duration.ofMillis(1 + random.nextInt(15)))
        .jitter(0).build();
    for (int i = 0; i < subscribers; i++) {
      String sub = "s" + i;
      names.add(sub);
      boolean concurrent = userExecutor && i == 0;
      SubscriptionBuilder<Msg> on = bus.on(Msg.class).name(sub).retry(retry);
      if (concurrent) {
        on.concurrent();
      }
      on.subscribe(m -> {
        int attempt = concurrent ? ledger.call(sub, m) : ledger.call(sub, m, publishers);
        if (fails(seed + 7, sub, m, attempt, errorPercent)) {
          throw new ProbeError();
        }
        if (fails(seed, sub, m, attempt, failPercent)) {
          ledger.failedCalls.incrementAndGet();
          throw new PlannedFailure();
        }
        ledger.succeeded(sub, m);
      });
    }
    bus.subscribe(DeadLetter.class, ledger::deadLetter);

    CountDownLatch someAccepted = new CountDownLatch(acceptedBeforeClose);
    MetricsReader reader = new MetricsReader(bus, Math.max(capacity, subscribers));
    reader.start();
    List<Thread> threads = startPublishers(bus, ledger, publishers, seed, someAccepted);
    assertThat(someAccepted.await(20, TimeUnit.SECONDS)).as("publishers got going").isTrue();
    Thread secondCloser = new Thread(bus::close, name + "-probe-closer");
    if (random.nextBoolean()) {
      secondCloser.start();
    }
    bus.close();
    ledger.closeReturned = true;
    secondCloser.join(10_000);
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).as("publisher %s ended after close", t.getName()).isFalse();
    }
    assertThat(TestThreads.alive(name + "-")).as("bus threads after close").isEmpty();
    reader.stop();
    assertThat(reader.broken).as("metrics read while the bus ran").isEmpty();
    if (pool != null) {
      pool.shutdown();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
    ledger.assertExact(bus, names);
    assertThat(bus.metrics().queueHighWaterMark()).as("high-water mark")
        .isLessThanOrEqualTo(Math.max(capacity, subscribers));
  }

  /** An Error a probe's handler throws on purpose. */
  static final class ProbeError extends Error {
    ProbeError() {
      super("planned Error", null, false, false);
    }
  }

  /** Whether the handler fails this attempt: a pure function of the seed and the delivery. */
  static boolean fails(int seed, String sub, Msg m, int attempt, int percent) {
    if (percent == 0) {
      return false;
    }
    long h = seed * 1_000_003L + sub.hashCode() * 7919L + m.publisher() * 104_729L
        + m.seq() * 13L + attempt;
    return Math.floorMod(Long.hashCode(h * 0x9E3779B97F4A7C15L), 100) < percent;
  }

  /**
   * Starts publishers that publish (a third tracked) until the bus refuses with
   * IllegalStateException, counting each publish that returned normally as accepted and each
   * RejectedEventException as rejected; anything else is a broken promise.
   */
  static List<Thread> startPublishers(EventBus bus, ProbeLedger ledger, int publishers, int seed,
      CountDownLatch someAccepted) {
    CyclicBarrier start = new CyclicBarrier(publishers);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      int id = p;
      Thread t = new Thread(() -> {
        Random r = new Random(seed * 131L + id);
        // Under CALLER_RUNS a publisher runs other events' deliveries; their Errors come here.
        Thread.currentThread().setUncaughtExceptionHandler((th, e) -> {
          if (!(e instanceof ProbeError)) {
            ledger.broken.add("uncaught on publisher " + id + ": " + e);
          }
        });
        try {
          start.await();
          for (int seq = 0; ; seq++) {
            Msg m = new Msg(id, seq);
            try {
              if (r.nextInt(3) == 0) {
                var stage = bus.publishAndTrack(m).toCompletableFuture();
                ledger.accepted.add(m);
                ledger.tracked.put(m, stage);
              } else {
                bus.publish(m);
                ledger.accepted.add(m);
              }
              someAccepted.countDown();
            } catch (RejectedEventException full) {
              ledger.rejected.incrementAndGet();
              Thread.yield(); // let a worker make room rather than spin on a full queue
            }
          }
        } catch (IllegalStateException closed) {
          // the bus closed: the end of this publisher
        } catch (Throwable e) {
          ledger.broken.add("publisher " + id + " got " + e);
        }
      }, "probe-publisher-" + p);
      threads.add(t);
      t.start();
    }
    return threads;
  }


  /**
   * Reads the metrics in a loop while the bus runs: every counter never decreases from one
   * snapshot to the next, the queue depth stays within 0 and its bound, and the high-water mark
   * never falls below the depth.
   */
  static final class MetricsReader {
    final List<String> broken = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final EventBus bus;
    private final long bound;
    private volatile boolean running = true;
    private final Thread thread;

    MetricsReader(EventBus bus, long bound) {
      this.bus = bus;
      this.bound = bound;
      this.thread = new Thread(this::read, "probe-metrics-" + bus.name());
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(10_000);
    }

    private void read() {
      long[] last = new long[11];
      while (running && broken.size() < 10) {
        EventBusMetrics m = bus.metrics();
        DeliveryStats t = m.totals();
        long[] now = {t.published(), t.delivered(), t.failed(), t.retried(), t.deadLettered(),
            t.deadEvents(), t.rejected(), t.dropped(), t.undelivered(), t.vetoed(),
            t.discarded()};
        for (int i = 0; i < now.length; i++) {
          if (now[i] < last[i]) {
            broken.add("counter " + i + " went from " + last[i] + " to " + now[i] + ": " + t);
          }
        }
        last = now;
        if (m.queueDepth() < 0 || m.queueDepth() > bound) {
          broken.add("queue depth " + m.queueDepth() + " outside [0, " + bound + "]");
        }
        if (m.queueHighWaterMark() < m.queueDepth()) {
          broken.add("high-water mark " + m.queueHighWaterMark() + " < depth " + m.queueDepth());
        }
        Thread.yield();
      }
    }
  }
}
