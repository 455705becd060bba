package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.ProbeLedger.Msg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Second-round probes of the close fixes: a concurrent subscription (no queue of its own; its
 * deliveries wait in the executor) closed from its own handler, which then ignores interrupts,
 * while four more deliveries wait, and start() and the first publish racing close() on a bus
 * whose workers never started.
 */
class Round2ConcurrentCloseProbeTest {

  /**
   * The four waiting deliveries are discarded (their subscription closed, as
   * {@link Subscription#close()} promises), not dead-lettered, by the time close() returns; their
   * tracked reports say UNSUBSCRIBED; only the stuck delivery holds a place until it ends, and
   * is then DELIVERED.
   */
  @ParameterizedTest(name = "user executor {0}")
  @ValueSource(booleans = {false, true})
  @Timeout(30)
  void concurrentSubscriptionClosedFromItsStuckHandler_closeZeroDrain_waitingOnesDiscarded(
      boolean user) throws Exception {
    ThreadPoolExecutor pool = user ? new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>()) : null;
    EventBusBuilder builder = EventBus.builder().name("r2-conc-self")
        .drainTimeout(Duration.ZERO).exceptionHandler((e, c) -> { });
    EventBus bus = user ? builder.executor(pool).build() : builder.workers(1).build();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch subscribed = new CountDownLatch(1);
    AtomicReference<Subscription> self = new AtomicReference<>();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try {
      bus.subscribe(DeadLetter.class, letters::add);
      self.set(bus.on(Msg.class).name("self").concurrent().subscribe(m -> {
        if (m.seq() == 0) {
          subscribed.await();
          self.get().close();
          entered.countDown();
          TestThreads.awaitIgnoringInterrupts(release);
        }
      }));
      List<CompletableFuture<DeliveryReport>> reports = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        reports.add(bus.publishAndTrack(new Msg(0, i)).toCompletableFuture());
      }
      subscribed.countDown(); // all five routed to it before it closes
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
      SoftAssertions soft = new SoftAssertions();
      DeliveryStats totals = bus.metrics().totals();
      soft.assertThat(totals.discarded()).as("discarded when close() returns").isEqualTo(4);
      soft.assertThat(totals.undelivered()).as("undelivered").isZero();
      soft.assertThat(letters).as("dead letters").isEmpty();
      soft.assertThat(bus.metrics().queueDepth()).as("places held: the stuck one's").isEqualTo(1);
      for (int i = 1; i < 5; i++) {
        soft.assertThat(reports.get(i).get(10, TimeUnit.SECONDS).outcomes().get(0).status())
            .as("report %d", i).isEqualTo(DeliveryStatus.UNSUBSCRIBED);
      }
      release.countDown();
      soft.assertThat(reports.get(0).get(10, TimeUnit.SECONDS).outcomes().get(0).status())
          .as("the stuck delivery, once it ends").isEqualTo(DeliveryStatus.DELIVERED);
      soft.assertThat(TestThreads.await(() -> bus.metrics().queueDepth() == 0,
          Duration.ofSeconds(10))).as("queue empty once it ended").isTrue();
      soft.assertAll();
    } finally {
      release.countDown();
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  /**
   * start() and the first publishes race close() on a bus whose workers never started. start()
   * returns or throws IllegalStateException, publish likewise; every accepted event is delivered
   * or undelivered; no thread of the bus outlives close().
   */
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(ints = {1, 2, 3, 4})
  @Timeout(60)
  void startAndFirstPublishRacingClose_onlyIllegalState_noThreadLeft(int seed) throws Exception {
    Random random = new Random(seed);
    for (int round = 0; round < 150; round++) {
      String name = "r2-start-" + seed + "-" + round;
      EventBus bus = EventBus.builder().name(name).workers(1 + random.nextInt(2))
          .drainTimeout(Duration.ZERO).exceptionHandler((e, c) -> { }).build();
      AtomicInteger delivered = new AtomicInteger();
      bus.subscribe(Msg.class, m -> delivered.incrementAndGet());
      List<Throwable> unexpected = new CopyOnWriteArrayList<>();
      List<CompletableFuture<DeliveryReport>> reports = new CopyOnWriteArrayList<>();
      CyclicBarrier start = new CyclicBarrier(3);
      Thread starter = new Thread(() -> {
        Round2CloseProbeTest.awaitBarrier(start);
        try {
          bus.start();
        } catch (IllegalStateException expected) {
          // closed first
        } catch (Throwable t) {
          unexpected.add(t);
        }
      });
      Thread publisher = new Thread(() -> {
        Round2CloseProbeTest.awaitBarrier(start);
        try {
          reports.add(bus.publishAndTrack(new Msg(0, 0)).toCompletableFuture());
        } catch (IllegalStateException expected) {
          // closed first
        } catch (Throwable t) {
          unexpected.add(t);
        }
      });
      starter.start();
      publisher.start();
      Round2CloseProbeTest.awaitBarrier(start);
      bus.close();
      starter.join(10_000);
      publisher.join(10_000);
      for (CompletableFuture<DeliveryReport> r : reports) {
        assertThat(r.get(10, TimeUnit.SECONDS).outcomes().get(0).status())
            .isIn(DeliveryStatus.DELIVERED, DeliveryStatus.UNDELIVERED);
      }
      assertThat(unexpected).as("round %d", round).isEmpty();
      assertThat(bus.metrics().queueDepth()).as("round %d depth", round).isZero();
      assertThat(TestThreads.await(() -> TestThreads.alive(name + "-").isEmpty(),
          Duration.ofSeconds(5))).as("round %d: no thread of the bus left", round).isTrue();
    }
  }

  /**
   * Two handlers, running at once on two workers, each close the other's subscription.
   * Subscription.close() from a handler waited for the other handler's current call, which
   * waited for the first.
   *
   * <p>Regression (fixed since; failed every run): neither returned, and the two worker threads
   * spun (parkNanos 50 µs) for the rest of the JVM. close() from a handler no longer waits.
   */
  @Test
  @Timeout(30)
  void twoHandlersClosingEachOthersSubscription_bothReturn() throws Exception {
    EventBus bus = EventBus.builder().name("r2-mutual").workers(2)
        .drainTimeout(Duration.ZERO).build();
    CyclicBarrier both = new CyclicBarrier(2);
    CountDownLatch returned = new CountDownLatch(2);
    AtomicReference<Subscription> a = new AtomicReference<>();
    AtomicReference<Subscription> b = new AtomicReference<>();
    CountDownLatch subscribed = new CountDownLatch(1);
    a.set(bus.on(Msg.class).name("a").subscribe(m -> {
      subscribed.await();
      both.await(10, TimeUnit.SECONDS);
      b.get().close();
      returned.countDown();
    }));
    b.set(bus.on(Msg.class).name("b").subscribe(m -> {
      subscribed.await();
      both.await(10, TimeUnit.SECONDS);
      a.get().close();
      returned.countDown();
    }));
    subscribed.countDown();
    bus.publish(new Msg(0, 0));
    try {
      assertThat(returned.await(10, TimeUnit.SECONDS))
          .as("both handlers' close() returned").isTrue();
    } finally {
      bus.close();
    }
  }
}
