package io.github.eventbus;

import com.google.common.reflect.TypeToken;
import java.util.function.Function;
import java.util.function.Predicate;

/** One subscription: the handler and its options, its queue, and whether it is still active. */
final class Subscriber implements Subscription {

  private final Subscriptions owner;
  final long sequence;
  final String name;
  final Class<?> type; // null for pattern subscriptions
  final TypeToken<?> generic; // null unless parameterised
  final TypePattern pattern; // null for class subscriptions
  final int priority;
  final Predicate<Object> filter; // null: no filter
  final RetryPolicy retry;
  final boolean concurrent;
  final boolean wantsEnvelope;
  final EventHandler<Object> handler;
  final Object listener; // the object given to register(), if any
  final java.lang.reflect.Method method; // the listener's @Subscribe method, if any
  final Mailbox mailbox; // null for concurrent subscriptions
  volatile boolean active = true;
  private final SampleCount untimed = new SampleCount(); // per subscription, for queued deliveries

  Subscriber(Subscriptions owner, long sequence, String name, SubscriptionSpec spec,
      Function<Subscriber, Mailbox> mailboxes) {
    this.owner = owner;
    this.sequence = sequence;
    this.name = name;
    this.type = spec.type();
    this.generic = spec.generic();
    this.pattern = spec.pattern();
    this.priority = spec.priority();
    this.filter = spec.filter();
    this.retry = spec.retry();
    this.concurrent = spec.concurrent();
    this.wantsEnvelope = spec.envelope();
    this.handler = spec.handler();
    this.listener = spec.listener();
    this.method = spec.method();
    this.mailbox = concurrent ? null : mailboxes.apply(this);
  }

  /** Tells whether this delivery should be timed: one in every {@code interval}. */
  boolean sample(int interval) {
    return untimed.next(interval);
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
    return active && owner.isOpen();
  }

  @Override
  public void close() {
    owner.unsubscribe(this);
  }

  /** After a run of this closed subscription's mailbox: the bus may stop keeping it. */
  void ranAfterClose() {
    owner.forgetIfSettled(this);
  }

  @Override
  public String toString() {
    return "Subscription{" + name + ", to=" + subscribedTo() + ", priority=" + priority
        + (concurrent ? ", concurrent" : "") + ", active=" + active + "}";
  }
}
