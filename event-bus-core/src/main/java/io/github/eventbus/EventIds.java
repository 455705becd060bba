package io.github.eventbus;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates time-ordered, unique event ids in the UUID version 7 layout: 48 bits of Unix
 * milliseconds, a 12-bit counter that keeps ids from one generator strictly increasing within a
 * millisecond, and 62 random bits that keep ids from different buses and processes apart. The
 * string forms sort in generation order. The random bits do not affect behaviour, so they come
 * from {@link ThreadLocalRandom} rather than an injected source.
 */
final class EventIds {

  // (millis << 12) | counter of the last id handed out.
  private final AtomicLong last = new AtomicLong();

  /** Returns the most significant half of a new id for an event stamped at {@code epochMillis}. */
  long nextHigh(long epochMillis) {
    long floor = epochMillis << 12;
    while (true) {
      long previous = last.get();
      long next = Math.max(previous + 1, floor);
      if (last.compareAndSet(previous, next)) {
        long millis = next >>> 12;
        return (millis << 16) | 0x7000L | (next & 0xFFFL);
      }
    }
  }

  static long randomLow() {
    return (ThreadLocalRandom.current().nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
  }

  static String format(long high, long low) {
    return new UUID(high, low).toString();
  }
}
