package io.github.eventbus;

import io.github.eventbus.internal.Settings;
import java.time.Duration;

/**
 * Admits a queued publish into the bus's bounded {@link Capacity}, applying the
 * {@link BackpressurePolicy} when it is full.
 */
final class Backpressure {

  private final Lifecycle lifecycle;
  private final Capacity capacity;
  private final InFlight inFlight;
  private final BackpressurePolicy policy;
  private final long blockTimeoutNanos;
  private final Stamper stamps;
  private final DeadLetters deadLetters;

  Backpressure(Lifecycle lifecycle, Capacity capacity, InFlight inFlight, BackpressurePolicy policy,
      Duration blockTimeout, Stamper stamps, DeadLetters deadLetters) {
    this.lifecycle = lifecycle;
    this.capacity = capacity;
    this.inFlight = inFlight;
    this.policy = policy;
    this.blockTimeoutNanos = blockTimeout == null ? Long.MAX_VALUE : Settings.nanos(blockTimeout);
    this.stamps = stamps;
    this.deadLetters = deadLetters;
  }

  /**
   * Reserves a queue place for each target; returns false if the event is to be dropped
   * (DROP, queue full), which the caller does with {@link #drop} once it has logged and counted
   * the event as published.
   */
  boolean admit(Route route, Object payload, Event<?> envelope, Tracker tracker) {
    int n = route.targets.length;
    Capacity.Reservation reservation = capacity.tryReserve(n);
    if (reservation == Capacity.Reservation.OK) {
      return true;
    }
    if (reservation == Capacity.Reservation.CLOSED) {
      return admitWhileDraining(n);
    }
    if (inFlight.isDelivering()) {
      // Waiting here could wait for this very thread; accept over capacity instead.
      return capacity.forceReserve(n) || admitWhileDraining(n);
    }
    switch (policy) {
      case REJECT:
        route.stats.rejected.increment();
        throw new RejectedEventException("bus '" + lifecycle.bus() + "' rejected an event of type "
            + route.type + ": its queue is full (" + capacity.depth() + " pending deliveries)");
      case DROP:
        return false; // the caller logs and counts it as published, then drops it
      case CALLER_RUNS:
        runQueuesHere(route);
        break;
      default:
        break;
    }
    try {
      reservation = capacity.awaitReserve(n, blockTimeoutNanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      route.stats.rejected.increment();
      throw new RejectedEventException("interrupted while waiting for room in the queue of bus '"
          + lifecycle.bus() + "'; the event was not published");
    }
    if (reservation == Capacity.Reservation.OK) {
      return true;
    }
    if (reservation == Capacity.Reservation.CLOSED) {
      return admitWhileDraining(n);
    }
    route.stats.rejected.increment();
    throw new RejectedEventException("bus '" + lifecycle.bus() + "' rejected an event of type "
        + route.type + ": its queue stayed full for the block timeout of "
        + Duration.ofNanos(blockTimeoutNanos));
  }

  /**
   * Runs the route's queues on the publishing thread, which then acts as a worker: an Error from
   * those other events' deliveries (already reported) goes to this thread's uncaught-exception
   * handler, not to the publisher, whose own event goes on; an Error the publisher's own publish
   * raised, and its interrupt status, are kept for it.
   */
  private void runQueuesHere(Route route) {
    InFlight.Slot slot = inFlight.slot();
    Error own = slot.takePending();
    boolean interrupted = Thread.interrupted(); // the publisher's own; each delivery clears it
    try {
      for (Subscriber s : route.targets) {
        if (s.mailbox != null) {
          try {
            s.mailbox.tryRunHere();
          } catch (Error e) {
            Thread me = Thread.currentThread();
            me.getUncaughtExceptionHandler().uncaughtException(me, e);
          }
        }
      }
    } finally {
      if (own != null) {
        slot.defer(own);
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A closed queue still takes what handlers publish while the bus drains. */
  private boolean admitWhileDraining(int n) {
    if (!lifecycle.acceptsFromHandler(inFlight)) {
      throw lifecycle.refusal();
    }
    capacity.reserveWhileDraining(n);
    return true;
  }

  /** Drops an event admit() refused under DROP: a dead letter per subscriber, and its report. */
  void drop(Route route, Object payload, Event<?> envelope, Tracker tracker) {
    int n = route.targets.length;
    RejectedEventException cause = new RejectedEventException("bus '" + lifecycle.bus()
        + "' dropped this event: its queue was full and the backpressure policy is DROP");
    route.stats.dropped.add(n);
    Event<?> dropped = stamps.ensure(envelope, payload, route.type, null);
    for (int i = 0; i < n; i++) {
      deadLetters.deadLetter(dropped, route.targets[i].name, cause, 0, route.stats);
      if (tracker != null) {
        tracker.finish(i, DeliveryStatus.DROPPED, 0, null, cause.getMessage());
      }
    }
  }
}
