package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.internal.Settings;
import java.util.function.Predicate;

/**
 * Subscribes a handler with options, from {@link EventBus#on(Class)} or
 * {@link EventBus#onType(String)}:
 *
 * <pre>{@code
 * Subscription s = bus.on(Payment.class)
 *     .name("ledger")
 *     .priority(10)
 *     .filter(p -> p.amount() > 0)
 *     .retry(RetryPolicy.builder().maxAttempts(5).build())
 *     .subscribe(ledger::record);
 * }</pre>
 *
 * <p><b>Thread-safety:</b> not thread-safe; use one builder from one thread. Each option may be set
 * once; {@code subscribe} or {@code subscribeEnvelope} may be called once.
 *
 * @param <E> the subscribed event type ({@code Object} for type patterns)
 */
public final class SubscriptionBuilder<E> {

  private final DefaultEventBus bus;
  private final Class<E> type;
  private final TypePattern pattern;
  private String name;
  private Integer priority;
  private Predicate<Object> filter;
  private RetryPolicy retry;
  private boolean concurrent;
  private boolean used;

  SubscriptionBuilder(DefaultEventBus bus, Class<E> type, TypePattern pattern) {
    this.bus = bus;
    this.type = type;
    this.pattern = pattern;
  }

  /**
   * Names the subscription for logs, metrics and dead letters.
   *
   * @param name a non-blank name
   * @return this builder
   * @throws IllegalArgumentException if blank
   * @throws IllegalStateException if already set
   */
  public SubscriptionBuilder<E> name(String name) {
    requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    this.name = Settings.setOnce(this.name, name, "name");
    return this;
  }

  /**
   * Sets the priority: {@link EventBus#publishSync} calls handlers of higher priority first, and
   * {@link EventBus#publish} enqueues for them first (after which subscribers run independently).
   * Equal priorities keep subscription order.
   *
   * @param priority any value; {@code 0} by default
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public SubscriptionBuilder<E> priority(int priority) {
    this.priority = Settings.setOnce(this.priority, priority, "priority");
    return this;
  }

  /**
   * Delivers only events that pass a predicate. The predicate runs where the handler would, just
   * before it; an event it rejects is not a failure and not a dead event. A predicate that throws
   * counts as a failed delivery.
   *
   * @param filter the predicate over the payload
   * @return this builder
   * @throws IllegalStateException if already set
   */
  @SuppressWarnings("unchecked")
  public SubscriptionBuilder<E> filter(Predicate<? super E> filter) {
    this.filter = Settings.setOnce(this.filter, (Predicate<Object>) requireNonNull(filter, "filter"),
        "filter");
    return this;
  }

  /**
   * Retries failed deliveries by a policy; without it a failure is dead-lettered at once. A retried
   * event may reach the handler after events published later.
   *
   * @param retry the policy
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public SubscriptionBuilder<E> retry(RetryPolicy retry) {
    this.retry = Settings.setOnce(this.retry, retry, "retry");
    return this;
  }

  /**
   * Lets the bus call the handler from several worker threads at once, without ordering. For
   * handlers that are thread-safe and where order does not matter; it removes the
   * one-at-a-time bottleneck.
   *
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public SubscriptionBuilder<E> concurrent() {
    if (concurrent) {
      throw new IllegalStateException("concurrent was already set; each option can be set once");
    }
    concurrent = true;
    return this;
  }

  /**
   * Subscribes a handler of payloads.
   *
   * @param handler the handler
   * @return the subscription
   * @throws IllegalStateException if the bus is closed or this builder already subscribed
   */
  @SuppressWarnings("unchecked")
  public Subscription subscribe(EventHandler<? super E> handler) {
    return add((EventHandler<Object>) requireNonNull(handler, "handler"), false);
  }

  /**
   * Subscribes a handler of envelopes.
   *
   * @param handler the handler
   * @return the subscription
   * @throws IllegalStateException if the bus is closed or this builder already subscribed
   */
  @SuppressWarnings("unchecked")
  public Subscription subscribeEnvelope(EventHandler<? super Event<? extends E>> handler) {
    return add((EventHandler<Object>) (EventHandler<?>) requireNonNull(handler, "handler"), true);
  }

  private Subscription add(EventHandler<Object> handler, boolean envelope) {
    if (used) {
      throw new IllegalStateException("this builder already subscribed a handler; call bus.on(...)"
          + " again for another subscription");
    }
    used = true;
    return bus.add(new SubscriptionSpec(type, null, pattern, name,
        priority == null ? 0 : priority, filter, retry == null ? RetryPolicy.none() : retry,
        concurrent, envelope, handler, null, null));
  }
}
