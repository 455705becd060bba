package io.github.eventbus;

import java.util.List;

/**
 * What happened to a tracked publish, from {@link EventBus#publishAndTrack(Object)} or
 * {@link EventBus#publishSyncAndTrack(Object)}: one {@link SubscriberOutcome} per matching
 * subscriber, in priority order, each final (after any retries).
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param event the envelope that was published
 * @param outcomes one per matching subscriber; empty if nobody subscribed
 */
public record DeliveryReport(Event<?> event, List<SubscriberOutcome> outcomes) {

  /**
   * Copies the outcomes.
   *
   * @param event the envelope that was published
   * @param outcomes one per matching subscriber; empty if nobody subscribed
   */
  public DeliveryReport {
    outcomes = List.copyOf(outcomes);
  }

  /**
   * Tells whether the report lists no subscriber: the event had none (and so became a
   * {@link DeadEvent}), or the tracked publish was of a {@link DeadLetter}, whose own subscribers
   * are not tracked.
   *
   * @return {@code true} if the report has no subscriber outcome
   */
  public boolean noSubscriber() {
    return outcomes.isEmpty();
  }

  /**
   * Tells whether every matching subscriber handled the event.
   *
   * @return {@code true} if all outcomes are {@link DeliveryStatus#DELIVERED} (false if none)
   */
  public boolean allDelivered() {
    return !outcomes.isEmpty()
        && outcomes.stream().allMatch(o -> o.status() == DeliveryStatus.DELIVERED);
  }

  /**
   * Returns the outcomes other than delivered and filtered.
   *
   * @return the problems, in priority order
   */
  public List<SubscriberOutcome> problems() {
    return outcomes.stream()
        .filter(o -> o.status() != DeliveryStatus.DELIVERED && o.status() != DeliveryStatus.FILTERED)
        .toList();
  }
}
