package io.github.eventbus.kafka;

import io.github.eventbus.internal.RateLimitedLog;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Tells when a consumed topic does not exist. Kafka's consumer polls a missing topic without an
 * error, for ever, so a misspelt name would consume nothing without a word: until each consumed
 * topic has been seen once, this asks the cluster which topics it can see, at most every
 * {@link #INTERVAL_NANOS}, and counts one it cannot as a failed poll, with a rate-limited WARN.
 * (A topic the bridge may not describe looks missing too.) Used by the consumer thread only.
 */
final class MissingTopics {

  static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final Consumer<byte[], byte[]> consumer;
  private final Set<String> unseen;
  private final Duration timeout;
  private final Counters counters;
  private final RateLimitedLog failures;
  private long next = System.nanoTime(); // the first look comes at the first poll

  MissingTopics(Consumer<byte[], byte[]> consumer, List<String> topics, Duration timeout,
      Counters counters, RateLimitedLog failures) {
    this.consumer = consumer;
    this.unseen = new LinkedHashSet<>(topics);
    this.timeout = timeout;
    this.counters = counters;
    this.failures = failures;
  }

  /** After a poll: looks for the topics not seen yet, if a look is due. */
  void afterPoll() {
    long now = System.nanoTime();
    if (unseen.isEmpty() || now - next < 0) {
      return;
    }
    next = now + INTERVAL_NANOS;
    Map<String, List<PartitionInfo>> existing;
    try {
      existing = consumer.listTopics(timeout);
    } catch (WakeupException closing) {
      throw closing;
    } catch (KafkaException e) {
      // The cluster does not answer (the next poll fails and says so), or an interrupt, which
      // only close() sends and the next poll meets: the next look asks again.
      return;
    }
    unseen.removeIf(existing::containsKey);
    if (!unseen.isEmpty()) {
      counters.pollFailures.increment();
      failures.warn("missing topic", "the Kafka bridge consumes topic(s) {} that do not exist or"
          + " that it may not see; it consumes them once they are there", List.copyOf(unseen));
    }
  }
}
