package io.github.eventbus.kafka;

import static io.github.eventbus.kafka.RawKafka.line;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Metadata;
import io.github.eventbus.audit.AuditFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Probes of what becomes of every event when the bridge closes, the broker goes away or a handler fails. */
class KafkaBridgeCloseTest extends BridgeProbes {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @Override
  KafkaBroker kafka() {
    return kafka;
  }

  // ---- outbound: never silent ----

  @Test
  void newEventPublishedWithTheMetadataOfAReceivedOne_isProducedOrReported() throws Exception {
    // Regression: a handler that answers an event from Kafka with a new event and passes the
    // received metadata on (the natural way to keep the correlation id) copies kafka.origin; the
    // new event used to be dropped as "from Kafka" without a count, a dead letter or a log line.
    kafka.createTopic("probe-follow-in", 1);
    kafka.createTopic("probe-follow-out", 1);
    EventBus bus = bus("follow");
    bus.subscribe("orders.*", e -> {
      bus.publish(DynamicEvent.of("shipping.requested", Map.of("order", "o-1")), e.metadata());
      bus.publish(DynamicEvent.of("shipping.sentinel", Map.of()),
          Metadata.builder().correlationId(e.metadata().correlationId().orElse("none")).build());
    });
    List<DeadLetter> dead = deadLetters(bus);
    KafkaBridge bridge = closing(bridge(bus).consume("probe-follow-in").groupId("probe-follow")
        .produce("shipping.*", "probe-follow-out").build());
    raw().send("probe-follow-in", AuditFormat.standard().encode(
        Event.builder(DynamicEvent.of("orders.placed", Map.of("id", "o-1"))).id("order-1")
            .timestamp(Instant.parse("2026-01-01T00:00:00Z")).source("shop")
            .metadata(Metadata.builder().correlationId("c-1").build()).build()));
    Eventually.await(() -> bridge.metrics().produced() >= 1, bridge::metrics);
    assertThat(bridge.metrics().produced() + bridge.metrics().produceFailed() + dead.size())
        .as("the locally created shipping.requested is sent or reported; metrics %s",
            bridge.metrics())
        .isEqualTo(2);
  }

  @Test
  void closeWithEventsStillQueuedForTheBridge_accountsForEveryOne() throws Exception {
    // Regression: close() used to close the outbound subscriptions first, and the bus discarded
    // what was still queued for them: accepted events neither sent nor dead-lettered.
    kafka.createTopic("probe-queued", 1);
    EventBus bus = bus("queued");
    List<DeadLetter> dead = deadLetters(bus);
    HoldFirstSend blockFirst = new HoldFirstSend();
    KafkaBridge bridge = bridge(bus).produce("queued.*", "probe-queued").key(blockFirst).build();
    int total = publishWhileTheFirstSendIsHeld(bus, "queued.n", blockFirst);
    Thread closer = new Thread(bridge::close, "probe-closer");
    closer.start();
    awaitWaiting(closer);
    blockFirst.release.countDown();
    closer.join(60_000);
    assertThat(closer.isAlive()).isFalse();
    KafkaBridgeMetrics m = bridge.metrics();
    long discarded = bus.metrics().totals().discarded();
    assertThat(m.produced() + m.produceFailed() + dead.size())
        .as("every accepted event sent or reported; bridge %s, bus discarded %d", m, discarded)
        .isEqualTo(total);
  }

  @Test
  void closerInterruptedWhileTheBusDrains_sendsEverything_throwsNothing_andKeepsItsFlag()
      throws Exception {
    // Regression: an interrupt of the closing thread while it waited for the bus's queue made
    // that wait spin, then the producer's close threw InterruptException out of close().
    kafka.createTopic("probe-drain-interrupted", 1);
    EventBus bus = bus("drain-interrupted");
    List<DeadLetter> dead = deadLetters(bus);
    HoldFirstSend blockFirst = new HoldFirstSend();
    KafkaBridge bridge = bridge(bus).produce("drained.*", "probe-drain-interrupted")
        .key(blockFirst).closeTimeout(Duration.ofSeconds(20)).build();
    int total = publishWhileTheFirstSendIsHeld(bus, "drained.n", blockFirst);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagKept = new AtomicBoolean();
    Thread closer = new Thread(() -> {
      try {
        bridge.close();
      } catch (Throwable t) {
        thrown.set(t);
      }
      flagKept.set(Thread.currentThread().isInterrupted());
    }, "probe-closer");
    closer.start();
    awaitWaiting(closer); // waiting for the bus's queue to empty
    closer.interrupt();
    blockFirst.release.countDown();
    closer.join(60_000);
    assertThat(closer.isAlive()).isFalse();
    assertThat(thrown.get()).as("close() threw").isNull();
    assertThat(flagKept).as("the closer's interrupt flag").isTrue();
    KafkaBridgeMetrics m = bridge.metrics();
    assertThat(m.produced() + m.produceFailed() + dead.size()).as("%s", m).isEqualTo(total);
    assertThat(m.produced()).as("sent, not failed by a producer closed at once: %s", m)
        .isEqualTo(total);
  }

  /** A broker of a probe's own, which the probe stops part-way; stopped at the end if not. */
  private static final class DoomedBroker implements AutoCloseable {
    final KafkaBroker broker = new KafkaBroker();
    private boolean stopped;

    DoomedBroker() throws Exception {
      broker.beforeAll(null);
    }

    void stop() throws Exception {
      if (!stopped) {
        stopped = true;
        broker.afterAll(null);
      }
    }

    @Override
    public void close() throws Exception {
      stop();
    }
  }

  /** A record key that holds the first send until released: the bridge's delivery stays busy. */
  private static final class HoldFirstSend implements RecordKey {
    final CountDownLatch inSend = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean first = new AtomicBoolean(true);

    @Override
    public String keyOf(Event<?> event) {
      if (first.getAndSet(false)) {
        inSend.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
          Thread.currentThread().interrupt();
        }
      }
      return null;
    }
  }

  /** Publishes 20 events of {@code type} and waits until the first send is held; returns 20. */
  private static int publishWhileTheFirstSendIsHeld(EventBus bus, String type, HoldFirstSend key)
      throws InterruptedException {
    int total = 20;
    for (int i = 0; i < total; i++) {
      bus.publish(DynamicEvent.of(type, Map.of("n", i)));
    }
    assertThat(key.inSend.await(60, TimeUnit.SECONDS)).isTrue();
    return total;
  }

  @Test
  void closeWhileASendWaitsForAnUnreachableBroker_returnsWithinTheCloseTimeout() throws Exception {
    // Regression: a send blocked on the producer's metadata (broker unreachable) held close()
    // for max.block.ms rather than the close timeout: close() waited for that handler before it
    // closed the producer.
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    EventBus bus = bus("blocked-send");
    List<DeadLetter> dead = deadLetters(bus);
    CountDownLatch sending = new CountDownLatch(1);
    KafkaBridge bridge = KafkaBridge.builder(bus).bootstrapServers("127.0.0.1:" + closedPort)
        .produce("blocked.*", "nowhere").closeTimeout(Duration.ofSeconds(1))
        .key(e -> {
          sending.countDown();
          return null;
        })
        .producerProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000).build();
    bus.publish(DynamicEvent.of("blocked.event", Map.of()));
    assertThat(sending.await(60, TimeUnit.SECONDS)).isTrue();
    long started = System.nanoTime();
    bridge.close();
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    Eventually.await(() -> dead.size() == 1, dead::toString); // never silent: it is reported
    assertThat(took).as("close() with closeTimeout 1 s").isLessThan(Duration.ofSeconds(6));
  }

  @Test
  void closeWithSendsHeldUpByAMissingTopic_deadLettersEveryOne_noneDiscarded() throws Exception {
    // Regression: the first send waited for the missing topic's metadata until the producer's
    // close failed it; the 19 events queued behind it were then discarded by the subscription's
    // close, with half the close timeout unused, though each would now fail (and be reported)
    // at once.
    EventBus bus = bus("missing-topic");
    List<DeadLetter> dead = deadLetters(bus);
    CountDownLatch sending = new CountDownLatch(1);
    KafkaBridge bridge = bridge(bus).produce("missing.*", "probe-no-such-topic")
        .closeTimeout(Duration.ofSeconds(2)).key(e -> {
          sending.countDown();
          return null;
        }).build();
    int total = 20;
    for (int i = 0; i < total; i++) {
      bus.publish(DynamicEvent.of("missing.n", Map.of("n", i)));
    }
    assertThat(sending.await(60, TimeUnit.SECONDS)).isTrue();
    bridge.close();

    KafkaBridgeMetrics m = bridge.metrics();
    assertThat(m.produced() + m.produceFailed()).as("%s", m).isEqualTo(total);
    Eventually.await(() -> dead.size() == total, dead::toString);
    assertThat(bus.metrics().totals().discarded()).isZero();
  }

  @Test
  void brokerGoneAfterEveryOffsetWasCommitted_closeReportsNoCommitFailure() throws Exception {
    // Regression: offsets committed in the background stayed "to commit", so the consumer's
    // close committed them again on revoking its partitions; with the broker gone, that failed
    // and warned that records would be redelivered, which they would not.
    try (DoomedBroker doomed = new DoomedBroker()) {
      doomed.broker.createTopic("probe-gone-committed", 1);
      EventBus bus = bus("gone-committed");
      Received got = Received.on(bus, "gone.*");
      KafkaBridge bridge = KafkaBridge.builder(bus)
          .bootstrapServers(doomed.broker.bootstrapServers()).consume("probe-gone-committed")
          .groupId("probe-gone-committed").pollTimeout(Duration.ofMillis(100))
          .closeTimeout(Duration.ofSeconds(2)).build();
      try (RawKafka raw = new RawKafka(doomed.broker)) {
        for (int i = 0; i < 5; i++) {
          raw.send("probe-gone-committed", line("gone.n", Map.of("n", i)));
        }
        got.awaitAtLeast(5);
        Eventually.await(() -> {
          try {
            return raw.committed("probe-gone-committed", "probe-gone-committed", 0) == 5;
          } catch (Exception notYet) {
            return false;
          }
        }, bridge::metrics);
      }
      doomed.stop();
      bridge.close();

      assertThat(bridge.metrics().commitFailures()).as("%s", bridge.metrics()).isZero();
      assertThat(bridge.metrics().lag()).as("nothing assigned once closed").isEqualTo(-1);
    }
  }

  @Test
  void brokerStoppedMidStream_everyEventIsSentOrDeadLettered_andCloseReturns() throws Exception {
    try (DoomedBroker doomed = new DoomedBroker()) {
      doomed.broker.createTopic("probe-doomed", 1);
      EventBus bus = bus("doomed");
      List<DeadLetter> dead = deadLetters(bus);
      KafkaBridge bridge = KafkaBridge.builder(bus)
          .bootstrapServers(doomed.broker.bootstrapServers())
          .produce("doomed.*", "probe-doomed").consume("probe-doomed").groupId("probe-doomed")
          .pollTimeout(Duration.ofMillis(100)).closeTimeout(Duration.ofSeconds(2))
          .producerProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1_000)
          .producerProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4_000)
          .producerProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000).build();
      for (int i = 0; i < 10; i++) {
        bus.publishSync(DynamicEvent.of("doomed.n", Map.of("n", i)));
      }
      Eventually.await(() -> bridge.metrics().produced() == 10, bridge::metrics);
      doomed.stop();
      for (int i = 10; i < 15; i++) {
        bus.publishSync(DynamicEvent.of("doomed.n", Map.of("n", i)));
      }
      long started = System.nanoTime();
      bridge.close();
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      KafkaBridgeMetrics m = bridge.metrics();
      assertThat(m.produced() + m.produceFailed()).as("%s", m).isEqualTo(15);
      Eventually.await(() -> dead.size() == m.produceFailed(), dead::toString);
      assertThat(dead).allSatisfy(d -> assertThat(d.cause()).isInstanceOf(KafkaBridgeException.class));
      assertThat(took).as("close() with closeTimeout 2 s, broker gone").isLessThan(Duration.ofSeconds(12));
      assertThat(threadNames()).noneMatch(n -> n.startsWith("eventbus-kafka-doomed")
          || n.contains("eventbus-doomed-"));
    }
  }

  @Test
  void brokerGoneWhileAHandlerHoldsTheConsumer_closeReturnsWithTheThreadEnded() throws Exception {
    // Regression: with the broker gone, the last commit, a commit of revoked partitions inside
    // the consumer's close and that close could each take the whole close timeout, while close()
    // waited at most twice it: the consumer thread outlived close().
    try (DoomedBroker doomed = new DoomedBroker()) {
      doomed.broker.createTopic("probe-held", 1);
      try (RawKafka raw = new RawKafka(doomed.broker)) {
        for (int n = 0; n < 3; n++) {
          raw.send("probe-held", line("held.n", Map.of("n", n)));
        }
      }
      EventBus bus = bus("held");
      CountDownLatch inHandler = new CountDownLatch(1);
      CountDownLatch interrupted = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      bus.subscribe("held.*", e -> {
        if (n(e) == 1) {
          inHandler.countDown();
          while (true) {
            try {
              release.await();
              return;
            } catch (InterruptedException ignored) {
              interrupted.countDown(); // a handler deaf to interrupts, so close() waits on
            }
          }
        }
      });
      Duration timeout = Duration.ofSeconds(1);
      KafkaBridge bridge = closing(KafkaBridge.builder(bus).name("held")
          .bootstrapServers(doomed.broker.bootstrapServers()).consume("probe-held")
          .groupId("probe-held").synchronousDelivery(true).pollTimeout(Duration.ofMillis(100))
          .closeTimeout(timeout)
          .build());
      assertThat(inHandler.await(60, TimeUnit.SECONDS)).as("record 1 reached the handler").isTrue();
      Thread consumer = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("eventbus-kafka-held-in")).findFirst().orElseThrow();
      doomed.stop();
      AtomicBoolean aliveAfterClose = new AtomicBoolean(true);
      AtomicReference<Duration> took = new AtomicReference<>();
      Thread closer = new Thread(() -> {
        long started = System.nanoTime();
        bridge.close();
        took.set(Duration.ofNanos(System.nanoTime() - started));
        aliveAfterClose.set(consumer.isAlive());
      }, "probe-closer");
      closer.start();
      assertThat(interrupted.await(60, TimeUnit.SECONDS)).as("close() interrupted the handler")
          .isTrue();
      release.countDown(); // the thread now finishes: commits and closes with the broker gone
      closer.join(TimeUnit.SECONDS.toMillis(60));
      assertThat(closer.isAlive()).as("close() returned").isFalse();
      assertThat(aliveAfterClose).as("consumer thread alive when close() returned").isFalse();
      assertThat(took.get()).as("close(): join, interrupt, finish with the broker gone")
          .isLessThan(timeout.multipliedBy(3).plus(Inbound.FINISH_GRACE).plusSeconds(3));
      assertThat(threadNames()).noneMatch(n -> n.startsWith("eventbus-kafka-held"));
      KafkaBridgeMetrics m = bridge.metrics();
      assertThat(m.consumed()).as("%s", m).isEqualTo(2);
      assertThat(m.commitFailures()).as("record 1's offset never committed: %s", m)
          .isPositive();
    }
  }

  @Test
  void closerInterruptedWhileWaiting_stillWaitsForTheConsumerThread_andKeepsItsFlag()
      throws Exception {
    // Regression: an interrupt of the closing thread (a pool shut down with shutdownNow) ended
    // close() at once, without a word, with the consumer thread still in a handler.
    kafka.createTopic("probe-closer-interrupted", 1);
    raw().send("probe-closer-interrupted", line("closer.n", Map.of("n", 1)));
    EventBus bus = bus("closer-interrupted");
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    bus.subscribe("closer.*", e -> {
      inHandler.countDown();
      release.await(); // interruptible, but nobody interrupts it before close() gives up
    });
    KafkaBridge bridge = closing(bridge(bus).name("closer-interrupted")
        .consume("probe-closer-interrupted").groupId("probe-closer-interrupted")
        .synchronousDelivery(true).closeTimeout(Duration.ofSeconds(30)).build());
    assertThat(inHandler.await(60, TimeUnit.SECONDS)).isTrue();
    Thread consumer = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("eventbus-kafka-closer-interrupted-in")).findFirst()
        .orElseThrow();
    AtomicBoolean aliveAfterClose = new AtomicBoolean(true);
    AtomicBoolean flagKept = new AtomicBoolean();
    Thread closer = new Thread(() -> {
      bridge.close();
      aliveAfterClose.set(consumer.isAlive());
      flagKept.set(Thread.currentThread().isInterrupted());
    }, "probe-closer");
    closer.start();
    awaitWaiting(closer);
    closer.interrupt();
    // Still waiting, not returned: the consumer thread is still in the handler.
    assertThat(within(Duration.ofMillis(300), () -> !closer.isAlive())).isFalse();
    release.countDown();
    closer.join(TimeUnit.SECONDS.toMillis(60));
    assertThat(closer.isAlive()).isFalse();
    assertThat(aliveAfterClose).as("consumer thread alive when close() returned").isFalse();
    assertThat(flagKept).as("the closer's interrupt flag").isTrue();
    assertThat(bridge.metrics().consumed()).isEqualTo(1);
  }

  @Test
  void closeTimeoutBelowAMillisecond_closeStillReturns() throws Exception {
    // Regression: a close timeout under 1 ms became join(0), which waits for ever.
    kafka.createTopic("probe-nanos", 1);
    raw().send("probe-nanos", line("nanos.n", Map.of("n", 1)));
    EventBus bus = bus("nanos");
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    bus.subscribe("nanos.*", e -> {
      inHandler.countDown();
      while (release.getCount() > 0) {
        try {
          release.await();
        } catch (InterruptedException ignored) {
          // deaf to close()'s interrupt
        }
      }
    });
    KafkaBridge bridge = closing(bridge(bus).name("nanos").consume("probe-nanos")
        .groupId("probe-nanos").synchronousDelivery(true).closeTimeout(Duration.ofNanos(1))
        .build());
    try {
      assertThat(inHandler.await(60, TimeUnit.SECONDS)).isTrue();
      Thread closer = new Thread(bridge::close, "probe-closer");
      closer.start();
      closer.join(TimeUnit.SECONDS.toMillis(30));
      assertThat(closer.isAlive()).as("close() still waiting").isFalse();
    } finally {
      release.countDown();
    }
  }

  // ---- the receiving bus ----

  @Test
  void closeCalledFromAHandlerOnTheConsumerThread_commitsWhatWasAccepted() throws Exception {
    kafka.createTopic("probe-self-close", 1);
    RawKafka raw = raw();
    for (int n = 0; n < 5; n++) {
      raw.send("probe-self-close", line("self.n", Map.of("n", n)));
    }
    EventBus bus = bus("self-close");
    AtomicReference<KafkaBridge> ref = new AtomicReference<>();
    AtomicReference<Duration> took = new AtomicReference<>();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("self.*", e -> {
      int n = ((Number) ((DynamicEvent) e.payload()).get("n")).intValue();
      seen.add(n);
      if (n == 2) {
        long started = System.nanoTime();
        ref.get().close();
        took.set(Duration.ofNanos(System.nanoTime() - started));
      }
    });
    // close() from the consumer thread must not wait for itself (it used to wait the whole close
    // timeout, interrupt itself and log an ERROR that the consumer had stopped).
    ref.set(closing(bridge(bus).consume("probe-self-close").groupId("probe-self-close")
        .synchronousDelivery(true).closeTimeout(Duration.ofSeconds(10)).build()));
    Eventually.await(() -> took.get() != null
        && !threadNames().contains("eventbus-kafka-self-close-in"), seen::toString);
    assertThat(seen).containsExactly(0, 1, 2);
    assertThat(took.get()).as("well under the 10 s a wait for itself would take")
        .isLessThan(Duration.ofSeconds(5));
    assertThat(raw.committed("probe-self-close", "probe-self-close", 0))
        .as("close() took %s", took.get()).isEqualTo(3);
  }

  @Test
  void closeThatInterruptsAPublishBlockedOnAFullBus_stillCommitsWhatTheBusAccepted()
      throws Exception {
    // Regression: the interrupt that unblocks the publish made the next commitAsync throw, which
    // ended the consumer thread with an ERROR that it had stopped, skipping its last commit (the
    // offset got through only by chance, on the commit of the revoked partition).
    kafka.createTopic("probe-interrupted", 1);
    RawKafka raw = raw();
    for (int n = 0; n < 3; n++) {
      raw.send("probe-interrupted", line("int.n", Map.of("n", n)));
    }
    EventBus bus = closing(EventBus.builder().name("interrupted").workers(1).queueCapacity(1)
        .backpressure(io.github.eventbus.BackpressurePolicy.BLOCK).build());
    CountDownLatch gate = new CountDownLatch(1);
    bus.subscribe("int.*", e -> gate.await());
    KafkaBridge bridge = bridge(bus).consume("probe-interrupted").groupId("probe-interrupted")
        .closeTimeout(Duration.ofSeconds(1)).build();
    String log;
    try (StderrCapture stderr = new StderrCapture()) {
      // Record 0 is in the handler and holds the queue's one place: record 1's publish blocks.
      Eventually.await(() -> bridge.metrics().consumed() == 1, bridge::metrics);
      Thread consumer = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().endsWith("-in") && t.getName().contains("interrupted"))
          .findFirst().orElseThrow();
      // Blocked in the publish, not waiting in a poll (which close() would merely wake up).
      Eventually.await(() -> java.util.Arrays.stream(consumer.getStackTrace())
          .anyMatch(f -> f.getMethodName().equals("publish")), consumer::getState);
      awaitWaiting(consumer);
      bridge.close(); // waits its timeout, then interrupts the blocked publish
      Eventually.await(() -> !consumer.isAlive(), consumer::getState);
      log = stderr.text();
    } finally {
      gate.countDown();
    }
    assertThat(log).doesNotContain("consumer stopped", "could not commit");
    assertThat(raw.committed("probe-interrupted", "probe-interrupted", 0))
        .as("the offset after the record the bus accepted").isEqualTo(1);
  }

  @Test
  void closeFromTheConsumerThreadWhileAnotherThreadCloses_doesNotHoldThatCloseUp()
      throws Exception {
    // Regression: the handler's close() waited for the other close's lock while that close
    // waited for the handler's thread: the whole close timeout, an interrupt, and again.
    kafka.createTopic("probe-both-close", 1);
    RawKafka raw = raw();
    for (int n = 0; n < 3; n++) {
      raw.send("probe-both-close", line("both.n", Map.of("n", n)));
    }
    EventBus bus = bus("both-close");
    AtomicReference<KafkaBridge> ref = new AtomicReference<>();
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch goAhead = new CountDownLatch(1);
    bus.subscribe("both.*", e -> {
      if (n(e) == 1) {
        inHandler.countDown();
        goAhead.await();
        ref.get().close();
      }
    });
    ref.set(closing(bridge(bus).consume("probe-both-close").groupId("probe-both-close")
        .synchronousDelivery(true).closeTimeout(Duration.ofSeconds(10)).build()));
    assertThat(inHandler.await(60, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(ref.get()::close, "probe-other-closer");
    closer.start();
    awaitWaiting(closer); // inside close(), waiting for the consumer thread
    long started = System.nanoTime();
    goAhead.countDown();
    closer.join(60_000);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    assertThat(took).as("well under the 10 s close timeout it used to wait, twice")
        .isLessThan(Duration.ofMillis(5_000));
    assertThat(raw.committed("probe-both-close", "probe-both-close", 0)).isEqualTo(2);
  }

  @Test
  void busThatDrops_deadLettersWhatItDrops_soEveryRecordIsDeliveredOrReported() throws Exception {
    kafka.createTopic("probe-drop", 1);
    RawKafka raw = raw();
    int total = 30;
    for (int n = 0; n < total; n++) {
      raw.send("probe-drop", line("drop.n", Map.of("n", n)));
    }
    EventBus bus = closing(EventBus.builder().name("dropping").workers(1).queueCapacity(2)
        .backpressure(io.github.eventbus.BackpressurePolicy.DROP).build());
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    List<DeadLetter> dead = deadLetters(bus);
    bus.subscribe("drop.*", e -> {
      gate.await();
      seen.add(((Number) ((DynamicEvent) e.payload()).get("n")).intValue());
    });
    KafkaBridge bridge = closing(bridge(bus).consume("probe-drop").groupId("probe-drop").build());
    Eventually.await(() -> bridge.metrics().consumed() == total, bridge::metrics);
    gate.countDown();
    Eventually.await(() -> seen.size() + dead.size() == total,
        () -> seen + " dead " + dead.size());
    assertThat(bridge.metrics().pauses()).isZero();
    assertThat(dead).isNotEmpty();
    assertThat(dead).allSatisfy(d -> assertThat(d.event().type()).isEqualTo("drop.n"));
  }

  @Test
  void throwingHandler_isDeadLetteredOnTheBus_andLaterRecordsStillArrive() throws Exception {
    kafka.createTopic("probe-throw", 1);
    RawKafka raw = raw();
    for (int n = 0; n < 5; n++) {
      raw.send("probe-throw", line("throw.n", Map.of("n", n)));
    }
    EventBus bus = bus("throwing");
    List<Integer> seen = new CopyOnWriteArrayList<>();
    List<DeadLetter> dead = deadLetters(bus);
    bus.subscribe("throw.*", e -> {
      int n = ((Number) ((DynamicEvent) e.payload()).get("n")).intValue();
      seen.add(n);
      if (n == 1) {
        throw new IllegalStateException("handler fails on 1");
      }
    });
    KafkaBridge bridge = closing(bridge(bus).consume("probe-throw").groupId("probe-throw")
        .synchronousDelivery(true).build());
    Eventually.await(() -> seen.size() == 5, seen::toString);
    Eventually.await(() -> dead.size() == 1, dead::toString);
    assertThat(seen).containsExactly(0, 1, 2, 3, 4);
    assertThat(dead.get(0).event().id()).isNotNull();
    assertThat(bridge.metrics().consumed()).isEqualTo(5);
    assertThat(bridge.metrics().deadLetters()).isZero(); // the bus's dead letter, not the bridge's
    bridge.close();
    assertThat(raw.committed("probe-throw", "probe-throw", 0)).isEqualTo(5);
  }

  @Test
  void handlerThrowingAnError_underSynchronousDelivery_isHandedOnAndConsumingGoesOn()
      throws Exception {
    // An Error from a handler reaches the bridge's publishSync. It used to end the consumer thread
    // for good while the bridge looked open. By the bus's failure rule it is not retried: the
    // record is committed, the Error goes to the thread's uncaught-exception handler, and the
    // thread goes on consuming.
    kafka.createTopic("probe-error", 1);
    RawKafka raw = raw();
    raw.send("probe-error", line("err.n", Map.of("n", 0)));
    EventBus bus = bus("erroring");
    List<Integer> seen = new CopyOnWriteArrayList<>();
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    AtomicBoolean thrown = new AtomicBoolean();
    bus.subscribe("err.*", e -> {
      int n = ((Number) ((DynamicEvent) e.payload()).get("n")).intValue();
      seen.add(n);
      if (n == 1 && thrown.compareAndSet(false, true)) {
        throw new AssertionError("an Error from a handler, once");
      }
    });
    KafkaBridge bridge = closing(bridge(bus).consume("probe-error").groupId("probe-error")
        .synchronousDelivery(true).threadFactory(r -> {
          Thread t = new Thread(r);
          t.setUncaughtExceptionHandler((thread, error) -> uncaught.add(error));
          return t;
        }).build());
    Eventually.await(() -> seen.contains(0) && bridge.metrics().lag() == 0, bridge::metrics);
    raw.send("probe-error", line("err.n", Map.of("n", 1)));
    Eventually.await(thrown::get, seen::toString);
    for (int n = 2; n < 5; n++) {
      raw.send("probe-error", line("err.n", Map.of("n", n)));
    }
    Eventually.await(() -> seen.contains(4), () -> seen + " " + bridge.metrics());
    assertThat(seen).containsExactly(0, 1, 2, 3, 4);
    assertThat(uncaught).singleElement().isInstanceOf(AssertionError.class);
    assertThat(bridge.metrics().handlerErrors()).isEqualTo(1);
    assertThat(bridge.metrics().consumed()).isEqualTo(5);
    bridge.close();
    assertThat(raw.committed("probe-error", "probe-error", 0)).isEqualTo(5);
  }
}
