package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.ProbeLedger.Msg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Subscriptions made and closed while publishers run: what subscribe() and Subscription.close()
 * promise about the events around them.
 */
class SubscribeRaceProbeTest {

  private static final int SEEDS = Integer.getInteger("probe.seeds", 2);

  static IntStream seeds() {
    return IntStream.rangeClosed(1, SEEDS * 2);
  }

  /** A subscription made by a churner: when it began and ended, by each publisher's counter. */
  record Window(String name, int[] startedBeforeSubscribed, int[] returnedBeforeClose) {}

  /**
   * Three publishers (tracked, a third of them synchronous) run while two threads subscribe and
   * close subscriptions in a loop. A publish that began after subscribe() returned and returned
   * before close() began lists that subscription in its report; no handler call starts after
   * close() returned; each listed subscriber is DELIVERED (its handler called once) or
   * UNSUBSCRIBED (never called); a subscription open throughout gets everything; the metrics
   * agree at the end.
   */
  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  @Timeout(60)
  void subscribeAndCloseRacingPublishes_reportsListExactlyTheOpenSubscriptions(int seed)
      throws Exception {
    int publishers = 3;
    int perPublisher = 2_000;
    Random random = new Random(seed);
    EventBus bus = EventBus.builder().name("sr-" + seed).workers(1 + random.nextInt(3))
        .queueCapacity(1 + random.nextInt(64)).build();
    Map<String, Set<Msg>> got = new ConcurrentHashMap<>();
    Map<String, AtomicBoolean> closed = new ConcurrentHashMap<>();
    List<String> broken = new CopyOnWriteArrayList<>();
    subscribe(bus, "stable", got, closed, broken);
    AtomicIntegerArray started = new AtomicIntegerArray(publishers);
    AtomicIntegerArray returned = new AtomicIntegerArray(publishers);
    for (int p = 0; p < publishers; p++) {
      started.set(p, -1);
      returned.set(p, -1);
    }
    Map<Msg, CompletableFuture<DeliveryReport>> reports = new ConcurrentHashMap<>();
    List<Window> windows = new CopyOnWriteArrayList<>();
    AtomicBoolean publishing = new AtomicBoolean(true);
    CyclicBarrier go = new CyclicBarrier(publishers + 2);
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      int id = p;
      threads.add(new Thread(() -> {
        Random r = new Random(seed * 17L + id);
        try {
          go.await();
          for (int seq = 0; seq < perPublisher; seq++) {
            Msg m = new Msg(id, seq);
            started.set(id, seq);
            reports.put(m, (r.nextInt(3) == 0 ? bus.publishSyncAndTrack(m)
                : bus.publishAndTrack(m)).toCompletableFuture());
            returned.set(id, seq);
          }
        } catch (Throwable e) {
          broken.add("publisher " + id + ": " + e);
        }
      }, "sr-probe-publisher-" + p));
    }
    for (int c = 0; c < 2; c++) {
      int id = c;
      threads.add(new Thread(() -> {
        Random r = new Random(seed * 31L + id);
        try {
          go.await();
          for (int k = 0; publishing.get(); k++) {
            String name = "c" + id + "-" + k;
            Subscription s = subscribe(bus, name, got, closed, broken);
            int[] before = snapshot(started);
            for (int spin = r.nextInt(3_000); spin > 0; spin--) {
              Thread.onSpinWait();
            }
            int[] after = snapshot(returned);
            s.close();
            closed.get(name).set(true);
            windows.add(new Window(name, before, after));
          }
        } catch (Throwable e) {
          broken.add("churner " + id + ": " + e);
        }
      }, "sr-probe-churner-" + c));
    }
    threads.forEach(Thread::start);
    for (int i = 0; i < publishers; i++) {
      threads.get(i).join(30_000);
    }
    publishing.set(false);
    for (Thread t : threads) {
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    }
    bus.close();
    assertThat(broken).isEmpty();

    List<String> problems = new ArrayList<>();
    long deliveredOutcomes = 0;
    long unsubscribedOutcomes = 0;
    for (Map.Entry<Msg, CompletableFuture<DeliveryReport>> e : reports.entrySet()) {
      Msg m = e.getKey();
      DeliveryReport report = e.getValue().get(10, TimeUnit.SECONDS);
      Set<String> listed = ConcurrentHashMap.newKeySet();
      for (SubscriberOutcome o : report.outcomes()) {
        listed.add(o.subscriber());
        boolean called = got.get(o.subscriber()).contains(m);
        if (o.status() == DeliveryStatus.DELIVERED && called) {
          deliveredOutcomes++;
        } else if (o.status() == DeliveryStatus.UNSUBSCRIBED && !called) {
          unsubscribedOutcomes++;
        } else {
          problems.add(m + " " + o.subscriber() + " " + o.status() + " called=" + called);
        }
      }
      if (!listed.contains("stable") || report.outcomes().get(0).status()
          != DeliveryStatus.DELIVERED) {
        problems.add(m + " not delivered to the stable subscription: " + report.outcomes());
      }
      for (Window w : windows) {
        if (m.seq() > w.startedBeforeSubscribed()[m.publisher()]
            && m.seq() <= w.returnedBeforeClose()[m.publisher()] && !listed.contains(w.name())) {
          problems.add(m + " published while " + w.name() + " was open, not routed to it");
        }
      }
    }
    for (Map.Entry<String, Set<Msg>> e : got.entrySet()) {
      for (Msg m : e.getValue()) {
        if (!reports.containsKey(m)) {
          problems.add(e.getKey() + " got " + m + " that was never published");
        }
      }
    }
    assertThat(problems).as("%d windows", windows.size()).isEmpty();
    assertThat(windows).as("churners made subscriptions").hasSizeGreaterThan(10);
    DeliveryStats totals = bus.metrics().totals();
    assertThat(totals.published()).isEqualTo((long) publishers * perPublisher);
    assertThat(totals.delivered()).isEqualTo(deliveredOutcomes);
    assertThat(totals.discarded()).isEqualTo(unsubscribedOutcomes);
    assertThat(bus.metrics().queueDepth()).isZero();
  }

  /** Subscribes a handler that records each event once and any call after its close returned. */
  private static Subscription subscribe(EventBus bus, String name, Map<String, Set<Msg>> got,
      Map<String, AtomicBoolean> closed, List<String> broken) {
    Set<Msg> mine = ConcurrentHashMap.newKeySet();
    AtomicBoolean over = new AtomicBoolean();
    got.put(name, mine);
    closed.put(name, over);
    return bus.on(Msg.class).name(name).subscribe(m -> {
      if (over.get()) {
        broken.add(name + " called with " + m + " after its close() returned");
      }
      if (!mine.add(m)) {
        broken.add(name + " got " + m + " twice");
      }
    });
  }

  private static int[] snapshot(AtomicIntegerArray a) {
    int[] copy = new int[a.length()];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = a.get(i);
    }
    return copy;
  }
}
