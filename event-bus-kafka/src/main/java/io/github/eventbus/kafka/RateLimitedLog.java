package io.github.eventbus.kafka;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs one kind of failure at WARN at most once per interval, with how many were suppressed
 * since the last line, so that a failing broker or a stream of bad records never floods the log.
 */
final class RateLimitedLog {

  private static final long INTERVAL_MILLIS = 10_000;

  private final Logger log;
  private final Clock clock;
  private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedLog(Logger log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  /** Logs {@code message} (an SLF4J pattern whose last placeholder gets the suppressed count). */
  void warn(String message, Object... args) {
    long now = clock.millis();
    long due = next.get();
    if (now < due || !next.compareAndSet(due, now + INTERVAL_MILLIS)) {
      suppressed.incrementAndGet();
      return;
    }
    Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
    all[args.length] = suppressed.getAndSet(0);
    log.warn(message + " ({} similar suppressed)", all);
  }
}
