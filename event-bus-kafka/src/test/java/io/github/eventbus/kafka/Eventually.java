package io.github.eventbus.kafka;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes; for state with no event to wait on. */
final class Eventually {

  static final Duration DEADLINE = Duration.ofSeconds(60);

  private Eventually() {}

  static void await(BooleanSupplier condition, Supplier<?> state) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("condition not met within " + DEADLINE + ": " + state.get());
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }
}
