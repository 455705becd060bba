package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hostile cases for latency sampling: a synchronous publish decides once, by its route's count,
 * whether all its deliveries are timed; queued deliveries count per subscription.
 */
class InvokerTest {

  record X(int n) {}

  record Y(int n) {}

  private static long latencyCount(EventBus bus, Class<?> type) {
    return bus.metrics().byType().entrySet().stream()
        .filter(e -> e.getKey().endsWith(type.getSimpleName()))
        .mapToLong(e -> e.getValue().latency().count())
        .sum();
  }

  @Test
  void samplingEveryDelivery_syncAndQueued_countEqualsDelivered() throws Exception {
    try (EventBus bus = EventBus.builder().name("t-lat-1").workers(2).latencySampling(1)
        .build()) {
      CountDownLatch queued = new CountDownLatch(300);
      for (int s = 0; s < 3; s++) {
        bus.subscribe(X.class, x -> {
          if (x.n() >= 1000) {
            queued.countDown();
          }
        });
      }
      for (int i = 0; i < 100; i++) {
        bus.publishSync(new X(i));
      }
      assertThat(bus.metrics().totals().latency().count()).isEqualTo(300);
      for (int i = 0; i < 100; i++) {
        bus.publish(new X(1000 + i));
      }
      assertThat(queued.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      assertThat(bus.metrics().totals().delivered()).isEqualTo(600);
      assertThat(bus.metrics().totals().latency().count()).isEqualTo(600);
    }
  }

  @Test
  void samplingOneInTen_syncTwoSubscribers_eachTimedOneInTen() {
    try (EventBus bus = EventBus.builder().name("t-lat-2").latencySampling(10).build()) {
      bus.subscribe(X.class, x -> { });
      bus.subscribe(X.class, x -> { });
      for (int i = 0; i < 1000; i++) {
        bus.publishSync(new X(i));
      }
      assertThat(bus.metrics().totals().latency().count()).isEqualTo(200);
    }
  }

  /**
   * A wildcard subscriber is first in the routes of two types; the typed subscriber of X is never
   * first. Publishing X and Y alternately with an interval of 16 advanced the wildcard's
   * one counter twice per pair, so it always comes round on the same type: the other type's
   * deliveries are never timed, though each of its subscriptions delivered 1000 events.
   */
  @Test
  void wildcardFirstInTwoRoutes_alternatingTypes_bothTypesSampled() {
    try (EventBus bus = EventBus.builder().name("t-lat-3").latencySampling(16).build()) {
      bus.on(Object.class).priority(10).subscribe(o -> { }); // first in every route
      bus.subscribe(X.class, x -> { });
      bus.subscribe(Y.class, y -> { });
      for (int i = 0; i < 1000; i++) {
        bus.publishSync(new X(i));
        bus.publishSync(new Y(i));
      }
      long x = latencyCount(bus, X.class);
      long y = latencyCount(bus, Y.class);
      // per subscription one in 16: X's two subscriptions delivered 1000 each
      assertThat(x).as("X samples (Y has %d)", y).isGreaterThan(0);
      assertThat(y).as("Y samples (X has %d)", x).isGreaterThan(0);
    }
  }

  @Test
  void sameSubscriberQueuedAndSync_countsStaySane() throws Exception {
    try (EventBus bus = EventBus.builder().name("t-lat-4").workers(1).latencySampling(4)
        .build()) {
      CountDownLatch done = new CountDownLatch(400);
      bus.subscribe(X.class, x -> {
        if (x.n() % 2 == 1) {
          done.countDown();
        }
      });
      for (int i = 0; i < 800; i++) {
        if (i % 2 == 0) {
          bus.publishSync(new X(i));
        } else {
          bus.publish(new X(i));
        }
      }
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      long count = bus.metrics().totals().latency().count();
      // racy counter by design: about one in four of 800, never more than the deliveries
      assertThat(count).isBetween(100L, 400L);
    }
  }

  /**
   * Past the route cache (4096 dynamic types) every publish of a new dynamic type resolves a fresh
   * Route with a fresh count, so its synchronous deliveries are never timed however often the type
   * is published.
   */
  @Test
  void dynamicTypesBeyondRouteCache_syncPublishes_stillSampled() {
    try (EventBus bus = EventBus.builder().name("t-lat-5").latencySampling(8)
        .maxTrackedTypes(8192).build()) {
      bus.subscribe(DynamicEvent.class, e -> { });
      for (int t = 0; t < 5000; t++) {
        bus.publishSync(DynamicEvent.of("fill." + t, Map.of()));
      }
      long before = bus.metrics().totals().latency().count();
      for (int i = 0; i < 800; i++) {
        bus.publishSync(DynamicEvent.of("late.type", Map.of("n", i)));
      }
      long timed = bus.metrics().totals().latency().count() - before;
      // 800 deliveries at one in 8: about 100 timed
      assertThat(timed).as("timed deliveries of an uncached dynamic type").isGreaterThan(0);
    }
  }

  /**
   * Each subscribe or unsubscribe builds a new Registry whose routes start a new count: a bus whose
   * subscriptions change more often than every N publishes of a type never times that type.
   */
  @Test
  void subscriptionChurn_syncPublishes_stillSampled() {
    try (EventBus bus = EventBus.builder().name("t-lat-6").latencySampling(16).build()) {
      bus.subscribe(X.class, x -> { });
      for (int round = 0; round < 200; round++) {
        for (int i = 0; i < 10; i++) {
          bus.publishSync(new X(i));
        }
        Subscription other = bus.subscribe(Y.class, y -> { });
        other.close();
      }
      // 2000 deliveries at one in 16: about 125 timed
      assertThat(bus.metrics().totals().latency().count()).isGreaterThan(0);
    }
  }

  /**
   * Synchronous publishes are timed one in N per event type, whatever the subscriptions: a type
   * published N times is timed once, one published N - 1 times is not (as HandlerLatency says).
   */
  @Test
  void wildcardSubscription_syncPublishes_timedOneInNPerType() {
    try (EventBus bus = EventBus.builder().name("t-lat-7").latencySampling(64)
        .maxTrackedTypes(4096).build()) {
      bus.onType("*").subscribe(e -> { });
      for (int t = 0; t < 200; t++) {
        int times = t % 2 == 0 ? 64 : 63;
        for (int i = 0; i < times; i++) {
          bus.publishSync(DynamicEvent.of("kind." + t, Map.of()));
        }
      }
      assertThat(bus.metrics().totals().delivered()).isEqualTo(100L * 64 + 100L * 63);
      assertThat(bus.metrics().totals().latency().count()).isEqualTo(100);
    }
  }

  @Test
  void dynamicTypes_manyThreads_timedCountNeverExceedsDeliveries() throws Exception {
    try (EventBus bus = EventBus.builder().name("t-lat-8").latencySampling(4).build()) {
      bus.subscribe(DynamicEvent.class, e -> { });
      bus.onType("*").subscribe(e -> { });
      int threads = 4;
      int per = 20_000;
      CountDownLatch go = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(threads);
      for (int t = 0; t < threads; t++) {
        int id = t;
        new Thread(() -> {
          try {
            go.await();
            for (int i = 0; i < per; i++) {
              bus.publishSync(DynamicEvent.of("mt." + (i % 3), Map.of("t", id)));
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            done.countDown();
          }
        }, "t-lat-8-pub-" + t).start();
      }
      go.countDown();
      assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
      long delivered = bus.metrics().totals().delivered();
      long timed = bus.metrics().totals().latency().count();
      assertThat(delivered).isEqualTo(2L * threads * per);
      assertThat(timed).isPositive().isLessThanOrEqualTo(delivered);
    }
  }

  /** Queued deliveries count per subscription, whatever the types and the route cache. */
  @Test
  void queuedWildcard_manyDynamicTypesBeyondRouteCache_sampledPerSubscription() throws Exception {
    try (EventBus bus = EventBus.builder().name("t-lat-9").workers(2).latencySampling(16)
        .maxTrackedTypes(8192).build()) {
      int events = 6000;
      CountDownLatch done = new CountDownLatch(events);
      bus.onType("*").subscribe(e -> done.countDown());
      for (int t = 0; t < events; t++) {
        bus.publish(DynamicEvent.of("q." + t, Map.of()));
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      bus.close();
      // 6000 deliveries at one in 16: 375, give or take the racy count
      assertThat(bus.metrics().totals().latency().count()).isBetween(300L, 6000L / 16 + 1);
    }
  }
}
