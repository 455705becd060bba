package io.github.eventbus.audit;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** Set-once and range checks for this package's builders. */
final class Options {

  private Options() {}

  static <T> T once(T current, T value, String option) {
    requireNonNull(value, option);
    checkState(current == null, "%s was already set to %s; each builder option can be set once",
        option, current);
    return value;
  }

  /** Checks a duration is positive, or (if {@code zeroAllowed}) not negative. */
  static Duration duration(Duration value, String option, boolean zeroAllowed) {
    requireNonNull(value, option);
    checkArgument(!value.isNegative() && (zeroAllowed || !value.isZero()),
        "%s must be %s, but was %s", option, zeroAllowed ? "zero or more" : "positive", value);
    return value;
  }
}
