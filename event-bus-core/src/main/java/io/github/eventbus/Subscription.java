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
   * even events already queued for it or waiting for a retry (those are discarded, since the
   * subscriber asked to stop). If another thread is running the handler when this is called, this
   * waits for that call to finish; called from inside the handler itself, it returns at once.
   */
  @Override
  void close();
}
