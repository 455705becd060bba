package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SubscriptionRaceTest {

  record Ping(int n) {}

  /**
   * Eight threads publish (half sync, half async) while two threads subscribe and close
   * subscriptions. After close() returns, a handler must never run again; a subscription that
   * stays open throughout must see every event.
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(ints = {1, 2, 3})
  void subscribeAndCloseRacingWithPublishes_noDeliveryAfterClose_noLossForStableSubscriber(int seed)
      throws Exception {
    AtomicInteger lateDeliveries = new AtomicInteger();
    AtomicLong stableCount = new AtomicLong();
    int publishers = 8;
    int perPublisher = 20_000;
    java.util.Random random = new java.util.Random(seed);
    try (EventBus bus = EventBus.builder().name("race").workers(2).build()) {
      bus.subscribe(Ping.class, p -> stableCount.incrementAndGet());
      AtomicBoolean publishing = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(publishers + 2);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < publishers; t++) {
        boolean sync = t % 2 == 0;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < perPublisher; i++) {
            if (sync) {
              bus.publishSync(new Ping(i));
            } else {
              bus.publish(new Ping(i));
            }
          }
          return null;
        }));
      }
      List<Future<?>> churners = new ArrayList<>();
      for (int c = 0; c < 2; c++) {
        long churnSeed = random.nextLong();
        churners.add(pool.submit(() -> {
          java.util.Random r = new java.util.Random(churnSeed);
          start.await();
          while (publishing.get()) {
            AtomicBoolean closed = new AtomicBoolean();
            Subscription s = bus.subscribe(Ping.class, p -> {
              if (closed.get()) {
                lateDeliveries.incrementAndGet();
              }
            });
            for (int spin = r.nextInt(200); spin > 0; spin--) {
              Thread.onSpinWait();
            }
            s.close();
            closed.set(true);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
      publishing.set(false);
      for (Future<?> f : churners) {
        f.get(1, TimeUnit.MINUTES);
      }
      pool.shutdown();
    }
    assertThat(lateDeliveries.get()).isZero();
    assertThat(stableCount.get()).isEqualTo((long) publishers * perPublisher);
  }
}
