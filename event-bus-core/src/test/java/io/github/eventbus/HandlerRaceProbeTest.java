package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.ProbeLedger.Msg;
import io.github.eventbus.ProbeLedger.PlannedFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Handlers that misbehave while publishers race close(): handlers that publish into a full
 * queue, throw Errors, or close the bus themselves.
 */
class HandlerRaceProbeTest {

  private static final int SEEDS = Integer.getInteger("probe.seeds", 2);

  /** What a handler of {@link Msg} publishes for each of its attempts. */
  record Echo(Msg origin, int attempt) {}

  static Stream<Arguments> policiesSmallCapacitiesSeeds() {
    List<Arguments> all = new ArrayList<>();
    for (BackpressurePolicy policy : BackpressurePolicy.values()) {
      for (int capacity : new int[] {1, 3}) {
        for (int seed = 1; seed <= SEEDS; seed++) {
          all.add(Arguments.of(policy, capacity, seed));
        }
      }
    }
    return all.stream();
  }

  /**
   * Handlers throw an Error on a tenth of their attempts (and an exception on some others) while
   * publishers race close() under each policy: each such delivery ends there, reported once to
   * the exception handler and as ERROR in its report, never retried or dead-lettered; the
   * subscriber's queue goes on; every other accepted event still has exactly one outcome.
   */
  @ParameterizedTest(name = "{0} capacity {1} seed {2}")
  @MethodSource("policiesSmallCapacitiesSeeds")
  @Timeout(30)
  void handlersThrowingErrors_publishersRacingClose_eachDeliveryHasOneOutcome(
      BackpressurePolicy policy, int capacity, int seed) throws Exception {
    ConcurrencyProbeTest.race(policy, capacity, seed, 10, false);
  }

  /**
   * Each handler of Msg publishes an Echo while the queue is full and publishers race close():
   * under every policy the handler's publish is accepted over capacity (never rejected, dropped
   * or blocked), or refused with IllegalStateException only once close() has given up; every
   * accepted Msg and Echo has exactly one outcome and the metrics agree.
   */
  @ParameterizedTest(name = "{0} capacity {1} seed {2}")
  @MethodSource("policiesSmallCapacitiesSeeds")
  @Timeout(30)
  void handlersPublishingIntoAFullQueue_racingClose_acceptedOverCapacityAndAccounted(
      BackpressurePolicy policy, int capacity, int seed) throws Exception {
    Random random = new Random(seed * 97L + capacity * 5L + policy.ordinal());
    int publishers = 3;
    Duration drain = random.nextBoolean() ? Duration.ZERO : Duration.ofSeconds(5);
    String name = "hr-echo-" + policy.name().toLowerCase(java.util.Locale.ROOT) + "-"
        + capacity + "-" + seed;
    ProbeLedger ledger = new ProbeLedger();
    EventBus bus = EventBus.builder().name(name).workers(1 + random.nextInt(2))
        .queueCapacity(capacity).backpressure(policy).drainTimeout(drain)
        .exceptionHandler((e, c) -> { }).build();
    AtomicInteger refusedEchoes = new AtomicInteger();
    bus.on(Msg.class).name("m").retry(RetryPolicy.builder().maxAttempts(2)
        .initialDelay(Duration.ofMillis(1)).jitter(0).build()).subscribe(m -> {
          int attempt = ledger.call("m", m, publishers);
          Echo echo = new Echo(m, attempt);
          try {
            bus.publish(echo);
            ledger.accepted.add(echo);
          } catch (IllegalStateException closed) {
            refusedEchoes.incrementAndGet();
          } catch (RuntimeException e) {
            ledger.broken.add("a handler's publish threw " + e);
          }
          if (ConcurrencyProbeTest.fails(seed, "m", m, attempt, 20)) {
            ledger.failedCalls.incrementAndGet();
            throw new PlannedFailure();
          }
          ledger.succeeded("m", m);
        });
    bus.on(Echo.class).name("e").subscribe(e -> {
      ledger.call("e", e);
      ledger.succeeded("e", e);
    });
    bus.subscribe(DeadLetter.class, ledger::deadLetter);
    CountDownLatch someAccepted = new CountDownLatch(50 + random.nextInt(200));
    List<Thread> threads =
        ConcurrencyProbeTest.startPublishers(bus, ledger, publishers, seed, someAccepted);
    assertThat(someAccepted.await(20, TimeUnit.SECONDS)).isTrue();
    bus.close();
    ledger.closeReturned = true;
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    }
    if (!drain.isZero()) {
      assertThat(refusedEchoes).as("echoes refused while close() still drained").hasValue(0);
    }
    ledger.assertExact(bus, Map.of(Msg.class, List.of("m"), Echo.class, List.of("e")));
  }

  /**
   * A handler calls close() on its own bus, on a worker, while publishers run: it must not hang
   * the bus. The call returns or throws IllegalStateException at once; a close() from outside
   * afterwards ends the bus, and every accepted event has exactly one outcome.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("io.github.eventbus.CloseRaceProbeTest#seeds")
  @Timeout(30)
  void handlerClosingItsOwnBus_doesNotHang_andEverythingIsAccounted(int seed) throws Exception {
    Random random = new Random(seed);
    int publishers = 2;
    int closingAt = random.nextInt(50);
    ProbeLedger ledger = new ProbeLedger();
    List<Throwable> fromClose = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch closeCalled = new CountDownLatch(1);
    EventBus bus = EventBus.builder().name("hr-close-" + seed).workers(2).queueCapacity(8)
        .exceptionHandler((e, c) -> { }).build();
    EventBus[] self = {bus};
    bus.on(Msg.class).name("s").subscribe(m -> {
      ledger.call("s", m, publishers);
      if (m.seq() == closingAt) {
        try {
          self[0].close();
        } catch (Throwable e) {
          fromClose.add(e);
        } finally {
          closeCalled.countDown();
        }
      }
      ledger.succeeded("s", m);
    });
    bus.subscribe(DeadLetter.class, ledger::deadLetter);
    List<Thread> threads = ConcurrencyProbeTest.startPublishers(bus, ledger, publishers, seed,
        new CountDownLatch(0));
    assertThat(closeCalled.await(10, TimeUnit.SECONDS)).as("a handler called close()").isTrue();
    assertThat(fromClose).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class));
    bus.close();
    ledger.closeReturned = true;
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    }
    assertThat(TestThreads.alive("hr-close-" + seed + "-")).isEmpty();
    ledger.assertExact(bus, List.of("s"));
  }

  private static final int MAX_GENERATION = 4;

  /** An event whose handler always fails; its dead letter's handler publishes the next one. */
  record Doomed(int publisher, int seq, int generation) {}

  /**
   * A handler that always fails, and a DeadLetter handler that publishes a new event for each
   * dead letter (up to four generations), keep the bus busy while close() drains: what handlers publish during the drain
   * is accepted until the drain timeout (then refused with IllegalStateException), and every
   * accepted event is dead-lettered exactly once, with exact metrics.
   */
  @ParameterizedTest(name = "{0} capacity {1} seed {2}")
  @MethodSource("policiesSmallCapacitiesSeeds")
  @Timeout(30)
  void deadLetterHandlerRepublishingDuringDrain_everyAcceptedEventDeadLetteredOnce(
      BackpressurePolicy policy, int capacity, int seed) throws Exception {
    Random random = new Random(seed * 53L + capacity);
    ProbeLedger ledger = new ProbeLedger();
    String name = "hr-doomed-" + policy.name().toLowerCase(java.util.Locale.ROOT) + "-"
        + capacity + "-" + seed;
    EventBus bus = EventBus.builder().name(name).workers(1 + random.nextInt(2))
        .queueCapacity(capacity).backpressure(policy)
        .drainTimeout(Duration.ofMillis(random.nextInt(30)))
        .exceptionHandler((e, c) -> { }).build();
    AtomicInteger refused = new AtomicInteger();
    bus.on(Doomed.class).name("d").subscribe(d -> {
      ledger.call("d", d);
      ledger.failedCalls.incrementAndGet();
      throw new PlannedFailure();
    });
    bus.subscribe(DeadLetter.class, letter -> {
      ledger.deadLetter(letter);
      Doomed d = (Doomed) letter.event().payload();
      if (d.generation() == MAX_GENERATION) {
        return; // the chain ends: every drop under DROP would otherwise start one for ever
      }
      Doomed next = new Doomed(d.publisher(), d.seq(), d.generation() + 1);
      try {
        bus.publish(next);
        ledger.accepted.add(next);
      } catch (IllegalStateException closed) {
        refused.incrementAndGet();
      } catch (RuntimeException e) {
        ledger.broken.add("a DeadLetter handler's publish threw " + e);
      }
    });
    List<Thread> threads = new ArrayList<>();
    CountDownLatch someAccepted = new CountDownLatch(20 + random.nextInt(100));
    for (int p = 0; p < 2; p++) {
      int id = p;
      threads.add(new Thread(() -> {
        try {
          for (int seq = 0; ; seq++) {
            Doomed d = new Doomed(id, seq, 0);
            try {
              bus.publish(d);
              ledger.accepted.add(d);
              someAccepted.countDown();
            } catch (RejectedEventException full) {
              ledger.rejected.incrementAndGet();
              Thread.yield();
            }
          }
        } catch (IllegalStateException closed) {
          // the end of this publisher
        } catch (Throwable e) {
          ledger.broken.add("publisher " + id + ": " + e);
        }
      }, name + "-probe-publisher-" + p));
    }
    threads.forEach(Thread::start);
    assertThat(someAccepted.await(20, TimeUnit.SECONDS)).isTrue();
    bus.close();
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    }
    // Dead letters of the last deliveries are handed out as those deliveries end.
    assertThat(TestThreads.await(() -> bus.metrics().queueDepth() == 0, Duration.ofSeconds(10)))
        .isTrue();
    ledger.closeReturned = true;
    ledger.assertExact(bus, Map.of(Doomed.class, List.of("d")));
  }
}
