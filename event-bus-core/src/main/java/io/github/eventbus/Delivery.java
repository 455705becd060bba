package io.github.eventbus;

/**
 * One attempt to hand an event to one subscriber. A mailbox queues a first attempt that carries
 * nothing but the payload without one (see {@link MailboxQueue}).
 *
 * <p>{@code event} may be null when the bus skipped stamping an envelope nobody asked for; it is
 * stamped by {@link DeadLetters#envelope(Delivery)} the first time it is needed (a failure, a
 * retry, a dead letter).
 */
final class Delivery {

  Object payload; // cleared once the delivery has left its queue, so the queue holds no garbage
  Event<?> event; // written and read by the thread that owns the delivery at the time
  Route route; // written only by the thread that owns the delivery
  final int attempt;
  final long firstAttemptMillis; // by the bus clock; meaningful from the second attempt on
  final Tracker tracker; // null unless the publish is tracked
  final int index; // this subscriber's place in the tracker
  final Object[] context; // captured by the propagators at publish, or null

  Delivery(Object payload, Event<?> event, Route route, int attempt, long firstAttemptMillis,
      Tracker tracker, int index, Object[] context) {
    this.payload = payload;
    this.event = event;
    this.route = route;
    this.attempt = attempt;
    this.firstAttemptMillis = firstAttemptMillis;
    this.tracker = tracker;
    this.index = index;
    this.context = context;
  }

  /** An empty first attempt, for a thread to {@link #reuse}. */
  static Delivery firstAttempt() {
    return firstAttempt(null, null, null);
  }

  /** A first attempt with nothing but a payload, its route and maybe its envelope. */
  static Delivery firstAttempt(Object payload, Route route, Event<?> event) {
    return new Delivery(payload, event, route, 1, 0, null, 0, null);
  }

  /**
   * Refills a {@link #firstAttempt()} delivery that its thread reuses for payloads queued without
   * a delivery of their own (see {@link MailboxQueue}); nothing keeps a delivery past its run.
   */
  Delivery reuse(Object payload, Route route, Event<?> event) {
    this.payload = payload;
    this.route = route;
    this.event = event;
    return this;
  }

  /** Drops the references of a delivery that is done. */
  void release() {
    payload = null;
    event = null;
  }
}
