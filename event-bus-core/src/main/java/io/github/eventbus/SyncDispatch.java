package io.github.eventbus;

/**
 * Synchronous delivery for {@link EventBus#publishSync}: every subscriber of the route in turn, on
 * the publishing thread. A failure is isolated (reported, retried by policy or dead-lettered)
 * unless the publisher asked for fail-fast.
 */
final class SyncDispatch {

  /** A publish made by a handler under {@link ReentrantDispatch#QUEUED}, waiting its turn. */
  record Deferred(Route route, Object payload, Event<?> envelope, int deadLetterDepth) {}

  private final Invoker invoker;
  private final Stamper stamps;
  private final Guard guard;
  private final Retries retries;
  private final boolean queueReentrant;

  SyncDispatch(Invoker invoker, Stamper stamps, Guard guard, Retries retries,
      ReentrantDispatch reentrant) {
    this.invoker = invoker;
    this.stamps = stamps;
    this.guard = guard;
    this.retries = retries;
    this.queueReentrant = reentrant == ReentrantDispatch.QUEUED;
  }

  /**
   * Delivers now, or, for a re-entrant publish under QUEUED, after the current event. A tracked
   * or fail-fast publish from a handler is always delivered now: its caller waits for the answer.
   */
  void publish(InFlight.Slot slot, Route route, Object payload, Event<?> envelope,
      Tracker tracker, boolean failFast) {
    if (!queueReentrant) {
      dispatch(slot, route, payload, envelope, tracker, failFast);
      return;
    }
    if (slot.isDelivering()) {
      if (failFast || tracker != null) {
        dispatch(slot, route, payload, envelope, tracker, failFast);
      } else {
        slot.defer(new Deferred(route, payload, envelope, slot.deadLetterDepth));
      }
      return;
    }
    try {
      dispatch(slot, route, payload, envelope, tracker, failFast);
    } catch (RuntimeException failedFast) {
      drainDeferred(slot); // what the handlers published before the failure was accepted
      throw failedFast;
    } catch (Error e) {
      abandonDeferred(slot);
      throw e;
    }
    drainDeferred(slot);
  }

  /**
   * Delivers the publishes queued on this thread by handlers, in order, until none is left. An
   * Error ends the dispatch and what it queued, as in Guava: those are counted as discarded.
   */
  void drainDeferred(InFlight.Slot slot) {
    Deferred next;
    try {
      while ((next = slot.nextDeferred()) != null) {
        int depth = slot.deadLetterDepth;
        slot.deadLetterDepth = next.deadLetterDepth(); // what a DeadLetter handler published
        try {
          dispatch(slot, next.route(), next.payload(), next.envelope(), null, false);
        } finally {
          slot.deadLetterDepth = depth;
        }
      }
    } catch (Error e) {
      abandonDeferred(slot);
      throw e;
    }
  }

  /** Counts the publishes still queued on this thread as discarded and forgets them. */
  void abandonDeferred(InFlight.Slot slot) {
    Deferred next;
    while ((next = slot.nextDeferred()) != null) {
      next.route().stats.discarded.add(next.route().targets.length);
    }
  }

  /**
   * Delivers to every target of the route. {@code envelope} may be null if nobody needs it; the
   * tracker may be null. With {@code failFast} the first handler exception stops the dispatch and
   * is thrown, without retry or dead letter. An Error stops it too, and is thrown once the bus is
   * consistent.
   */
  void dispatch(InFlight.Slot slot, Route route, Object payload, Event<?> envelope,
      Tracker tracker, boolean failFast) {
    TypeStats stats = route.stats;
    Subscriber[] targets = route.targets;
    Object previous = slot.enter(targets);
    boolean timed = invoker.samplePublish(route);
    int delivered = 0;
    int reached = 0; // targets whose call was made
    Error error = null;
    try {
      for (int i = 0; i < targets.length; i++) {
        Subscriber s = targets[i];
        long start = tracker != null ? System.nanoTime() : 0;
        Outcome outcome = invoker.invoke(s, payload, envelope, stats, slot, timed);
        reached = i + 1;
        if (outcome == Outcome.DELIVERED && tracker == null) {
          delivered++;
          continue;
        }
        if (tracker != null) {
          tracker.addTime(i, System.nanoTime() - start);
        }
        if (outcome == Outcome.DELIVERED) {
          delivered++;
          tracker.finish(i, DeliveryStatus.DELIVERED, 1, null, null);
        } else if (outcome == Outcome.ERROR) {
          stats.failed.increment();
          error = (Error) slot.failure;
          slot.failure = null;
          break; // an Error ends the dispatch, as in Guava
        } else {
          envelope = notDelivered(outcome, s, route, payload, envelope, tracker, i, slot, failFast);
        }
      }
    } finally {
      slot.exit(previous);
      slot.flushTimed();
      if (delivered > 0) {
        stats.delivered.add(delivered);
      }
      // An Error, or a fail-fast failure, ended the dispatch: the targets after it were never
      // called, and are counted so that every delivery of the publish shows somewhere.
      if (reached < targets.length) {
        stats.discarded.add(targets.length - reached);
      }
    }
    if (error != null) {
      throw error; // through the handlers of any outer publish, to the publisher
    }
    slot.rethrowPendingIfOutermost();
  }

  /**
   * Handles a call that did not deliver: a failure (reported, retried or dead-lettered, or thrown
   * under fail-fast) or a skip. Returns the envelope, stamped now if a failure needed it.
   */
  private Event<?> notDelivered(Outcome outcome, Subscriber s, Route route, Object payload,
      Event<?> envelope, Tracker tracker, int index, InFlight.Slot slot, boolean failFast) {
    if (outcome != Outcome.FAILED) {
      if (outcome == Outcome.SKIPPED) {
        route.stats.discarded.increment(); // its subscription closed during this publish
      }
      if (tracker != null) {
        outcome.finishSkipped(tracker, index, slot, 0);
      }
      return envelope;
    }
    return failed(s, route, payload, envelope, tracker, index, slot, failFast);
  }

  /**
   * {@link #drainDeferred} for callers with bookkeeping still to do: an Error ends the draining
   * and waits in the slot until the caller is done.
   */
  void drainDeferredKeepingErrors(InFlight.Slot slot) {
    try {
      drainDeferred(slot);
    } catch (Error e) {
      slot.defer(e);
    }
  }

  /** Handles a failed call; returns the envelope, stamped now if it was not yet. */
  private Event<?> failed(Subscriber s, Route route, Object payload, Event<?> envelope,
      Tracker tracker, int index, InFlight.Slot slot, boolean failFast) {
    Throwable cause = slot.failure;
    slot.failure = null;
    Event<?> event = stamps.ensure(envelope, payload, route.type, null);
    if (failFast) {
      route.stats.failed.increment();
      throw new DeliveryFailedException(s.name, event.id(), cause);
    }
    retries.onFailure(s, new Delivery(payload, event, route, 1, 0, tracker, index,
        guard.capture()), cause, null);
    return event;
  }
}
