package io.github.eventbus;

/**
 * One queued attempt to hand an event to one subscriber; also the node of its mailbox's queue.
 *
 * <p>{@code event} may be null when the bus skipped stamping an envelope nobody asked for; it is
 * stamped by {@link DeadLetters#envelope(Delivery)} the first time it is needed (a failure, a
 * retry, a dead letter).
 */
final class Delivery {

  private static final java.lang.invoke.VarHandle TAKEN;
  private static final java.lang.invoke.VarHandle NEXT;

  static {
    try {
      TAKEN = java.lang.invoke.MethodHandles.lookup().findVarHandle(Delivery.class, "taken",
          int.class);
      NEXT = java.lang.invoke.MethodHandles.lookup().findVarHandle(Delivery.class, "next",
          Delivery.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  Object payload; // cleared once the delivery has left its queue, so the queue holds no garbage
  Event<?> event; // written and read by the thread that owns the delivery at the time
  final Route route;
  final int attempt;
  final long firstAttemptMillis; // by the bus clock; meaningful from the second attempt on
  final Tracker tracker; // null unless the publish is tracked
  final int index; // this subscriber's place in the tracker
  final Object[] context; // captured by the propagators at publish, or null
  volatile Delivery next; // mailbox queue link
  private volatile int taken; // 1 once a deliverer or close has taken it from its mailbox

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

  /**
   * Links the next node of the mailbox queue with a release store: the producer's tail exchange
   * already fenced, and the consumer's volatile read of {@code next} pairs with this store, so a
   * second full fence per publish would buy nothing.
   */
  void link(Delivery successor) {
    NEXT.setRelease(this, successor);
  }

  /** Takes the delivery out of its mailbox; true for exactly one caller. */
  boolean take() {
    return TAKEN.compareAndSet(this, 0, 1);
  }

  /** Drops the references of a delivery that is done; it may still serve as a queue's head. */
  void release() {
    payload = null;
    event = null;
  }
}
