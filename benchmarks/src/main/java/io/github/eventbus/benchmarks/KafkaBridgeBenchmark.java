package io.github.eventbus.benchmarks;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Metadata;
import io.github.eventbus.audit.AuditFormat;
import io.github.eventbus.kafka.BridgeHeaders;
import io.github.eventbus.kafka.KafkaBridge;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events per second from one process to another through Kafka, produce and consume, with one
 * partition and several: a bus publishing through a {@link KafkaBridge} to a second bus's bridge
 * and subscriber, next to raw {@code kafka-clients} moving the same bytes (the same audit-format
 * values, keys and headers) from a producer to a consumer thread that commits the same way.
 * Settings are equal on both sides ({@code acks=all}, idempotent producer, manual commits after
 * each poll). One operation is one event; each invocation moves {@value #BATCH} and waits until
 * the last has arrived. A single-node KRaft broker runs in this JVM on 127.0.0.1 for both.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(KafkaBridgeBenchmark.BATCH)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class KafkaBridgeBenchmark {

  static final int BATCH = 5_000;
  private static final int KEYS = 16;

  @Param({"1", "4"})
  public int partitions;

  private KafkaClusterTestKit cluster;
  private final DynamicEvent payload = DynamicEvent.of("bench.order",
      Map.of("orderId", "o-123456", "customer", "customer-42", "quantity", 3, "price", 19.99,
          "note", "a short note of about fifty characters for realism"));
  private final Metadata[] metadata = new Metadata[KEYS];

  private EventBus sender;
  private EventBus receiver;
  private KafkaBridge outbound;
  private KafkaBridge inbound;
  private final AtomicReference<CountDownLatch> bridgeDone = new AtomicReference<>();

  private KafkaProducer<byte[], byte[]> producer;
  private KafkaConsumer<byte[], byte[]> consumer;
  private Thread consumerThread;
  private final AtomicReference<CountDownLatch> rawDone = new AtomicReference<>();
  private ProducerRecord<byte[], byte[]>[] rawRecords;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    TestKitNodes nodes = new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        .setPerServerProperties(Map.of(0, Map.of("listeners",
            "EXTERNAL://127.0.0.1:0,CONTROLLER://127.0.0.1:0")))
        .build();
    cluster = new KafkaClusterTestKit.Builder(nodes)
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("offsets.topic.num.partitions", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    String servers = cluster.bootstrapServers();
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", servers))) {
      admin.createTopics(List.of(new NewTopic("bridge", partitions, (short) 1),
          new NewTopic("raw", partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
    for (int k = 0; k < KEYS; k++) {
      metadata[k] = Metadata.builder().correlationId("customer-" + k).build();
    }

    sender = EventBus.builder().name("bench-sender").build();
    receiver = EventBus.builder().name("bench-receiver").build();
    receiver.subscribe("bench.*", e -> countDown(bridgeDone));
    outbound = KafkaBridge.builder(sender).bootstrapServers(servers).produce("bench.*", "bridge")
        .build();
    inbound = KafkaBridge.builder(receiver).bootstrapServers(servers).consume("bridge")
        .groupId("bench-bridge").pollTimeout(Duration.ofMillis(100)).build();

    producer = new KafkaProducer<>(Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
        new ByteArraySerializer(), new ByteArraySerializer());
    consumer = new KafkaConsumer<>(Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers, ConsumerConfig.GROUP_ID_CONFIG, "bench-raw",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    rawRecords = rawRecords();
    consumer.subscribe(List.of("raw"));
    consumerThread = new Thread(this::consumeRaw, "bench-raw-consumer");
    consumerThread.start();
  }

  /** The records the bridge would produce for the batch: same value bytes, key and headers. */
  @SuppressWarnings("unchecked")
  private ProducerRecord<byte[], byte[]>[] rawRecords() {
    AuditFormat format = AuditFormat.standard();
    ProducerRecord<byte[], byte[]>[] records = new ProducerRecord[BATCH];
    for (int i = 0; i < BATCH; i++) {
      Metadata meta = metadata[i % KEYS];
      Event<DynamicEvent> event = Event.builder(payload).id(java.util.UUID.randomUUID().toString())
          .timestamp(Instant.now()).source("bench-sender").metadata(meta).build();
      RecordHeaders headers = new RecordHeaders();
      headers.add(BridgeHeaders.EVENT_ID, bytes(event.id()));
      headers.add(BridgeHeaders.TYPE, bytes(event.type()));
      headers.add(BridgeHeaders.SOURCE, bytes(event.source()));
      headers.add(BridgeHeaders.CORRELATION_ID, bytes(meta.correlationId().orElseThrow()));
      headers.add(BridgeHeaders.FORMAT_VERSION, bytes("1"));
      headers.add(BridgeHeaders.BRIDGE, bytes("raw-producer"));
      records[i] = new ProducerRecord<>("raw", null, bytes(meta.correlationId().orElseThrow()),
          format.encode(event), headers);
    }
    return records;
  }

  private void consumeRaw() {
    try {
      while (true) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
        for (int i = 0; i < records.count(); i++) {
          countDown(rawDone);
        }
        if (!records.isEmpty()) {
          consumer.commitAsync();
        }
      }
    } catch (WakeupException e) {
      consumer.close();
    }
  }

  private static void countDown(AtomicReference<CountDownLatch> done) {
    CountDownLatch latch = done.get();
    if (latch != null) {
      latch.countDown();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A bus publishes through the bridge; the other bus's subscriber receives.
   *
   * @throws InterruptedException if interrupted
   */
  @Benchmark
  public void bridge() throws InterruptedException {
    CountDownLatch latch = new CountDownLatch(BATCH);
    bridgeDone.set(latch);
    for (int i = 0; i < BATCH; i++) {
      sender.publish(payload, metadata[i % KEYS]);
    }
    await(latch);
  }

  /**
   * A raw producer sends the same records; a raw consumer thread receives.
   *
   * @throws InterruptedException if interrupted
   */
  @Benchmark
  public void rawClients() throws InterruptedException {
    CountDownLatch latch = new CountDownLatch(BATCH);
    rawDone.set(latch);
    for (ProducerRecord<byte[], byte[]> record : rawRecords) {
      producer.send(record);
    }
    await(latch);
  }

  private static void await(CountDownLatch latch) throws InterruptedException {
    if (!latch.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(latch.getCount() + " events did not arrive within 120 s");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    inbound.close();
    outbound.close();
    sender.close();
    receiver.close();
    producer.close();
    consumer.wakeup();
    consumerThread.join(30_000);
    cluster.close();
  }
}
