/**
 * A bridge between event buses in several processes through Apache Kafka topics.
 *
 * <h2>Guide</h2>
 *
 * <p><b>Outbound.</b> {@link io.github.eventbus.kafka.KafkaBridge} subscribes to chosen type
 * patterns and produces each event as a record whose value is the audit log's versioned JSON line
 * ({@link io.github.eventbus.audit.AuditFormat}), with the headers of
 * {@link io.github.eventbus.kafka.BridgeHeaders} and a {@link io.github.eventbus.kafka.RecordKey}.
 * The producer is idempotent with {@code acks=all}; an event the client finally fails to send
 * becomes a {@link io.github.eventbus.DeadLetter}.
 *
 * <p><b>Inbound.</b> A consumer group reads topics and publishes each event onto the local bus,
 * typed when its type name is registered with the format and a
 * {@link io.github.eventbus.DynamicEvent} otherwise. Offsets are committed only for events the bus
 * accepted; de-duplication by event id within a window makes redelivery to a running bridge
 * harmless (the ids are kept in memory: a restarted bridge has forgotten them); events that came
 * from Kafka are marked ({@link io.github.eventbus.kafka.BridgeHeaders#ORIGIN} and
 * {@link io.github.eventbus.kafka.BridgeHeaders#ORIGIN_ID}) and never produced back, while a new
 * event published with their metadata is. A bus that refuses events pauses the partition; a record that is not an event becomes a
 * dead letter with an {@link io.github.eventbus.kafka.UndecodableRecord} and is skipped.
 *
 * <p><b>Threads.</b> A bridge owns one consumer thread {@code eventbus-kafka-<name>-in}, one
 * thread {@code eventbus-kafka-<name>-dead-letters}, and the Kafka producer's network thread
 * (client id {@code eventbus-<name>-out}; the consumer's is {@code eventbus-<name>-in});
 * {@code close()} stops all three. Every public type states
 * whether it is thread-safe.
 */
package io.github.eventbus.kafka;
