package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** The checks shared by this module's builders: set-once options and argument ranges. */
final class Options {

  private Options() {}

  /** Returns {@code value} if {@code current} is unset; otherwise says the option was set twice. */
  static <T> T setOnce(T current, T value, String option) {
    requireNonNull(value, option);
    if (current != null) {
      throw new IllegalStateException(option + " was already set; each option can be set once");
    }
    return value;
  }

  static int positive(int value, String option) {
    if (value <= 0) {
      throw new IllegalArgumentException(option + " must be positive, but was " + value);
    }
    return value;
  }

  static Duration positive(Duration value, String option) {
    requireNonNull(value, option);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(option + " must be a positive duration, but was " + value);
    }
    return value;
  }
}
