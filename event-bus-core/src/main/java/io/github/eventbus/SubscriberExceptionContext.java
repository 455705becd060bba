package io.github.eventbus;

/**
 * Where a handler failed, given to a {@link SubscriberExceptionHandler}.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param bus the bus's {@linkplain EventBus#name() name}
 * @param subscriber the subscription's {@linkplain Subscription#name() name}
 * @param event the envelope of the event being delivered
 * @param attempt which attempt failed, from 1
 * @param willRetry whether the bus will try again
 */
public record SubscriberExceptionContext(
    String bus, String subscriber, Event<?> event, int attempt, boolean willRetry) {}
