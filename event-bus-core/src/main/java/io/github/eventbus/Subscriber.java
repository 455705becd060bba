package io.github.eventbus;

import java.util.function.Predicate;

/** One subscription: the handler and its options, its queue, and whether it is still active. */
final class Subscriber implements Subscription {

  final DefaultEventBus bus;
  final long sequence;
  final String name;
  final Class<?> type; // null for pattern subscriptions
  final com.google.common.reflect.TypeToken<?> generic; // null unless parameterised
  final TypePattern pattern; // null for class subscriptions
  final int priority;
  final Predicate<Object> filter; // null: no filter
  final RetryPolicy retry;
  final boolean concurrent;
  final boolean wantsEnvelope;
  final EventHandler<Object> handler;
  final Object listener; // the object given to register(), if any
  final Mailbox mailbox; // null for concurrent subscriptions
  volatile boolean active = true;
  private int untimed; // racy on purpose: only decides which deliveries are timed

  Subscriber(
      DefaultEventBus bus, long sequence, String name, Class<?> type,
      com.google.common.reflect.TypeToken<?> generic, TypePattern pattern, int priority,
      Predicate<Object> filter, RetryPolicy retry, boolean concurrent, boolean wantsEnvelope,
      EventHandler<Object> handler, Object listener) {
    this.bus = bus;
    this.sequence = sequence;
    this.name = name;
    this.type = type;
    this.generic = generic;
    this.pattern = pattern;
    this.priority = priority;
    this.filter = filter;
    this.retry = retry;
    this.concurrent = concurrent;
    this.wantsEnvelope = wantsEnvelope;
    this.handler = handler;
    this.listener = listener;
    this.mailbox = concurrent ? null : new Mailbox(bus, this);
  }

  /** Tells whether this delivery should be timed: one in every {@code interval}. */
  boolean sample(int interval) {
    if (++untimed < interval) {
      return false;
    }
    untimed = 0;
    return true;
  }

  String subscribedTo() {
    if (generic != null) {
      return generic.toString();
    }
    return type != null ? TypeNames.of(type) : pattern.pattern();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean isActive() {
    return active && !bus.isClosed();
  }

  @Override
  public void close() {
    bus.unsubscribe(this);
  }

  @Override
  public String toString() {
    return "Subscription{" + name + ", to=" + subscribedTo() + ", priority=" + priority
        + (concurrent ? ", concurrent" : "") + ", active=" + active + "}";
  }
}
