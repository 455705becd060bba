package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Closing a subscription: what was queued for it is discarded, counted and reported. */
class SubscriptionTest {

  @Test
  void close_withQueuedDeliveries_discardedCountedAndReportedToTrackedPublishes()
      throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger handled = new AtomicInteger();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().name("subscription-close").workers(1).build();
    bus.subscribe(DeadLetter.class, letters::add);
    Subscription subscription = bus.on(Integer.class).name("closing").subscribe(n -> {
      handled.incrementAndGet();
      if (n == 0) {
        started.countDown();
        release.await();
      }
    });
    bus.publish(0);
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 1; i < 100; i++) {
      bus.publish(i);
    }
    CompletableFuture<DeliveryReport> tracked = bus.publishAndTrack(100).toCompletableFuture();

    Thread closer = new Thread(subscription::close); // waits for the running delivery
    closer.start();
    while (subscription.isActive()) {
      Thread.onSpinWait();
    }
    release.countDown();
    closer.join();
    bus.close();

    assertThat(handled).hasValue(1);
    DeliveryStats stats = bus.metrics().byType().get(Integer.class.getName());
    assertThat(stats.published()).isEqualTo(101);
    assertThat(stats.delivered()).isEqualTo(1);
    assertThat(stats.discarded()).isEqualTo(100);
    assertThat(stats.deadLettered()).isZero();
    assertThat(letters).isEmpty(); // the subscriber asked to stop: no dead letters
    assertThat(tracked.get(10, TimeUnit.SECONDS).outcomes()).singleElement()
        .satisfies(o -> assertThat(o.status()).isEqualTo(DeliveryStatus.UNSUBSCRIBED));
  }
}
