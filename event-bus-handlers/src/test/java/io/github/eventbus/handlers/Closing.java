package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.EventBus;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * For tests of a handler running while its bus closes. Whether a bus accepts a handler's
 * follow-up during close() is the core's choice; either way it must not be silent.
 */
final class Closing {

  private Closing() {}

  /** Waits, on the bus's own state and without sleeping, until close() has begun. */
  static void awaitClosing(EventBus bus) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!bus.isClosed()) {
      assertThat(System.nanoTime()).as("close() begins").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  /**
   * Asserts that the follow-up was delivered, or else that its refusal reached the bus's
   * exception handler as a HandlerException saying the event was logged.
   */
  static void assertDeliveredOrReported(List<?> delivered, List<Throwable> failures) {
    if (delivered.isEmpty()) {
      assertThat(failures).anySatisfy(f -> assertThat(f).isInstanceOf(HandlerException.class)
          .hasMessageContaining("was handled and logged, but its follow-up"));
    } else {
      assertThat(failures).isEmpty();
    }
  }
}
