package io.github.eventbus.kafka;

import static io.github.eventbus.kafka.RawKafka.line;
import static io.github.eventbus.kafka.RawKafka.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Promises the earlier rounds did not cover: BLOCK with a block timeout, CALLER_RUNS, the KIP-848
 * consumer group protocol, a BLOCK wait longer than max.poll.interval.ms, hostile ids in log
 * lines, a close while paused, an interrupt of a close while the producer's close waits for its
 * sender, and a consumed topic that does not exist.
 */
class KafkaBridgeRound3Test extends BridgeProbes {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @Override
  KafkaBroker kafka() {
    return kafka;
  }

  private static byte[] seq(String type, int n) {
    return line(type, Map.of("n", n));
  }

  // ---- BLOCK with a block timeout: refused, paused, nothing lost ----

  @Test
  void blockWithTimeout_fullBus_pausesAndDeliversEverythingOnceInOrder() throws Exception {
    kafka.createTopic("adv-blocktimeout", 1);
    RawKafka raw = raw();
    int total = 20;
    for (int i = 0; i < total; i++) {
      raw.send("adv-blocktimeout", seq("bt.n", i));
    }
    EventBus bus = closing(EventBus.builder().name("blocktimeout").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.BLOCK).blockTimeout(Duration.ofMillis(20)).build());
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    List<DeadLetter> dead = deadLetters(bus);
    bus.subscribe("bt.*", e -> {
      gate.await(60, TimeUnit.SECONDS);
      seen.add(n(e));
    });
    KafkaBridge bridge = closing(bridge(bus).consume("adv-blocktimeout").groupId("adv-bt")
        .pauseBackoff(Duration.ofMillis(10)).build());

    Eventually.await(() -> bridge.metrics().pauses() >= 2, bridge::metrics);
    gate.countDown();
    Eventually.await(() -> seen.size() >= total && bridge.metrics().lag() == 0,
        () -> seen + " " + bridge.metrics());
    Eventually.await(() -> bridge.metrics().pausedPartitions() == 0, bridge::metrics);
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(seen).as("order and exactly once").isEqualTo(range(total));
    soft.assertThat(dead).as("dead letters").isEmpty();
    soft.assertThat(bridge.metrics().consumed()).as("consumed").isEqualTo(total);
    soft.assertThat(bridge.metrics().duplicates()).as("duplicates").isZero();
    bridge.close();
    soft.assertThat(raw.committed("adv-bt", "adv-blocktimeout", 0)).as("committed").isEqualTo(total);
    soft.assertAll();
  }

  // ---- CALLER_RUNS: the consumer thread runs deliveries; an Error there is handed on ----

  @Test
  void callerRuns_consumerThreadRunsDeliveries_errorIsHandedOn_nothingLostOrRepeated()
      throws Exception {
    kafka.createTopic("adv-callerruns", 1);
    RawKafka raw = raw();
    int total = 30;
    for (int i = 0; i < total; i++) {
      raw.send("adv-callerruns", seq("cr.n", i));
    }
    EventBus bus = closing(EventBus.builder().name("callerruns").workers(1).queueCapacity(4)
        .backpressure(BackpressurePolicy.CALLER_RUNS).build());
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    AtomicInteger made = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread th = new Thread(r, "adv-bridge-thread-" + made.getAndIncrement());
      th.setDaemon(true);
      th.setUncaughtExceptionHandler((x, e) -> uncaught.add(e));
      return th;
    };
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> slow = new CopyOnWriteArrayList<>();
    List<Integer> fast = new CopyOnWriteArrayList<>();
    List<String> fastThreads = new CopyOnWriteArrayList<>();
    AtomicBoolean thrown = new AtomicBoolean();
    List<DeadLetter> dead = deadLetters(bus);
    bus.onType("cr.*").name("slow").subscribeEnvelope(e -> {
      // Holds the worker so the queue fills; not the consumer thread running a queue itself,
      // which would then wait for the gate instead of reaching the other subscriber's queue.
      if (!Thread.currentThread().getName().startsWith("adv-bridge-thread-")) {
        gate.await(60, TimeUnit.SECONDS);
      }
      slow.add(n(e));
    });
    bus.onType("cr.*").name("fast").subscribeEnvelope(e -> {
      String me = Thread.currentThread().getName();
      fastThreads.add(me);
      if (me.startsWith("adv-bridge-thread-") && thrown.compareAndSet(false, true)) {
        throw new AssertionError("probe Error on the consumer thread, event " + n(e));
      }
      fast.add(n(e));
    });
    KafkaBridge bridge = closing(bridge(bus).consume("adv-callerruns").groupId("adv-cr")
        .threadFactory(factory).build());

    boolean ranOnConsumer = within(Duration.ofSeconds(30), thrown::get);
    gate.countDown();
    Eventually.await(() -> slow.size() >= total && bridge.metrics().lag() == 0,
        () -> slow.size() + " " + fast.size() + " " + bridge.metrics());
    Eventually.await(() -> fast.size() + (thrown.get() ? 1 : 0) >= total,
        () -> fast + " " + bridge.metrics());
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(ranOnConsumer).as("a delivery ran on the consumer thread; threads %s",
        new HashSet<>(fastThreads)).isTrue();
    soft.assertThat(slow).as("slow subscriber: order, exactly once").isEqualTo(range(total));
    soft.assertThat(fast).as("fast subscriber: in order, no repeats").doesNotHaveDuplicates()
        .isSorted().hasSizeBetween(total - 1, total);
    soft.assertThat(uncaught).as("the Error went to the consumer thread's handler").hasSize(1);
    soft.assertThat(bridge.metrics().consumed()).as("consumed").isEqualTo(total);
    soft.assertThat(bridge.metrics().pauses()).as("pauses").isZero();
    soft.assertThat(dead).as("dead letters").isEmpty();
    bridge.close();
    soft.assertThat(raw.committed("adv-cr", "adv-callerruns", 0)).as("committed").isEqualTo(total);
    soft.assertAll();
  }

  // ---- the KIP-848 consumer group protocol (a consumer property the user may set) ----

  @Test
  void consumerGroupProtocol_pauseResumeCommitAndClose_asWithTheClassicOne() throws Exception {
    kafka.createTopic("adv-kip848", 2);
    RawKafka raw = raw();
    int total = 40;
    for (int i = 0; i < total; i++) {
      raw.sendTo("adv-kip848", null, utf8("k" + (i % 4)), seq("gp.n", i));
    }
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    EventBus bus = closing(EventBus.builder().name("gp").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.REJECT).build());
    CountDownLatch gate = new CountDownLatch(1);
    List<Event<?>> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("gp.*", e -> {
      gate.await(60, TimeUnit.SECONDS);
      seen.add(e);
    });
    KafkaBridge bridge = bridge(bus).consume("adv-kip848").groupId("adv-kip848")
        .consumerProperty("group.protocol", "consumer")
        .pauseBackoff(Duration.ofMillis(10)).build();
    try {
      Eventually.await(() -> bridge.metrics().pauses() >= 2, bridge::metrics);
      gate.countDown();
      Eventually.await(() -> seen.size() >= total && bridge.metrics().lag() == 0,
          () -> seen.size() + " " + bridge.metrics());
    } finally {
      gate.countDown();
      bridge.close();
    }
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(seen.stream().map(BridgeProbes::n).sorted().toList())
        .as("every record once").isEqualTo(range(total));
    for (int k = 0; k < 4; k++) {
      int key = k;
      soft.assertThat(seen.stream().map(BridgeProbes::n).filter(n -> n % 4 == key).toList())
          .as("key k%d in order", key).isSorted();
    }
    soft.assertThat(bridge.metrics().consumed()).as("consumed").isEqualTo(total);
    soft.assertThat(bridge.metrics().pausedPartitions()).as("paused after close").isZero();
    soft.assertThat(raw.committed("adv-kip848", "adv-kip848", 0)
        + raw.committed("adv-kip848", "adv-kip848", 1)).as("committed").isEqualTo(total);
    List<String> left = Thread.getAllStackTraces().keySet().stream()
        .filter(th -> !before.contains(th) && th.isAlive())
        .map(Thread::getName)
        .filter(name -> name.contains("eventbus-") || name.contains("consumer_background")
            || name.contains("heartbeat") || name.contains("adv-kip848"))
        .toList();
    soft.assertThat(left).as("threads left after close").isEmpty();
    soft.assertAll();
  }

  // ---- BLOCK without a timeout, held past max.poll.interval.ms ----

  @Test
  void blockPastMaxPollInterval_memberLeavesAndRejoins_busSeesEachEventOnce() throws Exception {
    kafka.createTopic("adv-maxpoll", 1);
    RawKafka raw = raw();
    int first = 10;
    for (int i = 0; i < first; i++) {
      raw.send("adv-maxpoll", seq("mp.n", i));
    }
    EventBus bus = closing(EventBus.builder().name("maxpoll").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.BLOCK).build());
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    AtomicBoolean entered = new AtomicBoolean();
    bus.subscribe("mp.*", e -> {
      entered.set(true);
      gate.await(60, TimeUnit.SECONDS);
      seen.add(n(e));
    });
    KafkaBridge bridge = closing(bridge(bus).consume("adv-maxpoll").groupId("adv-maxpoll")
        .consumerProperty("max.poll.interval.ms", 3_000).build());

    Eventually.await(entered::get, bridge::metrics);
    // The consumer thread is now blocked in publish (queue of 2 full); wait for the group
    // coordinator to see the member leave after max.poll.interval.ms.
    boolean left = within(Duration.ofSeconds(40), () -> {
      try {
        ConsumerGroupDescription g = kafka.admin().describeConsumerGroups(List.of("adv-maxpoll"))
            .all().get(10, TimeUnit.SECONDS).get("adv-maxpoll");
        return g.members().isEmpty();
      } catch (Exception e) {
        return false;
      }
    });
    gate.countDown();
    int total = first * 2;
    for (int i = first; i < total; i++) {
      raw.send("adv-maxpoll", seq("mp.n", i));
    }
    Eventually.await(() -> seen.size() >= total && bridge.metrics().lag() == 0,
        () -> seen + " " + bridge.metrics());
    // Whatever redelivery there is has happened once the lag is 0 and the offsets are committed.
    Eventually.await(() -> {
      try {
        return raw.committed("adv-maxpoll", "adv-maxpoll", 0) == total;
      } catch (Exception e) {
        return false;
      }
    }, bridge::metrics);
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(left).as("the member left the group (probe precondition)").isTrue();
    soft.assertThat(seen).as("bus saw each event once, in order; metrics %s", bridge.metrics())
        .isEqualTo(range(total));
    soft.assertThat(bridge.metrics().consumed()).as("consumed").isEqualTo(total);
    soft.assertAll();
  }

  // ---- nothing logged with payloads or unescaped record text ----

  @Test
  void hostileIdsAndPayloads_neverReachTheLogUnescaped() throws Exception {
    kafka.createTopic("adv-logs", 1);
    RawKafka raw = raw();
    String t = "adv-logs";
    // A valid event whose id forges a log line (newline, U+2028, ESC, bidi override) and whose
    // data carries a secret; its handler fails, and nothing subscribes to DeadLetter.
    String forged = "id-1\\nFORGED-A\\u2028FORGED-B\\u001b[31mRED\\u202eRLO";
    raw.send(t, utf8("{\"event_id\":\"" + forged + "\",\"type\":\"log.x\","
        + "\"timestamp\":\"2026-01-01T00:00:00Z\",\"source\":\"src\\nFORGED-C\","
        + "\"correlation_id\":\"c\\nFORGED-D\",\"headers\":{\"h\\nFORGED-E\":\"v\"},"
        + "\"data\":{\"secret\":\"SECRET-PAYLOAD-1\"}}"));
    // Records that are not events, each with the secret and forged lines in its text.
    raw.send(t, utf8("SECRET-PAYLOAD-2: \nFORGED-F"));
    raw.send(t, utf8("{\"event_id\":\"e\",\"type\":\"log.x\",\"timestamp\":\"SECRET-PAYLOAD-3\\nFORGED-G\"}"));
    raw.send(t, utf8("{\"event_id\":\"e\",\"type\":\"log x\\nFORGED-H\",\"timestamp\":"
        + "\"2026-01-01T00:00:00Z\",\"data\":{\"s\":\"SECRET-PAYLOAD-4\"}}"));
    raw.send(t, utf8("{\"SECRET-PAYLOAD-5\nFORGED-I\": }"));
    raw.send(t, line("log.end", Map.of()));
    String text;
    try (StderrCapture stderr = new StderrCapture()) {
      EventBus bus = bus("logs");
      AtomicInteger failures = new AtomicInteger();
      bus.onType("log.x").name("failing").subscribeEnvelope(e -> {
        failures.incrementAndGet();
        throw new IllegalStateException("probe handler failure");
      });
      Received end = Received.on(bus, "log.end");
      KafkaBridge bridge = closing(bridge(bus).format(TYPED).consume(t).groupId("adv-logs")
          .build());
      end.awaitAtLeast(1);
      Eventually.await(() -> bridge.metrics().lag() == 0 && bridge.metrics().undecodable() == 4
          && failures.get() >= 1, bridge::metrics);
      bridge.close();
      bus.close();
      text = stderr.text();
    }
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(text).as("a payload in the log").doesNotContain("SECRET-PAYLOAD");
    soft.assertThat(text.lines().filter(l -> l.startsWith("FORGED")).toList())
        .as("forged log lines").isEmpty();
    soft.assertThat(text).as("raw control/format characters in the log")
        .doesNotContain("\u2028", "\u001b", "\u202e");
    soft.assertAll();
  }

  // ---- close while a partition is paused, then a new member: nothing lost or repeated ----

  @Test
  void closeWhilePaused_thenANewBridgeOfTheGroup_deliversTheRestOnceInOrder() throws Exception {
    kafka.createTopic("adv-pausedclose", 1);
    RawKafka raw = raw();
    int total = 30;
    for (int i = 0; i < total; i++) {
      raw.send("adv-pausedclose", seq("pc.n", i));
    }
    EventBus bus = closing(EventBus.builder().name("pausedclose").workers(1).queueCapacity(2)
        .backpressure(BackpressurePolicy.REJECT).build());
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("pc.*", e -> {
      gate.await(60, TimeUnit.SECONDS);
      seen.add(n(e));
    });
    KafkaBridge first = bridge(bus).consume("adv-pausedclose").groupId("adv-pc")
        .pauseBackoff(Duration.ofMillis(10)).build();
    try {
      Eventually.await(() -> first.metrics().pauses() >= 3, first::metrics);
    } finally {
      first.close();
    }
    long acceptedByFirst = first.metrics().consumed();
    long committed = raw.committed("adv-pc", "adv-pausedclose", 0);
    gate.countDown();
    KafkaBridge second = closing(bridge(bus).consume("adv-pausedclose").groupId("adv-pc").build());
    Eventually.await(() -> seen.size() >= total && second.metrics().lag() == 0,
        () -> seen + " " + second.metrics());
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(committed).as("committed by the closing bridge = what its bus accepted")
        .isEqualTo(acceptedByFirst);
    soft.assertThat(seen).as("each once, in order").isEqualTo(range(total));
    soft.assertThat(first.metrics().pausedPartitions()).as("paused after close").isZero();
    soft.assertThat(second.metrics().consumed()).as("second consumed")
        .isEqualTo(total - acceptedByFirst);
    soft.assertAll();
  }

  // ---- an interrupt of the closing thread while the producer's close waits for its sender ----

  @Test
  @org.junit.jupiter.api.Timeout(180)
  void closerInterruptedDuringTheProducersClose_deadLettersStayOffTheNetworkThread_andItEnds()
      throws Exception {
    KafkaBroker doomed = new KafkaBroker();
    doomed.beforeAll(null);
    boolean stopped = false;
    try {
      doomed.createTopic("adv-intr", 1);
      EventBus bus = bus("intr");
      List<String> deadThreads = new CopyOnWriteArrayList<>();
      List<DeadLetter> dead = new CopyOnWriteArrayList<>();
      bus.subscribe(DeadLetter.class, d -> {
        deadThreads.add(Thread.currentThread().getName());
        dead.add(d);
      });
      // Records wait in the producer's accumulator (linger 60 s) until close() flushes them to
      // a broker that is gone by then: the sender retries them for the delivery timeout.
      KafkaBridge bridge = KafkaBridge.builder(bus).bootstrapServers(doomed.bootstrapServers())
          .produce("intr.*", "adv-intr").closeTimeout(Duration.ofSeconds(6))
          .producerProperty("linger.ms", 60_000)
          .producerProperty("batch.size", 1_000_000)
          .producerProperty("delivery.timeout.ms", 120_000)
          .producerProperty("request.timeout.ms", 30_000)
          .producerProperty("max.block.ms", 5_000)
          .build();
      int total = 1_000; // about 570 kB: one batch, under batch.size, so none is sent before close
      for (int i = 0; i < total; i++) {
        bus.publishSync(DynamicEvent.of("intr.n", Map.of("n", i, "pad", "x".repeat(200))),
            io.github.eventbus.Metadata.builder().correlationId("k" + (i % 50)).build());
      }
      assertThat(bridge.metrics().produced()).as("probe precondition: nothing sent yet").isZero();
      doomed.afterAll(null);
      stopped = true;
      String network = "kafka-producer-network-thread | eventbus-intr-out";
      AtomicBoolean networkAliveAtReturn = new AtomicBoolean();
      AtomicBoolean flagKept = new AtomicBoolean();
      Thread closer = new Thread(() -> {
        bridge.close();
        flagKept.set(Thread.currentThread().isInterrupted());
        networkAliveAtReturn.set(threadNames().contains(network));
      }, "adv-closer");
      closer.start();
      boolean inProducerClose = within(Duration.ofSeconds(20), () -> {
        StackTraceElement[] st = closer.getStackTrace();
        boolean join = st.length > 0 && java.util.Arrays.stream(st)
            .anyMatch(f -> f.getMethodName().equals("join"));
        boolean producerClose = java.util.Arrays.stream(st).anyMatch(f ->
            f.getClassName().equals("org.apache.kafka.clients.producer.KafkaProducer")
            && f.getMethodName().equals("close"));
        return join && producerClose;
      });
      closer.interrupt();
      closer.join(TimeUnit.SECONDS.toMillis(60));
      boolean networkAliveAfter = threadNames().contains(network);
      boolean settled = within(Duration.ofSeconds(30), () -> {
        KafkaBridgeMetrics m = bridge.metrics();
        return m.produced() + m.produceFailed() == total && dead.size() == m.produceFailed();
      });
      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(inProducerClose).as("probe precondition: closer seen in producer close")
          .isTrue();
      soft.assertThat(closer.isAlive()).as("close() returned").isFalse();
      soft.assertThat(flagKept).as("closer's interrupt flag kept").isTrue();
      soft.assertThat(networkAliveAtReturn).as("producer network thread alive as close() returned"
          + " (still alive after the closer ended: %s)", networkAliveAfter)
          .isFalse();
      soft.assertThat(settled).as("every event sent or dead-lettered: %s, dead letters %s",
          bridge.metrics(), dead.size()).isTrue();
      soft.assertThat(deadThreads.stream().filter(n -> n.startsWith("kafka-producer-network"))
          .count()).as("dead letters published on the producer's network thread (of %s)",
          deadThreads.size()).isZero();
      soft.assertAll();
    } finally {
      if (!stopped) {
        doomed.afterAll(null);
      }
    }
  }

  // ---- a missing inbound topic: a failed poll, counted and warned about, as the README says ----

  @Test
  void missingInboundTopic_isCountedInPollFailures_andConsumingStartsOnceItExists()
      throws Exception {
    EventBus bus = bus("missing");
    Received events = Received.on(bus, "miss.*");
    KafkaBridge bridge = closing(bridge(bus).consume("adv-missing").groupId("adv-missing")
        .build());
    boolean counted = within(Duration.ofSeconds(15), () -> bridge.metrics().pollFailures() > 0);
    KafkaBridgeMetrics whileMissing = bridge.metrics();
    kafka.createTopic("adv-missing", 1);
    raw().send("adv-missing", seq("miss.n", 0));
    boolean arrived = within(Duration.ofSeconds(60), () -> events.size() == 1);
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(counted).as("pollFailures rose within 15 s of polling a missing topic: %s",
        whileMissing).isTrue();
    soft.assertThat(arrived).as("a record arrived once the topic was created: %s",
        bridge.metrics()).isTrue();
    soft.assertAll();
  }

  @Test
  void missingSecondTopic_isCounted_whileTheFirstIsConsumed_andExistingTopicsAloneAreNot()
      throws Exception {
    kafka.createTopic("adv-present", 1);
    EventBus mixedBus = bus("mixed");
    Received mixed = Received.on(mixedBus, "present.*");
    KafkaBridge mixedBridge = closing(bridge(mixedBus).consume("adv-present", "adv-misspelt")
        .groupId("adv-mixed").build());
    EventBus presentBus = bus("present");
    Received present = Received.on(presentBus, "present.*");
    KafkaBridge presentBridge = closing(bridge(presentBus).consume("adv-present")
        .groupId("adv-present").build());
    raw().send("adv-present", seq("present.n", 0));
    // Each bridge has polled, and so looked at its topics, once its record has arrived.
    boolean arrived =
        within(Duration.ofSeconds(60), () -> mixed.size() == 1 && present.size() == 1);
    boolean counted = within(Duration.ofSeconds(15),
        () -> mixedBridge.metrics().pollFailures() > 0);
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(arrived).as("the existing topic's record reached both buses").isTrue();
    soft.assertThat(counted).as("the misspelt second topic counted: %s", mixedBridge.metrics())
        .isTrue();
    soft.assertThat(presentBridge.metrics().pollFailures()).as("existing topics alone")
        .isZero();
    soft.assertAll();
  }

  private static List<Integer> range(int n) {
    List<Integer> r = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      r.add(i);
    }
    return r;
  }
}
