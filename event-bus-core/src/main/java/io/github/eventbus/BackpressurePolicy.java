package io.github.eventbus;

/**
 * What {@link EventBus#publish(Object)} does when the bus's bounded queue is full. Chosen with
 * {@link EventBusBuilder#backpressure(BackpressurePolicy)}; the default is {@link #BLOCK}.
 *
 * <p>Capacity is counted in pending deliveries: an event with three subscribers takes three
 * places until each subscriber has handled it, and a delivery waiting for a retry keeps its place.
 * A worker gives places back (and adds to the {@code delivered} counts) in batches: before its
 * next delivery once it holds a sixteenth of the capacity (at most 256), and whenever it has
 * caught up with its queue. So a queue of fewer than 32 places frees each one before the next
 * handler runs (and before a tracked publish's report completes), and a larger one may hold up to
 * a sixteenth of its places for deliveries already handled while a later handler of the same
 * subscriber is slow.
 * A publish from inside a handler never blocks or runs deliveries itself (that could deadlock the
 * workers it waits for): it is accepted over capacity.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum BackpressurePolicy {

  /**
   * The publisher waits for room, for at most {@link EventBusBuilder#blockTimeout} if one is set;
   * when it elapses the publish fails with {@link RejectedEventException}.
   */
  BLOCK,

  /** The publish fails at once with {@link RejectedEventException}; nothing is delivered. */
  REJECT,

  /**
   * The publisher makes room itself: it runs, on its own thread, the queued deliveries of the
   * event's subscribers whose queues no worker is serving at that moment, then enqueues its event
   * (waiting as {@link #BLOCK} if there is still no room). Per-subscriber order is kept. The
   * publisher acts as a worker for those deliveries: an {@code Error} from one of their handlers
   * is reported as on a worker and handed to the publishing thread's uncaught-exception handler;
   * it is not thrown to the publisher, whose own event is still published.
   */
  CALLER_RUNS,

  /**
   * The event is not delivered. {@code publish} returns normally, so the event counts as
   * published and is written to the audit log; every drop is counted in
   * {@link DeliveryStats#dropped()} and reported as one {@link DeadLetter} per subscriber with a
   * {@link RejectedEventException} cause.
   */
  DROP
}
