package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsRegistryTest {

  record Tick(int n) {}

  record Tock(int n) {}

  @Test
  void totals_countTheApplicationsEvents_notTheBusOwnDeadLettersAndDeadEvents() {
    try (EventBus bus = EventBus.builder().exceptionHandler((e, c) -> {}).build()) {
      bus.subscribe(Tick.class, t -> {
        throw new IllegalStateException("always fails");
      });
      java.util.List<DeadLetter> letters = new java.util.concurrent.CopyOnWriteArrayList<>();
      java.util.List<DeadEvent> dead = new java.util.concurrent.CopyOnWriteArrayList<>();
      bus.subscribe(DeadLetter.class, letters::add);
      bus.subscribe(DeadEvent.class, dead::add);
      bus.publishSync(new Tick(1));
      bus.publishSync(DynamicEvent.of("nobody.listens", Map.of()));

      assertThat(letters).hasSize(1);
      assertThat(dead).hasSize(1);
      EventBusMetrics m = bus.metrics();
      assertThat(m.byType()).containsKeys("bus.dead_letter", "bus.dead_event");
      assertThat(m.byType().get("bus.dead_letter").delivered()).isEqualTo(1);
      assertThat(m.totals().published()).isEqualTo(2); // the Tick and the unheard event
      assertThat(m.totals().delivered()).isZero();     // the dead letter's delivery is the bus's
      assertThat(m.totals().deadLettered()).isEqualTo(1);
      assertThat(m.totals().deadEvents()).isEqualTo(1);
    }
  }

  @Test
  void metrics_countPerTypeAndInTotal_withSampledLatency() {
    try (EventBus bus = EventBus.builder().latencySampling(1).exceptionHandler((e, c) -> {}).build()) {
      bus.subscribe(Tick.class, t -> {
        if (t.n() % 4 == 0) {
          throw new IllegalStateException("every fourth fails");
        }
      });
      for (int i = 1; i <= 8; i++) {
        bus.publishSync(new Tick(i));
      }
      bus.publishSync(DynamicEvent.of("nobody.listens", Map.of()));

      EventBusMetrics m = bus.metrics();
      DeliveryStats ticks = m.byType().get(TypeNames.of(Tick.class));
      assertThat(ticks.published()).isEqualTo(8);
      assertThat(ticks.delivered()).isEqualTo(6);
      assertThat(ticks.failed()).isEqualTo(2);
      assertThat(ticks.deadLettered()).isEqualTo(2);
      // Every call was timed, the failed ones too: a slow handler that ends by throwing (a
      // timeout, say) shows in the latency.
      assertThat(ticks.latency().count()).isEqualTo(8);
      assertThat(ticks.latency().max()).isGreaterThanOrEqualTo(ticks.latency().mean());
      assertThat(m.byType().get("nobody.listens").deadEvents()).isEqualTo(1);
      assertThat(m.totals().published()).isEqualTo(9);
      assertThat(m.totals().delivered()).isEqualTo(6);
      assertThat(new java.util.ArrayList<>(m.byType().keySet())).isSorted();
    }
  }

  @Test
  void latencySampling_timesOneDeliveryInN() {
    try (EventBus bus = EventBus.builder().latencySampling(4).build()) {
      bus.subscribe(Tick.class, t -> {});
      for (int i = 0; i < 40; i++) {
        bus.publishSync(new Tick(i));
      }
      assertThat(bus.metrics().totals().latency().count()).isEqualTo(10);
    }
  }

  @Test
  void latencySampling_timesOneDeliveryInN_ofEverySubscriber_syncAndQueued() throws Exception {
    try (EventBus bus = EventBus.builder().latencySampling(4).build()) {
      CountDownLatch queued = new CountDownLatch(40);
      bus.subscribe(Tick.class, t -> {});
      bus.subscribe(Tick.class, t -> {});
      bus.subscribe(Tock.class, t -> queued.countDown());
      for (int i = 0; i < 40; i++) {
        bus.publishSync(new Tick(i));
        bus.publish(new Tock(i));
      }
      assertThat(queued.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      assertThat(bus.metrics().byType().get(TypeNames.of(Tick.class)).latency().count())
          .isEqualTo(20);
      assertThat(bus.metrics().byType().get(TypeNames.of(Tock.class)).latency().count())
          .isEqualTo(10);
    }
  }

  @Test
  void typesBeyondTheLimit_areCountedUnderOther() {
    try (EventBus bus = EventBus.builder().maxTrackedTypes(2).build()) {
      bus.subscribe("*", e -> {});
      for (int i = 0; i < 5; i++) {
        bus.publishSync(DynamicEvent.of("type" + i, Map.of()));
      }
      Map<String, DeliveryStats> byType = bus.metrics().byType();
      assertThat(byType).containsOnlyKeys("type0", "type1", "(other)");
      assertThat(byType.get("(other)").published()).isEqualTo(3);
      assertThat(bus.metrics().totals().published()).isEqualTo(5);
    }
  }

  @Test
  void queueDepth_andHighWaterMark_followTheQueue() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().workers(1).build()) {
      bus.subscribe(Tick.class, t -> {
        started.countDown();
        release.await(10, TimeUnit.SECONDS);
      });
      for (int i = 0; i < 5; i++) {
        bus.publish(new Tick(i));
      }
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(bus.metrics().queueDepth()).isEqualTo(5);
      release.countDown();
      bus.close();
      assertThat(bus.metrics().queueDepth()).isZero();
      assertThat(bus.metrics().queueHighWaterMark()).isEqualTo(5);
    }
  }

  @Test
  void published_fromManyThreadsOfSeveralTypes_syncAndQueued_isExactOnceTheyReturn()
      throws Exception {
    for (int round = 0; round < 20; round++) {
      try (EventBus bus = EventBus.builder().workers(2).build()) {
        bus.subscribe(Tick.class, t -> {});
        bus.subscribe(Tock.class, t -> {});
        int perThread = 500;
        TestThreads.publishFromThreads(4, perThread, (id, n) -> {
          // Each thread starts with another type and way, so that every kind of first publish
          // is counted in some thread's own slot and every other in the shared counters.
          int kind = (id + n) % 4;
          Object event = kind % 2 == 0 ? new Tick(n) : new Tock(n);
          if (kind < 2) {
            bus.publishSync(event);
          } else {
            bus.publish(event);
          }
          bus.publishSync(DynamicEvent.of("nobody.listens", Map.of()));
        });
        EventBusMetrics m = bus.metrics();
        long ticks = m.byType().get(TypeNames.of(Tick.class)).published();
        long tocks = m.byType().get(TypeNames.of(Tock.class)).published();
        assertThat(ticks).isEqualTo(2 * perThread);
        assertThat(tocks).isEqualTo(2 * perThread);
        assertThat(m.byType().get("nobody.listens").published()).isEqualTo(4 * perThread);
        assertThat(m.totals().published()).isEqualTo(8 * perThread);
        bus.close();
        assertThat(bus.metrics().totals().delivered()).isEqualTo(4 * perThread);
      }
    }
  }

  @Test
  void counters_neverGoDown_whileShortLivedThreadsPublishAndEnd() throws Exception {
    try (EventBus bus = EventBus.builder().workers(1).build()) {
      bus.subscribe(Tick.class, t -> {});
      ConcurrencyProbeTest.MetricsReader reader =
          new ConcurrencyProbeTest.MetricsReader(bus, Long.MAX_VALUE);
      reader.start();
      int threads = 2_000;
      for (int wave = 0; wave < threads / 2; wave++) {
        // Threads that end make their slots' counts move to the shared counters, at the slot
        // creation that purges them, while the reader reads.
        TestThreads.publishFromThreads(2, 5, (id, n) -> {
          if (n % 2 == 0) {
            bus.publishSync(new Tick(n));
          } else {
            bus.publish(new Tick(n));
          }
        });
      }
      reader.stop();
      assertThat(reader.broken).isEmpty();
      assertThat(bus.metrics().totals().published()).isEqualTo(threads * 5L);
    }
  }

  @Test
  void busOwnTypes_areListedAndLeftOutOfTheTotals_evenPastTheTypeLimit() {
    try (EventBus bus = EventBus.builder().maxTrackedTypes(1)
        .exceptionHandler((e, c) -> {}).build()) {
      bus.subscribe(Tick.class, t -> {
        throw new IllegalStateException("always fails");
      });
      java.util.List<DeadLetter> letters = new java.util.concurrent.CopyOnWriteArrayList<>();
      bus.subscribe(DeadLetter.class, letters::add);
      bus.publishSync(new Tick(1));

      assertThat(letters).hasSize(1);
      EventBusMetrics m = bus.metrics();
      assertThat(m.byType()).containsOnlyKeys(TypeNames.of(Tick.class), "bus.dead_letter");
      assertThat(m.byType().get("bus.dead_letter").published()).isEqualTo(1);
      assertThat(m.totals().published()).isEqualTo(1);
      assertThat(m.totals().delivered()).isZero();
    }
  }
}
