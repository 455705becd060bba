package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.MDC;

/**
 * The mailbox through the bus, across its queue's chunk boundaries: per-publisher order and
 * exactly-once delivery with plain, tracked and context-carrying publishes mixed; close with a
 * handler stuck at and around a boundary; retries, dead letters and interceptors seeing the event
 * being delivered although plain payloads share one reused delivery per run; CALLER_RUNS.
 */
class MailboxDeliveryTest {

  record Ev(int pub, int seq) {}

  record Solo(int seq) {}


  // ------------------------------------------------------------------ 1. order, exactly once

  @ParameterizedTest(name = "workers={0}")
  @ValueSource(ints = {1, 2, 3, 4})
  void publishers_mixedKinds_orderedAndExactlyOncePerSubscriber(int workers) throws Exception {
    int publishers = 3;
    int perPublisher = 1500; // > 10 chunks per mailbox
    int subscribers = 3;
    EventBus bus = EventBus.builder().name("t-order-" + workers).workers(workers)
        .propagateMdc(true).build();
    AtomicIntegerArray[] seen = new AtomicIntegerArray[subscribers];
    AtomicIntegerArray[] last = new AtomicIntegerArray[subscribers];
    AtomicInteger outOfOrder = new AtomicInteger();
    AtomicInteger wrongContext = new AtomicInteger();
    AtomicInteger delivered = new AtomicInteger();
    for (int s = 0; s < subscribers; s++) {
      AtomicIntegerArray mine = new AtomicIntegerArray(publishers * perPublisher);
      AtomicIntegerArray lastSeq = new AtomicIntegerArray(publishers);
      for (int p = 0; p < publishers; p++) {
        lastSeq.set(p, -1);
      }
      seen[s] = mine;
      last[s] = lastSeq;
      bus.subscribe(Ev.class, e -> {
        mine.incrementAndGet(e.pub() * perPublisher + e.seq());
        if (lastSeq.getAndSet(e.pub(), e.seq()) >= e.seq()) {
          outOfOrder.incrementAndGet();
        }
        String k = MDC.get("k");
        String want = e.seq() % 3 == 2 ? "v" + e.pub() + "-" + e.seq() : null;
        if (!Objects.equals(k, want)) {
          wrongContext.incrementAndGet();
        }
        delivered.incrementAndGet();
      });
    }
    List<CompletableFuture<DeliveryReport>> reports = new CopyOnWriteArrayList<>();
    TestThreads.publishFromThreads(publishers, perPublisher, (p, seq) -> {
      Ev e = new Ev(p, seq);
      switch (seq % 3) {
        case 0 -> bus.publish(e);
        case 1 -> reports.add(bus.publishAndTrack(e).toCompletableFuture());
        default -> {
          MDC.put("k", "v" + p + "-" + seq);
          try {
            bus.publish(e);
          } finally {
            MDC.remove("k");
          }
        }
      }
    });
    int total = publishers * perPublisher * subscribers;
    assertThat(TestThreads.await(() -> delivered.get() >= total, Duration.ofSeconds(15)))
        .as("delivered %s of %s", delivered.get(), total).isTrue();
    bus.close();
    assertThat(delivered.get()).isEqualTo(total);
    assertThat(outOfOrder.get()).as("per-publisher order violations").isZero();
    assertThat(wrongContext.get()).as("deliveries that saw another delivery's MDC").isZero();
    for (int s = 0; s < subscribers; s++) {
      for (int i = 0; i < publishers * perPublisher; i++) {
        assertThat(seen[s].get(i)).as("subscriber %s event %s", s, i).isEqualTo(1);
      }
    }
    for (CompletableFuture<DeliveryReport> r : reports) {
      assertThat(r.get(5, TimeUnit.SECONDS).allDelivered()).isTrue();
    }
    assertThat(bus.metrics().totals().delivered()).isEqualTo(total);
  }

  // ------------------------------------------------------------------ 2. close, stuck handler

  @ParameterizedTest(name = "stuckAt={0}")
  @ValueSource(ints = {0, 64, 127, 128, 129, 300})
  void close_stuckHandler_everyAcceptedEventAccountedOnce(int stuckAt) throws Exception {
    int before = 700; // several chunks queued behind the stuck handler
    CountDownLatch stuck = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // One atomic write per outcome (merge), so that a key is never seen before it is counted.
    Map<Integer, Integer> outcomes = new ConcurrentHashMap<>();
    AtomicInteger undeliveredLetters = new AtomicInteger();
    AtomicInteger otherLetters = new AtomicInteger();
    // A bound of a few chunks keeps the racing publishers waiting, not filling memory.
    EventBus bus = EventBus.builder().name("t-close-" + stuckAt).workers(2).queueCapacity(1024)
        .drainTimeout(Duration.ofMillis(150)).build();
    bus.subscribe(DeadLetter.class, letter -> {
      if (letter.cause() instanceof RejectedEventException
          && letter.event().payload() instanceof Solo solo) {
        outcomes.merge(solo.seq(), 1, Integer::sum);
        undeliveredLetters.incrementAndGet();
      } else {
        otherLetters.incrementAndGet();
      }
    });
    bus.subscribe(Solo.class, e -> {
      if (e.seq() == stuckAt) {
        stuck.countDown();
        TestThreads.awaitIgnoringInterrupts(release);
      }
      outcomes.merge(e.seq(), 1, Integer::sum);
    });
    for (int i = 0; i < before; i++) {
      bus.publish(new Solo(i));
    }
    assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
    // Publishers racing the close: each publish that returns normally was accepted.
    Set<Integer> accepted = ConcurrentHashMap.newKeySet();
    for (int i = 0; i < before; i++) {
      accepted.add(i);
    }
    AtomicInteger next = new AtomicInteger(before);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> racers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread racer = new Thread(() -> {
        TestThreads.awaitQuietly(go);
        while (true) {
          int seq = next.getAndIncrement();
          try {
            bus.publish(new Solo(seq));
            accepted.add(seq);
          } catch (IllegalStateException refused) {
            return;
          }
        }
      }, "t-racer-" + t);
      racers.add(racer);
      racer.start();
    }
    Thread closer = new Thread(bus::close, "t-closer");
    go.countDown();
    closer.start();
    closer.join(15_000);
    assertThat(closer.isAlive()).as("close returned").isFalse();
    for (Thread racer : racers) {
      racer.join(5_000);
      assertThat(racer.isAlive()).isFalse();
    }
    release.countDown(); // the stuck handler returns; it must not deliver what close reported
    boolean settled = TestThreads.await(() -> accepted.stream().allMatch(outcomes::containsKey),
        Duration.ofSeconds(10));
    List<Integer> missing = accepted.stream().filter(k -> !outcomes.containsKey(k)).sorted()
        .limit(20).toList();
    assertThat(settled).as("accepted %s, accounted %s, first missing %s", accepted.size(),
        outcomes.size(), missing).isTrue();
    List<String> twice = outcomes.entrySet().stream().filter(e -> e.getValue() != 1)
        .map(e -> e.getKey() + "=" + e.getValue()).sorted().limit(20).toList();
    assertThat(twice).as("events delivered/reported more than once").isEmpty();
    assertThat(outcomes.keySet()).as("only accepted events").isSubsetOf(accepted);
    assertThat(otherLetters.get()).isZero();
    assertThat(TestThreads.await(() -> bus.metrics().totals().undelivered() == undeliveredLetters.get(),
        Duration.ofSeconds(5))).as("metrics undelivered %s vs dead letters %s",
        bus.metrics().totals().undelivered(), undeliveredLetters.get()).isTrue();
  }

  // ------------------------------------------------------------------ 3 & 4. reused Delivery

  static final class Boom extends RuntimeException {
    final int seq;

    Boom(int seq) {
      super("boom " + seq);
      this.seq = seq;
    }
  }

  @Test
  void retriesAndDeadLetters_mixedWithPlain_carryTheirOwnPayloadAndId() throws Exception {
    int n = 3000;
    Map<Integer, String> idOf = new ConcurrentHashMap<>();
    Map<Integer, List<Integer>> attemptsOf = new ConcurrentHashMap<>();
    List<String> problems = new CopyOnWriteArrayList<>();
    AtomicInteger done = new AtomicInteger();
    Map<Integer, AtomicInteger> calls = new ConcurrentHashMap<>();
    EventBus bus = EventBus.builder().name("t-retry").workers(2)
        .exceptionHandler((error, ctx) -> {
          if (!(error instanceof Boom boom)) {
            problems.add("unexpected " + error);
            return;
          }
          Object payload = ctx.event() == null ? null : ctx.event().payload();
          if (!(payload instanceof Solo solo) || solo.seq() != boom.seq) {
            problems.add("exception for " + boom.seq + " reported with payload " + payload);
            return;
          }
          String prev = idOf.putIfAbsent(boom.seq, ctx.event().id());
          if (prev != null && !prev.equals(ctx.event().id())) {
            problems.add("event " + boom.seq + " changed id " + prev + " -> " + ctx.event().id());
          }
          attemptsOf.computeIfAbsent(boom.seq, k -> new CopyOnWriteArrayList<>())
              .add(ctx.attempt());
        }).build();
    bus.subscribe(DeadLetter.class, letter -> {
      Object payload = letter.event().payload();
      if (!(letter.cause() instanceof Boom boom) || !(payload instanceof Solo solo)
          || solo.seq() != boom.seq) {
        problems.add("dead letter " + payload + " with cause " + letter.cause());
      } else {
        if (boom.seq % 7 != 0) {
          problems.add("dead letter for " + boom.seq + ", which should succeed");
        }
        if (letter.attempts() != 3) {
          problems.add("dead letter " + boom.seq + " after " + letter.attempts() + " attempts");
        }
        if (!letter.event().id().equals(idOf.get(boom.seq))) {
          problems.add("dead letter " + boom.seq + " id differs from its failures'");
        }
      }
      done.incrementAndGet();
    });
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(3).initialDelay(Duration.ZERO)
        .multiplier(1).jitter(0).build();
    bus.on(Solo.class).retry(policy).subscribe(e -> {
      int call = calls.computeIfAbsent(e.seq(), k -> new AtomicInteger()).incrementAndGet();
      if (e.seq() % 7 == 0 || (e.seq() % 5 == 0 && call == 1)) {
        throw new Boom(e.seq());
      }
      done.incrementAndGet();
    });
    TestThreads.publishFromThreads(2, n / 2, (p, s) -> bus.publish(new Solo(p * (n / 2) + s)));
    assertThat(TestThreads.await(() -> done.get() >= n, Duration.ofSeconds(15)))
        .as("done %s of %s", done.get(), n).isTrue();
    bus.close();
    assertThat(problems).isEmpty();
    for (int i = 0; i < n; i++) {
      List<Integer> attempts = attemptsOf.getOrDefault(i, List.of());
      List<Integer> want = i % 7 == 0 ? List.of(1, 2, 3) : i % 5 == 0 ? List.of(1) : List.of();
      assertThat(attempts).as("attempts reported for %s", i).isEqualTo(want);
      assertThat(calls.get(i).get()).as("calls for %s", i).isEqualTo(i % 7 == 0 ? 3
          : i % 5 == 0 ? 2 : 1);
    }
  }

  @Test
  void interceptors_seeTheEventBeingDelivered() throws Exception {
    int n = 4000;
    ThreadLocal<Object> current = new ThreadLocal<>();
    List<String> problems = new CopyOnWriteArrayList<>();
    AtomicInteger after = new AtomicInteger();
    EventInterceptor interceptor = new EventInterceptor() {
      @Override
      public java.util.Optional<String> beforeDelivery(Event<?> event,
          Subscription subscription) {
        if (event.payload() instanceof Solo) {
          current.set(event.payload());
        }
        return java.util.Optional.empty();
      }

      @Override
      public void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {
        if (event.payload() instanceof Solo) {
          if (current.get() != event.payload()) {
            problems.add("after " + event.payload() + " but before " + current.get());
          }
          after.incrementAndGet();
        }
      }
    };
    EventBus bus = EventBus.builder().name("t-intercept").workers(2).interceptor(interceptor)
        .build();
    bus.subscribe(Solo.class, e -> {
      if (current.get() != e) {
        problems.add("handler got " + e + " but interceptor saw " + current.get());
      }
    });
    TestThreads.publishFromThreads(2, n / 2, (p, s) -> bus.publish(new Solo(p * (n / 2) + s)));
    assertThat(TestThreads.await(() -> after.get() >= n, Duration.ofSeconds(15))).isTrue();
    bus.close();
    assertThat(problems).isEmpty();
  }

  // ------------------------------------------------------------------ 5. CALLER_RUNS

  @ParameterizedTest(name = "workers={0}")
  @ValueSource(ints = {1, 2})
  void callerRuns_tinyQueue_manyPublishers_orderedExactlyOnce(int workers) throws Exception {
    int publishers = 4;
    int perPublisher = 1500;
    EventBus bus = EventBus.builder().name("t-callerruns-" + workers).workers(workers)
        .queueCapacity(4).backpressure(BackpressurePolicy.CALLER_RUNS).build();
    AtomicIntegerArray seen = new AtomicIntegerArray(publishers * perPublisher * 2);
    AtomicInteger outOfOrder = new AtomicInteger();
    AtomicInteger delivered = new AtomicInteger();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    for (int s = 0; s < 2; s++) {
      int sub = s;
      AtomicIntegerArray lastSeq = new AtomicIntegerArray(publishers);
      for (int p = 0; p < publishers; p++) {
        lastSeq.set(p, -1);
      }
      bus.subscribe(Ev.class, e -> {
        threads.add(Thread.currentThread().getName());
        seen.incrementAndGet((sub * publishers + e.pub()) * perPublisher + e.seq());
        if (lastSeq.getAndSet(e.pub(), e.seq()) >= e.seq()) {
          outOfOrder.incrementAndGet();
        }
        delivered.incrementAndGet();
      });
    }
    TestThreads.publishFromThreads(publishers, perPublisher, (p, s) -> bus.publish(new Ev(p, s)));
    int total = publishers * perPublisher * 2;
    assertThat(TestThreads.await(() -> delivered.get() >= total, Duration.ofSeconds(15)))
        .as("delivered %s of %s", delivered.get(), total).isTrue();
    bus.close();
    assertThat(delivered.get()).isEqualTo(total);
    assertThat(outOfOrder.get()).isZero();
    for (int i = 0; i < total; i++) {
      assertThat(seen.get(i)).as("delivery %s", i).isEqualTo(1);
    }
    assertThat(threads).as("a publisher ran a mailbox").anyMatch(t -> t.startsWith("t-publisher"));
  }
}
