package io.github.eventbus.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

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

  private Settings() {}

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
   * Checks that a number is positive.
   *
   * @param value the value
   * @param option the option's name, used in messages
   * @return {@code value}
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static int positive(int value, String option) {
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
   * @return {@code value}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is zero or negative
   */
  public static Duration positive(Duration value, String option) {
    requireNonNull(value, option);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(option + " must be a positive duration, but was " + value);
    }
    return value;
  }

  /**
   * Checks that a duration is zero or positive.
   *
   * @param value the value
   * @param option the option's name, used in messages
   * @return {@code value}
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code value} is negative
   */
  public static Duration nonNegative(Duration value, String option) {
    requireNonNull(value, option);
    if (value.isNegative()) {
      throw new IllegalArgumentException(option + " must not be negative, but was " + value);
    }
    return value;
  }
}
