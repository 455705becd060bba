package io.github.eventbus.audit;

import java.time.Instant;

/**
 * Formats instants exactly as {@link Instant#toString()} does for years 0000 to 9999 (UTC, the
 * fraction in groups of three digits, none when zero), caching the text of the current second:
 * the audit log writes many lines per second and {@code Instant.toString()} costs more than the
 * rest of a line. Not thread-safe: one per writer thread.
 */
final class IsoInstants {

  private long cachedSecond = Long.MIN_VALUE;
  private String cachedPrefix;

  String format(Instant instant) {
    long second = instant.getEpochSecond();
    if (second < 0 || second >= 253_402_300_800L) { // outside 1970..9999: rare, use the JDK
      return instant.toString();
    }
    if (second != cachedSecond) {
      String full = Instant.ofEpochSecond(second).toString(); // yyyy-MM-ddTHH:mm:ssZ
      cachedPrefix = full.substring(0, full.length() - 1);
      cachedSecond = second;
    }
    int nanos = instant.getNano();
    if (nanos == 0) {
      return cachedPrefix + 'Z';
    }
    StringBuilder out = new StringBuilder(cachedPrefix.length() + 11).append(cachedPrefix).append('.');
    if (nanos % 1_000_000 == 0) {
      appendPadded(out, nanos / 1_000_000, 3);
    } else if (nanos % 1_000 == 0) {
      appendPadded(out, nanos / 1_000, 6);
    } else {
      appendPadded(out, nanos, 9);
    }
    return out.append('Z').toString();
  }

  private static void appendPadded(StringBuilder out, int value, int digits) {
    String text = Integer.toString(value);
    for (int i = text.length(); i < digits; i++) {
      out.append('0');
    }
    out.append(text);
  }
}
