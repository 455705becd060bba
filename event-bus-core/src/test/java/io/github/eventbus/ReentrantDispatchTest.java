package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Publishes made by handlers: delivered at once ({@link ReentrantDispatch#IMMEDIATE}) or queued
 * per thread behind the current event ({@link ReentrantDispatch#QUEUED}), with scenarios modelled
 * on Guava's own re-entrancy tests.
 */
class ReentrantDispatchTest {

  private static final String FIRST = "one";
  private static final Double SECOND = 2.0d;

  private static EventBus bus(ReentrantDispatch mode) {
    return EventBus.builder().name("reentrant-" + mode).reentrantDispatch(mode).build();
  }

  /** Refuses to be entered while it handles another event, as in Guava's test. */
  static final class ReentrancyHater {
    final EventBus bus;
    final List<Object> received = new ArrayList<>();
    final List<String> violations = new ArrayList<>();
    boolean ready = true;

    ReentrancyHater(EventBus bus) {
      this.bus = bus;
    }

    @Subscribe
    public void onString(String event) {
      received.add(event);
      ready = false;
      try {
        bus.publishSync(SECOND);
      } finally {
        ready = true;
      }
    }

    @Subscribe
    public void onDouble(Double event) {
      if (!ready) {
        violations.add("received " + event + " while handling another event");
      }
      received.add(event);
    }
  }

  /** Publishes SECOND for every string, as in Guava's test. */
  static final class Processor {
    final EventBus bus;

    Processor(EventBus bus) {
      this.bus = bus;
    }

    @Subscribe
    public void onString(String event) {
      bus.publishSync(SECOND);
    }
  }

  /** Records every event. */
  static final class Recorder {
    final List<Object> received = new ArrayList<>();

    @Subscribe
    public void onAnything(Object event) {
      received.add(event);
    }
  }

  /** Publishes FIRST synchronously to a {@link ReentrancyHater} alone on a bus of {@code mode}. */
  private static ReentrancyHater publishToHater(ReentrantDispatch mode) {
    try (EventBus bus = bus(mode)) {
      ReentrancyHater hater = new ReentrancyHater(bus);
      bus.register(hater);

      bus.publishSync(FIRST);
      return hater;
    }
  }

  /**
   * Publishes FIRST synchronously on a bus of {@code mode} with a {@link Processor} and then a
   * {@link Recorder}; returns what the recorder received.
   */
  private static List<Object> publishThroughProcessor(ReentrantDispatch mode) {
    try (EventBus bus = bus(mode)) {
      bus.register(new Processor(bus));
      Recorder recorder = new Recorder();
      bus.register(recorder);

      bus.publishSync(FIRST);
      return recorder.received;
    }
  }

  /** Subscribes to strings on {@code bus}: adds each to {@code alerts}, then counts down. */
  private static void recordStrings(EventBus bus, List<String> alerts, CountDownLatch delivered) {
    bus.subscribe(String.class, s -> {
      alerts.add(s);
      delivered.countDown();
    });
  }

  @Test
  void queued_noReentrantEvents() {
    ReentrancyHater hater = publishToHater(ReentrantDispatch.QUEUED);

    assertThat(hater.violations).isEmpty();
    assertThat(hater.received).containsExactly(FIRST, SECOND);
  }

  @Test
  void queued_eventOrderingIsPredictable() {
    assertThat(publishThroughProcessor(ReentrantDispatch.QUEUED)).containsExactly(FIRST, SECOND);
  }

  @Test
  void immediate_innerEventDeliveredBeforePublishSyncReturns_handlerReentered() {
    ReentrancyHater hater = publishToHater(ReentrantDispatch.IMMEDIATE);

    assertThat(hater.violations).hasSize(1);
    assertThat(hater.received).containsExactly(FIRST, SECOND);
  }

  @Test
  void immediate_innerEventOvertakesOuterForLaterSubscribers() {
    assertThat(publishThroughProcessor(ReentrantDispatch.IMMEDIATE))
        .containsExactly(SECOND, FIRST);
  }

  @Test
  void queued_nestedChains_deliveredBreadthFirstInPublishOrder() {
    List<String> log = new ArrayList<>();
    try (EventBus bus = bus(ReentrantDispatch.QUEUED)) {
      bus.subscribe(String.class, s -> {
        log.add("a:" + s);
        if (s.length() < 3) {
          bus.publishSync(s + "1");
          bus.publishSync(s + "2");
        }
      });
      bus.subscribe(String.class, s -> log.add("b:" + s));

      bus.publishSync("x");
    }
    assertThat(log).containsExactly("a:x", "b:x", "a:x1", "b:x1", "a:x2", "b:x2",
        "a:x11", "b:x11", "a:x12", "b:x12", "a:x21", "b:x21", "a:x22", "b:x22");
  }

  @Test
  void queued_onWorker_innerDeliveredAfterPublishingHandlerReturns() throws Exception {
    List<String> log = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("reentrant-worker")
        .reentrantDispatch(ReentrantDispatch.QUEUED).workers(2).build()) {
      bus.subscribe(Double.class, d -> {
        log.add("inner on " + Thread.currentThread().getName());
        done.countDown();
      });
      bus.subscribe(String.class, s -> {
        log.add("outer start");
        bus.publishSync(SECOND);
        log.add("outer end");
      });

      bus.publish(FIRST);

      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(log).hasSize(3);
    assertThat(log.subList(0, 2)).containsExactly("outer start", "outer end");
    assertThat(log.get(2)).startsWith("inner on reentrant-worker-worker-");
  }

  @Test
  void queued_failFastFromHandler_isImmediate() {
    List<String> log = new ArrayList<>();
    try (EventBus bus = bus(ReentrantDispatch.QUEUED)) {
      bus.subscribe(Double.class, d -> log.add("inner"));
      bus.subscribe(String.class, s -> {
        bus.publishSyncFailFast(SECOND);
        log.add("outer");
      });
      bus.publishSync(FIRST);
    }
    assertThat(log).containsExactly("inner", "outer");
  }

  @Test
  void queued_deadLetterHandlerOnPublisherThread_itsPublishesDelivered() throws Exception {
    List<String> notes = new CopyOnWriteArrayList<>();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("reentrant-drop").workers(1).queueCapacity(1)
        .backpressure(BackpressurePolicy.DROP).reentrantDispatch(ReentrantDispatch.QUEUED)
        .build()) {
      bus.subscribe(Integer.class, n -> {
        started.countDown();
        release.await();
      });
      bus.subscribe(String.class, notes::add);
      bus.subscribe(DeadLetter.class, l -> bus.publishSync("dropped " + l.event().payload()));
      bus.publish(1);
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

      bus.publish(2); // dropped on this thread: the DeadLetter handler runs here

      assertThat(notes).containsExactly("dropped 2");
      release.countDown();
    }
  }

  @Test
  void queued_onWorker_failingHandlerThatPublished_keepsItsOwnFailure() throws Exception {
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    List<String> inner = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("reentrant-failure").workers(1)
        .reentrantDispatch(ReentrantDispatch.QUEUED).build()) {
      bus.subscribe(DeadLetter.class, l -> {
        letters.add(l);
        done.countDown();
      });
      bus.subscribe(Double.class, d -> {
        inner.add("inner");
        throw new IllegalArgumentException("inner failure");
      });
      bus.on(String.class).name("outer").subscribe(s -> {
        bus.publishSync(SECOND);
        throw new IllegalStateException("outer failure");
      });

      bus.publish(FIRST);
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      bus.close();
    }
    assertThat(inner).containsExactly("inner");
    assertThat(letters).extracting(l -> l.cause().getClass().getSimpleName())
        .containsExactlyInAnyOrder("IllegalArgumentException", "IllegalStateException");
    assertThat(letters).filteredOn(l -> l.subscriber().equals("outer")).singleElement()
        .satisfies(l -> assertThat(l.cause()).hasMessage("outer failure"));
  }

  @Test
  void queued_publishSyncFromExceptionHandlerOnWorker_isDelivered() throws Exception {
    List<String> alerts = new CopyOnWriteArrayList<>();
    CountDownLatch delivered = new CountDownLatch(5);
    EventBus[] bus = new EventBus[1];
    bus[0] = EventBus.builder().name("reentrant-exception-handler").workers(1)
        .reentrantDispatch(ReentrantDispatch.QUEUED)
        .exceptionHandler((e, c) -> bus[0].publishSync("failed " + c.event().payload()))
        .build();
    try {
      recordStrings(bus[0], alerts, delivered);
      bus[0].subscribe(Integer.class, n -> {
        throw new IllegalStateException("boom");
      });
      for (int i = 0; i < 5; i++) {
        bus[0].publish(i);
      }
      // each alert is delivered when its failure is reported, not with some later event
      assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      bus[0].close();
    }
    assertThat(alerts).containsExactly("failed 0", "failed 1", "failed 2", "failed 3", "failed 4");
  }

  @Test
  void queued_publishSyncFromDeadLetterHandlerOnWorker_isDelivered() throws Exception {
    List<String> alerts = new CopyOnWriteArrayList<>();
    CountDownLatch delivered = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().name("reentrant-dead-letter-worker").workers(1)
        .reentrantDispatch(ReentrantDispatch.QUEUED).exceptionHandler((e, c) -> {}).build()) {
      recordStrings(bus, alerts, delivered);
      bus.subscribe(DeadLetter.class, l -> bus.publishSync("dead " + l.event().payload()));
      bus.subscribe(Integer.class, n -> {
        throw new IllegalStateException("boom");
      });
      bus.publish(7);
      assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(alerts).containsExactly("dead 7");
  }

  @Test
  void queued_publishSyncFromExceptionHandlerOfWorkerError_isDeliveredBeforeTheWorkerDies()
      throws Exception {
    List<String> alerts = new CopyOnWriteArrayList<>();
    CountDownLatch delivered = new CountDownLatch(1);
    CountDownLatch uncaught = new CountDownLatch(1);
    ThreadFactory threads = r -> {
      Thread t = new Thread(r, "reentrant-error-user");
      t.setDaemon(true);
      t.setUncaughtExceptionHandler((th, e) -> uncaught.countDown());
      return t;
    };
    ExecutorService executor = Executors.newSingleThreadExecutor(threads);
    EventBus[] bus = new EventBus[1];
    bus[0] = EventBus.builder().name("reentrant-error").executor(executor)
        .reentrantDispatch(ReentrantDispatch.QUEUED)
        .exceptionHandler((e, c) -> bus[0].publishSync("error " + e.getMessage()))
        .build();
    try {
      recordStrings(bus[0], alerts, delivered);
      bus[0].subscribe(Integer.class, n -> {
        throw new AssertionError("broken");
      });
      bus[0].publish(1);
      assertThat(uncaught.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      bus[0].close();
      executor.shutdownNow();
    }
    assertThat(alerts).containsExactly("error broken");
  }

  @Test
  void queued_failFastAtTopLevel_handlerPublishesDelivered() {
    List<String> log = new ArrayList<>();
    try (EventBus bus = bus(ReentrantDispatch.QUEUED)) {
      bus.subscribe(Double.class, d -> log.add("inner " + d));
      bus.subscribe(String.class, s -> {
        log.add("outer " + s);
        bus.publishSync(SECOND);
      });

      bus.publishSyncFailFast(FIRST);

      assertThat(log).containsExactly("outer one", "inner 2.0");
    }
  }

  @Test
  void queued_failFastAtTopLevel_handlerPublishesDeliveredEvenWhenItThrows() {
    List<String> log = new ArrayList<>();
    try (EventBus bus = bus(ReentrantDispatch.QUEUED)) {
      bus.subscribe(Double.class, d -> log.add("inner " + d));
      bus.subscribe(String.class, s -> {
        bus.publishSync(SECOND);
        throw new IllegalStateException("outer fails");
      });

      assertThatThrownBy(() -> bus.publishSyncFailFast(FIRST))
          .isInstanceOf(DeliveryFailedException.class);

      assertThat(log).containsExactly("inner 2.0");
    }
  }

  @Test
  void queued_trackedPublishSyncFromHandler_isImmediateAndComplete() {
    List<String> log = new ArrayList<>();
    try (EventBus bus = bus(ReentrantDispatch.QUEUED)) {
      bus.subscribe(Double.class, d -> log.add("inner"));
      bus.subscribe(String.class, s -> {
        CompletableFuture<DeliveryReport> report =
            bus.publishSyncAndTrack(SECOND).toCompletableFuture();
        log.add("tracked returned, done=" + report.isDone());
        DeliveryReport now = report.getNow(null); // join() would wait for this very thread
        log.add("status " + (now == null ? "none yet" : now.outcomes().get(0).status()));
      });

      bus.publishSync(FIRST);
    }
    assertThat(log).containsExactly("inner", "tracked returned, done=true", "status DELIVERED");
  }

  @Test
  void queued_errorLaterInOuterDispatch_trackedInnerCompletes_queuedInnerCountedDiscarded() {
    AtomicInteger innerDelivered = new AtomicInteger();
    List<CompletableFuture<DeliveryReport>> tracked = new ArrayList<>();
    AssertionError boom = new AssertionError("later subscriber");
    EventBus bus = bus(ReentrantDispatch.QUEUED);
    bus.subscribe(Double.class, d -> innerDelivered.incrementAndGet());
    bus.on(String.class).priority(2).subscribe(s -> {
      tracked.add(bus.publishSyncAndTrack(SECOND).toCompletableFuture());
      bus.publishSync(3.0d); // queued behind the outer event, which the Error then ends
    });
    bus.on(String.class).priority(1).subscribe(s -> {
      throw boom;
    });

    assertThatThrownBy(() -> bus.publishSync(FIRST)).isSameAs(boom);

    assertThat(tracked).singleElement().satisfies(f -> assertThat(f).isCompleted());
    assertThat(innerDelivered).hasValue(1);
    DeliveryStats stats = bus.metrics().byType().get(Double.class.getName());
    assertThat(stats.published()).isEqualTo(2);
    assertThat(stats.delivered()).isEqualTo(1);
    assertThat(stats.discarded()).isEqualTo(1);
    assertThat(stats.undelivered()).isZero();
    bus.close();
  }
}
