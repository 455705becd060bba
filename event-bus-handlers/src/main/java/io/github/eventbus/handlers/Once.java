package io.github.eventbus.handlers;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

/** The set-once rule of this package's builders. */
final class Once {

  private Once() {}

  static <T> T set(T current, T value, String option) {
    requireNonNull(value, option);
    checkState(current == null, "%s was already set to %s; each builder option can be set once",
        option, current);
    return value;
  }
}
