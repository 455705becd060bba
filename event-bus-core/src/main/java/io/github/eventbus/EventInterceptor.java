package io.github.eventbus;

import java.util.Optional;

/**
 * Observes, enriches or vetoes what a bus does, registered with
 * {@link EventBusBuilder#interceptor(EventInterceptor)}. Interceptors run in registration order.
 *
 * <pre>{@code
 * EventInterceptor tenantGuard = new EventInterceptor() {
 *   public Event<?> onPublish(Event<?> event) {
 *     return event.withMetadata(event.metadata().withHeader("host", hostName));
 *   }
 *   public Optional<String> beforeDelivery(Event<?> event, Subscription subscription) {
 *     return subscription.name().startsWith("billing") && !event.metadata().headers().containsKey("tenant")
 *         ? Optional.of("billing needs a tenant") : Optional.empty();
 *   }
 * };
 * }</pre>
 *
 * <p>Like handlers, interceptors are guarded: an exception from one is logged at WARN and ignored
 * (the event goes on unchanged and undisturbed), never passed to the publisher; an {@code Error}
 * follows the bus's failure rule (see the package guide): it never makes a handler that succeeded
 * run again. A veto is counted
 * in {@link DeliveryStats#vetoed()} and reported as {@link DeliveryStatus#VETOED}; it is not a
 * failure and not retried.
 *
 * <p><b>Thread-safety:</b> called concurrently from publishing and delivering threads;
 * implementations must be thread-safe.
 */
public interface EventInterceptor {

  /**
   * Called once per publish, on the publishing thread, before the audit log and delivery. May
   * return the envelope with other metadata ({@link Event#withMetadata(Metadata)}); an envelope
   * with another id, type or payload is ignored.
   *
   * @param event the envelope
   * @return the envelope to publish
   */
  default Event<?> onPublish(Event<?> event) {
    return event;
  }

  /**
   * Called before each attempt to call a handler, on the delivering thread.
   *
   * @param event the envelope
   * @param subscription the subscription about to be called
   * @return a reason to veto the delivery, or empty to let it proceed
   */
  default Optional<String> beforeDelivery(Event<?> event, Subscription subscription) {
    return Optional.empty();
  }

  /**
   * Called after each attempt to call a handler, on the delivering thread.
   *
   * @param event the envelope
   * @param subscription the subscription that was called
   * @param failure what the handler threw, or {@code null} if it returned normally
   */
  default void afterDelivery(Event<?> event, Subscription subscription, Throwable failure) {}
}
