package io.github.eventbus.kafka;

import io.github.eventbus.internal.RateLimitedLog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Tells when a consumed topic does not exist. Kafka's consumer polls a missing topic without an
 * error, for ever, so a misspelt name would consume nothing without a word: while the consumer
 * has no partition, this asks the cluster which topics exist, at most every
 * {@link #INTERVAL_NANOS}, and counts a missing one as a failed poll, with a rate-limited WARN.
 * Used by the consumer thread only.
 */
final class MissingTopics {

  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Consumer<byte[], byte[]> consumer;
  private final List<String> topics;
  private final Duration timeout;
  private final Counters counters;
  private final RateLimitedLog failures;
  private long next = System.nanoTime(); // the first look comes at the first poll

  MissingTopics(Consumer<byte[], byte[]> consumer, List<String> topics, Duration timeout,
      Counters counters, RateLimitedLog failures) {
    this.consumer = consumer;
    this.topics = List.copyOf(topics);
    this.timeout = timeout;
    this.counters = counters;
    this.failures = failures;
  }

  /** After a poll: looks for the topics if the consumer has no partition and a look is due. */
  void afterPoll() {
    long now = System.nanoTime();
    if (!consumer.assignment().isEmpty() || now - next < 0) {
      return;
    }
    next = now + INTERVAL_NANOS;
    Map<String, List<PartitionInfo>> existing;
    try {
      existing = consumer.listTopics(timeout);
    } catch (WakeupException closing) {
      throw closing;
    } catch (KafkaException e) {
      return; // the cluster does not answer: the next poll fails and says so, or the next look
    }
    List<String> missing = topics.stream().filter(t -> !existing.containsKey(t)).toList();
    if (!missing.isEmpty()) {
      counters.pollFailures.increment();
      failures.warn("missing topic", "the Kafka bridge consumes topic(s) {} that do not exist;"
          + " it consumes them once they do", missing);
    }
  }
}
