package io.github.eventbus;

/**
 * Receives events from an {@link EventBus}.
 *
 * <p>A handler may throw any exception: the bus catches it, reports it to the bus's
 * {@link SubscriberExceptionHandler}, retries according to the subscription's {@link RetryPolicy}
 * and finally turns it into a {@link DeadLetter}. An exception never reaches the publisher or
 * other handlers.
 *
 * <p><b>Thread-safety:</b> a handler is called by one thread at a time for events delivered by
 * {@link EventBus#publish(Object)}, unless its subscription opted into
 * {@linkplain SubscriptionBuilder#concurrent() concurrent delivery}. Events delivered by
 * {@link EventBus#publishSync(Object)} run on each publisher's own thread, so a handler that
 * receives synchronous events from several threads must be thread-safe. (A listener's
 * {@code @Subscribe} method added with {@link EventBus#register(Object)} is the exception: unless
 * marked concurrent, it is called by one thread at a time on every path, as in Guava.)
 *
 * @param <E> the type of event handled
 */
@FunctionalInterface
public interface EventHandler<E> {

  /**
   * Handles one event.
   *
   * @param event the event, never {@code null}
   * @throws Exception to signal a failed delivery; the bus reports and may retry it
   */
  void handle(E event) throws Exception;
}
