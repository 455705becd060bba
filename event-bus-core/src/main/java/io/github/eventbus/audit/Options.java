package io.github.eventbus.audit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** Checks shared by this package's builders. */
final class Options {

  private Options() {}

  static <T> T once(T current, T value, String option) {
    requireNonNull(value, option);
    if (current != null) {
      throw new IllegalStateException(
          option + " was already set to " + current + "; each builder option can be set once");
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

  static Duration nonNegative(Duration value, String option) {
    requireNonNull(value, option);
    if (value.isNegative()) {
      throw new IllegalArgumentException(option + " must not be negative, but was " + value);
    }
    return value;
  }
}
