package io.github.eventbus.kafka;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.internal.TrackedThreads;
import io.github.eventbus.internal.Uncaught;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the bridge's dead letters on the bus from a thread of its own, so that a dead-letter
 * handler never runs on (or blocks) the Kafka producer's network thread. The queue is bounded: a
 * dead letter that finds it full is logged (rate-limited) instead, never silently lost.
 */
final class DeadLetters implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);
  private static final int CAPACITY = 10_000;
  private static final String CLOSED = "the bridge had closed";

  private final EventBus bus;
  private final Counters counters;
  private final RateLimitedLog unpublished;
  private final ThreadPoolExecutor executor;
  private final TrackedThreads threads;

  DeadLetters(EventBus bus, Counters counters, RateLimitedLog unpublished, ThreadFactory threads) {
    this.bus = bus;
    this.counters = counters;
    this.unpublished = unpublished;
    this.threads = TrackedThreads.of(threads);
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(CAPACITY), this.threads, (task, pool) -> ((Letter) task).unpublished(
            pool.isShutdown() ? CLOSED : "the bridge's dead-letter queue is full"));
  }

  /**
   * Publishes from the dead-letter thread; for the producer's callbacks and failed sends. Once
   * {@link #close} has stopped that thread, a letter is published on the calling thread (a bus
   * worker whose send failed as the bridge closed, or the dead-letter thread itself), except on a
   * producer's network thread: a callback later than the close's wait for it is logged instead.
   */
  void later(Event<?> event, String subscriber, Throwable cause, int attempts) {
    Letter letter = new Letter(new DeadLetter(event, subscriber, cause, attempts));
    if (executor.isShutdown()) {
      if (Thread.currentThread().getName().startsWith(KafkaProducer.NETWORK_THREAD_PREFIX)) {
        letter.unpublished(CLOSED);
      } else {
        letter.run();
      }
    } else {
      try {
        executor.execute(letter);
      } catch (RuntimeException e) { // the thread factory failed to make the thread
        letter.unpublished("the bridge's dead-letter thread could not be made: " + e);
      }
    }
  }

  /** Publishes on this thread; for the consumer thread, which may block on its own bus. */
  void now(Event<?> event, String subscriber, Throwable cause, int attempts) {
    new Letter(new DeadLetter(event, subscriber, cause, attempts)).run();
  }

  /** Whether the calling thread is the dead-letter thread. */
  boolean onItsThread() {
    return threads.madeCurrentThread();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  /**
   * Stops the dead-letter thread once it has published what is queued, waiting at most
   * {@code timeout}; then a DeadLetter handler still holding the thread is interrupted, and the
   * letters still queued are logged rather than published after close() returned.
   */
  void close(Duration timeout) {
    executor.shutdown();
    if (onItsThread()) {
      return; // a DeadLetter handler closed the bridge: the queued letters follow once it returns
    }
    try {
      // The pool terminates a moment before its thread has ended; wait for the thread too, so
      // that none outlives close().
      if (executor.awaitTermination(Settings.nanos(timeout), TimeUnit.NANOSECONDS)
          && threads.awaitExit(1, TimeUnit.SECONDS)) {
        return;
      }
      for (Runnable left : executor.shutdownNow()) {
        ((Letter) left).unpublished(CLOSED);
      }
      if (!executor.awaitTermination(1, TimeUnit.SECONDS)
          || !threads.awaitExit(1, TimeUnit.SECONDS)) {
        log.warn("a DeadLetter handler held the Kafka bridge's dead-letter thread past the close"
            + " timeout of {} and an interrupt; it is left to finish", timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Letter implements Runnable {
    private final DeadLetter letter;

    Letter(DeadLetter letter) {
      this.letter = letter;
    }

    @Override
    public void run() {
      counters.deadLetters.increment(); // not for one the full queue refused: that is only logged
      try {
        bus.publishSync(letter);
      } catch (RuntimeException e) { // the bus is closed, or a handler failed fast
        unpublished(e.toString());
      } catch (Error e) { // a DeadLetter handler's, rethrown by publishSync once delivered
        Uncaught.handOn(e, unpublished);
      }
    }

    void unpublished(String why) {
      unpublished.warn("dead letter",
          "could not publish a dead letter for event {} of type {} ({}): {}; cause: {}",
          letter.event().id(), letter.event().type(), letter.subscriber(), why,
          String.valueOf(letter.cause()));
    }
  }
}
