package io.github.eventbus;

import java.lang.reflect.Method;

/**
 * Where a handler failed, given to a {@link SubscriberExceptionHandler}.
 *
 * <p>{@code listener} and {@code method} are what Guava's {@code SubscriberExceptionContext}
 * calls the subscriber and the subscriber method, so Guava exception handlers port unchanged.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param bus the bus's {@linkplain EventBus#name() name}
 * @param subscriber the subscription's {@linkplain Subscription#name() name}
 * @param event the envelope of the event being delivered
 * @param attempt which attempt failed, from 1
 * @param willRetry whether the bus will try again: the retry is on its scheduler (it starts only
 *     after this report; a close() or {@link Subscription#close()} may still abandon it, which
 *     the event's outcome then reports)
 * @param listener the object given to {@link EventBus#register(Object)} for a {@code @Subscribe}
 *     method, or the {@link EventHandler} itself for a handler subscribed directly (a lambda);
 *     {@code null} only in contexts made without one
 * @param method the {@code @Subscribe} method that failed, or {@code null} for a handler
 *     subscribed directly
 */
public record SubscriberExceptionContext(
    String bus, String subscriber, Event<?> event, int attempt, boolean willRetry,
    Object listener, Method method) {

  /**
   * A context without listener and method, for exception handlers' own tests.
   *
   * @param bus the bus's name
   * @param subscriber the subscription's name
   * @param event the envelope of the event being delivered
   * @param attempt which attempt failed, from 1
   * @param willRetry whether the bus will try again
   */
  public SubscriberExceptionContext(
      String bus, String subscriber, Event<?> event, int attempt, boolean willRetry) {
    this(bus, subscriber, event, attempt, willRetry, null, null);
  }
}
