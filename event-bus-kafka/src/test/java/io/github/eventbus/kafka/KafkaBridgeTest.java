package io.github.eventbus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.BackpressurePolicy;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Metadata;
import io.github.eventbus.audit.AuditFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bridge against a real single-node KRaft broker started by this class. */
class KafkaBridgeTest {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  private static final AuditFormat TYPED = AuditFormat.builder().register(OrderPlaced.class).build();

  @RegisterExtension final Resources resources = new Resources();

  private <T extends AutoCloseable> T closing(T resource) {
    return resources.closing(resource);
  }

  private EventBus bus(String name) {
    return closing(EventBus.builder().name(name).build());
  }

  private KafkaBridgeBuilder bridge(EventBus bus) {
    return KafkaBridge.builder(bus).bootstrapServers(kafka.bootstrapServers())
        .pollTimeout(Duration.ofMillis(100));
  }

  @Test
  void twoBuses_roundTripTypedDynamicUnicodeAndOneMegabyte() throws Exception {
    kafka.createTopic("round-trip", 1);
    EventBus sender = bus("sender");
    EventBus receiver = bus("receiver");
    Received sent = Received.on(sender, "*");
    Received received = Received.on(receiver, "*");
    KafkaBridge out = closing(bridge(sender).produce("orders.*", "round-trip")
        .produce("chat.*", "round-trip").key(RecordKey.type())
        .producerProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, KafkaBroker.MAX_MESSAGE_BYTES)
        .build());
    KafkaBridge in = closing(bridge(receiver).format(TYPED).consume("round-trip")
        .groupId("round-trip").build());

    String unicode = "Zoë ✓ 東京 🚀 \u0000 \"quoted\" \\ end";
    String megabyte = "x€".repeat(350_000); // 1,050,000 characters, 1.4 MB of UTF-8
    sender.publish(new OrderPlaced("o-1", unicode, 3),
        Metadata.builder().correlationId("c-1").header("tenant", "acme").build());
    sender.publish(DynamicEvent.of("chat.message", Map.of("text", unicode, "n", 7)));
    sender.publish(DynamicEvent.of("chat.blob", Map.of("blob", megabyte)));

    // Two routes are two subscriptions, each in order, but not ordered with each other.
    Map<String, Event<?>> got = byType(received.awaitAtLeast(3));
    Map<String, Event<?>> local = byType(sent.awaitAtLeast(3));
    assertThat(got).containsOnlyKeys("orders.placed", "chat.message", "chat.blob");
    Event<?> order = got.get("orders.placed");
    assertThat(order.payload()).isEqualTo(new OrderPlaced("o-1", unicode, 3));
    assertThat(order.metadata().correlationId()).hasValue("c-1");
    assertThat(order.metadata().headers()).containsEntry("tenant", "acme")
        .containsKey(BridgeHeaders.ORIGIN);
    assertThat(order.metadata().headers().get(BridgeHeaders.ORIGIN)).startsWith("round-trip/0/");
    assertThat(got.get("chat.message").payload()).isEqualTo(DynamicEvent.of("chat.message",
        Map.of("text", unicode, "n", 7)));
    assertThat(((DynamicEvent) got.get("chat.blob").payload()).get("blob")).isEqualTo(megabyte);
    for (String type : got.keySet()) {
      assertThat(got.get(type).id()).isEqualTo(local.get(type).id());
      assertThat(got.get(type).timestamp()).isEqualTo(local.get(type).timestamp());
      assertThat(got.get(type).source()).isEqualTo(local.get(type).source());
    }
    Eventually.await(() -> out.metrics().produced() == 3, out::metrics);
    assertThat(in.metrics().consumed()).isEqualTo(3);
    assertThat(in.metrics().deadLetters()).isZero();
    Eventually.await(() -> in.metrics().lag() == 0, in::metrics);

    // The records themselves: audit-format values and the documented headers.
    Map<String, ConsumerRecord<byte[], byte[]>> raw = new HashMap<>();
    readAll("round-trip", 3).forEach(r -> raw.put(header(r, BridgeHeaders.TYPE), r));
    ConsumerRecord<byte[], byte[]> first = raw.get("orders.placed");
    assertThat(header(first, BridgeHeaders.EVENT_ID)).isEqualTo(order.id());
    assertThat(header(first, BridgeHeaders.SOURCE)).isEqualTo(order.source());
    assertThat(header(first, BridgeHeaders.CORRELATION_ID)).isEqualTo("c-1");
    assertThat(header(first, BridgeHeaders.FORMAT_VERSION)).isEqualTo("1");
    assertThat(header(first, BridgeHeaders.BRIDGE)).isEqualTo(out.instanceId());
    assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo("orders.placed");
    assertThat(TYPED.decode(new String(first.value(), StandardCharsets.UTF_8)).eventId())
        .isEqualTo(order.id());
    assertThat(raw.get("chat.message").headers().lastHeader(BridgeHeaders.CORRELATION_ID))
        .isNull();
  }

  private static Map<String, Event<?>> byType(List<Event<?>> events) {
    Map<String, Event<?>> map = new HashMap<>();
    events.forEach(e -> assertThat(map.put(e.type(), e)).as("duplicate %s", e.type()).isNull());
    return map;
  }

  @Test
  void consumerRestartedMidStream_resumesFromCommittedOffset_nothingLostNothingRepeated()
      throws Exception {
    kafka.createTopic("restart", 1);
    int total = 300;
    produceSequence("restart", "seq.n", total);

    EventBus first = bus("first");
    List<Integer> firstSeen = new CopyOnWriteArrayList<>();
    AtomicReference<KafkaBridge> firstBridge = new AtomicReference<>();
    CountDownLatch built = new CountDownLatch(1);
    int stopAt = 50;
    first.subscribe("seq.*", e -> {
      firstSeen.add(((Number) ((DynamicEvent) e.payload()).get("n")).intValue());
      if (firstSeen.size() == stopAt && built.await(60, TimeUnit.SECONDS)) {
        // Closed from its handler on the consumer thread, the bridge stops after this record,
        // with 250 still in the topic: mid-stream whatever the machine's speed. (Closed from the
        // test thread once 50 were seen, a loaded machine had consumed all 300 first.)
        firstBridge.get().close();
      }
    });
    firstBridge.set(bridge(first).consume("restart").groupId("restart")
        .synchronousDelivery(true).build());
    built.countDown();
    // The consumer thread commits what was accepted as it stops.
    Eventually.await(() -> committedOffsetOrZeroQuietly("restart", "restart") == stopAt,
        () -> "committed " + committedOffsetOrZeroQuietly("restart", "restart") + ", seen "
            + firstSeen.size());
    assertThat(firstSeen).hasSize(stopAt);

    EventBus second = bus("second");
    Received secondSeen = Received.on(second, "seq.*");
    closing(bridge(second).consume("restart").groupId("restart").build());
    List<Event<?>> rest = secondSeen.awaitAtLeast(total - firstSeen.size());

    List<Integer> all = new ArrayList<>(firstSeen);
    rest.forEach(e -> all.add(((Number) ((DynamicEvent) e.payload()).get("n")).intValue()));
    assertThat(all).hasSize(total);
    for (int i = 0; i < total; i++) {
      assertThat(all.get(i)).isEqualTo(i);
    }
  }

  @Test
  void poisonRecords_becomeDeadLetters_andThePartitionMovesOn() throws Exception {
    kafka.createTopic("poison", 1);
    try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
      send(raw, "poison", encode(DynamicEvent.of("ok.first", Map.of())), null);
      send(raw, "poison", "not json at all".getBytes(StandardCharsets.UTF_8), null);
      send(raw, "poison", new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, null); // bad UTF-8
      send(raw, "poison", "{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8), null);
      send(raw, "poison", null, null);
      byte[] wrongShape = ("{\"format_version\":1,\"timestamp\":\"2026-01-01T00:00:00Z\","
          + "\"event_id\":\"x-1\",\"type\":\"orders.placed\",\"source\":\"s\","
          + "\"data\":{\"quantity\":\"many\"}}").getBytes(StandardCharsets.UTF_8);
      send(raw, "poison", wrongShape, null);
      send(raw, "poison", encode(DynamicEvent.of("ok.future", Map.of())), "2");
      send(raw, "poison", encode(DynamicEvent.of("ok.last", Map.of())), null);
    }
    EventBus bus = bus("poisoned");
    Received events = Received.on(bus, "ok.*");
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, dead::add);
    KafkaBridge bridge = closing(bridge(bus).format(TYPED).consume("poison").groupId("poison")
        .build());

    assertThat(events.awaitAtLeast(2)).extracting(Event::type).containsExactly("ok.first", "ok.last");
    Eventually.await(() -> dead.size() >= 6, dead::toString);
    assertThat(dead).extracting(d -> ((UndecodableRecord) d.event().payload()).offset())
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(dead).allSatisfy(d -> {
      assertThat(d.cause()).isInstanceOf(KafkaBridgeException.class);
      assertThat(d.attempts()).isZero();
      assertThat(d.event().type()).isEqualTo("kafka.undecodable_record");
    });
    assertThat(dead).extracting(d -> ((UndecodableRecord) d.event().payload()).reason())
        .satisfiesExactly(
            r -> assertThat(r).startsWith("not JSON"),
            r -> assertThat(r).isEqualTo("the value is not UTF-8"),
            r -> assertThat(r).contains("missing event_id"),
            r -> assertThat(r).isEqualTo("the record has no value"),
            r -> assertThat(r).isEqualTo(
                "the data does not decode into the class registered for its type"),
            r -> assertThat(r).contains("format_version"));
    assertThat(dead).allSatisfy(d -> assertThat(d.cause().getMessage())
        .doesNotContain("json at all", "Unrecognized", "many", "hello", "world"));
    assertThat(bridge.metrics().undecodable()).isEqualTo(6);
    assertThat(bridge.metrics().consumed()).isEqualTo(2);
    bridge.close();
    assertThat(committedOffset("poison", "poison")).isEqualTo(8);
  }

  @Test
  void fullLocalBus_pausesThePartition_thenDeliversEverythingInOrder() throws Exception {
    kafka.createTopic("full", 1);
    int total = 60;
    produceSequence("full", "load.n", total);
    EventBus bus = closing(EventBus.builder().name("full").workers(1).queueCapacity(4)
        .backpressure(BackpressurePolicy.REJECT).build());
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, dead::add);
    bus.subscribe("load.*", e -> {
      gate.await();
      seen.add(((Number) ((DynamicEvent) e.payload()).get("n")).intValue());
    });
    KafkaBridge bridge = closing(bridge(bus).consume("full").groupId("full")
        .pauseBackoff(Duration.ofMillis(20)).build());

    Eventually.await(() -> bridge.metrics().pauses() >= 3, bridge::metrics);
    assertThat(bus.metrics().queueDepth()).isLessThanOrEqualTo(4);
    assertThat(bridge.metrics().consumed()).isLessThanOrEqualTo(5);
    assertThat(committedOffsetOrZero("full", "full")).isLessThanOrEqualTo(5);
    gate.countDown();

    Eventually.await(() -> seen.size() >= total, () -> seen.size() + " " + bridge.metrics());
    assertThat(seen).hasSize(total);
    for (int i = 0; i < total; i++) {
      assertThat(seen.get(i)).isEqualTo(i);
    }
    assertThat(dead).isEmpty();
    assertThat(bridge.metrics().consumed()).isEqualTo(total);
    Eventually.await(() -> bridge.metrics().pausedPartitions() == 0, bridge::metrics);
  }

  @Test
  void anEventFromKafkaMatchingTwoRoutes_isCountedNotProducedBackOnce() throws Exception {
    kafka.createTopic("nb-in", 1);
    EventBus bus = bus("not-back");
    KafkaBridge bridge = closing(bridge(bus).produce("nb.*", "nb-out-1")
        .produce("nb.placed", "nb-out-2").consume("nb-in").groupId("not-back").build());
    closing(new RawKafka(kafka)).send("nb-in", RawKafka.line("nb.placed", Map.of("n", 1)));
    Eventually.await(() -> bridge.metrics().notProducedBack() >= 1, bridge::metrics);
    bridge.close(); // the bus's queue for both routes is drained first
    assertThat(bridge.metrics().consumed()).isEqualTo(1);
    assertThat(bridge.metrics().notProducedBack()).as("one event, not one per route").isEqualTo(1);
    assertThat(bridge.metrics().produced()).isZero();
  }

  @Test
  void twoBridgedBusesPublishingToEachOther_doNotLoop() throws Exception {
    kafka.createTopic("loop", 1);
    EventBus a = bus("a");
    EventBus b = bus("b");
    Received atA = Received.on(a, "chat.*");
    Received atB = Received.on(b, "chat.*");
    KafkaBridge bridgeA = closing(bridge(a).produce("chat.*", "loop").consume("loop")
        .groupId("a").build());
    KafkaBridge bridgeB = closing(bridge(b).produce("chat.*", "loop").consume("loop")
        .groupId("b").build());

    a.publish(DynamicEvent.of("chat.from_a", Map.of()));
    b.publish(DynamicEvent.of("chat.from_b", Map.of()));
    atA.awaitAtLeast(2);
    atB.awaitAtLeast(2);
    a.publish(DynamicEvent.of("chat.sentinel", Map.of()));
    Eventually.await(() -> atB.all().stream().anyMatch(e -> e.type().equals("chat.sentinel")),
        atB::all);
    Eventually.await(() -> bridgeA.metrics().ownRecords() == 2, bridgeA::metrics);
    Eventually.await(() -> bridgeB.metrics().ownRecords() == 1, bridgeB::metrics);
    bridgeA.close();
    bridgeB.close(); // flushes anything an outbound side might still have had to send

    assertThat(bridgeA.metrics().produced()).isEqualTo(2);
    assertThat(bridgeB.metrics().produced()).isEqualTo(1);
    // What each received matched its produce pattern too, and is counted as not produced back.
    assertThat(bridgeA.metrics().notProducedBack()).isEqualTo(1);
    assertThat(bridgeB.metrics().notProducedBack()).isEqualTo(2);
    assertThat(endOffset("loop")).isEqualTo(3);
    assertThat(atA.all()).extracting(Event::type)
        .containsExactlyInAnyOrder("chat.from_a", "chat.from_b", "chat.sentinel");
    assertThat(atB.all()).extracting(Event::type)
        .containsExactlyInAnyOrder("chat.from_a", "chat.from_b", "chat.sentinel");
  }

  @Test
  void redeliveredEventId_isSkippedWithinTheWindow() throws Exception {
    kafka.createTopic("dupes", 1);
    byte[] once = encode(DynamicEvent.of("dup.event", Map.of("n", 1)));
    try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
      send(raw, "dupes", once, null);
      send(raw, "dupes", once, null);
      send(raw, "dupes", encode(DynamicEvent.of("dup.other", Map.of())), null);
    }
    EventBus bus = bus("dupes");
    Received events = Received.on(bus, "dup.*");
    KafkaBridge bridge = closing(bridge(bus).consume("dupes").groupId("dupes").build());
    assertThat(events.awaitAtLeast(2)).extracting(Event::type)
        .containsExactly("dup.event", "dup.other");
    assertThat(bridge.metrics().duplicates()).isEqualTo(1);
    assertThat(bridge.metrics().consumed()).isEqualTo(2);
  }

  @Test
  void sendThatFails_becomesDeadLetter() throws Exception {
    EventBus bus = bus("failing");
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, dead::add);
    kafka.createTopic("big-out", 1);
    KafkaBridge bridge = closing(bridge(bus).produce("big.*", "big-out")
        .produce("missing.*", "no-such-topic")
        .producerProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000)
        .build());
    bus.publish(DynamicEvent.of("big.event", Map.of("blob", "y".repeat(2_000_000))));
    bus.publish(DynamicEvent.of("missing.event", Map.of()));

    Eventually.await(() -> dead.size() >= 2, dead::toString);
    assertThat(dead).extracting(d -> d.event().type())
        .containsExactlyInAnyOrder("big.event", "missing.event");
    assertThat(dead).allSatisfy(d -> {
      assertThat(d.cause()).isInstanceOf(KafkaBridgeException.class);
      assertThat(d.subscriber()).startsWith("kafka ");
    });
    assertThat(dead).filteredOn(d -> d.event().type().equals("big.event")).singleElement()
        .satisfies(d -> assertThat(d.cause()).hasRootCauseInstanceOf(
            org.apache.kafka.common.errors.RecordTooLargeException.class));
    assertThat(bridge.metrics().produceFailed()).isEqualTo(2);
    assertThat(bridge.metrics().produced()).isZero();
  }

  @Test
  void manyPartitions_keepPerKeyOrder() throws Exception {
    kafka.createTopic("keyed", 4);
    EventBus sender = bus("keyed-sender");
    EventBus receiver = bus("keyed-receiver");
    Map<String, List<Integer>> byKey = new HashMap<>();
    receiver.subscribe("keyed.*", e -> {
      synchronized (byKey) {
        byKey.computeIfAbsent(e.metadata().correlationId().orElseThrow(), k -> new ArrayList<>())
            .add(((Number) ((DynamicEvent) e.payload()).get("n")).intValue());
      }
    });
    KafkaBridge in = closing(bridge(receiver).consume("keyed").groupId("keyed").build());
    closing(bridge(sender).produce("keyed.*", "keyed").build());
    int perKey = 100;
    for (int n = 0; n < perKey; n++) {
      for (int k = 0; k < 8; k++) {
        sender.publish(DynamicEvent.of("keyed.n", Map.of("n", n)),
            Metadata.builder().correlationId("key-" + k).build());
      }
    }
    Eventually.await(() -> in.metrics().consumed() == 8L * perKey, in::metrics);
    Eventually.await(() -> {
      synchronized (byKey) {
        return byKey.values().stream().mapToInt(List::size).sum() == 8 * perKey;
      }
    }, byKey::toString);
    synchronized (byKey) {
      assertThat(byKey).hasSize(8);
      byKey.values().forEach(list -> {
        for (int i = 0; i < perKey; i++) {
          assertThat(list.get(i)).isEqualTo(i);
        }
      });
    }
  }

  @Test
  void close_drainsSendsInFlight_andStopsTheBridgesThreads() throws Exception {
    kafka.createTopic("drain", 1);
    EventBus bus = bus("drainer");
    KafkaBridge bridge = bridge(bus).produce("drain.*", "drain").consume("drain")
        .groupId("drain").build();
    assertThat(threadNames()).contains("eventbus-kafka-drainer-in");
    int total = 500;
    for (int i = 0; i < total; i++) {
      bus.publishSync(DynamicEvent.of("drain.n", Map.of("n", i)));
    }
    bridge.close(); // right away: sends may still be in flight
    bridge.close(); // idempotent
    assertThat(bridge.metrics().produced()).isEqualTo(total);
    assertThat(bridge.metrics().produceFailed()).isZero();
    assertThat(endOffset("drain")).isEqualTo(total);
    Eventually.await(() -> threadNames().stream().noneMatch(n ->
        n.startsWith("eventbus-kafka-drainer") || n.endsWith("eventbus-drainer-out")),
        KafkaBridgeTest::threadNames);
  }

  @Test
  void busClosedUnderTheBridge_stopsConsuming_andCommitsOnlyWhatItAccepted() throws Exception {
    kafka.createTopic("closed-bus", 1);
    produceSequence("closed-bus", "gone.n", 100);
    EventBus bus = EventBus.builder().name("closing").build();
    CountDownLatch atTen = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    bus.subscribe("gone.*", e -> {
      int n = ((Number) ((DynamicEvent) e.payload()).get("n")).intValue();
      seen.add(n);
      if (n == 10) {
        atTen.countDown();
        gate.await();
      }
    });
    KafkaBridge bridge = closing(bridge(bus).consume("closed-bus").groupId("closed-bus")
        .synchronousDelivery(true).build());
    assertThat(atTen.await(60, TimeUnit.SECONDS)).isTrue();
    Thread closer = new Thread(bus::close, "test-bus-closer");
    closer.start();
    Eventually.await(bus::isClosed, () -> "bus not closing");
    gate.countDown();
    closer.join(60_000);
    Eventually.await(() -> !threadNames().contains("eventbus-kafka-closing-in"),
        KafkaBridgeTest::threadNames);
    bridge.close();
    assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    assertThat(committedOffset("closed-bus", "closed-bus")).isEqualTo(11);
    assertThat(bridge.metrics().consumed()).isEqualTo(11);
  }

  @Test
  void busClosedWhileTheBridgeIsIdle_stopsTheConsumer() throws Exception {
    kafka.createTopic("idle", 1);
    EventBus bus = EventBus.builder().name("idle").build();
    closing(bridge(bus).consume("idle").groupId("idle").build());
    Eventually.await(() -> threadNames().contains("eventbus-kafka-idle-in"),
        KafkaBridgeTest::threadNames);
    bus.close();
    Eventually.await(() -> !threadNames().contains("eventbus-kafka-idle-in"),
        KafkaBridgeTest::threadNames);
  }

  private static List<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
  }

  @Test
  void manyPublisherThreads_everyEventArrivesExactlyOnce() throws Exception {
    kafka.createTopic("threads", 3);
    EventBus sender = bus("threads-sender");
    EventBus receiver = bus("threads-receiver");
    Map<String, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
    receiver.subscribe("threads.*", e -> counts.merge(
        (String) ((DynamicEvent) e.payload()).get("id"), 1, Integer::sum));
    KafkaBridge in = closing(bridge(receiver).consume("threads").groupId("threads").build());
    KafkaBridge out = closing(bridge(sender).produce("threads.*", "threads").build());
    int threads = 4;
    int each = 250;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> publishers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread p = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          // publishSync: the bridge's handler runs on all four threads at once
          sender.publishSync(DynamicEvent.of("threads.n", Map.of("id", id + "-" + i)),
              Metadata.builder().correlationId("t" + id).build());
        }
      }, "test-publisher-" + t);
      publishers.add(p);
      p.start();
    }
    start.countDown();
    for (Thread p : publishers) {
      p.join(60_000);
    }
    Eventually.await(() -> in.metrics().consumed() == threads * each, in::metrics);
    Eventually.await(() -> counts.size() == threads * each, counts::size);
    assertThat(counts.values()).containsOnly(1);
    assertThat(out.metrics().produced()).isEqualTo(threads * each);
  }

  @Test
  void unreachableBroker_sendsBecomeDeadLetters_andCloseStillReturns() throws Exception {
    int closedPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    EventBus bus = bus("unreachable");
    List<DeadLetter> dead = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, dead::add);
    KafkaBridge bridge = KafkaBridge.builder(bus).bootstrapServers("127.0.0.1:" + closedPort)
        .produce("nowhere.*", "nowhere").consume("nowhere").groupId("nowhere")
        .pollTimeout(Duration.ofMillis(100)).closeTimeout(Duration.ofSeconds(2))
        .producerProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, 500)
        .build();
    bus.publish(DynamicEvent.of("nowhere.event", Map.of()));
    Eventually.await(() -> dead.size() == 1, dead::toString);
    assertThat(dead.get(0).cause()).isInstanceOf(KafkaBridgeException.class)
        .hasMessageContaining("nowhere");
    long started = System.nanoTime();
    bridge.close();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    assertThat(threadNames()).noneMatch(n -> n.startsWith("eventbus-kafka-unreachable"));
  }

  @Test
  void groupMembersJoiningAndLeaving_handOverCommittedOffsets_nothingLostNothingTwice()
      throws Exception {
    kafka.createTopic("shared", 2);
    Map<Integer, Integer> counts = new java.util.concurrent.ConcurrentHashMap<>();
    EventBus one = bus("member-one");
    EventBus two = bus("member-two");
    for (EventBus b : List.of(one, two)) {
      b.subscribe("shared.*", e -> counts.merge(
          ((Number) ((DynamicEvent) e.payload()).get("n")).intValue(), 1, Integer::sum));
    }
    produceShared(0, 100);
    KafkaBridge first = bridge(one).consume("shared").groupId("shared")
        .synchronousDelivery(true).consumerProperty("max.poll.records", 20).build();
    Eventually.await(() -> counts.size() == 100, counts::size);
    KafkaBridge second = closing(bridge(two).consume("shared").groupId("shared")
        .synchronousDelivery(true).consumerProperty("max.poll.records", 20).build());
    Eventually.await(() -> second.metrics().lag() >= 0, second::metrics); // it has a partition
    produceShared(100, 400);
    Eventually.await(() -> counts.size() >= 250, counts::size);
    first.close(); // the second member takes over where the first stopped
    Eventually.await(() -> counts.size() == 400, counts::size);
    assertThat(counts.values()).containsOnly(1);
    assertThat(first.metrics().consumed()).isGreaterThan(100);
    assertThat(second.metrics().consumed()).isPositive();
    assertThat(first.metrics().consumed() + second.metrics().consumed()).isEqualTo(400);
  }

  private void produceShared(int from, int to) throws Exception {
    try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
      for (int n = from; n < to; n++) {
        raw.send(new ProducerRecord<>("shared", n % 2, null,
            encode(DynamicEvent.of("shared.n", Map.of("n", n)))));
      }
      raw.flush();
    }
  }

  // ---- raw Kafka helpers ----

  private static byte[] encode(DynamicEvent payload) {
    return AuditFormat.standard().encode(Event.builder(payload).id(java.util.UUID.randomUUID()
        .toString()).timestamp(Instant.parse("2026-01-01T00:00:00Z")).source("raw").build());
  }

  private void produceSequence(String topic, String type, int total) throws Exception {
    try (KafkaProducer<byte[], byte[]> raw = rawProducer()) {
      for (int n = 0; n < total; n++) {
        raw.send(new ProducerRecord<>(topic, encode(DynamicEvent.of(type, Map.of("n", n)))));
      }
      raw.flush();
    }
  }

  private KafkaProducer<byte[], byte[]> rawProducer() {
    Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers(), ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
        KafkaBroker.MAX_MESSAGE_BYTES);
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, byte[] value,
      String formatVersion) throws Exception {
    RecordHeaders headers = new RecordHeaders();
    if (formatVersion != null) {
      headers.add(BridgeHeaders.FORMAT_VERSION, formatVersion.getBytes(StandardCharsets.UTF_8));
    }
    producer.send(new ProducerRecord<byte[], byte[]>(topic, null, null, value, headers)).get(30, TimeUnit.SECONDS);
  }

  private List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int n) {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config,
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Eventually.DEADLINE.toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    assertThat(out).hasSize(n);
    return out;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private long committedOffset(String group, String topic) throws Exception {
    long offset = committedOffsetOrZero(group, topic);
    assertThat(offset).as("committed offset of %s", group).isPositive();
    return offset;
  }

  private long committedOffsetOrZeroQuietly(String group, String topic) {
    try {
      return committedOffsetOrZero(group, topic);
    } catch (Exception e) {
      return -1;
    }
  }

  private long committedOffsetOrZero(String group, String topic) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = kafka.admin()
        .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    OffsetAndMetadata o = offsets.get(new TopicPartition(topic, 0));
    return o == null ? 0 : o.offset();
  }

  private long endOffset(String topic) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    return kafka.admin().listOffsets(Map.of(tp,
            org.apache.kafka.clients.admin.OffsetSpec.latest()))
        .partitionResult(tp).get(30, TimeUnit.SECONDS).offset();
  }
}
