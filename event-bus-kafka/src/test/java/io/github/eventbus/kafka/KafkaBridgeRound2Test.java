package io.github.eventbus.kafka;

import static io.github.eventbus.kafka.RawKafka.line;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DeliveryStats;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventInterceptor;
import io.github.eventbus.Metadata;
import io.github.eventbus.audit.AuditFormat;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Second-round probes of the close order (queue drained, then producer, then subscriptions), of
 * "from Kafka" as {@code kafka.origin_id == id}, of Errors from handlers under synchronous
 * delivery, of close() from the bridge's own threads, and of ids kept as digests.
 */
class KafkaBridgeRound2Test extends BridgeProbes {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @Override
  KafkaBroker kafka() {
    return kafka;
  }

  /** Polls until the condition holds or the time is up; tells which, for probes that may fail. */
  static boolean within(Duration limit, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    return true;
  }

  static int n(Event<?> e) {
    return ((Number) ((DynamicEvent) e.payload()).get("n")).intValue();
  }

  static boolean fromKafka(Event<?> e) {
    return e.id().equals(e.metadata().headers().get(BridgeHeaders.ORIGIN_ID));
  }

  static ThreadFactory withHandler(Thread.UncaughtExceptionHandler handler) {
    return r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      t.setUncaughtExceptionHandler(handler);
      return t;
    };
  }

  // ---- close() under load and from odd threads ----

  @Test
  void closeWhilePublishersKeepPublishing_returnsInTime_andEachDeliveryIsSentOrDeadLetteredOnce()
      throws Exception {
    kafka.createTopic("r2-flood", 1);
    EventBus bus = closing(EventBus.builder().name("flood").workers(2).queueCapacity(1_000)
        .build());
    List<DeadLetter> dead = deadLetters(bus);
    KafkaBridge bridge = closing(bridge(bus).produce("flood.*", "r2-flood")
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
    Eventually.await(() -> dead.size() >= m.produceFailed(), () -> dead.size() + " " + m);
    assertThat(dead).hasSize((int) m.produceFailed());
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
    KafkaBridge bridge = closing(bridge(bus).produce("fast.*", "r2-linger")
        .closeTimeout(Duration.ofSeconds(1))
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
        .synchronousDelivery(true).closeTimeout(Duration.ofSeconds(1)).build()));
    Eventually.await(() -> took.get() != null, seen::toString);
    assertThat(took.get()).isLessThan(Duration.ofSeconds(1));
    assertThat(threadNames()).contains("eventbus-kafka-self-block-in")
        .doesNotContain("eventbus-kafka-self-block-dead-letters");
    release.countDown();
    Eventually.await(() -> !threadNames().contains("eventbus-kafka-self-block-in"),
        seen::toString);
    assertThat(seen).containsExactly(0, 1);
    assertThat(raw.committed("r2-self-block", "r2-self-block", 0)).isEqualTo(2);
    assertThat(threadNames()).noneMatch(n -> n.contains("eventbus-self-block-"));
  }

  // ---- Errors from handlers, interceptors and the uncaught-exception handler ----

  @Test
  void errorFromEveryRecord_withAThrowingUncaughtHandler_consumesAll_andLogsRateLimited()
      throws Exception {
    // Regression: a failing uncaught-exception handler was reported by a plain WARN per record;
    // failure logs are rate-limited.
    kafka.createTopic("r2-error-all", 1);
    RawKafka raw = raw();
    int total = 30;
    for (int n = 0; n < total; n++) {
      raw.send("r2-error-all", line("ea.n", Map.of("n", n)));
    }
    EventBus bus = bus("error-all");
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("ea.*", e -> {
      seen.add(n(e));
      throw new AssertionError("an Error for every record");
    });
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    PrintStream tee = new PrintStream(new OutputStream() {
      @Override
      public synchronized void write(int b) {
        captured.write(b);
        original.write(b);
      }

      @Override
      public synchronized void write(byte[] b, int off, int len) {
        captured.write(b, off, len);
        original.write(b, off, len);
      }
    }, true, StandardCharsets.UTF_8);
    System.setErr(tee);
    KafkaBridge bridge;
    try {
      bridge = closing(bridge(bus).consume("r2-error-all").groupId("r2-error-all")
          .synchronousDelivery(true)
          .threadFactory(withHandler((t, e) -> {
            throw new IllegalStateException("the uncaught-exception handler fails too");
          })).build());
      Eventually.await(() -> bridge.metrics().consumed() == total, bridge::metrics);
      bridge.close();
    } finally {
      System.setErr(original);
    }
    assertThat(seen).hasSize(total);
    assertThat(bridge.metrics().handlerErrors()).isEqualTo(total);
    assertThat(raw.committed("r2-error-all", "r2-error-all", 0)).isEqualTo(total);
    String log;
    synchronized (tee) {
      log = captured.toString(StandardCharsets.UTF_8);
    }
    long lines = log.lines().filter(l -> l.contains("uncaught-exception handler of")).count();
    assertThat(lines).as("WARN lines for %d records whose handler threw an Error", total)
        .isLessThanOrEqualTo(2);
  }

  @Test
  void uncaughtHandlerThrowingAnError_doesNotEndTheConsumerThread() throws Exception {
    // Regression: an Error from the uncaught-exception handler itself used to escape and end the
    // consumer thread while the bridge looked open.
    kafka.createTopic("r2-ueh-error", 1);
    RawKafka raw = raw();
    for (int n = 0; n < 4; n++) {
      raw.send("r2-ueh-error", line("ue.n", Map.of("n", n)));
    }
    EventBus bus = bus("ueh-error");
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("ue.*", e -> {
      seen.add(n(e));
      if (n(e) == 1) {
        throw new AssertionError("an Error from a handler");
      }
    });
    List<Thread> created = new CopyOnWriteArrayList<>();
    ThreadFactory rethrowing = withHandler((t, e) -> {
      throw new AssertionError("the uncaught-exception handler rethrows", e);
    });
    KafkaBridge bridge = closing(bridge(bus).consume("r2-ueh-error").groupId("r2-ueh-error")
        .synchronousDelivery(true).threadFactory(r -> {
          Thread t = rethrowing.newThread(r);
          created.add(t);
          return t;
        }).build());
    boolean all = within(Duration.ofSeconds(15), () -> seen.size() == 4);
    assertThat(all).as("seen %s, metrics %s, bridge threads alive %s", seen, bridge.metrics(),
        created.stream().map(t -> t.getState().toString()).toList()).isTrue();
  }

  @Test
  void errorFromAnInterceptor_underAsynchronousDelivery_isHandedOn_committed_andConsumingGoesOn()
      throws Exception {
    kafka.createTopic("r2-interceptor", 1);
    RawKafka raw = raw();
    int total = 5;
    for (int n = 0; n < total; n++) {
      raw.send("r2-interceptor", line("ic.n", Map.of("n", n)));
    }
    EventBus bus = closing(EventBus.builder().name("interceptor").interceptor(
        new EventInterceptor() {
          @Override
          public Event<?> onPublish(Event<?> event) {
            if (event.type().equals("ic.n")) {
              throw new AssertionError("an Error from onPublish");
            }
            return event;
          }
        }).build());
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("ic.*", e -> seen.add(n(e)));
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    KafkaBridge bridge = closing(bridge(bus).consume("r2-interceptor").groupId("r2-interceptor")
        .threadFactory(withHandler((t, e) -> uncaught.add(e))).build());
    Eventually.await(() -> seen.size() == total && bridge.metrics().consumed() == total,
        () -> seen + " " + bridge.metrics());
    bridge.close();
    assertThat(uncaught).hasSize(total).allSatisfy(e -> assertThat(e).isInstanceOf(AssertionError.class));
    assertThat(bridge.metrics().handlerErrors()).isEqualTo(total);
    assertThat(raw.committed("r2-interceptor", "r2-interceptor", 0)).isEqualTo(total);
  }

  // ---- loops and forged origin headers ----

  @Test
  void twoBridgesMirroringEachOther_deliverAnEventOnceEachWay_andNeverProduceItBack()
      throws Exception {
    kafka.createTopic("r2-a2b", 1);
    kafka.createTopic("r2-b2a", 1);
    EventBus a = bus("mirror-a");
    EventBus b = bus("mirror-b");
    List<String> atA = new CopyOnWriteArrayList<>();
    List<String> atB = new CopyOnWriteArrayList<>();
    a.subscribe("mirror.*", e -> atA.add(e.type()));
    b.subscribe("mirror.*", e -> atB.add(e.type()));
    KafkaBridge ba = closing(bridge(a).produce("mirror.*", "r2-a2b").consume("r2-b2a")
        .groupId("r2-mirror-a").build());
    KafkaBridge bb = closing(bridge(b).produce("mirror.*", "r2-b2a").consume("r2-a2b")
        .groupId("r2-mirror-b").build());
    a.publishSync(DynamicEvent.of("mirror.first", Map.of()));
    Eventually.await(() -> atB.contains("mirror.first"), atB::toString);
    b.publishSync(DynamicEvent.of("mirror.sentinel", Map.of()));
    Eventually.await(() -> atA.contains("mirror.sentinel"), atA::toString);
    RawKafka raw = raw();
    assertThat(atA).containsExactly("mirror.first", "mirror.sentinel");
    assertThat(atB).containsExactly("mirror.first", "mirror.sentinel");
    assertThat(raw.end("r2-a2b", 0)).as("%s", ba.metrics()).isEqualTo(1);
    assertThat(raw.end("r2-b2a", 0)).as("%s", bb.metrics()).isEqualTo(1);
  }

  @Test
  void handlersThatAnswerEveryRemoteEvent_pingPongAcrossTwoBridges_untilTheApplicationStops()
      throws Exception {
    // Documents a consequence of change 2: a reply published with the received metadata is
    // produced, so two processes whose handlers each answer every remote event with an event the
    // other consumes exchange them for ever (before, the copied kafka.origin stopped the second
    // hop). Only the application's own bound (here 6 hops) ends it.
    kafka.createTopic("r2-ping-a2b", 1);
    kafka.createTopic("r2-ping-b2a", 1);
    EventBus a = bus("ping-a");
    EventBus b = bus("ping-b");
    List<Integer> hops = new CopyOnWriteArrayList<>();
    for (EventBus bus : List.of(a, b)) {
      bus.subscribe("ping.*", e -> {
        if (fromKafka(e)) {
          hops.add(n(e));
          if (n(e) < 6) {
            bus.publish(DynamicEvent.of("ping.reply", Map.of("n", n(e) + 1)), e.metadata());
          }
        }
      });
    }
    closing(bridge(a).produce("ping.*", "r2-ping-a2b").consume("r2-ping-b2a")
        .groupId("r2-ping-a").build());
    closing(bridge(b).produce("ping.*", "r2-ping-b2a").consume("r2-ping-a2b")
        .groupId("r2-ping-b").build());
    a.publish(DynamicEvent.of("ping.start", Map.of("n", 1)),
        Metadata.builder().correlationId("c-ping").build());
    Eventually.await(() -> hops.contains(6), hops::toString);
    assertThat(hops).containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void forgedOriginHeadersInTheRecordValue_areOverwritten_soTheEventIsNotProducedBack()
      throws Exception {
    kafka.createTopic("r2-forged-in", 1);
    kafka.createTopic("r2-forged-out", 1);
    EventBus bus = bus("forged");
    List<Event<?>> received = new CopyOnWriteArrayList<>();
    bus.subscribe("forged.*", received::add);
    KafkaBridge bridge = closing(bridge(bus).consume("r2-forged-in").groupId("r2-forged")
        .produce("forged.*", "r2-forged-out").build());
    RawKafka raw = raw();
    raw.send("r2-forged-in", AuditFormat.standard().encode(
        Event.builder(DynamicEvent.of("forged.other", Map.of())).id("forged-1")
            .timestamp(Instant.parse("2026-01-01T00:00:00Z")).source("hostile")
            .metadata(Metadata.builder().header(BridgeHeaders.ORIGIN_ID, "someone-else")
                .header(BridgeHeaders.ORIGIN, "elsewhere/9/9").build()).build()));
    Eventually.await(() -> received.size() == 1, bridge::metrics);
    bus.publishSync(DynamicEvent.of("forged.sentinel", Map.of()));
    Eventually.await(() -> bridge.metrics().produced() == 1, bridge::metrics);
    Event<?> e = received.get(0);
    assertThat(e.metadata().headers()).containsEntry(BridgeHeaders.ORIGIN_ID, "forged-1")
        .containsEntry(BridgeHeaders.ORIGIN, "r2-forged-in/0/0");
    assertThat(raw.end("r2-forged-out", 0)).as("only the sentinel is produced; %s",
        bridge.metrics()).isEqualTo(1);
  }

  // ---- ids kept as digests ----

  @Test
  void longIds_areDeDuplicatedByDigest_andIdsDifferingInTheirLastCharacterAreNot()
      throws Exception {
    kafka.createTopic("r2-long-ids", 1);
    RawKafka raw = raw();
    String base = "i".repeat(100_000);
    raw.send("r2-long-ids", line(base + "a", "long.n", Map.of("n", 0)));
    raw.send("r2-long-ids", line(base + "a", "long.n", Map.of("n", 1)));
    raw.send("r2-long-ids", line(base + "b", "long.n", Map.of("n", 2)));
    EventBus bus = bus("long-ids");
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("long.*", e -> seen.add(n(e)));
    KafkaBridge bridge = closing(bridge(bus).consume("r2-long-ids").groupId("r2-long-ids")
        .synchronousDelivery(true).build());
    Eventually.await(() -> bridge.metrics().consumed() + bridge.metrics().duplicates() == 3,
        bridge::metrics);
    assertThat(seen).containsExactly(0, 2);
    assertThat(bridge.metrics().duplicates()).isEqualTo(1);
  }
}
