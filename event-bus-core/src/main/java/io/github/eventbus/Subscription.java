package io.github.eventbus;

/**
 * A handler's registration on an {@link EventBus}, returned by the {@code subscribe} methods.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public interface Subscription extends AutoCloseable {

  /**
   * Returns the name used in logs, metrics and {@link DeadLetter}s: the one given to
   * {@link SubscriptionBuilder#name(String)}, or one made from the subscribed type and a sequence
   * number.
   *
   * @return the name
   */
  String name();

  /**
   * Tells whether the subscription still receives events.
   *
   * @return {@code false} once {@link #close()} was called or the bus closed
   */
  boolean isActive();

  /**
   * Ends the subscription. Idempotent. Once it returns, the handler receives nothing more, not
   * even events already queued for it or waiting for a retry. Those are discarded, not
   * dead-lettered, since the subscriber asked to stop: each is counted in
   * {@link DeliveryStats#discarded()} and reported to a tracked publish as
   * {@link DeliveryStatus#UNSUBSCRIBED}, and frees its queue place. An event waiting for a retry
   * is discarded before this returns, however far off its retry; a queued one when a worker
   * reaches it, without calling the handler; and one whose call under way fails, instead of
   * being retried (a failed last attempt is dead-lettered as usual).
   *
   * <p>If another thread is delivering to this subscription when this is called, this waits for
   * that to end: for a queued delivery, the handler's current call; for a
   * {@link EventBus#publishSync(Object)} whose subscribers include this one, that publish's
   * dispatch. Called from inside a handler of the same bus, it does not wait at all, since two
   * handlers closing each other's subscriptions would wait for each other for ever. A delivery
   * that another thread had already begun (it found the subscription open) may then still be
   * running, or only just entering the handler, when this returns: at most one per thread. No
   * delivery that begins after this returns reaches the handler. Do not call it while holding a
   * lock that a handler of the same bus may wait for.
   */
  @Override
  void close();
}
