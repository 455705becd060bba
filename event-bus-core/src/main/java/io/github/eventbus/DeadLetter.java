package io.github.eventbus;

import static java.util.Objects.requireNonNull;

/**
 * An event that a subscriber did not handle: its handler failed on every attempt its
 * {@link RetryPolicy} allowed, the bus dropped it under {@link BackpressurePolicy#DROP}, or the
 * bus closed before it could be delivered.
 *
 * <p>Subscribe to {@code DeadLetter.class} to receive them: they are delivered synchronously, on
 * the thread that gave up on the event, only to subscribers of {@code DeadLetter} itself (never to
 * {@code Object} or {@code *} subscribers, so that a catch-all subscriber cannot loop on them). A
 * failing dead-letter handler is reported to the exception handler and goes no further. Without a
 * subscriber, each dead letter is logged at WARN, because an event was lost to the application.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param event the envelope of the event that was not handled
 * @param subscriber the name of the subscription that did not handle it
 * @param cause why: the handler's last exception, or a {@link RejectedEventException} for a drop
 *     or a close
 * @param attempts how many times the handler was called for it (0 if it never was)
 */
@EventType("bus.dead_letter")
public record DeadLetter(Event<?> event, String subscriber, Throwable cause, int attempts) {

  /**
   * Checks the components.
   *
   * @param event the envelope of the event that was not handled
   * @param subscriber the name of the subscription that did not handle it
   * @param cause why: the handler's last exception, or a {@link RejectedEventException} for a drop or a close
   * @param attempts how many times the handler was called for it (0 if it never was)
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code attempts} is negative
   */
  public DeadLetter {
    requireNonNull(event, "event");
    requireNonNull(subscriber, "subscriber");
    requireNonNull(cause, "cause");
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must not be negative, but was " + attempts);
    }
  }
}
