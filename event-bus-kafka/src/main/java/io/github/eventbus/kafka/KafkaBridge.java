package io.github.eventbus.kafka;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.EventBus;
import io.github.eventbus.internal.CloseOnce;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects an {@link EventBus} to Apache Kafka, so that the same {@code subscribe}/{@code publish}
 * code works across processes: events matching chosen type patterns are produced to topics, and
 * events read from topics by a consumer group are published onto the bus.
 *
 * <pre>{@code
 * KafkaBridge bridge = KafkaBridge.builder(bus)
 *     .bootstrapServers("kafka-1:9092")
 *     .format(AuditFormat.builder().register(OrderPlaced.class).build())
 *     .produce("orders.*", "orders")       // outbound: a topic per pattern, or one for all
 *     .key(RecordKey.correlationId())
 *     .consume("orders")                   // inbound
 *     .groupId("billing")
 *     .build();                            // running; close() drains and commits
 * }</pre>
 *
 * <h2>Delivery</h2>
 * Outbound, the producer is idempotent with {@code acks=all}; an event the client finally fails to
 * send (after its {@code delivery.timeout.ms}) becomes a {@link io.github.eventbus.DeadLetter} on
 * the bus. Sending runs on the thread that delivers the event (a bus worker, or the publisher for
 * {@code publishSync}); while the producer's buffer is full or the topic's metadata is unknown it
 * blocks there for up to the producer's {@code max.block.ms} (60 s unless set with
 * {@link KafkaBridgeBuilder#producerProperty}). Inbound is at least once: the offset of a record
 * is committed only after the bus accepted its event ({@code publish} returned, or with
 * {@link KafkaBridgeBuilder#synchronousDelivery} every handler returned; an {@code Error} from a
 * handler, which the bus never retries, is counted in {@link KafkaBridgeMetrics#handlerErrors()},
 * handed to the consumer thread's uncaught-exception handler and committed), and a redelivered
 * event whose id was accepted within the
 * {@linkplain KafkaBridgeBuilder#dedupeWindow de-duplication window} is skipped. Events that came
 * from Kafka carry the metadata headers {@link BridgeHeaders#ORIGIN} and
 * {@link BridgeHeaders#ORIGIN_ID} and are never produced back (a new event published with their
 * metadata is);
 * records this bridge produced are never delivered back to its own bus (it had them already).
 *
 * <h2>Order</h2>
 * Events with one {@linkplain RecordKey key} go to one partition, which Kafka keeps in order and
 * which one consumer thread publishes in order; the bus keeps publish order per subscriber, so a
 * subscriber sees the events of one key in their original publish order (if they were published
 * from one thread, and the subscriber is not
 * {@linkplain io.github.eventbus.SubscriptionBuilder#concurrent() concurrent}). Not ordered:
 * events of different keys, topics or {@code produce} patterns (each pattern is its own
 * subscription); events without a key;
 * a redelivered record after a failure or rebalance (it may follow later events of its key, which
 * de-duplication then does not affect); and retries of a failing handler.
 *
 * <h2>Backpressure and bad records</h2>
 * When the bus refuses an event ({@link io.github.eventbus.RejectedEventException}, under
 * {@link io.github.eventbus.BackpressurePolicy#REJECT} or {@code BLOCK} with a
 * {@linkplain io.github.eventbus.EventBusBuilder#blockTimeout block timeout}), the bridge rewinds
 * the partition to that record and pauses it, resuming after a backoff; nothing is buffered beyond
 * the consumer's own fetch. Under {@code BLOCK} without a timeout the consumer thread waits
 * instead; under {@code DROP} the bus dead-letters what it drops, so the bridge cannot pause. A
 * record that is not an event becomes a dead letter whose event carries an
 * {@link UndecodableRecord}; it is committed and skipped, so it never stalls the partition.
 *
 * <p><b>Thread-safety:</b> thread-safe. The bridge never closes the bus.
 */
public final class KafkaBridge implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KafkaBridge.class);

  private final String name;
  private final String instanceId;
  private final Outbound outbound;
  private final Inbound inbound;
  private final DeadLetters deadLetters;
  private final Counters counters;
  private final Duration closeTimeout;
  private final CloseOnce closing = new CloseOnce();

  KafkaBridge(String name, String instanceId, Outbound outbound, Inbound inbound,
      DeadLetters deadLetters, Counters counters, Duration closeTimeout) {
    this.name = name;
    this.instanceId = instanceId;
    this.outbound = outbound;
    this.inbound = inbound;
    this.deadLetters = deadLetters;
    this.counters = counters;
    this.closeTimeout = closeTimeout;
  }

  /**
   * Starts configuring a bridge for a bus.
   *
   * @param bus the bus whose events go out and onto which events come in
   * @return a builder
   */
  public static KafkaBridgeBuilder builder(EventBus bus) {
    return new KafkaBridgeBuilder(requireNonNull(bus, "bus"));
  }

  /**
   * Returns the bridge's name, used in thread names and Kafka client ids.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the id this bridge writes into the {@link BridgeHeaders#BRIDGE} header of its records.
   *
   * @return the instance id
   */
  public String instanceId() {
    return instanceId;
  }

  /**
   * Returns a snapshot of the bridge's counters.
   *
   * @return the metrics
   */
  public KafkaBridgeMetrics metrics() {
    return counters.snapshot();
  }

  /**
   * Stops consuming and commits the offsets of every event the bus accepted; then sends what the
   * bus still has queued for the bridge: it waits up to half the
   * {@linkplain KafkaBridgeBuilder#closeTimeout close timeout} for the bus's queue to empty (a
   * queue kept busy by other, slow subscribers costs that half), then closes the producer, which
   * has the rest of the time to send its backlog (what is still unsent then, and a send still
   * waiting for an unreachable broker, fails and becomes a dead letter, as does an event that
   * reaches the bridge after that), stops taking events from the bus (what is still queued then
   * is discarded by the bus and counted in its {@code discarded}) and stops the bridge's threads.
   * For the consumer thread it waits up to the close timeout for it to leave a handler (a thread
   * still in one is then interrupted and waited for up to the timeout again), then until its last
   * commit and its consumer's close are over: together at most the close timeout, with the broker
   * gone too, plus a second for the consumer's own clean-up. A consumer thread still running
   * after that (a handler that ignores interrupts) is logged at WARN. Last it waits up to the
   * close timeout for the dead-letter thread to publish the dead letters queued; a DeadLetter
   * handler holding it past that is interrupted, and letters still queued are logged instead of
   * published. Events the
   * bridge published onto the bus are delivered by the bus, which this does not close. Called from
   * a handler on the bridge's consumer thread, it does not wait for that thread, which commits
   * and stops once the handler returns; from a DeadLetter handler on the bridge's dead-letter
   * thread, likewise. Called from a handler on a bus worker, it waits half the close timeout,
   * since that handler's own delivery keeps the bus's queue from emptying. From either of the
   * bridge's threads while another thread is closing it, it returns at once. Idempotent.
   */
  @Override
  public void close() {
    if (onOwnThread()) {
      // If another thread is closing, it waits for this one: waiting for that close here would
      // hold it up for its whole timeout, twice. One step, so that a close begun just after a
      // look is never waited for.
      closing.closeIfFree(this::stop);
    } else {
      closing.close(this::stop);
    }
  }

  private boolean onOwnThread() {
    return inbound != null && inbound.onConsumerThread() || deadLetters.onItsThread();
  }

  private void stop() {
    // Closing takes its time whatever the caller's interrupt flag (a cancelled task closing its
    // resources): waits and the Kafka clients' own joins would otherwise end at once, and the
    // producer's close would throw before the subscriptions are closed. The flag is kept.
    boolean interrupted = Thread.interrupted();
    try {
      if (inbound != null) {
        inbound.close(closeTimeout);
        interrupted |= Thread.interrupted(); // one that came meanwhile: kept, not passed on
      }
      if (outbound != null) {
        outbound.close(closeTimeout); // unsubscribes even if the producer's close throws
        interrupted |= Thread.interrupted();
      }
    } finally {
      deadLetters.close(closeTimeout);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    log.debug("Kafka bridge {} closed: {}", name, counters.snapshot());
  }

  @Override
  public String toString() {
    return "KafkaBridge{name=" + name + ", instanceId=" + instanceId + "}";
  }
}
