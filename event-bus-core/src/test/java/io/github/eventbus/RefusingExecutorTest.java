package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A user's executor that refuses a task while the bus is open: a queue it refuses to start is
 * reported as refused (not as "closed"); one that is running goes on on its own thread instead of
 * giving up what it holds.
 */
class RefusingExecutorTest {

  record Hold(int n) {}

  record Ping(int n) {}

  /** One thread, no queue: it refuses every task while its thread is busy. */
  private final ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
      new SynchronousQueue<>(), r -> new Thread(r, "refusing-pool"),
      new ThreadPoolExecutor.AbortPolicy());

  @AfterEach
  void shutDown() {
    pool.shutdownNow();
  }

  @Test
  void publish_whileTheExecutorRefuses_isReportedUndeliveredBecauseOfTheRefusal_notAClose()
      throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("refusing").executor(pool).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.subscribe(Hold.class, h -> {
        holding.countDown();
        TestThreads.awaitQuietly(release);
      });
      bus.on(Ping.class).name("pinged").subscribe(p -> { });
      bus.publish(new Hold(0));
      assertThat(holding.await(20, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<DeliveryReport> report;
      try {
        report = bus.publishAndTrack(new Ping(1)).toCompletableFuture();
      } finally {
        release.countDown();
      }

      SubscriberOutcome outcome = report.get(20, TimeUnit.SECONDS).outcomes().get(0);
      assertThat(outcome.status()).isEqualTo(DeliveryStatus.UNDELIVERED);
      assertThat(outcome.reason()).contains("executor").contains("refused")
          .doesNotContain("closed");
      assertThat(letters).singleElement().satisfies(letter -> {
        assertThat(letter.subscriber()).isEqualTo("pinged");
        assertThat(letter.causeMessage()).contains("refused").doesNotContain("closed");
      });
      assertThat(bus.metrics().totals().undelivered()).isEqualTo(1);
    }
  }

  @Test
  void aRunningQueue_whoseExecutorRefusesToRescheduleIt_goesOnOnItsThread_deliveringEverything()
      throws Exception {
    int events = Mailbox.BATCH * 4;
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger delivered = new AtomicInteger();
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().name("refusing-run").executor(pool).build()) {
      bus.subscribe(DeadLetter.class, letters::add);
      bus.subscribe(Ping.class, p -> {
        if (p.n() == 0) {
          holding.countDown();
          TestThreads.awaitQuietly(release);
        }
        delivered.incrementAndGet();
      });
      bus.publish(new Ping(0));
      assertThat(holding.await(20, TimeUnit.SECONDS)).isTrue();
      for (int i = 1; i < events; i++) {
        bus.publish(new Ping(i)); // queued behind the held one: the queue is running
      }
      release.countDown();
    }
    assertThat(delivered).hasValue(events);
    assertThat(letters).isEmpty();
  }
}
