package io.github.eventbus.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/**
 * Turns repeated verification failures into one rate-limited warning that names the likely
 * cause: a wrong or rotated secret, clock skew, or a sender using another scheme. It counts
 * failures by kind and never sees a header, a body or a secret. Thread-safe.
 */
final class SignatureAlarm {

  private final Clock clock;
  private final Duration interval;
  private final int threshold;
  private final Map<VerificationFailure, Integer> counts = new EnumMap<>(VerificationFailure.class);
  private Instant since;
  private Instant lastWarning;
  private int total;

  SignatureAlarm(Clock clock, Duration interval, int threshold) {
    this.clock = clock;
    this.interval = interval;
    this.threshold = threshold;
  }

  /**
   * Counts a failure; returns the warning to log if there were at least {@code threshold} since
   * the last one and the last one is at least {@code interval} old, else null.
   */
  synchronized String record(VerificationFailure failure) {
    Instant now = clock.instant();
    if (since == null) {
      since = now;
    }
    counts.merge(failure, 1, Integer::sum);
    total++;
    if (total < threshold
        || (lastWarning != null && Duration.between(lastWarning, now).compareTo(interval) < 0)) {
      return null;
    }
    String warning = message(Duration.between(since, now));
    counts.clear();
    total = 0;
    since = now;
    lastWarning = now;
    return warning;
  }

  private String message(Duration over) {
    StringBuilder text = new StringBuilder().append(total)
        .append(" webhook requests failed verification in the last ").append(over.toSeconds())
        .append(" s:");
    append(text, VerificationFailure.BAD_SIGNATURE, "no signature matched (likely a wrong secret: the"
        + " sender and this receiver use different secrets; check the secret and key rotation)");
    append(text, VerificationFailure.STALE_TIMESTAMP, "timestamp outside the tolerance (likely"
        + " clock skew between sender and receiver: check NTP on both, or replayed requests)");
    append(text, VerificationFailure.MISSING_HEADER, "signature headers missing (likely a sender"
        + " using another signature scheme, or unsigned traffic)");
    append(text, VerificationFailure.MALFORMED, "malformed signature headers (likely another"
        + " scheme or a broken sender)");
    return text.append(". Each request is logged at DEBUG.").toString();
  }

  private void append(StringBuilder text, VerificationFailure kind, String meaning) {
    Integer n = counts.get(kind);
    if (n != null) {
      text.append(text.charAt(text.length() - 1) == ':' ? " " : "; ").append(n).append(' ')
          .append(meaning);
    }
  }
}
