package io.github.eventbus.kafka;

import com.google.common.util.concurrent.Uninterruptibles;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Metadata;
import io.github.eventbus.RejectedEventException;
import io.github.eventbus.internal.PublishError;
import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.internal.Uncaught;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound half of a bridge: one thread that polls a consumer group and publishes each event
 * onto the bus, committing only offsets of records the bus accepted (or that were skipped for a
 * reason that redelivery would not change). A refused event pauses its partition and rewinds it
 * to that record, so nothing is buffered beyond the consumer's own fetch.
 */
final class Inbound {

  private static final Logger log = LoggerFactory.getLogger(Inbound.class);

  /** How long close() waits, past the finish's deadline, for the consumer to release itself. */
  static final Duration FINISH_GRACE = Duration.ofSeconds(1);

  /** What became of one record. */
  private enum Outcome { ACCEPTED, SKIPPED, REFUSED, BUS_CLOSED }

  /** The inbound options. */
  record Options(List<String> topics, boolean synchronous, Duration pollTimeout,
      Duration pauseBackoff, Duration maxPauseBackoff, long dedupeWindowMillis, int dedupeCapacity,
      Duration closeTimeout) {}

  private final Consumer<byte[], byte[]> consumer;
  private final EventBus bus;
  private final RecordCodec codec;
  private final Options options;
  private final Clock clock;
  private final Counters counters;
  private final DeadLetters deadLetters;
  private final RateLimitedLog failures;
  private final RecentIds recent;
  private final MissingTopics missingTopics;
  private final String subscriberName;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Map<TopicPartition, OffsetAndMetadata> accepted = new HashMap<>();
  private final Map<TopicPartition, Long> resumeAt = new HashMap<>();
  private boolean dirty;
  // The consumer thread commits its last offsets and closes; close() no longer interrupts it.
  private volatile boolean finishing;
  private final Object interrupting = new Object();
  // When the last commit and the consumer's close must be over (System.nanoTime()); written
  // before finishing is set, read after it is seen.
  private long finishDeadline;
  private long backoffMillis;
  private volatile boolean running = true;

  Inbound(EventBus bus, Map<String, Object> consumerConfig, RecordCodec codec, Options options,
      Clock clock, Counters counters, DeadLetters deadLetters, RateLimitedLog failures,
      ThreadFactory threads, String groupId) {
    this.thread = threads.newThread(this::run); // first: if it fails, no consumer to close
    this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    this.bus = bus;
    this.codec = codec;
    this.options = options;
    this.clock = clock;
    this.counters = counters;
    this.deadLetters = deadLetters;
    this.failures = failures;
    this.recent = new RecentIds(options.dedupeWindowMillis(), options.dedupeCapacity());
    this.missingTopics = new MissingTopics(consumer, options.topics(), options.pollTimeout(),
        counters, failures);
    this.subscriberName = "kafka consumer group " + groupId;
    this.backoffMillis = Settings.millis(options.pauseBackoff());
  }

  void start() {
    thread.start();
  }

  /** Closes the consumer of an inbound half that never started, for a build that failed. */
  void discard() {
    consumer.close(CloseOptions.timeout(Duration.ZERO));
  }

  private void run() {
    try {
      consumer.subscribe(options.topics(), new Rebalance());
      while (running) {
        if (bus.isClosed()) {
          busClosed();
          break;
        }
        ConsumerRecords<byte[], byte[]> records;
        try {
          records = consumer.poll(nextPollTimeout());
        } catch (WakeupException e) {
          break;
        } catch (KafkaException e) {
          counters.pollFailures.increment();
          failures.warn("poll", "the Kafka bridge's consumer failed to poll; retrying: {}",
              e.toString());
          stopped.await(Settings.millis(options.pollTimeout()), TimeUnit.MILLISECONDS);
          continue;
        }
        missingTopics.afterPoll();
        deliver(records);
        commit(false);
        resumeDue();
        updateGauges();
      }
    } catch (InterruptedException | WakeupException e) {
      // closing
    } catch (RuntimeException | Error e) {
      log.error("the Kafka bridge's consumer stopped; no more events are received", e);
    } finally {
      finish();
    }
  }

  private void deliver(ConsumerRecords<byte[], byte[]> records) {
    for (TopicPartition tp : records.partitions()) {
      for (ConsumerRecord<byte[], byte[]> record : records.records(tp)) {
        if (!running) {
          return; // closing: what was accepted is committed, the rest is redelivered later
        }
        Outcome outcome = deliver(record);
        if (outcome == Outcome.REFUSED) {
          pause(tp, record.offset());
          break;
        }
        if (outcome == Outcome.BUS_CLOSED) {
          busClosed();
          return;
        }
        accepted.put(tp, new OffsetAndMetadata(record.offset() + 1, record.leaderEpoch(), ""));
        dirty = true;
      }
    }
  }

  private void busClosed() {
    log.warn("the bus {} closed while its Kafka bridge was open; the bridge stops consuming and "
        + "commits what the bus accepted", bus.name());
    running = false;
  }

  private Outcome deliver(ConsumerRecord<byte[], byte[]> record) {
    if (codec.isOwn(record)) {
      counters.ownRecords.increment();
      return Outcome.SKIPPED;
    }
    Event<?> event;
    try {
      event = codec.decode(record);
    } catch (RuntimeException e) { // whatever the parser or a payload constructor throws
      undecodable(record, e instanceof IllegalArgumentException
          ? e.getMessage() : RecordCodec.reason(e.toString()));
      return Outcome.SKIPPED;
    } catch (Error e) { // a payload's own deserializer or constructor: the record is still bad
      undecodable(record, RecordCodec.reason(e.toString()));
      Uncaught.handOn(e, failures);
      return Outcome.SKIPPED;
    }
    long now = clock.millis();
    if (recent.contains(event.id(), now)) {
      counters.duplicates.increment();
      return Outcome.SKIPPED;
    }
    try {
      if (options.synchronous()) {
        bus.publishSync(event);
      } else {
        bus.publish(event);
      }
    } catch (RejectedEventException e) {
      return Outcome.REFUSED;
    } catch (Error e) {
      // An interceptor's Error outranks a refusal of the same publish, which then rides along
      // suppressed in it: the event was not accepted, so the record must not be committed.
      PublishError taken = PublishError.of(e, bus);
      if (taken != PublishError.ACCEPTED) {
        Uncaught.handOn(e, failures);
        return taken == PublishError.REFUSED ? Outcome.REFUSED : Outcome.BUS_CLOSED;
      }
      handlerError(e);
    } catch (RuntimeException e) {
      if (bus.isClosed()) {
        return Outcome.BUS_CLOSED;
      }
      // Not accepted, and not the record's fault (the bus's audit log, acknowledging its writes,
      // could not write it, say): retried after a pause like a refusal, never skipped.
      failures.warn("refused", "the bus {} did not accept event {} of type {} from Kafka; pausing"
          + " its partition and retrying: {}", bus.name(), RecordCodec.printable(event.id()),
          event.type(), e.toString());
      return Outcome.REFUSED;
    }
    recent.add(event.id(), now);
    counters.consumed.increment();
    backoffMillis = Settings.millis(options.pauseBackoff());
    return Outcome.ACCEPTED;
  }

  /**
   * An Error from a handler under synchronous delivery ended that event's dispatch. By the bus's
   * failure rule it is not a failed delivery, so the record is neither retried nor dead-lettered:
   * it counts as accepted, and the Error goes to this thread's uncaught-exception handler, as it
   * would on a bus worker, while this thread goes on consuming rather than leave the bridge open
   * and deaf.
   */
  private void handlerError(Error e) {
    counters.handlerErrors.increment();
    Uncaught.handOn(e, failures);
  }

  private void undecodable(ConsumerRecord<byte[], byte[]> record, String reason) {
    counters.undecodable.increment();
    UndecodableRecord bad = new UndecodableRecord(record.topic(), record.partition(),
        record.offset(), reason, record.value() == null ? -1 : record.value().length);
    failures.warn("undecodable", "skipped Kafka record {}, which is not an event: {}",
        bad.position(), reason);
    Event<UndecodableRecord> envelope = Event.builder(bad)
        .id("kafka:" + bad.position())
        .timestamp(clock.instant())
        .source("kafka")
        .metadata(Metadata.builder().header(BridgeHeaders.ORIGIN, bad.position()).build())
        .build();
    deadLetters.now(envelope, subscriberName,
        new KafkaBridgeException("record " + bad.position() + " is not an event: " + reason), 0);
  }

  private void pause(TopicPartition tp, long offset) {
    consumer.seek(tp, offset);
    consumer.pause(Set.of(tp));
    resumeAt.put(tp, clock.millis() + backoffMillis);
    backoffMillis = Math.min(backoffMillis * 2, Settings.millis(options.maxPauseBackoff()));
    counters.pauses.increment();
    counters.pausedPartitions = consumer.paused().size();
  }

  private void resumeDue() {
    if (resumeAt.isEmpty()) {
      return;
    }
    long now = clock.millis();
    // Further away than the longest backoff only if the clock stepped back (NTP, a resumed VM):
    // due then, rather than paused for as long as the step.
    long longest = Settings.millis(options.maxPauseBackoff());
    var due = resumeAt.entrySet().stream()
        .filter(e -> e.getValue() <= now || e.getValue() - now > longest)
        .map(Map.Entry::getKey).toList();
    if (!due.isEmpty()) {
      due.forEach(resumeAt::remove);
      consumer.resume(due);
      counters.pausedPartitions = consumer.paused().size();
    }
  }

  private Duration nextPollTimeout() {
    Duration timeout = options.pollTimeout();
    if (!resumeAt.isEmpty()) {
      long wait = resumeAt.values().stream().mapToLong(t -> t - clock.millis()).min().orElse(0);
      timeout = Duration.ofMillis(Math.max(1, Math.min(wait, Settings.millis(timeout))));
    }
    return timeout;
  }

  private void updateGauges() {
    counters.pausedPartitions = consumer.paused().size();
    long sum = 0;
    boolean known = false;
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong lag = consumer.currentLag(tp);
      if (lag.isPresent()) {
        sum += lag.getAsLong();
        known = true;
      }
    }
    counters.lag = known ? sum : -1;
  }

  private void commit(boolean sync) {
    if (!dirty) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(accepted);
    dirty = false;
    if (sync) {
      try {
        consumer.commitSync(offsets, commitTimeout());
      } catch (RuntimeException e) {
        dirty = true;
        throw e;
      }
      // Committed: the consumer's close, revoking the partitions, has nothing left to commit
      // (with the time left, maybe none, it would fail and say so for offsets that are safe).
      offsets.forEach(accepted::remove);
      return;
    }
    try {
      // The callback runs on this thread, in a later poll or commit.
      consumer.commitAsync(offsets, (committed, error) -> {
        if (error != null) {
          dirty = true; // else, with no new record, nothing would commit them before close
          commitFailed(error);
        } else {
          // As after a blocking commit: the consumer's close, revoking the partitions, must not
          // commit these again (with the broker gone it would fail, and say so, for offsets
          // that are safe). An offset accepted since stays.
          committed.forEach(accepted::remove);
        }
      });
    } catch (KafkaException e) {
      // Thrown, not called back: an interrupt (close() interrupting a blocked publish), an error
      // of the group or a topic. The offsets wait for the next commit, at the latest at close.
      dirty = true;
      if (!(e instanceof InterruptException)) {
        commitFailed(e);
      }
    }
  }

  private void commitFailed(Exception error) {
    counters.commitFailures.increment();
    failures.warn("commit", "the Kafka bridge could not commit offsets; they are committed with"
        + " the next batch or at close, and records may be redelivered: {}", error.toString());
  }

  /**
   * How long a blocking commit may take: the close timeout, or once finishing what is left of it,
   * so that the last commit, a commit of revoked partitions inside the consumer's close and that
   * close all end within one close timeout of finishing's start.
   */
  private Duration commitTimeout() {
    return finishing ? Duration.ofNanos(Math.max(0, finishDeadline - System.nanoTime()))
        : options.closeTimeout();
  }

  private void finish() {
    synchronized (interrupting) { // close() interrupts only before this, never in the finish
      finishDeadline = System.nanoTime() + options.closeTimeout().toNanos();
      finishing = true;
    }
    // close() interrupts a thread that did not stop in time (a publish blocked on a full bus):
    // the last commit and the consumer's close must not fail on that interrupt.
    boolean interrupted = Thread.interrupted();
    try {
      try {
        commit(true);
      } catch (WakeupException | InterruptException e) {
        // The wake-up of close() was still pending, or its interrupt came as finishing began:
        // either is spent once, and the second try goes through.
        interrupted |= Thread.interrupted();
        commit(true);
      }
    } catch (RuntimeException e) {
      counters.commitFailures.increment();
      log.warn("the Kafka bridge could not commit its last offsets; those records will be "
          + "redelivered: {}", e.toString());
    } finally {
      interrupted |= Thread.interrupted();
      try {
        consumer.close(CloseOptions.timeout(commitTimeout()));
      } catch (RuntimeException e) {
        log.warn("the Kafka bridge's consumer did not close cleanly: {}", e.toString());
      }
      counters.pausedPartitions = 0;
      counters.lag = -1; // nothing is assigned any more
      stopped.countDown();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether the calling thread is the consumer thread. */
  boolean onConsumerThread() {
    return Thread.currentThread() == thread;
  }

  /**
   * Stops polling, commits what was accepted and closes the consumer. Waits up to timeout for the
   * thread to begin finishing, interrupting it if it has not (a stuck handler), up to timeout
   * more; once it finishes, until its last commit and close are over (one timeout from their
   * start, and {@link #FINISH_GRACE} for the consumer's own clean-up). Called from a handler on
   * the consumer thread, it only stops the loop: the thread commits and closes once the handler
   * returns, and cannot wait for itself.
   */
  void close(Duration timeout) {
    running = false;
    if (onConsumerThread()) {
      return;
    }
    consumer.wakeup();
    // Waits through interrupts (a pool shut down with shutdownNow while closing): the flag stays.
    Uninterruptibles.joinUninterruptibly(thread, timeout);
    if (thread.isAlive() && interruptUnlessFinishing(timeout)) {
      Uninterruptibles.joinUninterruptibly(thread, timeout);
    }
    if (thread.isAlive() && finishing) {
      Uninterruptibles.joinUninterruptibly(thread,
          Duration.ofNanos(finishDeadline - System.nanoTime()).plus(FINISH_GRACE));
    }
    if (thread.isAlive()) {
      log.warn("the Kafka bridge's consumer thread is still running as close() returns, {}",
          finishing ? "closing its consumer" : "in a handler that ignores interrupts");
    }
  }

  /** Interrupts the thread unless it has begun finishing: a commit or close is not cut short. */
  private boolean interruptUnlessFinishing(Duration waited) {
    synchronized (interrupting) {
      if (finishing) {
        return false;
      }
      log.warn("the Kafka bridge's consumer thread did not stop within {}; interrupting it "
          + "(is a handler or a blocking publish stuck?)", waited);
      thread.interrupt();
      return true;
    }
  }

  /** Commits before partitions go to another member, so it starts where this one stopped. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata o = accepted.remove(tp);
        if (o != null) {
          offsets.put(tp, o);
        }
        resumeAt.remove(tp);
      }
      if (!offsets.isEmpty()) {
        try {
          try {
            consumer.commitSync(offsets, commitTimeout());
          } catch (WakeupException e) {
            // close() woke the consumer during a rebalance: commit anyway (a wake-up is spent
            // once), then, inside a poll, wake it again so that the poll loop still ends.
            try {
              consumer.commitSync(offsets, commitTimeout());
            } finally {
              if (!finishing) {
                consumer.wakeup();
              }
            }
          }
        } catch (RuntimeException e) {
          counters.commitFailures.increment();
          failures.warn("commit revoked",
              "the Kafka bridge could not commit offsets of revoked partitions; those "
              + "records will be redelivered: {}", e.toString());
        }
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        accepted.remove(tp);
        resumeAt.remove(tp);
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
  }
}
