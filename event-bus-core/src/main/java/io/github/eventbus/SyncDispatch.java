package io.github.eventbus;

/**
 * Synchronous delivery for {@link EventBus#publishSync}: every subscriber of the route in turn, on
 * the publishing thread. A failure is isolated (reported, retried by policy or dead-lettered)
 * unless the publisher asked for fail-fast.
 */
final class SyncDispatch {

  private final InFlight inFlight;
  private final Invoker invoker;
  private final Stamper stamps;
  private final Guard guard;
  private final Retries retries;

  SyncDispatch(InFlight inFlight, Invoker invoker, Stamper stamps, Guard guard, Retries retries) {
    this.inFlight = inFlight;
    this.invoker = invoker;
    this.stamps = stamps;
    this.guard = guard;
    this.retries = retries;
  }

  /**
   * Delivers to every target of the route. {@code envelope} may be null if nobody needs it; the
   * tracker may be null. With {@code failFast} the first handler exception stops the dispatch and
   * is thrown, without retry or dead letter.
   */
  void dispatch(Route route, Object payload, Event<?> envelope, Tracker tracker,
      boolean failFast) {
    TypeStats stats = route.stats;
    Subscriber[] targets = route.targets;
    InFlight.Slot slot = inFlight.slot();
    Object previous = slot.enter(targets);
    int delivered = 0;
    try {
      for (int i = 0; i < targets.length; i++) {
        Subscriber s = targets[i];
        long start = tracker != null ? System.nanoTime() : 0;
        Outcome outcome = invoker.invoke(s, payload, envelope, stats, slot);
        if (tracker != null) {
          tracker.addTime(i, System.nanoTime() - start);
        }
        if (outcome == Outcome.DELIVERED) {
          delivered++;
          if (tracker != null) {
            tracker.finish(i, DeliveryStatus.DELIVERED, 1, null, null);
          }
        } else if (outcome == Outcome.FAILED) {
          envelope = failed(s, route, payload, envelope, tracker, i, slot, failFast);
        } else if (tracker != null) {
          outcome.finishSkipped(tracker, i, slot, 0);
        }
      }
    } finally {
      slot.exit(previous);
      if (delivered > 0) {
        stats.delivered.add(delivered);
      }
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
        guard.capture()), cause, false);
    return event;
  }
}
