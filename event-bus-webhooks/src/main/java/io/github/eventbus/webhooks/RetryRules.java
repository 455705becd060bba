package io.github.eventbus.webhooks;

import io.github.eventbus.RetryPolicy;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Decides what follows an attempt, like the HTTP clients that retry safely: 2xx is delivered; 410
 * is gone; a network error, a timeout, 408, 425, 429, 5xx or an unfollowed 3xx is retried after a
 * delay (the policy's backoff, or the endpoint's {@code Retry-After}, clamped) while the policy
 * allows; any other 4xx, or a target the address guard refused, is rejected at once.
 */
final class RetryRules {

  /** What follows an attempt. */
  enum Verdict { DELIVERED, GONE, REJECTED, RETRY, EXHAUSTED }

  /** A verdict, with the delay before the next attempt for {@link Verdict#RETRY}. */
  record Decision(Verdict verdict, Duration delay) {}

  private final RetryPolicy policy;
  private final Duration maxRetryAfter;
  private final DoubleSupplier jitter;

  /** With {@code jitter} giving numbers in [0, 1] (the client guards the user's source). */
  RetryRules(RetryPolicy policy, Duration maxRetryAfter, DoubleSupplier jitter) {
    this.policy = policy;
    this.maxRetryAfter = maxRetryAfter;
    this.jitter = jitter;
  }

  /**
   * Rules with the client's defaults for each argument that is null: 5 attempts, exponential from
   * 1 s, up to 5 min apart, jitter 0.2; a {@code Retry-After} of at most 1 hour; random jitter.
   */
  static RetryRules withDefaults(RetryPolicy policy, Duration maxRetryAfter, DoubleSupplier jitter) {
    return new RetryRules(
        policy != null ? policy : RetryPolicy.builder().maxAttempts(5)
            .initialDelay(Duration.ofSeconds(1)).multiplier(2).maxDelay(Duration.ofMinutes(5))
            .jitter(0.2).build(),
        maxRetryAfter != null ? maxRetryAfter : Duration.ofHours(1),
        jitter != null ? jitter : () -> ThreadLocalRandom.current().nextDouble());
  }

  RetryPolicy policy() {
    return policy;
  }

  /** Whether the endpoint answered 410 Gone: nothing more is sent to it. */
  static boolean isGone(SignedPost.Answer answer) {
    return answer.status() == 410;
  }

  /**
   * Decides after attempt number {@code attempts} of a delivery first tried at
   * {@code firstAttempt}.
   */
  Decision decide(SignedPost.Answer answer, int attempts, Instant firstAttempt, Instant now) {
    int status = answer.status();
    if (status >= 200 && status < 300) {
      return new Decision(Verdict.DELIVERED, null);
    }
    if (isGone(answer)) {
      return new Decision(Verdict.GONE, null);
    }
    if (answer.refused() || !retryable(status)) {
      return new Decision(Verdict.REJECTED, null);
    }
    int next = attempts + 1;
    Duration delay = answer.headers() == null ? null : retryAfter(answer.headers(), now);
    if (delay == null) {
      delay = next <= policy.maxAttempts() ? policy.delayBefore(next, unit()) : Duration.ZERO;
    }
    Duration elapsed = Duration.between(firstAttempt, now).plus(delay);
    return policy.allowsAttempt(next, elapsed)
        ? new Decision(Verdict.RETRY, delay)
        : new Decision(Verdict.EXHAUSTED, null);
  }

  /** Whether another attempt may succeed: no answer (0), 408, 425, 429, and anything not 4xx. */
  static boolean retryable(int status) {
    return status < 400 || status >= 500 || status == 408 || status == 425 || status == 429;
  }

  private double unit() {
    return jitter.getAsDouble();
  }

  /**
   * A Retry-After of seconds or an HTTP-date, at least the policy's first delay and at most
   * {@code maxRetryAfter}; null if absent or unreadable.
   */
  private Duration retryAfter(HttpHeaders headers, Instant now) {
    String value = headers.firstValue("Retry-After").orElse(null);
    if (value == null) {
      return null;
    }
    String text = value.strip();
    Duration wait;
    if (!text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      // delay-seconds is any run of digits: one too long for a long is still a wait, the cap.
      String digits = text.replaceFirst("^0+(?=.)", "");
      wait = digits.length() > 18 ? maxRetryAfter : Duration.ofSeconds(Long.parseLong(digits));
    } else {
      Instant at = httpDate(text, now);
      if (at == null) {
        return null;
      }
      wait = Duration.between(now, at);
    }
    // "Retry-After: 0", or a date gone by, would have the client retry back to back: an endpoint
    // gets no sooner than the policy's first delay, the least wait its owner chose.
    if (wait.compareTo(policy.initialDelay()) < 0) {
      wait = policy.initialDelay();
    }
    return wait.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : wait;
  }

  /** The asctime form, {@code Sun Nov  6 08:49:37 1994}: the day of the month is space-padded. */
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss uuuu", Locale.US).withZone(ZoneOffset.UTC)
          .withResolverStyle(ResolverStyle.STRICT);

  /**
   * An HTTP-date in any of the three forms a recipient must accept (RFC 9110, section 5.6.7):
   * IMF-fixdate (RFC 1123), the obsolete RFC 850 form with a two-digit year (read as the year
   * within 50 years of {@code now}), and asctime; null if it is none of them.
   */
  static Instant httpDate(String value, Instant now) {
    try {
      return ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException notImf) {
      // try the obsolete forms
    }
    int year = now.atOffset(ZoneOffset.UTC).getYear();
    DateTimeFormatter rfc850 = new DateTimeFormatterBuilder()
        .appendPattern("EEEE, dd-MMM-")
        .appendValueReduced(ChronoField.YEAR, 2, 2, year - 49)
        .appendPattern(" HH:mm:ss 'GMT'")
        .toFormatter(Locale.US).withZone(ZoneOffset.UTC).withResolverStyle(ResolverStyle.STRICT);
    for (DateTimeFormatter form : new DateTimeFormatter[] {rfc850, ASCTIME}) {
      try {
        return ZonedDateTime.parse(value, form).toInstant();
      } catch (DateTimeParseException notThisForm) {
        // try the next
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return policy.toString();
  }
}
