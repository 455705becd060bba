package io.github.eventbus.outside;

import static io.github.eventbus.outside.ProbeSupport.alive;
import static io.github.eventbus.outside.ProbeSupport.eventually;
import static io.github.eventbus.outside.ProbeSupport.totals;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.ContextPropagator;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DeliveryReport;
import io.github.eventbus.DeliveryStats;
import io.github.eventbus.DeliveryStatus;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventBusBuilder;
import io.github.eventbus.EventBusMetrics;
import io.github.eventbus.EventInterceptor;
import io.github.eventbus.ManualClock;
import io.github.eventbus.ManualScheduler;
import io.github.eventbus.RejectedEventException;
import io.github.eventbus.ReentrantDispatch;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.Subscribe;
import io.github.eventbus.SubscriberOutcome;
import io.github.eventbus.Subscription;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Adversarial probes of the core's public API, used as an application would: closes racing
 * publishers, full queues under each policy, retries, re-entrant publishes, hostile callbacks,
 * metrics at quiescence. Each asserts what the Javadoc and README promise.
 */
class CoreProbeTest {

  record Msg(int publisher, int seq) {}

  private static final Duration WAIT = Duration.ofSeconds(10);

  // ------------------------------------------------------------------ close racing publishers

  /**
   * Three publishers (plain and tracked) race a close() and a second, concurrent close(), with
   * a drain timeout of zero on odd rounds: every accepted delivery is handled or reported
   * undelivered exactly once, every tracked stage completes agreeing with the handlers, and the
   * metrics add up with an empty queue.
   */
  @Test
  @Timeout(90)
  void closeRacingPublishersAndTrackedPublishes_everyAcceptedDeliveryAccountedOnce()
      throws Exception {
    for (int round = 0; round < 24; round++) {
      Duration drain = round % 2 == 0 ? Duration.ofSeconds(5) : Duration.ZERO;
      EventBus bus = EventBus.builder().name("probe-close-" + round).workers(2)
          .queueCapacity(32).drainTimeout(drain).build();
      Map<String, Set<Msg>> handled = new ConcurrentHashMap<>();
      Map<String, Set<Msg>> dead = new ConcurrentHashMap<>();
      AtomicInteger duplicates = new AtomicInteger();
      for (String name : List.of("a", "b")) {
        handled.put(name, ConcurrentHashMap.newKeySet());
        dead.put(name, ConcurrentHashMap.newKeySet());
        bus.on(Msg.class).name(name).subscribe(m -> {
          if (!handled.get(name).add(m)) {
            duplicates.incrementAndGet();
          }
        });
      }
      bus.subscribe(DeadLetter.class, l -> {
        if (!dead.get(l.subscriber()).add((Msg) l.event().payload())) {
          duplicates.incrementAndGet();
        }
      });
      AtomicInteger accepted = new AtomicInteger();
      Map<Msg, CompletableFuture<DeliveryReport>> tracked = new ConcurrentHashMap<>();
      List<Throwable> unexpected = new CopyOnWriteArrayList<>();
      CountDownLatch someAccepted = new CountDownLatch(100);
      CyclicBarrier start = new CyclicBarrier(3);
      List<Thread> publishers = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        int id = p;
        Thread t = new Thread(() -> {
          try {
            start.await();
            for (int seq = 0; ; seq++) {
              Msg m = new Msg(id, seq);
              if (seq % 3 == 0) {
                tracked.put(m, bus.publishAndTrack(m).toCompletableFuture());
              } else {
                bus.publish(m);
              }
              accepted.incrementAndGet();
              someAccepted.countDown();
            }
          } catch (IllegalStateException closed) {
            // the end of this publisher
          } catch (Throwable e) {
            unexpected.add(e);
          }
        }, "probe-publisher-" + p);
        publishers.add(t);
        t.start();
      }
      assertThat(someAccepted.await(10, TimeUnit.SECONDS)).isTrue();
      Thread secondCloser = new Thread(bus::close, "probe-closer-2");
      secondCloser.start();
      bus.close();
      secondCloser.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(secondCloser.isAlive()).as("concurrent close returns").isFalse();
      for (Thread t : publishers) {
        t.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(t.isAlive()).as("publisher ends after close").isFalse();
      }
      assertThat(unexpected).isEmpty();
      assertThat(duplicates).hasValue(0);
      for (String name : List.of("a", "b")) {
        assertThat(Collections.disjoint(handled.get(name), dead.get(name))).isTrue();
        assertThat(handled.get(name).size() + dead.get(name).size())
            .as("round %d subscriber %s: handled + undelivered == accepted", round, name)
            .isEqualTo(accepted.get());
      }
      for (Map.Entry<Msg, CompletableFuture<DeliveryReport>> e : tracked.entrySet()) {
        DeliveryReport report = e.getValue().get(10, TimeUnit.SECONDS);
        for (SubscriberOutcome o : report.outcomes()) {
          boolean seen = handled.get(o.subscriber()).contains(e.getKey());
          assertThat(o.status())
              .as("round %d %s for %s", round, e.getKey(), o.subscriber())
              .isEqualTo(seen ? DeliveryStatus.DELIVERED : DeliveryStatus.UNDELIVERED);
        }
      }
      EventBusMetrics metrics = bus.metrics();
      DeliveryStats t = metrics.totals();
      long handledCount = handled.values().stream().mapToLong(Set::size).sum();
      long deadCount = dead.values().stream().mapToLong(Set::size).sum();
      assertThat(t.published()).isEqualTo(accepted.get());
      assertThat(t.delivered()).isEqualTo(handledCount);
      assertThat(t.undelivered()).isEqualTo(deadCount);
      assertThat(t.deadLettered()).isEqualTo(deadCount);
      assertThat(metrics.queueDepth()).isZero();
      assertThat(alive("probe-close-" + round + "-")).isEmpty();
    }
  }

  /**
   * A handler stuck in a call that ignores interrupts holds the drain: close() still returns,
   * the rest is reported undelivered once, and once the handler finally returns its own
   * delivery counts as delivered, the queue depth returns to zero and every tracked stage is
   * complete.
   */
  @Test
  @Timeout(60)
  void closeWithInterruptIgnoringStuckHandler_afterItReturns_metricsAndReportsExact()
      throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Msg> handled = new CopyOnWriteArrayList<>();
    List<Msg> undelivered = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().name("probe-stuck").workers(2)
        .drainTimeout(Duration.ofMillis(100)).build();
    bus.subscribe(Msg.class, m -> {
      if (m.seq() == 0) {
        entered.countDown();
        awaitIgnoringInterrupts(release);
      }
      handled.add(m);
    });
    bus.subscribe(DeadLetter.class, l -> undelivered.add((Msg) l.event().payload()));
    List<CompletableFuture<DeliveryReport>> reports = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      reports.add(bus.publishAndTrack(new Msg(0, i)).toCompletableFuture());
    }
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(bus::close, "probe-stuck-closer");
    closer.start();
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(closer.isAlive()).as("close returns despite the stuck handler").isFalse();
    assertThat(undelivered).hasSize(9);
    release.countDown();
    assertThat(eventually(() -> bus.metrics().queueDepth() == 0, WAIT))
        .as("queue depth back to 0, was %d", bus.metrics().queueDepth()).isTrue();
    assertThat(reports.get(0).get(10, TimeUnit.SECONDS).outcomes().get(0).status())
        .isEqualTo(DeliveryStatus.DELIVERED);
    for (int i = 1; i < 10; i++) {
      assertThat(reports.get(i).get(10, TimeUnit.SECONDS).outcomes().get(0).status())
          .isEqualTo(DeliveryStatus.UNDELIVERED);
    }
    assertThat(eventually(() -> totals(bus).delivered() == 1, WAIT)).isTrue();
    DeliveryStats t = totals(bus);
    assertThat(handled).containsExactly(new Msg(0, 0));
    assertThat(t.published()).isEqualTo(10);
    assertThat(t.undelivered()).isEqualTo(9);
    assertThat(t.deadLettered()).isEqualTo(9);
    assertThat(eventually(() -> alive("probe-stuck-").isEmpty(), WAIT)).isTrue();
  }

  // ------------------------------------------------------------------ backpressure

  /**
   * Four publishers against one subscriber and a queue of four places, under each policy: each
   * publisher's events arrive in order, exactly once; what did not arrive was rejected (thrown)
   * or dropped (a dead letter each, reported DROPPED); counters, tracked reports and dead letters
   * agree; the queue empties and its high-water mark never passed the capacity.
   */
  @ParameterizedTest
  @EnumSource(BackpressurePolicy.class)
  @Timeout(60)
  void fullQueue_eachPolicy_fourPublishers_orderedExactCountsAndReportsAgree(
      BackpressurePolicy policy) throws Exception {
    int publishers = 4;
    int each = 400;
    int capacity = 4;
    EventBusBuilder builder = EventBus.builder().name("probe-bp-" + policy).workers(2)
        .queueCapacity(capacity).backpressure(policy);
    if (policy == BackpressurePolicy.CALLER_RUNS) {
      builder.blockTimeout(Duration.ofSeconds(20));
    }
    EventBus bus = builder.build();
    Map<Integer, List<Integer>> received = new ConcurrentHashMap<>();
    AtomicInteger receivedCount = new AtomicInteger();
    bus.subscribe(Msg.class, m -> {
      received.computeIfAbsent(m.publisher(), p -> new CopyOnWriteArrayList<>()).add(m.seq());
      receivedCount.incrementAndGet();
    });
    Set<Msg> droppedLetters = ConcurrentHashMap.newKeySet();
    bus.subscribe(DeadLetter.class, l -> {
      assertThat(l.cause()).isInstanceOf(RejectedEventException.class);
      droppedLetters.add((Msg) l.event().payload());
    });
    AtomicInteger rejected = new AtomicInteger();
    AtomicInteger returned = new AtomicInteger();
    List<CompletableFuture<DeliveryReport>> reports = new CopyOnWriteArrayList<>();
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    CyclicBarrier go = new CyclicBarrier(publishers);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      int id = p;
      Thread t = new Thread(() -> {
        try {
          go.await();
          for (int s = 0; s < each; s++) {
            Msg m = new Msg(id, s);
            try {
              if (s % 2 == 0) {
                reports.add(bus.publishAndTrack(m).toCompletableFuture());
              } else {
                bus.publish(m);
              }
              returned.incrementAndGet();
            } catch (RejectedEventException e) {
              rejected.incrementAndGet();
            }
          }
        } catch (Throwable e) {
          unexpected.add(e);
        }
      }, "probe-bp-publisher-" + p);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(40));
      assertThat(t.isAlive()).as("publisher finished").isFalse();
    }
    assertThat(unexpected).isEmpty();
    assertThat(eventually(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
    Map<DeliveryStatus, Integer> statuses = new HashMap<>();
    for (CompletableFuture<DeliveryReport> r : reports) {
      SubscriberOutcome o = r.get(10, TimeUnit.SECONDS).outcomes().get(0);
      statuses.merge(o.status(), 1, Integer::sum);
    }
    bus.close();
    for (Map.Entry<Integer, List<Integer>> e : received.entrySet()) {
      List<Integer> seqs = e.getValue();
      assertThat(seqs).as("publisher %d order", e.getKey()).isSorted();
      assertThat(Set.copyOf(seqs)).as("no duplicates").hasSize(seqs.size());
    }
    assertThat(receivedCount.get() + droppedLetters.size() + rejected.get())
        .as("every publish call is delivered, dropped or rejected")
        .isEqualTo(publishers * each);
    assertThat(returned.get()).isEqualTo(publishers * each - rejected.get());
    EventBusMetrics metrics = bus.metrics();
    DeliveryStats t = metrics.totals();
    assertThat(t.delivered()).isEqualTo(receivedCount.get());
    assertThat(t.rejected()).isEqualTo(rejected.get());
    assertThat(t.dropped()).isEqualTo(droppedLetters.size());
    assertThat(t.deadLettered()).isEqualTo(droppedLetters.size());
    assertThat(statuses.getOrDefault(DeliveryStatus.DROPPED, 0) + statuses.getOrDefault(
        DeliveryStatus.DELIVERED, 0)).isEqualTo(reports.size());
    if (policy != BackpressurePolicy.DROP) {
      assertThat(droppedLetters).isEmpty();
      assertThat(t.published()).isEqualTo(returned.get());
    }
    if (policy == BackpressurePolicy.BLOCK || policy == BackpressurePolicy.CALLER_RUNS) {
      assertThat(rejected).hasValue(0);
    }
    assertThat(metrics.queueDepth()).isZero();
    assertThat(metrics.queueHighWaterMark()).isBetween(1L, (long) capacity);
  }

  /**
   * A delivery that finished frees its queue place ("an event takes places until each subscriber
   * has handled it"): with room for two, e1 handled (its report says DELIVERED) and e2 stuck in
   * its handler, one place is free, the counters show e1 delivered, and a REJECT publish fits.
   */
  @Test
  @Timeout(30)
  void handledDelivery_freesItsPlace_whileTheNextOneOfTheSameSubscriberIsStuck() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("probe-place").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.REJECT).build()) {
      bus.subscribe(Msg.class, m -> {
        if (m.seq() == 1) {
          awaitIgnoringInterrupts(go);
        } else if (m.seq() == 2) {
          stuck.countDown();
          awaitIgnoringInterrupts(release);
        }
      });
      try {
        CompletableFuture<DeliveryReport> first =
            bus.publishAndTrack(new Msg(0, 1)).toCompletableFuture();
        bus.publish(new Msg(0, 2));
        go.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).allDelivered()).isTrue();
        assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
        EventBusMetrics m = bus.metrics();
        // Regression: a mailbox run used to free places and add to `delivered` only when the
        // whole run ended, so while e2's handler was stuck e1 (reported DELIVERED) still held its
        // place and REJECT refused e3. A queue of up to 16 places now frees each before the next
        // handler runs (BackpressurePolicy).
        assertThat(m.queueDepth()).as("metrics %s", m).isEqualTo(1);
        assertThat(m.totals().delivered()).isEqualTo(1);
        bus.publish(new Msg(0, 3));
      } finally {
        release.countDown();
      }
    }
  }

  /**
   * DROP: a dropped event was accepted (publish returned normally) and became dead letters, so the
   * counters should say it was published: published == delivered + dropped at quiescence, as
   * for the other outcomes.
   */
  @Test
  @Timeout(30)
  void drop_droppedEventsCountAsPublished_soPublishedEqualsDeliveredPlusDropped()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("probe-drop").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.DROP).build()) {
      bus.subscribe(Msg.class, m -> {
        entered.countDown();
        awaitIgnoringInterrupts(release);
      });
      bus.subscribe(DeadLetter.class, l -> {});
      bus.publish(new Msg(0, 0));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i <= 10; i++) {
        bus.publish(new Msg(0, i)); // the first fills the queue, the rest are dropped
      }
      release.countDown();
      assertThat(eventually(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
      DeliveryStats t = totals(bus);
      assertThat(t.delivered() + t.dropped()).isEqualTo(11);
      // Regression: a dropped event was counted in dropped and deadLettered but not in published,
      // though publish() accepted it (returned normally, no RejectedEventException).
      assertThat(t.published()).as("published %s", t).isEqualTo(11);
    }
  }

  /**
   * Publishers blocked on a full queue (BLOCK without timeout, CALLER_RUNS) while close() runs
   * behind a handler that ignores interrupts: they are released (refused), close() returns, and
   * what was accepted is delivered or reported once.
   */
  @ParameterizedTest
  @EnumSource(value = BackpressurePolicy.class, names = {"BLOCK", "CALLER_RUNS"})
  @Timeout(60)
  void close_publishersBlockedOnFullQueue_areReleased_andAcceptedAccountedOnce(
      BackpressurePolicy policy) throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    EventBus bus = EventBus.builder().name("probe-blocked-" + policy).workers(1)
        .queueCapacity(2).backpressure(policy).drainTimeout(Duration.ofMillis(100)).build();
    Set<Msg> handled = ConcurrentHashMap.newKeySet();
    Set<Msg> dead = ConcurrentHashMap.newKeySet();
    bus.subscribe(Msg.class, m -> {
      if (m.seq() == 0 && m.publisher() == 9) {
        entered.countDown();
        awaitIgnoringInterrupts(release);
      }
      handled.add(m);
    });
    bus.subscribe(DeadLetter.class, l -> dead.add((Msg) l.event().payload()));
    bus.publish(new Msg(9, 0));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    AtomicInteger accepted = new AtomicInteger(1);
    AtomicInteger refused = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<Future<?>> futures = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      int id = p;
      futures.add(pool.submit(() -> {
        for (int s = 0; s < 5; s++) {
          try {
            bus.publish(new Msg(id, s));
            accepted.incrementAndGet();
          } catch (IllegalStateException closed) {
            refused.incrementAndGet();
            return;
          }
        }
      }));
    }
    assertThat(eventually(() -> bus.metrics().queueDepth() >= 2, WAIT)).isTrue();
    Thread closer = new Thread(bus::close, "probe-blocked-closer");
    closer.start();
    try {
      for (Future<?> f : futures) {
        f.get(20, TimeUnit.SECONDS);
      }
      closer.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(closer.isAlive()).isFalse();
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
    assertThat(refused.get()).isPositive();
    assertThat(eventually(() -> handled.size() + dead.size() == accepted.get(), WAIT))
        .as("handled %d + dead %d == accepted %d", handled.size(), dead.size(), accepted.get())
        .isTrue();
    assertThat(Collections.disjoint(handled, dead)).isTrue();
    assertThat(eventually(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
    assertThat(totals(bus).published()).isEqualTo(accepted.get());
  }

  // ------------------------------------------------------------------ retries

  /**
   * With a manual clock and scheduler: a handler that fails once then succeeds is reported
   * DELIVERED after two attempts, the exception handler saw willRetry; a subscription closed
   * while its event waits for a retry is reported UNSUBSCRIBED and counted discarded; nothing
   * stays in the queue.
   */
  @Test
  @Timeout(30)
  void retry_failThenSucceed_andCloseWhileWaitingForRetry_reportsAndCountersExact()
      throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2024-01-01T00:00:00Z"));
    ManualScheduler scheduler = new ManualScheduler(clock);
    List<String> contexts = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("probe-retry").clock(clock).scheduler(scheduler)
        .jitterSource(() -> 0.5).workers(1)
        .exceptionHandler((e, c) -> contexts.add(c.subscriber() + "#" + c.attempt() + ":"
            + c.willRetry()))
        .build()) {
      RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ofSeconds(1))
          .jitter(0).build();
      AtomicInteger calls = new AtomicInteger();
      bus.on(String.class).name("flaky").retry(policy).subscribe(s -> {
        if (calls.incrementAndGet() == 1) {
          throw new IllegalStateException("first attempt fails");
        }
      });
      AtomicInteger doomedCalls = new AtomicInteger();
      Subscription doomed = bus.on(Integer.class).name("doomed").retry(policy).subscribe(i -> {
        doomedCalls.incrementAndGet();
        throw new IllegalStateException("always");
      });
      CompletableFuture<DeliveryReport> flaky = bus.publishAndTrack("x").toCompletableFuture();
      CompletableFuture<DeliveryReport> closing = bus.publishAndTrack(7).toCompletableFuture();
      assertThat(scheduler.awaitPending(2, WAIT)).isTrue();
      doomed.close();
      scheduler.advance(Duration.ofSeconds(1));
      SubscriberOutcome ok = flaky.get(10, TimeUnit.SECONDS).outcomes().get(0);
      assertThat(ok.status()).isEqualTo(DeliveryStatus.DELIVERED);
      assertThat(ok.attempts()).isEqualTo(2);
      SubscriberOutcome gone = closing.get(10, TimeUnit.SECONDS).outcomes().get(0);
      assertThat(gone.status()).isEqualTo(DeliveryStatus.UNSUBSCRIBED);
      assertThat(doomedCalls).hasValue(1);
      assertThat(contexts).containsExactlyInAnyOrder("flaky#1:true", "doomed#1:true");
      assertThat(eventually(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
      DeliveryStats t = totals(bus);
      assertThat(t.published()).isEqualTo(2);
      assertThat(t.delivered()).isEqualTo(1);
      assertThat(t.failed()).isEqualTo(2);
      assertThat(t.retried()).isEqualTo(2);
      assertThat(t.discarded()).isEqualTo(1);
      assertThat(t.deadLettered()).isZero();
    }
  }

  /**
   * A dead-letter subscriber that throws: the exception handler hears of it once, no dead letter
   * of the dead letter is made, and the bus goes on delivering.
   */
  @Test
  @Timeout(30)
  void deadLetterSubscriberThrows_reportedOnce_noDeadLetterOfDeadLetter() throws Exception {
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicInteger letters = new AtomicInteger();
    try (EventBus bus = EventBus.builder().name("probe-dl-throws")
        .exceptionHandler((e, c) -> failures.add(c.subscriber() + ":" + e.getMessage()))
        .build()) {
      bus.on(String.class).name("bad").subscribe(s -> {
        throw new IllegalStateException("handler");
      });
      bus.on(DeadLetter.class).name("dl").subscribe(l -> {
        letters.incrementAndGet();
        throw new IllegalStateException("dead letter handler");
      });
      for (int i = 0; i < 5; i++) {
        bus.publishSync("s" + i);
      }
      CountDownLatch later = new CountDownLatch(1);
      bus.subscribe(Integer.class, i -> later.countDown());
      bus.publish(1);
      assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(letters).hasValue(5);
      assertThat(failures).hasSize(10)
          .filteredOn(f -> f.startsWith("dl:")).hasSize(5);
      assertThat(totals(bus).deadLettered()).isEqualTo(5);
      assertThat(bus.metrics().byType().get("bus.dead_letter").deadLettered()).isZero();
    }
  }

  /**
   * On a user executor: an Error from a DeadLetter subscriber, from an interceptor's
   * beforeDelivery and from a handler each reach the thread's uncaught-exception handler once;
   * the Error of a callback does not stop the handler that succeeded nor turn it into a failure;
   * the subscriber's queue goes on.
   */
  @Test
  @Timeout(30)
  void errorsOnWorkers_fromDeadLetterSubscriberInterceptorAndHandler_eachToUncaughtOnce()
      throws Exception {
    try (ProbeSupport.RecordingExecutor exec = new ProbeSupport.RecordingExecutor(2)) {
      EventInterceptor errorBefore = new EventInterceptor() {
        @Override
        public Optional<String> beforeDelivery(Event<?> event, Subscription subscription) {
          if ("interceptor-error".equals(event.payload())) {
            throw new AssertionError("from beforeDelivery");
          }
          return Optional.empty();
        }
      };
      List<String> handled = new CopyOnWriteArrayList<>();
      CountDownLatch last = new CountDownLatch(1);
      try (EventBus bus = EventBus.builder().name("probe-errors").executor(exec.executor)
          .interceptor(errorBefore).exceptionHandler((e, c) -> {}).build()) {
        bus.on(String.class).name("h").subscribe(s -> {
          handled.add(s);
          if (s.equals("fail")) {
            throw new IllegalStateException("to dead letter");
          }
          if (s.equals("handler-error")) {
            throw new AssertionError("from handler");
          }
          if (s.equals("last")) {
            last.countDown();
          }
        });
        bus.subscribe(DeadLetter.class, l -> {
          throw new AssertionError("from dead letter subscriber");
        });
        CompletableFuture<DeliveryReport> intercepted =
            bus.publishAndTrack("interceptor-error").toCompletableFuture();
        CompletableFuture<DeliveryReport> handlerError =
            bus.publishAndTrack("handler-error").toCompletableFuture();
        CompletableFuture<DeliveryReport> failed =
            bus.publishAndTrack("fail").toCompletableFuture();
        bus.publish("last");
        assertThat(last.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(intercepted.get(10, TimeUnit.SECONDS).outcomes().get(0).status())
            .isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(handlerError.get(10, TimeUnit.SECONDS).outcomes().get(0).status())
            .isEqualTo(DeliveryStatus.ERROR);
        assertThat(failed.get(10, TimeUnit.SECONDS).outcomes().get(0).status())
            .isEqualTo(DeliveryStatus.DEAD_LETTERED);
        assertThat(handled).containsExactly("interceptor-error", "handler-error", "fail", "last");
        assertThat(eventually(() -> exec.uncaught.size() >= 3, WAIT)).isTrue();
        assertThat(exec.uncaught).extracting(Throwable::getMessage).containsExactlyInAnyOrder(
            "from beforeDelivery", "from handler", "from dead letter subscriber");
        assertThat(eventually(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
      }
    }
  }

  /**
   * A DeadLetter given to publishAndTrack is delivered to the DeadLetter subscribers, so its
   * report should not say that nobody subscribed (DeliveryReport.noSubscriber: "the event had no
   * subscriber (and so became a DeadEvent)").
   */
  @Test
  @Timeout(30)
  void publishAndTrackOfDeadLetter_deliveredToSubscriber_reportIsAboutTheFailedEvent()
      throws Exception {
    try (EventBus bus = EventBus.builder().name("probe-dl-track").build()) {
      List<DeadLetter> got = new CopyOnWriteArrayList<>();
      List<Object> deadEvents = new CopyOnWriteArrayList<>();
      bus.subscribe(DeadLetter.class, got::add);
      bus.subscribe(io.github.eventbus.DeadEvent.class, deadEvents::add);
      bus.subscribe(String.class, s -> {
        throw new IllegalStateException("x");
      });
      bus.publishSync("boom");
      assertThat(got).hasSize(1);
      DeadLetter letter = got.get(0);
      DeliveryReport report =
          bus.publishAndTrack(letter).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(got).hasSize(2);
      assertThat(deadEvents).isEmpty();
      // As documented (DeadLetter, DeliveryReport.noSubscriber): the report is about the failed
      // event and lists no outcome, since a dead letter's own subscribers are not tracked. It
      // used to say only "no subscriber (and so became a DeadEvent)", which it did not.
      assertThat(report.event().id()).isEqualTo(letter.event().id());
      assertThat(report.noSubscriber()).isTrue();
    }
  }

  // ------------------------------------------------------------------ re-entrant publishes

  /**
   * A handler that publishSyncs to itself without end (IMMEDIATE) overflows the stack: the
   * StackOverflowError reaches the publisher, and afterwards the thread is no longer taken for a
   * handler: close() from it is not refused, the queue is empty, and the bus works.
   */
  @Test
  @Timeout(60)
  void immediate_selfPublishingForever_stackOverflowToPublisher_threadNotLeftInsideAHandler() {
    EventBus bus = EventBus.builder().name("probe-recursion").build();
    AtomicInteger depth = new AtomicInteger();
    bus.subscribe(Msg.class, m -> {
      depth.incrementAndGet();
      bus.publishSync(new Msg(0, m.seq() + 1));
    });
    AtomicInteger others = new AtomicInteger();
    bus.subscribe(String.class, s -> others.incrementAndGet());
    assertThatThrownBy(() -> bus.publishSync(new Msg(0, 0)))
        .isInstanceOf(StackOverflowError.class);
    assertThat(depth.get()).isGreaterThan(100);
    bus.publishSync("after");
    assertThat(others).hasValue(1);
    assertThat(bus.metrics().queueDepth()).isZero();
    bus.close(); // refused if the thread were still marked as delivering
    assertThat(bus.isClosed()).isTrue();
    assertThatThrownBy(() -> bus.publish("x")).isInstanceOf(IllegalStateException.class);
  }

  /**
   * A chain of 300 re-entrant publishSyncs under each mode: every event delivered once, counters
   * exact; under QUEUED the handler is never entered again while it runs.
   */
  @ParameterizedTest
  @EnumSource(ReentrantDispatch.class)
  @Timeout(30)
  void reentrantChain_eachMode_everyEventOnce_countersExact(ReentrantDispatch mode) {
    try (EventBus bus = EventBus.builder().name("probe-chain").reentrantDispatch(mode).build()) {
      List<Integer> seen = new CopyOnWriteArrayList<>();
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger maxInside = new AtomicInteger();
      bus.subscribe(Msg.class, m -> {
        maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
        seen.add(m.seq());
        if (m.seq() < 300) {
          bus.publishSync(new Msg(0, m.seq() + 1));
        }
        inside.decrementAndGet();
      });
      bus.publishSync(new Msg(0, 0));
      assertThat(seen).hasSize(301).isSorted();
      if (mode == ReentrantDispatch.QUEUED) {
        assertThat(maxInside).hasValue(1);
      }
      DeliveryStats t = totals(bus);
      assertThat(t.published()).isEqualTo(301);
      assertThat(t.delivered()).isEqualTo(301);
    }
  }

  // ------------------------------------------------------------------ hostile callbacks

  /**
   * close() called from an interceptor's onPublish, on an outside publisher's thread, during
   * publish, publishAndTrack and publishSync: the bus closes, and the event in flight is either
   * refused with IllegalStateException or accounted for (delivered or dead-lettered), never lost.
   */
  @Test
  @Timeout(30)
  void closeFromOnPublish_eventInFlightRefusedOrAccountedFor() throws Exception {
    for (String kind : List.of("publish", "track", "sync")) {
      AtomicReference<EventBus> self = new AtomicReference<>();
      EventInterceptor closer = new EventInterceptor() {
        @Override
        public Event<?> onPublish(Event<?> event) {
          self.get().close();
          return event;
        }
      };
      EventBus bus = EventBus.builder().name("probe-onpublish").interceptor(closer).build();
      self.set(bus);
      AtomicInteger handled = new AtomicInteger();
      AtomicInteger dead = new AtomicInteger();
      bus.subscribe(Msg.class, m -> handled.incrementAndGet());
      bus.subscribe(DeadLetter.class, l -> dead.incrementAndGet());
      boolean refused = false;
      CompletableFuture<DeliveryReport> report = null;
      try {
        switch (kind) {
          case "publish" -> bus.publish(new Msg(0, 0));
          case "track" -> report = bus.publishAndTrack(new Msg(0, 0)).toCompletableFuture();
          default -> bus.publishSync(new Msg(0, 0));
        }
      } catch (IllegalStateException e) {
        refused = true;
      }
      assertThat(bus.isClosed()).isTrue();
      assertThat(eventually(() -> alive("probe-onpublish-").isEmpty(), WAIT)).isTrue();
      if (!refused) {
        assertThat(handled.get() + dead.get()).as("%s accepted, so handled or dead", kind)
            .isEqualTo(1);
        if (report != null) {
          assertThat(report.get(10, TimeUnit.SECONDS).outcomes()).hasSize(1);
        }
        assertThat(totals(bus).published()).isEqualTo(1);
      } else {
        assertThat(handled.get() + dead.get()).isZero();
        assertThat(totals(bus).published()).isZero();
      }
      assertThat(bus.metrics().queueDepth()).isZero();
    }
  }

  /**
   * A context propagator whose restore returns null, or throws, or whose clear throws, is a
   * misbehaving callback: logged and ignored; each handler runs once per event.
   */
  @Test
  @Timeout(30)
  void contextPropagatorReturningNullOrThrowing_ignored_eachEventDeliveredOnce() throws Exception {
    ContextPropagator hostile = new ContextPropagator() {
      private final AtomicInteger n = new AtomicInteger();

      @Override
      public Object capture() {
        return n.incrementAndGet() % 3 == 0 ? null : "ctx";
      }

      @Override
      public Runnable restore(Object captured) {
        if (n.get() % 2 == 0) {
          throw new IllegalStateException("restore fails");
        }
        return null; // not an undo action
      }

      @Override
      public Runnable clear() {
        throw new IllegalStateException("clear fails");
      }
    };
    try (EventBus bus = EventBus.builder().name("probe-propagator").contextPropagator(hostile)
        .workers(2).build()) {
      Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
      CountDownLatch all = new CountDownLatch(60);
      bus.subscribe(Msg.class, m -> {
        seen.computeIfAbsent(m.seq(), k -> new AtomicInteger()).incrementAndGet();
        all.countDown();
      });
      for (int i = 0; i < 60; i++) {
        bus.publish(new Msg(0, i));
      }
      assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(eventually(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
      assertThat(seen).hasSize(60);
      assertThat(seen.values()).allMatch(c -> c.get() == 1);
      DeliveryStats t = totals(bus);
      assertThat(t.delivered()).isEqualTo(60);
      assertThat(t.failed()).isZero();
    }
  }

  // ------------------------------------------------------------------ subscriptions

  /**
   * Subscribers racing close(): a subscription returned to them is inactive once close()
   * returned, and later subscribe and register calls are refused.
   */
  @Test
  @Timeout(60)
  void subscribeRacingClose_returnedSubscriptionsInactiveAfterClose() throws Exception {
    for (int round = 0; round < 20; round++) {
      EventBus bus = EventBus.builder().name("probe-subclose").build();
      List<Subscription> subs = new CopyOnWriteArrayList<>();
      List<Throwable> unexpected = new CopyOnWriteArrayList<>();
      CountDownLatch some = new CountDownLatch(20);
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < 3; p++) {
        Thread t = new Thread(() -> {
          try {
            while (true) {
              Subscription s = bus.subscribe(Msg.class, m -> {});
              subs.add(s);
              some.countDown();
              if (subs.size() % 5 == 0) {
                s.close();
              }
            }
          } catch (IllegalStateException closed) {
            // done
          } catch (Throwable e) {
            unexpected.add(e);
          }
        });
        threads.add(t);
        t.start();
      }
      assertThat(some.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      for (Thread t : threads) {
        t.join(10_000);
        assertThat(t.isAlive()).isFalse();
      }
      assertThat(unexpected).isEmpty();
      assertThat(subs).noneMatch(Subscription::isActive);
      assertThatThrownBy(() -> bus.subscribe(Msg.class, m -> {}))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> bus.register(new Listener()))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  static final class Listener {
    final List<Msg> got = new CopyOnWriteArrayList<>();

    @Subscribe
    public void on(Msg m) {
      got.add(m);
    }
  }

  /** The same listener registered from two threads at once: exactly one registration wins. */
  @Test
  @Timeout(30)
  void registerSameListenerConcurrently_exactlyOneWins_eventDeliveredOnce() throws Exception {
    for (int round = 0; round < 50; round++) {
      try (EventBus bus = EventBus.builder().name("probe-register").build()) {
        Listener listener = new Listener();
        CyclicBarrier go = new CyclicBarrier(2);
        AtomicInteger wins = new AtomicInteger();
        AtomicInteger refusals = new AtomicInteger();
        Runnable register = () -> {
          try {
            go.await();
            bus.register(listener);
            wins.incrementAndGet();
          } catch (IllegalArgumentException e) {
            refusals.incrementAndGet();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
        Thread a = new Thread(register);
        Thread b = new Thread(register);
        a.start();
        b.start();
        a.join();
        b.join();
        assertThat(wins).hasValue(1);
        assertThat(refusals).hasValue(1);
        bus.publishSync(new Msg(0, round));
        assertThat(listener.got).hasSize(1);
      }
    }
  }

  /**
   * A subscription closed while tracked publishes stream to it: each report says DELIVERED if its
   * handler ran and UNSUBSCRIBED otherwise; nothing runs after close() returned; counters match.
   */
  @Test
  @Timeout(60)
  void subscriptionClosedUnderTrackedStream_reportsMatchHandlerAndCounters() throws Exception {
    for (int round = 0; round < 10; round++) {
      try (EventBus bus = EventBus.builder().name("probe-unsub").workers(2).build()) {
        Set<Msg> handled = ConcurrentHashMap.newKeySet();
        AtomicBoolean closedReturned = new AtomicBoolean();
        AtomicInteger afterClose = new AtomicInteger();
        Subscription sub = bus.on(Msg.class).name("victim").subscribe(m -> {
          if (closedReturned.get()) {
            afterClose.incrementAndGet();
          }
          handled.add(m);
        });
        Map<Msg, CompletableFuture<DeliveryReport>> reports = new ConcurrentHashMap<>();
        CountDownLatch some = new CountDownLatch(50);
        Thread publisher = new Thread(() -> {
          for (int s = 0; s < 2000; s++) {
            Msg m = new Msg(0, s);
            reports.put(m, bus.publishAndTrack(m).toCompletableFuture());
            some.countDown();
          }
        });
        publisher.start();
        assertThat(some.await(10, TimeUnit.SECONDS)).isTrue();
        sub.close();
        closedReturned.set(true);
        publisher.join(20_000);
        int unsubscribed = 0;
        for (Map.Entry<Msg, CompletableFuture<DeliveryReport>> e : reports.entrySet()) {
          List<SubscriberOutcome> outcomes = e.getValue().get(10, TimeUnit.SECONDS).outcomes();
          if (outcomes.isEmpty()) {
            continue; // published after close: nobody subscribed
          }
          DeliveryStatus status = outcomes.get(0).status();
          assertThat(status).isEqualTo(handled.contains(e.getKey())
              ? DeliveryStatus.DELIVERED : DeliveryStatus.UNSUBSCRIBED);
          if (status == DeliveryStatus.UNSUBSCRIBED) {
            unsubscribed++;
          }
        }
        assertThat(afterClose).hasValue(0);
        DeliveryStats t = totals(bus);
        assertThat(t.delivered()).isEqualTo(handled.size());
        assertThat(t.discarded()).as("round %d, %d reports UNSUBSCRIBED, totals %s, reports %d",
            round, unsubscribed, t, reports.size()).isEqualTo(unsubscribed);
        assertThat(t.deadEvents() + t.delivered() + t.discarded()).isEqualTo(2000);
        boolean emptied = eventually(() -> bus.metrics().queueDepth() == 0, Duration.ofSeconds(5));
        assertThat(emptied).as("round %d: queue depth %d long after every report completed",
            round, bus.metrics().queueDepth()).isTrue();
      }
    }
  }

  // ------------------------------------------------------------------ metrics

  /**
   * Ten dynamic types from four threads with room for three tracked names: the per-type counters
   * (named and "(other)") add up to the totals, exactly.
   */
  @Test
  @Timeout(30)
  void maxTrackedTypes_concurrentOverflow_perTypeSumsEqualTotals() throws Exception {
    try (EventBus bus = EventBus.builder().name("probe-types").maxTrackedTypes(3).build()) {
      AtomicInteger handled = new AtomicInteger();
      bus.subscribe("t.*", e -> handled.incrementAndGet());
      CyclicBarrier go = new CyclicBarrier(4);
      List<Thread> threads = new ArrayList<>();
      for (int p = 0; p < 4; p++) {
        Thread t = new Thread(() -> {
          try {
            go.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          for (int i = 0; i < 500; i++) {
            DynamicEvent e = DynamicEvent.of("t.n" + (i % 10), Map.of());
            if (i % 2 == 0) {
              bus.publishSync(e);
            } else {
              bus.publish(e);
            }
          }
        });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(eventually(() -> handled.get() == 2000, WAIT)).isTrue();
      assertThat(eventually(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
      EventBusMetrics m = bus.metrics();
      Map<String, DeliveryStats> app = new HashMap<>(m.byType());
      app.keySet().removeIf(k -> k.startsWith("bus."));
      assertThat(app).containsKey("(other)");
      assertThat(app.size()).isLessThanOrEqualTo(4);
      assertThat(app.values().stream().mapToLong(DeliveryStats::published).sum())
          .isEqualTo(2000).isEqualTo(m.totals().published());
      assertThat(app.values().stream().mapToLong(DeliveryStats::delivered).sum())
          .isEqualTo(2000).isEqualTo(m.totals().delivered());
    }
  }

  private static void awaitIgnoringInterrupts(CountDownLatch latch) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    while (true) {
      try {
        latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        return;
      } catch (InterruptedException ignored) {
        // a handler that does not stop when interrupted
      }
    }
  }
}
