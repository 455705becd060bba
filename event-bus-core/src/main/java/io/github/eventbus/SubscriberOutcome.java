package io.github.eventbus;

import java.time.Duration;
import java.util.Optional;

/**
 * One subscriber's part of a {@link DeliveryReport}.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param subscriber the subscription's {@linkplain Subscription#name() name}
 * @param status what finally happened
 * @param attempts how many times the handler was called
 * @param latency the time spent in the handler, over all attempts
 * @param failure the last exception, for {@link DeliveryStatus#DEAD_LETTERED}; otherwise null
 * @param reason why, for {@link DeliveryStatus#VETOED} and the other statuses that did not call
 *     the handler; otherwise null
 */
public record SubscriberOutcome(
    String subscriber, DeliveryStatus status, int attempts, Duration latency, Throwable failure,
    String reason) {

  /**
   * Returns the last exception of a failed delivery.
   *
   * @return the exception, if the handler failed finally
   */
  public Optional<Throwable> cause() {
    return Optional.ofNullable(failure);
  }
}
