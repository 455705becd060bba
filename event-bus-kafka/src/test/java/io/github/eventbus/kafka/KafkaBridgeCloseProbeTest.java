package io.github.eventbus.kafka;

import static io.github.eventbus.kafka.RawKafka.line;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DeliveryStats;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Second-round probes of the bridge's close order (queue drained, then producer, then
 * subscriptions): close under load, twice at once, and from the bus's and the bridge's own
 * threads.
 */
class KafkaBridgeCloseProbeTest extends BridgeProbes {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @Override
  KafkaBroker kafka() {
    return kafka;
  }
  // ---- close() under load and from odd threads ----

  @Test
  void closeWhilePublishersKeepPublishing_returnsInTime_andEachDeliveryIsSentOrDeadLetteredOnce()
      throws Exception {
    kafka.createTopic("r2-flood", 1);
    EventBus bus = closing(EventBus.builder().name("flood").workers(2).queueCapacity(1_000)
        .build());
    List<DeadLetter> dead = deadLetters(bus);
    // A 1 MiB producer buffer holds a few thousand of these records (with the default 32 MiB, a
    // fast machine had 20,000 to 37,000 sends in flight when close() failed them). The events
    // the publishers go on publishing while close() waits for the bus's queue after closing the
    // producer fail too; past the bridge's dead-letter queue of 10,000 a letter is only logged
    // (see KafkaBridgeMetrics), which is checked below.
    StderrCapture stderr = closing(new StderrCapture());
    KafkaBridge bridge = closing(bridge(bus).produce("flood.*", "r2-flood")
        .producerProperty(ProducerConfig.BUFFER_MEMORY_CONFIG, 1 << 20)
        .closeTimeout(Duration.ofSeconds(1)).build());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong published = new AtomicLong();
    List<Thread> publishers = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      Thread t = new Thread(() -> {
        while (!stop.get() && published.get() < 5_000_000) {
          bus.publish(DynamicEvent.of("flood.n", Map.of("n", 0)));
          published.incrementAndGet();
        }
      }, "r2-publisher-" + p);
      publishers.add(t);
      t.start();
    }
    Eventually.await(() -> bridge.metrics().produced() >= 200, bridge::metrics);
    long before = published.get();
    long started = System.nanoTime();
    bridge.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    stop.set(true);
    for (Thread t : publishers) {
      t.join(30_000);
    }
    DeliveryStats flood = bus.metrics().byType().get("flood.n");
    KafkaBridgeMetrics m = bridge.metrics();
    // The outbound handler never throws, so each delivery the bus counts is one send() call,
    // which ends exactly once: acknowledged (produced) or failed (produceFailed, a dead letter).
    assertThat(m.produced() + m.produceFailed()).as("bridge %s, bus %s", m, flood)
        .isEqualTo(flood.delivered());
    assertThat(flood.delivered() + flood.discarded())
        .as("every event published before close() began reached the bridge or was discarded; "
            + "%d published before", before)
        .isGreaterThanOrEqualTo(before);
    // Every failed send is a dead letter delivered, or, only with the queue full, logged.
    Eventually.await(() -> dead.size() >= bridge.metrics().deadLetters(),
        () -> dead.size() + " " + bridge.metrics());
    long letters = bridge.metrics().deadLetters();
    assertThat(dead).hasSize((int) letters);
    if (m.produceFailed() <= 10_000) {
      assertThat(letters).isEqualTo(m.produceFailed());
    } else if (letters < m.produceFailed()) {
      assertThat(stderr.text()).contains("the bridge's dead-letter queue is full");
    }
    assertThat(letters).isLessThanOrEqualTo(m.produceFailed());
    assertThat(dead.stream().map(d -> d.event().id()).distinct().count())
        .as("no event dead-lettered twice").isEqualTo(dead.size());
    assertThat(took).as("close() with closeTimeout 1 s under a flood; %s", m)
        .isLessThan(Duration.ofSeconds(6));
  }

  @Test
  void closeWhileAnUnrelatedSubscriberIsSlow_stillSendsWhatTheHealthyBrokerWouldTake()
      throws Exception {
    // Regression: close() used to spend its whole budget waiting for the bus's queue, which an
    // unrelated slow subscriber keeps non-empty, and then closed the producer with no time left,
    // aborting an event already handed to it with a healthy broker. The bus now gets half.
    kafka.createTopic("r2-linger", 1);
    EventBus bus = closing(EventBus.builder().name("slow-other").workers(2).build());
    List<DeadLetter> dead = deadLetters(bus);
    CountDownLatch release = new CountDownLatch(1);
    closing((AutoCloseable) release::countDown);
    bus.subscribe("other.*", e -> release.await(60, TimeUnit.SECONDS));
    // 6 s: the bus's half is spent in full (the slow subscriber never lets its queue empty), and
    // the producer's 3 s leave room for a loaded machine to send the batch and get its ack.
    KafkaBridge bridge = closing(bridge(bus).produce("fast.*", "r2-linger")
        .closeTimeout(Duration.ofSeconds(6))
        .producerProperty(ProducerConfig.LINGER_MS_CONFIG, 20_000).build());
    bus.publish(DynamicEvent.of("other.slow", Map.of()));
    bus.publishSync(DynamicEvent.of("fast.n", Map.of("n", 1))); // handed to the producer
    long started = System.nanoTime();
    bridge.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    release.countDown();
    KafkaBridgeMetrics m = bridge.metrics();
    assertThat(m.produced() + m.produceFailed()).as("%s", m).isEqualTo(1);
    assertThat(m.produced())
        .as("the broker is healthy; close() took %s; metrics %s; dead letters %s", took, m,
            dead.stream().map(d -> String.valueOf(d.cause())).toList())
        .isEqualTo(1);
  }

  @Test
  void closeCalledTwiceConcurrently_bothReturn_andEveryThreadStops() throws Exception {
    kafka.createTopic("r2-twice", 1);
    EventBus bus = bus("twice");
    KafkaBridge bridge = closing(bridge(bus).produce("twice.*", "r2-twice").consume("r2-twice")
        .groupId("r2-twice").closeTimeout(Duration.ofSeconds(2)).build());
    bus.publishSync(DynamicEvent.of("twice.n", Map.of("n", 1)));
    Eventually.await(() -> bridge.metrics().produced() == 1 && bridge.metrics().lag() == 0,
        bridge::metrics);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> closers = new ArrayList<>();
    List<Throwable> thrown = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 2; i++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
          bridge.close();
        } catch (Throwable e) {
          thrown.add(e);
        }
      }, "r2-closer-" + i);
      closers.add(t);
      t.start();
    }
    long started = System.nanoTime();
    go.countDown();
    for (Thread t : closers) {
      t.join(20_000);
      assertThat(t.isAlive()).as("%s still closing", t.getName()).isFalse();
    }
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(thrown).isEmpty();
    assertThat(took).isLessThan(Duration.ofSeconds(8));
    assertThat(threadNames()).noneMatch(n -> n.startsWith("eventbus-kafka-twice")
        || n.contains("eventbus-twice-"));
  }

  @Test
  void closeFromAHandlerOnABusWorker_waitsHalfTheTimeout_asDocumented_andAccountsForTheRest()
      throws Exception {
    kafka.createTopic("r2-worker-close", 1);
    EventBus bus = closing(EventBus.builder().name("worker-close").workers(1).build());
    List<DeadLetter> dead = deadLetters(bus);
    AtomicReference<KafkaBridge> ref = new AtomicReference<>();
    AtomicReference<Duration> took = new AtomicReference<>();
    bus.subscribe("stop.*", e -> {
      long started = System.nanoTime();
      ref.get().close();
      took.set(Duration.ofNanos(System.nanoTime() - started));
    });
    ref.set(closing(bridge(bus).produce("w.*", "r2-worker-close")
        .closeTimeout(Duration.ofSeconds(1)).build()));
    bus.publish(DynamicEvent.of("stop.now", Map.of()));
    int total = 5;
    for (int i = 0; i < total; i++) {
      bus.publish(DynamicEvent.of("w.n", Map.of("n", i)));
    }
    Eventually.await(() -> took.get() != null, () -> bus.metrics().queueDepth());
    assertThat(took.get()).as("documented: half the close timeout, for the bus's queue")
        .isGreaterThanOrEqualTo(Duration.ofMillis(450)).isLessThan(Duration.ofSeconds(6));
    // The bus counts a delivery discarded when its worker reaches it, after the closing handler
    // has returned; so wait until every event is accounted for, then check none twice.
    Eventually.await(() -> {
      KafkaBridgeMetrics m = ref.get().metrics();
      return m.produced() + m.produceFailed()
          + bus.metrics().byType().get("w.n").discarded() == total;
    }, () -> ref.get().metrics() + " " + bus.metrics().byType().get("w.n"));
    KafkaBridgeMetrics m = ref.get().metrics();
    DeliveryStats w = bus.metrics().byType().get("w.n");
    assertThat(m.produced() + m.produceFailed() + w.discarded()).as("%s %s", m, w)
        .isEqualTo(total);
    Eventually.await(() -> dead.size() == m.produceFailed(), dead::toString);
  }

  @Test
  void closeFromADeadLetterHandler_onTheBridgesDeadLetterThread_doesNotWaitForItself()
      throws Exception {
    // Regression: close() from a DeadLetter handler, on the bridge's dead-letter thread, used to
    // wait 10 s for that thread's own pool to end and then WARN that a handler was stuck.
    kafka.createTopic("r2-dl-close", 1);
    EventBus bus = bus("dl-close");
    AtomicReference<KafkaBridge> ref = new AtomicReference<>();
    AtomicReference<Duration> took = new AtomicReference<>();
    AtomicReference<String> thread = new AtomicReference<>();
    bus.subscribe(DeadLetter.class, d -> {
      if (took.get() == null && thread.compareAndSet(null, Thread.currentThread().getName())) {
        long started = System.nanoTime();
        ref.get().close();
        took.set(Duration.ofNanos(System.nanoTime() - started));
      }
    });
    ref.set(closing(bridge(bus).produce("big.*", "r2-dl-close").closeTimeout(Duration.ofSeconds(1))
        .producerProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_024).build()));
    bus.publishSync(DynamicEvent.of("big.n", Map.of("blob", "x".repeat(4_000))));
    Eventually.await(() -> took.get() != null, ref.get()::metrics);
    assertThat(thread.get()).isEqualTo("eventbus-kafka-dl-close-dead-letters");
    assertThat(took.get()).as("close() from a DeadLetter handler on %s", thread.get())
        .isLessThan(Duration.ofSeconds(4));
  }

  /**
   * A DeadLetter handler holding the dead-letter thread: close() waits for it up to the close
   * timeout, not a fixed 10 s, then interrupts it, and no thread of the bridge is left.
   */
  @Test
  void closeWhileADeadLetterHandlerHoldsItsThread_waitsTheCloseTimeout_andLeavesNoThread()
      throws Exception {
    kafka.createTopic("r2-dl-slow", 1);
    EventBus bus = bus("dl-slow");
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    closing((AutoCloseable) release::countDown);
    bus.subscribe(DeadLetter.class, d -> {
      inHandler.countDown();
      release.await(60, TimeUnit.SECONDS);
    });
    KafkaBridge bridge = bridge(bus).produce("big.*", "r2-dl-slow")
        .closeTimeout(Duration.ofSeconds(1))
        .producerProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_024).build();
    bus.publishSync(DynamicEvent.of("big.n", Map.of("blob", "x".repeat(4_000))));
    assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();

    long started = System.nanoTime();
    bridge.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(took).isLessThan(Duration.ofSeconds(7));
    assertThat(threadNames()).noneMatch(n -> n.startsWith("eventbus-kafka-dl-slow"));
  }

  @Test
  void closeFromAConsumerThreadHandlerThatThenBlocks_commitsAndStopsOnceItReturns()
      throws Exception {
    kafka.createTopic("r2-self-block", 1);
    RawKafka raw = raw();
    for (int n = 0; n < 5; n++) {
      raw.send("r2-self-block", line("sb.n", Map.of("n", n)));
    }
    EventBus bus = bus("self-block");
    AtomicReference<KafkaBridge> ref = new AtomicReference<>();
    AtomicReference<Duration> took = new AtomicReference<>();
    CountDownLatch release = new CountDownLatch(1);
    closing((AutoCloseable) release::countDown);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("sb.*", e -> {
      seen.add(n(e));
      if (n(e) == 1) {
        long started = System.nanoTime();
        ref.get().close();
        took.set(Duration.ofNanos(System.nanoTime() - started));
        release.await(60, TimeUnit.SECONDS); // the handler goes on working after close()
      }
    });
    ref.set(closing(bridge(bus).consume("r2-self-block").groupId("r2-self-block")
        .synchronousDelivery(true).closeTimeout(Duration.ofSeconds(10)).build()));
    Eventually.await(() -> took.get() != null, seen::toString);
    // Waiting for itself would take the whole close timeout; half of it tells the two apart on
    // a loaded machine.
    assertThat(took.get()).isLessThan(Duration.ofSeconds(5));
    assertThat(threadNames()).contains("eventbus-kafka-self-block-in")
        .doesNotContain("eventbus-kafka-self-block-dead-letters");
    release.countDown();
    Eventually.await(() -> !threadNames().contains("eventbus-kafka-self-block-in"),
        seen::toString);
    assertThat(seen).containsExactly(0, 1);
    assertThat(raw.committed("r2-self-block", "r2-self-block", 0)).isEqualTo(2);
    assertThat(threadNames()).noneMatch(n -> n.contains("eventbus-self-block-"));
  }
}
