package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LifecycleTest {

  record Item(int n) {}

  @Test
  void theReasonGivenForAnUndeliveredEvent_followsWhatEndedIt() {
    Lifecycle refused = new Lifecycle("b");
    assertThat(refused.abandonedBecause()).contains("executor refused");

    Lifecycle lateRetry = new Lifecycle("b");
    lateRetry.closing();
    lateRetry.drainOver(); // drained in time: a retry that comes due now finds no worker
    assertThat(lateRetry.abandonedBecause()).contains("drain had ended")
        .doesNotContain("executor");

    Lifecycle timedOut = new Lifecycle("b");
    timedOut.closing();
    timedOut.abandon("the drain timeout of PT1S elapsed");
    timedOut.abandon("close() was interrupted"); // the first reason stands
    timedOut.drainOver();
    assertThat(timedOut.abandonedBecause()).isEqualTo("the drain timeout of PT1S elapsed");
  }

  @Test
  void close_drainsEverythingAccepted_noLoss() {
    AtomicLong handled = new AtomicLong();
    EventBus bus = EventBus.builder().name("drain").workers(2).build();
    bus.subscribe(Item.class, i -> handled.incrementAndGet());
    bus.on(Item.class).concurrent().subscribe(i -> handled.incrementAndGet());

    for (int i = 0; i < 100_000; i++) {
      bus.publish(new Item(i));
    }
    bus.close();

    assertThat(handled.get()).isEqualTo(200_000);
    assertThat(bus.metrics().queueDepth()).isZero();
    assertThat(bus.metrics().totals().delivered()).isEqualTo(200_000);
    assertThat(bus.metrics().totals().undelivered()).isZero();
  }

  @Test
  void close_waitsForPendingRetries() {
    AtomicLong calls = new AtomicLong();
    EventBus bus = EventBus.builder().name("retry-drain").build();
    bus.on(Item.class).retry(RetryPolicy.builder().maxAttempts(2)
        .initialDelay(Duration.ofMillis(20)).build()).subscribe(i -> {
          if (calls.incrementAndGet() == 1) {
            throw new IllegalStateException("first attempt fails");
          }
        });

    bus.publish(new Item(1));
    bus.close();

    assertThat(calls.get()).isEqualTo(2);
    assertThat(bus.metrics().totals().delivered()).isEqualTo(1);
  }

  @Test
  void close_afterDrainTimeout_reportsLeftoversAsUndeliveredDeadLetters() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    EventBus bus = EventBus.builder().name("stuck").workers(1).drainTimeout(Duration.ZERO).build();
    bus.subscribe(DeadLetter.class, letters::add);
    bus.subscribe(Item.class, i -> {
      started.countDown();
      release.await(30, TimeUnit.SECONDS);
    });
    bus.publish(new Item(0));
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    bus.publish(new Item(1));
    bus.publish(new Item(2));

    bus.close(); // item 0 is stuck in its handler, items 1 and 2 never start

    // Every accepted event is accounted for: the stuck one was interrupted when the bus stopped
    // its worker (a failed attempt), the two behind it were never attempted.
    assertThat(letters).extracting(l -> (Object) l.event().payload())
        .containsExactlyInAnyOrder(new Item(0), new Item(1), new Item(2));
    for (DeadLetter l : letters) {
      if (l.event().payload().equals(new Item(0))) {
        assertThat(l.cause()).isInstanceOf(InterruptedException.class);
        assertThat(l.attempts()).isEqualTo(1);
      } else {
        assertThat(l.cause()).isInstanceOf(RejectedEventException.class)
            .hasMessageContaining("closed before this event was delivered");
        assertThat(l.attempts()).isZero();
      }
    }
    assertThat(bus.metrics().totals().undelivered()).isEqualTo(2);
  }

  @Test
  void close_isIdempotent_andCloseFromHandlerIsRefused() throws Exception {
    AtomicReference<Throwable> fromHandler = new AtomicReference<>();
    EventBus bus = EventBus.builder().build();
    bus.subscribe(Item.class, i -> {
      try {
        bus.close();
      } catch (IllegalStateException e) {
        fromHandler.set(e);
      }
    });
    bus.publishSync(new Item(0));
    assertThat(fromHandler.get()).hasMessageContaining("from inside a handler");

    bus.close();
    bus.close();
    assertThat(bus.isClosed()).isTrue();
  }

  @Test
  void threads_startLazily_areNamed_andStopAtClose() throws Exception {
    EventBus bus = EventBus.builder().name("lazy").workers(2).build();
    bus.subscribe(Item.class, i -> {});
    bus.publishSync(new Item(0));
    assertThat(threadsNamed("lazy-")).isEmpty(); // sync use creates no thread

    bus.start();
    assertThat(threadsNamed("lazy-worker-")).hasSize(2);

    bus.close();
    for (Thread t : threadsNamed("lazy-")) {
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    assertThat(threadsNamed("lazy-")).isEmpty();
    assertThatThrownBy(bus::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void close_returnsOnlyOnceTheBusThreadsHaveEnded() throws Exception {
    RetryPolicy once = RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1))
        .build();
    for (int round = 0; round < 50; round++) {
      String name = "ending-" + round;
      EventBus bus = EventBus.builder().name(name).workers(2).build();
      CountDownLatch retried = new CountDownLatch(1);
      AtomicInteger calls = new AtomicInteger();
      bus.on(Item.class).retry(once).subscribe(i -> {
        if (calls.incrementAndGet() == 1) {
          throw new IllegalStateException("first attempt fails");
        }
        retried.countDown();
      });
      bus.publish(new Item(round));
      assertThat(retried.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(threadsNamed(name + "-retry-")).hasSize(1);

      bus.close();

      assertThat(threadsNamed(name + "-")).as("round %d", round).isEmpty();
    }
  }

  @Test
  void undeliverableDeadLetter_withoutSubscriber_isStillCounted() {
    ManualClock clock = new ManualClock(Instant.EPOCH);
    try (EventBus bus = EventBus.builder().clock(clock).build()) {
      bus.subscribe(Item.class, i -> {
        throw new IllegalStateException("x");
      });
      bus.publishSync(new Item(1)); // no DeadLetter subscriber: logged at WARN and counted
      assertThat(bus.metrics().totals().deadLettered()).isEqualTo(1);
    }
  }

  private static List<Thread> threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).toList();
  }
}
