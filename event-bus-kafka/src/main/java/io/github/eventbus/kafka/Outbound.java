package io.github.eventbus.kafka;

import io.github.eventbus.DeadEvent;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import io.github.eventbus.TypePattern;
import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The outbound half of a bridge: one subscription per route, each producing matching events to
 * its topic. Events that came from Kafka, and the bus's own dead letters and dead events, are never
 * produced.
 */
final class Outbound implements AutoCloseable {

  /** A type pattern and the topic its events go to. */
  record Route(TypePattern pattern, String topic) {}

  private static final long DRAIN_LOOK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  /**
   * How long a close whose producer's close was cut short by an interrupt waits, at least, for the
   * producer's sender to fail what it still held: it was told to close at once, so it takes a
   * moment.
   */
  private static final long ABORT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final EventBus bus;
  private final Producer<byte[], byte[]> producer;
  private final RecordCodec codec;
  private final DeadLetters deadLetters;
  private final Counters counters;
  private final RateLimitedLog failures;
  private final List<Subscription> subscriptions = new ArrayList<>();
  // Sends handed to the producer whose callback has not run yet: a close cut short waits for
  // them, and for the producer's network thread, found by this name (see close).
  private final AtomicLong unsettled = new AtomicLong();
  private final String networkThreadName;

  Outbound(EventBus bus, List<Route> routes, Map<String, Object> producerConfig, RecordCodec codec,
      DeadLetters deadLetters, Counters counters, RateLimitedLog failures) {
    this.bus = bus;
    this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(),
        new ByteArraySerializer());
    this.networkThreadName = KafkaProducer.NETWORK_THREAD_PREFIX + " | "
        + producerConfig.get(ProducerConfig.CLIENT_ID_CONFIG);
    this.codec = codec;
    this.deadLetters = deadLetters;
    this.counters = counters;
    this.failures = failures;
    try {
      for (int i = 0; i < routes.size(); i++) {
        Route route = routes.get(i);
        // An event matching two patterns of one topic is produced once, by the first route.
        List<TypePattern> earlier = new ArrayList<>();
        // An event from Kafka is counted as not produced back once, by the first route of all.
        List<TypePattern> earlierOfAnyTopic = new ArrayList<>();
        for (Route r : routes.subList(0, i)) {
          earlierOfAnyTopic.add(r.pattern());
          if (r.topic().equals(route.topic())) {
            earlier.add(r.pattern());
          }
        }
        String name = "kafka " + route.pattern().pattern() + " -> " + route.topic();
        subscriptions.add(bus.onType(route.pattern().pattern()).name(name).subscribeEnvelope(e -> {
          if (earlier.stream().noneMatch(p -> p.matches(e.type()))) {
            send(route.topic(), name, e, earlierOfAnyTopic);
          }
        }));
      }
    } catch (RuntimeException e) {
      close(Duration.ZERO);
      throw e;
    }
  }

  private void send(String topic, String subscriber, Event<?> event,
      List<TypePattern> earlierRoutes) {
    Object payload = event.payload();
    if (payload instanceof DeadLetter || payload instanceof DeadEvent) {
      return;
    }
    if (RecordCodec.isFromKafka(event)) {
      if (earlierRoutes.stream().noneMatch(p -> p.matches(event.type()))) {
        counters.notProducedBack.increment();
      }
      return;
    }
    ProducerRecord<byte[], byte[]> record;
    try {
      record = codec.encode(topic, event);
    } catch (RuntimeException e) {
      failed(event, subscriber, new KafkaBridgeException("event " + event.id() + " of type "
          + event.type() + " could not be encoded: " + e.getMessage(), e));
      return;
    }
    // Settled once: by its callback, or by send throwing. Kafka may do both for one record (a
    // check after the record was buffered throws, and the buffered batch fails later): the first
    // reports it, so the event has one outcome and one dead letter.
    AtomicBoolean settled = new AtomicBoolean();
    unsettled.incrementAndGet();
    try {
      producer.send(record, (metadata, error) -> {
        if (!settled.compareAndSet(false, true)) {
          return;
        }
        try {
          if (error == null) {
            counters.produced.increment();
          } else {
            failed(event, subscriber, notSent(event, topic, error));
          }
        } finally {
          unsettled.decrementAndGet(); // after its dead letter is handed on
        }
      });
    } catch (RuntimeException | Error e) { // buffer full past max.block.ms, too large, closed
      boolean first = settled.compareAndSet(false, true);
      if (first) {
        unsettled.decrementAndGet();
      }
      if (e instanceof Error error) {
        throw error;
      }
      if (first) {
        failed(event, subscriber, notSent(event, topic, e));
      }
    }
  }

  private static KafkaBridgeException notSent(Event<?> event, String topic, Throwable cause) {
    return new KafkaBridgeException("event " + event.id() + " of type " + event.type()
        + " was not sent to topic " + topic + ": " + cause, cause);
  }

  private void failed(Event<?> event, String subscriber, KafkaBridgeException cause) {
    counters.produceFailed.increment();
    failures.warn("send", "the Kafka bridge could not send an event; it becomes a DeadLetter: {}",
        cause.getMessage());
    deadLetters.later(event, subscriber, cause, 1);
  }

  /** Stops taking events from the bus; sends already handed to the producer still complete. */
  void unsubscribe() {
    subscriptions.forEach(Subscription::close);
  }

  /**
   * Sends what the bus still has queued, then stops: waits up to half of {@code timeout} for the
   * bus's queue to empty, then closes the producer, which sends its backlog in the time left and
   * aborts what is still unsent after it, and only then closes the subscriptions. Closing the
   * producer first wakes a send that waits for metadata or for room (an unreachable broker),
   * which then fails and is dead-lettered, so a stuck send cannot hold
   * {@link Subscription#close()} past the timeout; an event that reaches the bridge after that is
   * dead-lettered too, and the close waits for the bus's queue again, in the time left, so that
   * events held up behind a stuck send are dead-lettered rather than discarded. What is still
   * queued when the subscriptions close is discarded by the bus and counted in its
   * {@code discarded}.
   */
  void close(Duration timeout) {
    long start = System.nanoTime();
    // At most half the time for the bus: its queue may stay busy with other subscribers' work,
    // and the producer's own backlog must keep time to be sent rather than aborted.
    long busDeadline = start + Settings.nanos(timeout) / 2;
    boolean interrupted = false;
    try {
      interrupted |= awaitBusQueue(busDeadline);
      long deadline = start + Settings.nanos(timeout);
      try {
        producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      } catch (InterruptException e) {
        // Interrupted while waiting for its sender: the producer told it to close at once and
        // returned without waiting for it, so the sender may still be failing what it held (dead
        // letters, as for a close timeout run out). Their callbacks must have run before the
        // dead letters' thread stops, and the producer's thread must not outlive this close.
        interrupted |= Thread.interrupted();
        interrupted |= awaitSender(Math.max(deadline, System.nanoTime() + ABORT_GRACE_NANOS));
      }
      // The producer closed, a send fails at once: what the bus still holds for the bridge (held
      // up behind a send that waited for a missing topic, say) becomes dead letters in the time
      // left, rather than discarded by the subscriptions' close.
      interrupted |= awaitBusQueue(deadline);
    } finally {
      unsubscribe();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Waits until the bus's queue is empty, or until {@code deadline} ({@link System#nanoTime});
   * returns whether an interrupt came meanwhile. An interrupt (a pool shut down while this
   * closes) would end every park at once, and then the producer's close: kept for the caller.
   */
  private boolean awaitBusQueue(long deadline) {
    boolean interrupted = false;
    while (bus.metrics().queueDepth() > 0 && deadline - System.nanoTime() > 0) {
      LockSupport.parkNanos(Math.min(DRAIN_LOOK_NANOS, deadline - System.nanoTime()));
      interrupted |= Thread.interrupted();
    }
    return interrupted;
  }

  /**
   * Waits, through interrupts, until every send handed to the producer has had its callback and
   * the producer's network thread has ended, or until {@code deadline} ({@link System#nanoTime});
   * returns whether an interrupt came meanwhile.
   */
  private boolean awaitSender(long deadline) {
    boolean interrupted = false;
    while (unsettled.get() > 0 && deadline - System.nanoTime() > 0) {
      LockSupport.parkNanos(Math.min(DRAIN_LOOK_NANOS, deadline - System.nanoTime()));
      interrupted |= Thread.interrupted();
    }
    // Found by its name, on this rare path only: the producer does not hand its thread out.
    Thread t = Thread.getAllStackTraces().keySet().stream()
        .filter(th -> th.getName().equals(networkThreadName)).findFirst().orElse(null);
    while (t != null && t.isAlive() && deadline - System.nanoTime() > 0) {
      try {
        TimeUnit.NANOSECONDS.timedJoin(t, deadline - System.nanoTime());
      } catch (InterruptedException e) {
        interrupted = true; // returned, not set again: the caller keeps it
      }
    }
    return interrupted;
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
