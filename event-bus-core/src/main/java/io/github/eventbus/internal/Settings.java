package io.github.eventbus.internal;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Checks shared by every builder of the library: set-once options and argument ranges, with one
 * wording for each failure.
 *
 * <p><b>Not part of the API.</b> This package is public only so that the library's modules can
 * share it; it may change in any release without notice. Do not use it from application code.
 *
 * <p><b>Thread-safety:</b> stateless and thread-safe.
 */
public final class Settings {

  /**
   * The longest wait, in nanoseconds, that {@link #nanos} gives: about 146 years. Long enough to
   * mean "no limit"; short enough that {@code System.nanoTime()} plus it, compared by subtraction
   * as deadlines are, never overflows.
   */
  public static final long MAX_NANOS = Long.MAX_VALUE / 2;

  /**
   * The longest duration option: {@link #MAX_NANOS} nanoseconds.
   * {@link #positive(Duration, String)} and {@link #nonNegative(Duration, String)} treat a longer
   * one as this, so that a caller may
   * write "no limit" as any huge duration and no deadline or instant computed from it overflows.
   */
  public static final Duration MAX_DURATION = Duration.ofNanos(MAX_NANOS);

  private Settings() {}

  /**
   * A duration in nanoseconds, at most {@link #MAX_NANOS}: a caller may pass a practically
   * unlimited duration such as {@code Duration.ofSeconds(Long.MAX_VALUE)}, which
   * {@link Duration#toNanos()} would refuse with an {@code ArithmeticException}.
   *
   * @param duration a duration, zero or more
   * @return its nanoseconds, saturated at {@link #MAX_NANOS}
   */
  public static long nanos(Duration duration) {
    return Math.min(TimeUnit.NANOSECONDS.convert(duration), MAX_NANOS);
  }

  /**
   * A duration in milliseconds, at most {@link #MAX_NANOS} nanoseconds' worth, as {@link #nanos}.
   *
   * @param duration a duration, zero or more
   * @return its milliseconds, saturated
   */
  public static long millis(Duration duration) {
    return Math.min(TimeUnit.MILLISECONDS.convert(duration), MAX_NANOS / 1_000_000);
  }

  /**
   * Returns {@code value} if {@code current} is unset; otherwise says the option was set twice.
   * The message never shows either value: an option may be a password or a secret.
   *
   * @param current the option's value so far, {@code null} if unset
   * @param value the new value
   * @param option the option's name, used in messages
   * @param <T> the option's type
   * @return {@code value}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalStateException if {@code current} is set
   */
  public static <T> T setOnce(T current, T value, String option) {
    requireNonNull(value, option);
    if (current != null) {
      throw new IllegalStateException(
          option + " was already set; each builder option can be set once");
    }
    return value;
  }

  /**
   * Checks that a Jackson mapper writes and reads JSON: the library's files and records are JSON
   * lines, and a mapper of another format (YAML, say) would write lines no reader takes.
   *
   * @param mapper the mapper
   * @param option the option's name, used in messages
   * @return {@code mapper}
   * @throws NullPointerException if {@code mapper} is null
   * @throws IllegalArgumentException if its factory names a format other than JSON
   */
  public static ObjectMapper jsonMapper(ObjectMapper mapper, String option) {
    String format = requireNonNull(mapper, option).getFactory().getFormatName();
    // A subclass of JsonFactory that does not name its format returns null; the factories of
    // other formats (YAML, CBOR, Smile, ...) all name theirs.
    if (format != null && !JsonFactory.FORMAT_NAME_JSON.equals(format)) {
      throw new IllegalArgumentException(option + " must be a JSON mapper, but its factory's "
          + "format was " + format);
    }
    return mapper;
  }

  /**
   * Checks that a number is positive.
   *
   * @param value the value
   * @param option the option's name, used in messages
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static int positive(int value, String option) {
    return (int) positive((long) value, option);
  }

  /**
   * Checks that a number is positive.
   *
   * @param value the value
   * @param option the option's name, used in messages
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static long positive(long value, String option) {
    if (value <= 0) {
      throw new IllegalArgumentException(option + " must be positive, but was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration is positive.
   *
   * @param value the value
   * @param option the option's name, used in messages
   * @return {@code value}, or {@link #MAX_DURATION} if it is longer
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static Duration positive(Duration value, String option) {
    requireNonNull(value, option);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(option + " must be a positive duration, but was " + value);
    }
    return atMostMax(value);
  }

  /**
   * Checks that a duration is zero or positive.
   *
   * @param value the value
   * @param option the option's name, used in messages
   * @return {@code value}, or {@link #MAX_DURATION} if it is longer
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is negative
   */
  public static Duration nonNegative(Duration value, String option) {
    requireNonNull(value, option);
    if (value.isNegative()) {
      throw new IllegalArgumentException(option + " must not be negative, but was " + value);
    }
    return atMostMax(value);
  }

  private static Duration atMostMax(Duration value) {
    return value.compareTo(MAX_DURATION) > 0 ? MAX_DURATION : value;
  }
}
