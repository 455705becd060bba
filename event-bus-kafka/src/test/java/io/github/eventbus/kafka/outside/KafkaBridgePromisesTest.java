package io.github.eventbus.kafka.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Metadata;
import io.github.eventbus.audit.AuditFormat;
import io.github.eventbus.kafka.BridgeHeaders;
import io.github.eventbus.kafka.KafkaBridge;
import io.github.eventbus.kafka.KafkaBridgeMetrics;
import io.github.eventbus.kafka.KafkaBroker;
import io.github.eventbus.kafka.RecordKey;
import io.github.eventbus.kafka.Resources;
import io.github.eventbus.kafka.UndecodableRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The promises of {@link KafkaBridge}, its builder, {@link RecordKey} and the record headers, as a
 * user sees them: a real in-process broker on 127.0.0.1, read back with the plain Kafka client.
 */
class KafkaBridgePromisesTest {

  @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();

  @RegisterExtension final Resources resources = new Resources();

  private <T extends AutoCloseable> T closing(T resource) {
    return resources.closing(resource);
  }

  private EventBus bus(String name) {
    return closing(EventBus.builder().name(name).build());
  }

  /** Waits up to 20 s for a condition that the bridge's own threads make true. */
  private static void await(BooleanSupplier condition, Object state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited 20 s; state: %s", state).isNegative();
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  private static long end(String topic) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    return kafka.admin().listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)
        .get(30, TimeUnit.SECONDS).offset();
  }

  /** Reads every record of a one-partition topic up to its end. */
  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) throws Exception {
    long end = end(topic);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (records.size() < end && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }

  private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
    Map<String, String> map = new HashMap<>();
    for (Header h : record.headers()) {
      map.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
    }
    return map;
  }

  @Test
  void twoPatternsOfOneTopic_produceAMatchingEventOnce_andAnotherTopicGetsItToo() throws Exception {
    kafka.createTopic("promise-once", 1);
    kafka.createTopic("promise-other", 1);
    EventBus shop = bus("promise-shop");
    KafkaBridge bridge = closing(KafkaBridge.builder(shop).bootstrapServers(kafka.bootstrapServers())
        .produce("orders.placed", "promise-once").produce("orders.*", "promise-once")
        .produce("*.placed", "promise-other").build());
    shop.publish(DynamicEvent.of("orders.placed", Map.of("n", 1)));
    shop.publish(DynamicEvent.of("orders.cancelled", Map.of("n", 2)));
    await(() -> bridge.metrics().produced() == 3, bridge.metrics());
    assertThat(end("promise-once")).isEqualTo(2);
    assertThat(end("promise-other")).isEqualTo(1);
    assertThat(readAll("promise-once")).extracting(r -> headers(r).get(BridgeHeaders.TYPE))
        .containsExactlyInAnyOrder("orders.placed", "orders.cancelled");
  }

  @Test
  void records_carryTheDocumentedHeaders_andAreKeyedByCorrelationIdByDefault() throws Exception {
    kafka.createTopic("promise-headers", 1);
    EventBus shop = bus("promise-headers-bus");
    KafkaBridge bridge = closing(KafkaBridge.builder(shop).bootstrapServers(kafka.bootstrapServers())
        .produce("orders.*", "promise-headers").build());
    assertThat(bridge.name()).isEqualTo("promise-headers-bus");
    assertThat(UUID.fromString(bridge.instanceId())).isNotNull();
    Event<?> correlated = Event.builder(DynamicEvent.of("orders.placed", Map.of("n", 1)))
        .id("evt-correlated").timestamp(Instant.parse("2026-01-01T00:00:00Z")).source("shop")
        .metadata(Metadata.builder().correlationId("customer-7").build()).build();
    shop.publish(correlated);
    await(() -> bridge.metrics().produced() == 1, bridge.metrics());
    shop.publish(DynamicEvent.of("orders.cancelled", Map.of("n", 2)));
    await(() -> bridge.metrics().produced() == 2, bridge.metrics());
    List<ConsumerRecord<byte[], byte[]>> records = readAll("promise-headers");
    assertThat(records).hasSize(2);
    Map<String, String> first = headers(records.get(0));
    assertThat(first).containsEntry(BridgeHeaders.EVENT_ID, "evt-correlated")
        .containsEntry(BridgeHeaders.TYPE, "orders.placed")
        .containsEntry(BridgeHeaders.SOURCE, "shop")
        .containsEntry(BridgeHeaders.CORRELATION_ID, "customer-7")
        .containsEntry(BridgeHeaders.FORMAT_VERSION, String.valueOf(AuditFormat.VERSION))
        .containsEntry(BridgeHeaders.BRIDGE, bridge.instanceId());
    assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("customer-7");
    assertThat(headers(records.get(1))).doesNotContainKey(BridgeHeaders.CORRELATION_ID)
        .containsEntry(BridgeHeaders.TYPE, "orders.cancelled");
    assertThat(records.get(1).key()).isNull();
  }

  @Test
  void recordKeyType_keysByTypeName_andAProduceOnlyBridgeHasNoLag() throws Exception {
    kafka.createTopic("promise-typed-key", 1);
    EventBus shop = bus("promise-key-bus");
    KafkaBridge bridge = closing(KafkaBridge.builder(shop).bootstrapServers(kafka.bootstrapServers())
        .name("keyed").instanceId("process-1").key(RecordKey.type())
        .produce("orders.*", "promise-typed-key").build());
    shop.publish(DynamicEvent.of("orders.placed", Map.of("n", 1)),
        Metadata.builder().correlationId("ignored").build());
    await(() -> bridge.metrics().produced() == 1, bridge.metrics());
    ConsumerRecord<byte[], byte[]> record = readAll("promise-typed-key").get(0);
    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("orders.placed");
    assertThat(headers(record)).containsEntry(BridgeHeaders.BRIDGE, "process-1");
    assertThat(bridge.name()).isEqualTo("keyed");
    assertThat(bridge.metrics().lag()).isEqualTo(-1);
    assertThat(bridge.metrics().pausedPartitions()).isZero();
  }

  @Test
  void eventsThatCameFromKafka_areCountedAsNotProducedBack_andNeverProduced() throws Exception {
    kafka.createTopic("promise-in", 1);
    kafka.createTopic("promise-onward", 1);
    EventBus sender = bus("promise-sender");
    EventBus relay = bus("promise-relay");
    KafkaBridge out = closing(KafkaBridge.builder(sender)
        .bootstrapServers(kafka.bootstrapServers()).produce("relay.*", "promise-in").build());
    KafkaBridge mid = closing(KafkaBridge.builder(relay).bootstrapServers(kafka.bootstrapServers())
        .consume("promise-in").groupId("promise-relay").produce("relay.*", "promise-onward")
        .pollTimeout(Duration.ofMillis(50)).build());
    List<Event<?>> arrived = new java.util.concurrent.CopyOnWriteArrayList<>();
    relay.onType("relay.*").subscribeEnvelope(arrived::add);
    for (int i = 0; i < 3; i++) {
      sender.publish(DynamicEvent.of("relay.n", Map.of("n", i)));
    }
    await(() -> arrived.size() == 3 && mid.metrics().notProducedBack() == 3, mid.metrics());
    assertThat(arrived).allSatisfy(e -> {
      assertThat(e.metadata().headers()).containsEntry(BridgeHeaders.ORIGIN_ID, e.id());
      assertThat(e.metadata().headers().get(BridgeHeaders.ORIGIN)).startsWith("promise-in/0/");
    });
    KafkaBridgeMetrics m = mid.metrics();
    assertThat(m.consumed()).isEqualTo(3);
    assertThat(m.produced()).isZero();
    assertThat(end("promise-onward")).isZero();
    assertThat(out.metrics().produced()).isEqualTo(3);
  }

  @Test
  void aNewGroup_readsFromTheEarliestRecord_byDefault() throws Exception {
    kafka.createTopic("promise-earliest", 1);
    EventBus sender = bus("promise-early-sender");
    KafkaBridge out = closing(KafkaBridge.builder(sender)
        .bootstrapServers(kafka.bootstrapServers()).produce("early.*", "promise-earliest").build());
    for (int i = 0; i < 4; i++) {
      sender.publish(DynamicEvent.of("early.n", Map.of("n", i)));
    }
    await(() -> out.metrics().produced() == 4, out.metrics());
    EventBus late = bus("promise-late");
    List<Object> arrived = new java.util.concurrent.CopyOnWriteArrayList<>();
    late.subscribe("early.*", arrived::add);
    KafkaBridge in = closing(KafkaBridge.builder(late).bootstrapServers(kafka.bootstrapServers())
        .consume("promise-earliest").groupId("promise-late-group")
        .pollTimeout(Duration.ofMillis(50)).build());
    await(() -> arrived.size() == 4 && in.metrics().lag() == 0, in.metrics());
    assertThat(in.metrics().consumed()).isEqualTo(4);
  }

  @Test
  void recordKeys_andUndecodableRecords_asDocumented() {
    Event<?> plain = Event.builder(DynamicEvent.of("a.b", Map.of())).id("e")
        .timestamp(Instant.parse("2026-01-01T00:00:00Z")).build();
    assertThat(RecordKey.correlationId().keyOf(plain)).isNull();
    assertThat(RecordKey.type().keyOf(plain)).isEqualTo("a.b");
    UndecodableRecord r = new UndecodableRecord("t", 3, 42L, "not JSON", -1);
    assertThat(r.position()).isEqualTo("t/3/42");
    assertThatThrownBy(() -> new UndecodableRecord(null, 0, 0, "x", 1))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new UndecodableRecord("t", 0, 0, null, 1))
        .isInstanceOf(NullPointerException.class);
  }
}
