package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each policy against a queue of capacity 2 whose single subscriber is held inside its handler by a
 * latch, so the queue fills deterministically: one delivery running, two waiting.
 */
class BackpressureTest {

  record Job(int n) {}

  private final CountDownLatch firstStarted = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<Integer> handled = new CopyOnWriteArrayList<>();
  private final List<String> handlerThreads = new CopyOnWriteArrayList<>();
  private EventBus bus;

  private EventBus busWith(BackpressurePolicy policy, Duration blockTimeout) {
    EventBusBuilder builder = EventBus.builder().name("bp").workers(1).queueCapacity(2)
        .backpressure(policy);
    if (blockTimeout != null) {
      builder.blockTimeout(blockTimeout);
    }
    bus = builder.build();
    bus.subscribe(Job.class, job -> {
      handlerThreads.add(Thread.currentThread().getName());
      firstStarted.countDown();
      release.await(30, TimeUnit.SECONDS);
      handled.add(job.n());
    });
    return bus;
  }

  /** Fills the queue: job 0 is running (and keeps its place), job 1 waits: 2 of 2 places. */
  private void fill() throws InterruptedException {
    bus.publish(new Job(0));
    assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
    bus.publish(new Job(1));
    assertThat(bus.metrics().queueDepth()).isEqualTo(2);
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    bus.close();
  }

  @Test
  void reject_throwsRejectedEventException_andCountsIt() throws Exception {
    busWith(BackpressurePolicy.REJECT, null);
    fill();

    assertThatThrownBy(() -> bus.publish(new Job(2)))
        .isInstanceOf(RejectedEventException.class)
        .hasMessageContaining("queue is full");
    release.countDown();
    bus.close();

    assertThat(handled).containsExactly(0, 1);
    assertThat(bus.metrics().totals().rejected()).isEqualTo(1);
    assertThat(bus.metrics().totals().published()).isEqualTo(2);
  }

  @Test
  void block_withTimeout_rejectsAfterTimeout() throws Exception {
    busWith(BackpressurePolicy.BLOCK, Duration.ofMillis(50));
    fill();

    assertThatThrownBy(() -> bus.publish(new Job(2)))
        .isInstanceOf(RejectedEventException.class)
        .hasMessageContaining("block timeout");
    assertThat(bus.metrics().totals().rejected()).isEqualTo(1);
  }

  @Test
  void block_waitsForRoom_thenPublishes() throws Exception {
    busWith(BackpressurePolicy.BLOCK, null);
    fill();
    ExecutorService publisher = Executors.newSingleThreadExecutor();
    Future<?> blocked = publisher.submit(() -> bus.publish(new Job(2)));

    // The publisher cannot finish while the queue is full...
    assertThat(blocked.isDone()).isFalse();
    release.countDown();
    // ...and does once the worker makes room.
    blocked.get(10, TimeUnit.SECONDS);
    bus.close();
    publisher.shutdown();

    assertThat(handled).containsExactly(0, 1, 2);
    assertThat(bus.metrics().totals().rejected()).isZero();
  }

  @Test
  void drop_countsDrop_andReportsDeadLetter() throws Exception {
    busWith(BackpressurePolicy.DROP, null);
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    fill();

    bus.publish(new Job(2)); // does not throw: dropped, counted, reported

    assertThat(letters).singleElement().satisfies(l -> {
      assertThat(l.event().payload()).isEqualTo(new Job(2));
      assertThat(l.cause()).isInstanceOf(RejectedEventException.class)
          .hasMessageContaining("DROP");
      assertThat(l.attempts()).isZero();
    });
    release.countDown();
    bus.close();
    assertThat(handled).containsExactly(0, 1);
    DeliveryStats totals = bus.metrics().byType().get(TypeNames.of(Job.class));
    assertThat(totals.dropped()).isEqualTo(1);
    assertThat(totals.deadLettered()).isEqualTo(1);
  }

  /**
   * The documented consequence of "a publish from inside a handler never blocks": a DeadLetter
   * handler (run on the publisher's thread, inside a delivery) that republishes what DROP dropped
   * is accepted past the bound. Nothing is lost, and the depth says so.
   */
  @Test
  void drop_deadLetterHandlerRepublishing_isAcceptedPastTheBound_andEveryJobIsHandledOnce()
      throws Exception {
    busWith(BackpressurePolicy.DROP, null);
    bus.subscribe(DeadLetter.class, l -> bus.publish(l.event().payload()));
    fill();

    for (int n = 2; n < 10; n++) {
      bus.publish(new Job(n)); // dropped, then republished by the DeadLetter handler
    }

    assertThat(bus.metrics().queueDepth()).as("2 places, 8 republished past them").isEqualTo(10);
    assertThat(bus.metrics().queueHighWaterMark()).isEqualTo(10);
    release.countDown();
    bus.close();
    assertThat(handled).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    DeliveryStats jobs = bus.metrics().byType().get(TypeNames.of(Job.class));
    assertThat(jobs.dropped()).isEqualTo(8);
    assertThat(jobs.published()).as("each dropped job once, and again when republished")
        .isEqualTo(18);
  }

  @Test
  void drop_withAnAuditLog_logsTheDroppedEvent_andCountsItPublished(@TempDir Path dir)
      throws Exception {
    bus = EventBus.builder().name("bp-audit").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.DROP).auditLog(dir).build();
    bus.subscribe(Job.class, job -> {
      firstStarted.countDown();
      release.await(30, TimeUnit.SECONDS);
      handled.add(job.n());
    });
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    fill();

    bus.publish(new Job(2)); // dropped

    release.countDown();
    bus.close();
    String droppedId = letters.get(0).event().id();
    List<String> lines = new java.util.ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) { // one daily file, two if the test spans midnight
      for (Path f : (Iterable<Path>) files::iterator) {
        lines.addAll(Files.readAllLines(f));
      }
    }
    assertThat(lines).hasSize(3).anySatisfy(l -> assertThat(l).contains(droppedId));
    DeliveryStats totals = bus.metrics().byType().get(TypeNames.of(Job.class));
    assertThat(totals.published()).isEqualTo(3);
    assertThat(totals.published()).isEqualTo(totals.delivered() + totals.dropped());
  }

  @Test
  void callerRuns_publisherRunsQueuedDeliveries_inOrder() throws Exception {
    // A subscriber whose queue no worker holds: the publisher can take it over.
    bus = EventBus.builder().name("cr").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.CALLER_RUNS).build();
    CountDownLatch blockerStarted = new CountDownLatch(1);
    bus.on(String.class).subscribe(s -> {
      blockerStarted.countDown();
      release.await(30, TimeUnit.SECONDS); // occupies the only worker
    });
    bus.subscribe(Job.class, job -> {
      handlerThreads.add(Thread.currentThread().getName());
      handled.add(job.n());
    });
    bus.publish("occupy the worker");
    assertThat(blockerStarted.await(10, TimeUnit.SECONDS)).isTrue();
    bus.publish(new Job(0)); // queued: depth 2 of 2

    bus.publish(new Job(1)); // full: this thread runs job 0, then enqueues job 1

    assertThat(handled).containsExactly(0);
    assertThat(handlerThreads).containsExactly(Thread.currentThread().getName());
    release.countDown();
    bus.close();
    assertThat(handled).containsExactly(0, 1);
  }

  @Test
  void callerRuns_errorOfAnotherEventsHandler_goesToUncaughtHandler_ownEventPublished()
      throws Exception {
    bus = EventBus.builder().name("bp-caller-error").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.CALLER_RUNS).exceptionHandler((e, c) -> {}).build();
    CountDownLatch blockerStarted = new CountDownLatch(1);
    bus.on(String.class).subscribe(s -> {
      blockerStarted.countDown();
      release.await(30, TimeUnit.SECONDS); // occupies the only worker
    });
    AssertionError boom = new AssertionError("job 0's handler");
    bus.subscribe(Job.class, job -> {
      handled.add(job.n());
      if (job.n() == 0) {
        throw boom;
      }
    });
    bus.publish("occupy the worker");
    assertThat(blockerStarted.await(10, TimeUnit.SECONDS)).isTrue();
    bus.publish(new Job(0)); // queued: depth 2 of 2
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    Thread me = Thread.currentThread();
    Thread.UncaughtExceptionHandler previous = me.getUncaughtExceptionHandler();
    me.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
    try {
      bus.publish(new Job(1)); // full: runs job 0 here, which throws; job 1 is still published
    } finally {
      me.setUncaughtExceptionHandler(previous);
    }

    assertThat(uncaught).containsExactly(boom);
    release.countDown();
    bus.close();
    assertThat(handled).containsExactly(0, 1);
  }
}
