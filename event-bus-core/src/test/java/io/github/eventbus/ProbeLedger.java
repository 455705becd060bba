package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the concurrency probes observed from outside a bus: every publish that returned normally,
 * every handler call, every dead letter and every tracked report, so that a probe can check that
 * each accepted event had exactly one outcome per subscriber and that the metrics agree.
 */
final class ProbeLedger {

  /** A probe event: publisher thread and its sequence number. */
  record Msg(int publisher, int seq) {}

  /** One subscriber's delivery of one event (a {@link Msg} or another probe payload). */
  record Key(String subscriber, Object msg) {}

  /** A handler's planned failure, an exception the probe throws on purpose. */
  static final class PlannedFailure extends RuntimeException {
    PlannedFailure() {
      super("planned", null, false, false);
    }
  }

  final Set<Object> accepted = ConcurrentHashMap.newKeySet();
  final AtomicLong rejected = new AtomicLong();
  final Map<Key, AtomicInteger> calls = new ConcurrentHashMap<>();
  final Set<Key> delivered = ConcurrentHashMap.newKeySet();
  final Map<Key, DeadLetter> dead = new ConcurrentHashMap<>();
  final AtomicLong failedCalls = new AtomicLong();
  final Map<Object, CompletableFuture<DeliveryReport>> tracked = new ConcurrentHashMap<>();
  /** Deliveries whose handler threw an Error, as the exception handler saw them. */
  final Set<Key> errored = ConcurrentHashMap.newKeySet();
  /** Broken promises seen while the probe ran (duplicates, late calls, disorder, exceptions). */
  final List<String> broken = new CopyOnWriteArrayList<>();
  private final Map<String, int[]> lastFirstAttempt = new ConcurrentHashMap<>();
  volatile boolean closeReturned;

  /**
   * Records a handler call; returns its attempt number (1 for the first). Checks that no call
   * starts after close() returned, and that first attempts come in each publisher's order (the
   * caller is the subscriber's one delivering thread, as it is not concurrent).
   */
  int call(String subscriber, Msg m, int publishers) {
    int attempt = call(subscriber, m);
    if (attempt == 1) {
      int[] last = lastFirstAttempt.computeIfAbsent(subscriber, s -> newLast(publishers));
      synchronized (last) { // uncontended: one thread at a time per subscriber
        if (m.seq() <= last[m.publisher()]) {
          broken.add("order: " + subscriber + " got " + m + " after seq " + last[m.publisher()]);
        }
        last[m.publisher()] = m.seq();
      }
    }
    return attempt;
  }

  /** Records a handler call without an order check; returns its attempt number. */
  int call(String subscriber, Object m) {
    if (closeReturned) {
      broken.add("handler call after close() returned: " + subscriber + " " + m);
    }
    return calls.computeIfAbsent(new Key(subscriber, m), k -> new AtomicInteger())
        .incrementAndGet();
  }

  /** Records an Error a handler threw, as the bus reported it to the exception handler. */
  void errored(SubscriberExceptionContext context) {
    if (!errored.add(new Key(context.subscriber(), context.event().payload()))) {
      broken.add("Error reported twice: " + context.subscriber() + " " + context.event());
    }
  }

  private static int[] newLast(int publishers) {
    int[] last = new int[publishers];
    java.util.Arrays.fill(last, -1);
    return last;
  }

  void succeeded(String subscriber, Object m) {
    if (!delivered.add(new Key(subscriber, m))) {
      broken.add("delivered twice: " + subscriber + " " + m);
    }
  }

  void deadLetter(DeadLetter letter) {
    Key key = new Key(letter.subscriber(), letter.event().payload());
    if (dead.putIfAbsent(key, letter) != null) {
      broken.add("dead-lettered twice: " + key);
    }
  }

  static boolean isUndelivered(DeadLetter l) {
    return l.cause() instanceof RejectedEventException && l.cause().getMessage().contains("closed");
  }

  static boolean isDropped(DeadLetter l) {
    return l.cause() instanceof RejectedEventException && l.cause().getMessage().contains("dropped");
  }

  long count(java.util.function.Predicate<DeadLetter> p) {
    return dead.values().stream().filter(p).count();
  }

  /** {@link #assertExact(EventBus, Map)} for probes whose subscribers all take {@link Msg}. */
  void assertExact(EventBus bus, List<String> subscribers) throws Exception {
    assertExact(bus, Map.of(Msg.class, subscribers));
  }

  /**
   * Checks that each accepted event had exactly one outcome per subscriber of its class
   * (delivered, dead-lettered, or an Error), that nothing unaccepted reached a handler, that
   * every tracked report completed and agrees, and that the totals equal what was observed with
   * an empty queue.
   */
  void assertExact(EventBus bus, Map<Class<?>, List<String>> subscribers) throws Exception {
    assertThat(broken).as("broken promises").isEmpty();
    List<String> problems = new ArrayList<>();
    for (Object m : accepted) {
      for (String s : subscribers.get(m.getClass())) {
        Key k = new Key(s, m);
        int outcomes = (delivered.contains(k) ? 1 : 0) + (dead.containsKey(k) ? 1 : 0)
            + (errored.contains(k) ? 1 : 0);
        if (outcomes != 1) {
          problems.add(k + " has " + outcomes + " outcomes");
        }
        boolean gone = dead.containsKey(k);
        int made = calls.containsKey(k) ? calls.get(k).get() : 0;
        if (gone && dead.get(k).attempts() != made) {
          problems.add(k + " dead letter says " + dead.get(k).attempts() + " attempts, made " + made);
        }
      }
    }
    for (Key k : calls.keySet()) {
      if (!accepted.contains(k.msg())) {
        problems.add(k + " reached a handler but its publish did not return normally");
      }
    }
    assertThat(problems).as("accounting problems").isEmpty();
    for (Map.Entry<Object, CompletableFuture<DeliveryReport>> e : tracked.entrySet()) {
      DeliveryReport report = e.getValue().get(10, TimeUnit.SECONDS);
      for (SubscriberOutcome o : report.outcomes()) {
        Key k = new Key(o.subscriber(), e.getKey());
        DeadLetter letter = dead.get(k);
        DeliveryStatus expected = delivered.contains(k) ? DeliveryStatus.DELIVERED
            : errored.contains(k) ? DeliveryStatus.ERROR
            : letter == null ? null
            : isUndelivered(letter) ? DeliveryStatus.UNDELIVERED
            : isDropped(letter) ? DeliveryStatus.DROPPED
            : DeliveryStatus.DEAD_LETTERED;
        assertThat(o.status()).as("report of %s", k).isEqualTo(expected);
        int made = calls.containsKey(k) ? calls.get(k).get() : 0;
        assertThat(o.attempts()).as("attempts in report of %s", k).isEqualTo(made);
      }
    }
    EventBusMetrics metrics = bus.metrics();
    DeliveryStats t = metrics.totals();
    long totalCalls = calls.values().stream().mapToLong(AtomicInteger::get).sum();
    long undelivered = count(ProbeLedger::isUndelivered);
    long dropped = count(ProbeLedger::isDropped);
    long retriedThenAbandoned = dead.values().stream()
        .filter(l -> isUndelivered(l) && l.attempts() > 0).count();
    assertThat(metrics.queueDepth()).as("queue depth at quiescence").isZero();
    assertThat(t.published()).as("published").isEqualTo(accepted.size());
    assertThat(t.delivered()).as("delivered").isEqualTo(delivered.size());
    assertThat(t.failed()).as("failed").isEqualTo(failedCalls.get() + errored.size());
    assertThat(t.deadLettered()).as("dead-lettered").isEqualTo(dead.size());
    assertThat(t.undelivered()).as("undelivered").isEqualTo(undelivered);
    assertThat(t.dropped()).as("dropped").isEqualTo(dropped);
    assertThat(t.rejected()).as("rejected").isEqualTo(rejected.get());
    assertThat(t.retried()).as("retried")
        .isEqualTo(totalCalls - calls.size() + retriedThenAbandoned);
    assertThat(t.discarded()).as("discarded").isZero();
  }
}
