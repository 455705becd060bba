package io.github.eventbus.kafka;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.audit.AuditFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes records that no bridge produced (hostile or foreign producers) and reads a group's
 * committed offsets, straight through the Kafka clients, for the probes.
 */
final class RawKafka implements AutoCloseable {

  private final KafkaBroker kafka;
  private final KafkaProducer<byte[], byte[]> producer;

  RawKafka(KafkaBroker kafka) {
    this.kafka = kafka;
    this.producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, KafkaBroker.MAX_MESSAGE_BYTES),
        new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** An audit line for a dynamic event with a fresh id. */
  static byte[] line(String type, Map<String, Object> data) {
    return line(UUID.randomUUID().toString(), type, data);
  }

  /** An audit line for a dynamic event with the given id. */
  static byte[] line(String id, String type, Map<String, Object> data) {
    return AuditFormat.standard().encode(Event.builder(DynamicEvent.of(type, data)).id(id)
        .timestamp(Instant.parse("2026-01-01T00:00:00Z")).source("raw").build());
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Sends one record to a partition (null: any), with optional headers as name/value pairs. */
  void sendTo(String topic, Integer partition, byte[] key, byte[] value, Object... headers)
      throws Exception {
    RecordHeaders h = new RecordHeaders();
    for (int i = 0; i < headers.length; i += 2) {
      Object v = headers[i + 1];
      h.add((String) headers[i], v instanceof String s ? utf8(s) : (byte[]) v);
    }
    producer.send(new ProducerRecord<>(topic, partition, key, value, h)).get(30, TimeUnit.SECONDS);
  }

  void send(String topic, byte[] value, Object... headers) throws Exception {
    sendTo(topic, null, null, value, headers);
  }

  long committed(String group, String topic, int partition) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = kafka.admin()
        .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
    OffsetAndMetadata o = offsets.get(new TopicPartition(topic, partition));
    return o == null ? 0 : o.offset();
  }

  long end(String topic, int partition) throws Exception {
    TopicPartition tp = new TopicPartition(topic, partition);
    return kafka.admin().listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp)
        .get(30, TimeUnit.SECONDS).offset();
  }

  @Override
  public void close() {
    producer.close();
  }
}
