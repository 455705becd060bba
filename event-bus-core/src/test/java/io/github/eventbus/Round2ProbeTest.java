package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.audit.AuditLogException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Round-2 probes of 2c30010: places freed within a worker's run (Capacity.holdBack), a dropped
 * event counted as published and audited, and the tracked DeadLetter's empty report.
 */
class Round2ProbeTest {

  record Job(int n) {}

  private static final Duration WAIT = Duration.ofSeconds(20);

  private static DeliveryStats jobs(EventBus bus) {
    return bus.metrics().byType().get(TypeNames.of(Job.class));
  }

  /**
   * BackpressurePolicy: "a queue of up to 16 places frees each one before the next handler runs,
   * and a larger one may hold up to a sixteenth of its places". One subscriber whose handler k is
   * held until the test lets it go; the queue starts full.
   */
  @ParameterizedTest
  @CsvSource({"2,REJECT", "16,REJECT", "17,REJECT", "32,REJECT", "2,BLOCK",
      "17,BLOCK", "32,BLOCK", "2,CALLER_RUNS", "16,CALLER_RUNS", "32,CALLER_RUNS"})
  @Timeout(60)
  void slowHandler_placeOfEachHandledDelivery_isFreeBeforeTheNextHandlerRuns(
      int capacity, BackpressurePolicy policy) throws Exception {
    int holdBack = Math.max(1, Math.min(256, capacity / 16));
    BlockingQueue<Integer> started = new LinkedBlockingQueue<>();
    Map<Integer, CountDownLatch> gates = new ConcurrentHashMap<>();
    try (EventBus bus = EventBus.builder().name("r2-place").workers(1).queueCapacity(capacity)
        .backpressure(policy).build()) {
      bus.subscribe(Job.class, job -> {
        started.add(job.n());
        TestThreads.awaitIgnoringInterrupts(gates.computeIfAbsent(job.n(),
            k -> new CountDownLatch(1)));
      });
      for (int i = 0; i < capacity; i++) {
        bus.publish(new Job(i));
      }
      assertThat(started.poll(10, TimeUnit.SECONDS)).isEqualTo(0);
      assertThat(bus.metrics().queueDepth()).isEqualTo(capacity);
      CompletableFuture<Void> extra = null;
      if (policy == BackpressurePolicy.REJECT) {
        assertThatThrownBy(() -> bus.publish(new Job(-1))).isInstanceOf(RejectedEventException.class);
      } else {
        extra = CompletableFuture.runAsync(() -> bus.publish(new Job(capacity)));
      }
      boolean extraIn = false;
      for (int k = 1; k <= capacity; k++) {
        gates.computeIfAbsent(k - 1, x -> new CountDownLatch(1)).countDown();
        assertThat(started.poll(10, TimeUnit.SECONDS)).isEqualTo(k);
        if (k == holdBack) { // holdBack handled deliveries have freed their places by now
          if (extra == null) {
            bus.publish(new Job(capacity)); // REJECT: a place is free now
          } else {
            extra.get(10, TimeUnit.SECONDS); // BLOCK / CALLER_RUNS: admitted by now
          }
          extraIn = true;
        }
        EventBusMetrics m = bus.metrics();
        long handled = k; // handlers 0..k-1 returned, handler k is running
        long held = m.queueDepth() - (capacity + (extraIn ? 1 : 0) - handled);
        assertThat(held).as("places held by handled deliveries at k=%d: %s", k, m)
            .isBetween(0L, (long) holdBack - 1);
        assertThat(m.totals().delivered()).isEqualTo(handled - held);
      }
      gates.computeIfAbsent(capacity, x -> new CountDownLatch(1)).countDown();
      assertThat(TestThreads.await(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
      DeliveryStats t = jobs(bus);
      assertThat(t.published()).isEqualTo(capacity + 1L);
      assertThat(t.delivered()).isEqualTo(capacity + 1L);
      assertThat(t.rejected()).isEqualTo(policy == BackpressurePolicy.REJECT ? 1 : 0);
      assertThat(bus.metrics().queueHighWaterMark()).isEqualTo(capacity);
    }
  }

  /**
   * A worker that has just handled the only queued delivery waits a little for more before its run
   * ends; the delivery is reported DELIVERED already. A publisher that waits for that report and
   * publishes the next event should find the place free (the first round's finding).
   */
  @Test
  @Timeout(60)
  void capacityOne_reject_publishAfterTheDeliveredReport_isAccepted() throws Exception {
    try (EventBus bus = EventBus.builder().name("r2-one").workers(1).queueCapacity(1)
        .backpressure(BackpressurePolicy.REJECT).build()) {
      bus.subscribe(Job.class, job -> { });
      int rejected = 0;
      for (int i = 0; i < 2000; i++) {
        try {
          DeliveryReport r = bus.publishAndTrack(new Job(i)).toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
          assertThat(r.allDelivered()).isTrue();
        } catch (RejectedEventException e) {
          rejected++;
        }
      }
      // Regression (fixed since): the report says DELIVERED, yet the worker keeps the place while it spins/yields
      // for more (Mailbox.awaitMore, ~50 us) before Run.end frees it; the next publish is often
      // refused "queue is full (1 pending deliveries)" with nothing pending. Free the place
      // (Run.end / endIfHolding) before awaitMore, or before the tracker is completed.
      assertThat(rejected).as("publishes refused right after a DELIVERED report, of 2000")
          .isZero();
    }
  }

  /**
   * The same for every other way a delivery ends: a publisher that waits for a DEAD_LETTERED,
   * FILTERED or VETOED report and publishes the next event finds the place free.
   *
   * <p>Regression (fixed since): only a DELIVERED report came after its place was freed; the
   * others were reported first, so the next publish was often refused with nothing pending.
   */
  @ParameterizedTest
  @CsvSource({"DEAD_LETTERED", "FILTERED", "VETOED"})
  @Timeout(60)
  void capacityOne_reject_publishAfterAnyOtherReport_isAccepted(DeliveryStatus status)
      throws Exception {
    EventBusBuilder builder = EventBus.builder().name("r2-one-" + status).workers(1)
        .queueCapacity(1).backpressure(BackpressurePolicy.REJECT)
        .exceptionHandler((e, context) -> { });
    if (status == DeliveryStatus.VETOED) {
      builder.interceptor(new EventInterceptor() {
        @Override
        public java.util.Optional<String> beforeDelivery(Event<?> event, Subscription s) {
          return java.util.Optional.of("probe");
        }
      });
    }
    try (EventBus bus = builder.build()) {
      SubscriptionBuilder<Job> on = bus.on(Job.class);
      if (status == DeliveryStatus.FILTERED) {
        on.filter(job -> false);
      }
      on.subscribe(job -> {
        throw new IllegalStateException("probe");
      });
      int rejected = 0;
      for (int i = 0; i < 2000; i++) {
        try {
          DeliveryReport r = bus.publishAndTrack(new Job(i)).toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
          assertThat(r.outcomes().get(0).status()).isEqualTo(status);
        } catch (RejectedEventException e) {
          rejected++;
        }
      }
      assertThat(rejected).as("publishes refused right after a %s report, of 2000", status)
          .isZero();
    }
  }

  /** Many publishers, a mailbox and a concurrent subscriber, each policy: counts exact at the end. */
  @ParameterizedTest
  @CsvSource({"2,REJECT", "2,BLOCK", "2,CALLER_RUNS", "2,DROP", "16,REJECT", "17,BLOCK",
      "17,CALLER_RUNS", "32,DROP", "32,REJECT", "32,BLOCK"})
  @Timeout(60)
  void manyPublishers_twoSubscribers_metricsExactAtQuiescence_depthWithinBound(
      int capacity, BackpressurePolicy policy) throws Exception {
    int publishers = 4;
    int each = 1500;
    AtomicLong mailboxCalls = new AtomicLong();
    AtomicLong concurrentCalls = new AtomicLong();
    AtomicLong threw = new AtomicLong();
    AtomicLong maxDepth = new AtomicLong();
    AtomicLong minDepth = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    EventBus bus = EventBus.builder().name("r2-stress").workers(2).queueCapacity(capacity)
        .backpressure(policy).build();
    bus.subscribe(Job.class, j -> {
      mailboxCalls.incrementAndGet();
      spin(j.n());
    });
    bus.on(Job.class).concurrent().subscribe(j -> {
      concurrentCalls.incrementAndGet();
      spin(j.n());
    });
    Thread monitor = new Thread(() -> {
      while (!done.get()) {
        long d = bus.metrics().queueDepth();
        maxDepth.accumulateAndGet(d, Math::max);
        minDepth.accumulateAndGet(d, Math::min);
        Thread.yield();
      }
    }, "t-r2-monitor");
    monitor.start();
    try {
      TestThreads.publishFromThreads(publishers, each, (p, s) -> {
        try {
          bus.publish(new Job(s));
        } catch (RejectedEventException e) {
          threw.incrementAndGet();
        }
      });
    } finally {
      bus.close();
      done.set(true);
      monitor.join();
    }
    EventBusMetrics m = bus.metrics();
    DeliveryStats t = jobs(bus);
    long attempted = (long) publishers * each;
    assertThat(m.queueDepth()).as("%s", m).isZero();
    assertThat(minDepth.get()).isGreaterThanOrEqualTo(0);
    assertThat(maxDepth.get()).as("depth seen").isLessThanOrEqualTo(capacity);
    assertThat(m.queueHighWaterMark()).isLessThanOrEqualTo(capacity);
    assertThat(t.rejected()).isEqualTo(threw.get());
    assertThat(t.published() + t.rejected()).as("%s", t).isEqualTo(attempted);
    assertThat(t.delivered()).isEqualTo(mailboxCalls.get() + concurrentCalls.get());
    assertThat(t.delivered() + t.dropped()).as("%s", t).isEqualTo(2 * t.published());
    assertThat(t.deadLettered()).isEqualTo(t.dropped());
    if (policy != BackpressurePolicy.DROP) {
      assertThat(t.dropped()).isZero();
      assertThat(mailboxCalls.get()).isEqualTo(concurrentCalls.get());
    }
  }

  private static void spin(int n) {
    long until = System.nanoTime() + (n % 7) * 2_000L; // a little work, not a wait
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }

  /** "a delivery waiting for a retry keeps its place": capacity 1 stays full until the retry. */
  @Test
  @Timeout(30)
  void deliveryWaitingForARetry_keepsItsPlace_thenFreesItOnceDelivered() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T08:30:00Z"));
    ManualScheduler scheduler = new ManualScheduler(clock);
    AtomicInteger calls = new AtomicInteger();
    try (EventBus bus = EventBus.builder().name("r2-retry").clock(clock).scheduler(scheduler)
        .workers(1).queueCapacity(1).backpressure(BackpressurePolicy.REJECT).build()) {
      bus.on(Job.class).retry(RetryPolicy.builder().maxAttempts(3)
          .initialDelay(Duration.ofSeconds(1)).build()).subscribe(j -> {
            if (j.n() == 0 && calls.incrementAndGet() == 1) {
              throw new IllegalStateException("first attempt fails");
            }
          });
      CompletableFuture<DeliveryReport> first = bus.publishAndTrack(new Job(0)).toCompletableFuture();
      assertThat(scheduler.awaitPending(1, WAIT)).isTrue();
      assertThat(TestThreads.await(() -> jobs(bus).failed() == 1, WAIT)).isTrue();
      assertThat(bus.metrics().queueDepth()).isEqualTo(1);
      assertThatThrownBy(() -> bus.publish(new Job(1))).isInstanceOf(RejectedEventException.class);

      scheduler.advance(Duration.ofMinutes(1)); // past the delay, whatever its jitter
      assertThat(first.get(10, TimeUnit.SECONDS).allDelivered()).as("%s", scheduler.delays())
          .isTrue();
      assertThat(TestThreads.await(() -> bus.metrics().queueDepth() == 0, WAIT)).isTrue();
      bus.publish(new Job(2));
      assertThat(TestThreads.await(() -> jobs(bus).delivered() == 2, WAIT)).isTrue();
      assertThat(jobs(bus).published()).isEqualTo(2);
      assertThat(jobs(bus).rejected()).isEqualTo(1);
    }
  }

  /**
   * DROP with an audit log, many publishers: every published event is logged exactly once, the
   * dropped ones included, and every dead letter names a logged event; tracked drops report
   * DROPPED.
   */
  @Test
  @Timeout(60)
  void drop_withAuditLog_manyPublishers_everyPublishedEventLoggedOnce_droppedIncluded(
      @TempDir Path dir) throws Exception {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    List<DeliveryReport> reports = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().name("r2-drop-audit").workers(2).queueCapacity(2)
        .backpressure(BackpressurePolicy.DROP).auditLog(dir).build();
    bus.subscribe(Job.class, j -> spin(j.n() + 5));
    bus.subscribe(DeadLetter.class, letters::add);
    TestThreads.publishFromThreads(4, 500, (p, s) -> {
      if (s % 10 == 0) {
        bus.publishAndTrack(new Job(s)).thenAccept(reports::add);
      } else {
        bus.publish(new Job(s));
      }
    });
    bus.close();
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        lines.addAll(Files.readAllLines(f));
      }
    }
    DeliveryStats t = jobs(bus);
    assertThat(t.published()).isEqualTo(2000);
    assertThat(t.dropped()).as("the probe needs some drops: %s", t).isPositive();
    assertThat(t.published()).isEqualTo(t.delivered() + t.dropped());
    assertThat(lines).hasSize(2000);
    Map<String, Integer> idCount = new ConcurrentHashMap<>();
    for (String l : lines) {
      int at = l.indexOf("\"event_id\":\"");
      assertThat(at).as(l).isNotNegative();
      idCount.merge(l.substring(at + 12, l.indexOf('"', at + 12)), 1, Integer::sum);
    }
    assertThat(idCount).hasSize(2000).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
    assertThat(letters).hasSize((int) t.dropped())
        .allSatisfy(l -> assertThat(idCount).containsKey(l.event().id()));
    assertThat(reports).hasSize(200).allSatisfy(r -> assertThat(r.outcomes()).singleElement()
        .satisfies(o -> assertThat(o.status()).isIn(DeliveryStatus.DELIVERED, DeliveryStatus.DROPPED)));
  }

  /**
   * DROP with an acknowledged audit log whose directory became unusable: publish throws the
   * audit log's exception instead of "returning normally" (BackpressurePolicy.DROP), and the
   * event is neither counted published nor dead-lettered. Observed and kept as a regression test;
   * EventBus.publish's Javadoc lists no AuditLogException (see the report).
   */
  @Test
  @Timeout(60)
  void drop_withAFailingAcknowledgedAuditLog_publishThrows_nothingCountedOrDeadLettered(
      @TempDir Path dir) throws Exception {
    Path logs = dir.resolve("logs");
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // 3 s: long enough for the first, healthy write on a loaded machine; the refused one waits it.
    try (AuditLog audit = AuditLog.builder(logs).acknowledge(Duration.ofSeconds(3))
            .retryDelay(Duration.ofMillis(20)).errorHandler((f, p, c) -> { }).build();
        EventBus bus = EventBus.builder().name("r2-drop-fail").workers(1).queueCapacity(1)
            .backpressure(BackpressurePolicy.DROP).auditLog(audit).build()) {
      bus.subscribe(Job.class, j -> {
        inside.countDown();
        TestThreads.awaitIgnoringInterrupts(release);
      });
      bus.subscribe(DeadLetter.class, letters::add);
      bus.publish(new Job(0));
      assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
      try (Stream<Path> paths = Files.walk(logs)) {
        for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
      Files.writeString(logs, "not a directory any more");

      assertThatThrownBy(() -> bus.publish(new Job(1))).isInstanceOf(AuditLogException.class);

      release.countDown();
      DeliveryStats t = jobs(bus);
      assertThat(t.published()).isEqualTo(1);
      assertThat(t.dropped()).isZero();
      assertThat(letters).isEmpty();
    }
  }

  /** The documented empty report of a tracked DeadLetter, delivered to its subscriber once. */
  @Test
  @Timeout(30)
  void publishAndTrackOfADeadLetter_reportIsCompleteEmptyAndAboutTheFailedEvent() throws Exception {
    try (EventBus bus = EventBus.builder().name("r2-dl").build()) {
      List<DeadLetter> got = new CopyOnWriteArrayList<>();
      bus.subscribe(DeadLetter.class, got::add);
      bus.subscribe(Job.class, j -> {
        throw new IllegalStateException("no");
      });
      bus.publishSync(new Job(1));
      assertThat(got).hasSize(1);
      DeadLetter letter = got.get(0);

      CompletableFuture<DeliveryReport> f = bus.publishAndTrack(letter).toCompletableFuture();

      assertThat(f).isDone();
      DeliveryReport r = f.get();
      assertThat(r.noSubscriber()).isTrue();
      assertThat(r.outcomes()).isEmpty();
      assertThat(r.event().id()).isEqualTo(letter.event().id());
      assertThat(got).hasSize(2);
    }
  }
}
