package io.github.eventbus.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Formats instants exactly as {@link Instant#toString()} does for years 1970 to 9999 (UTC, the
 * fraction in groups of three digits, none when zero) into a reused byte array, caching the text
 * of the current second: the audit log writes many lines per second, and {@code Instant.toString()}
 * with its strings costs more than the rest of a line. Not thread-safe: one per writer thread.
 */
final class IsoInstants {

  private static final long YEAR_10000 = 253_402_300_800L;

  private final byte[] text = new byte[40];
  private long cachedSecond = Long.MIN_VALUE;
  private int prefixLength; // yyyy-MM-ddTHH:mm:ss, in text[0..prefixLength)

  /** Formats into {@link #bytes()} and returns the length; ASCII only. */
  int formatTo(Instant instant) {
    long second = instant.getEpochSecond();
    if (second < 0 || second >= YEAR_10000) { // rare: use the JDK
      byte[] full = instant.toString().getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(full, 0, text, 0, full.length);
      cachedSecond = Long.MIN_VALUE;
      return full.length;
    }
    if (second != cachedSecond) {
      byte[] full = Instant.ofEpochSecond(second).toString() // yyyy-MM-ddTHH:mm:ssZ, once a second
          .getBytes(StandardCharsets.US_ASCII);
      prefixLength = full.length - 1;
      System.arraycopy(full, 0, text, 0, prefixLength);
      cachedSecond = second;
    }
    int at = prefixLength;
    int nanos = instant.getNano();
    if (nanos != 0) {
      text[at++] = '.';
      if (nanos % 1_000_000 == 0) {
        at = digits(nanos / 1_000_000, 3, at);
      } else if (nanos % 1_000 == 0) {
        at = digits(nanos / 1_000, 6, at);
      } else {
        at = digits(nanos, 9, at);
      }
    }
    text[at++] = 'Z';
    return at;
  }

  /** The bytes of the last {@link #formatTo}. */
  byte[] bytes() {
    return text;
  }

  String format(Instant instant) {
    return new String(text, 0, formatTo(instant), StandardCharsets.US_ASCII);
  }

  private int digits(int value, int count, int at) {
    for (int i = at + count - 1; i >= at; i--) {
      text[i] = (byte) ('0' + value % 10);
      value /= 10;
    }
    return at + count;
  }
}
