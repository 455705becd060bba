package io.github.eventbus;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * Queued delivery for {@link EventBus#publish}: puts each delivery in its subscriber's
 * {@link Mailbox} (or straight on the executor for a concurrent subscriber) and runs it there,
 * with the publisher's context restored around the handler.
 */
final class QueuedDispatch implements Mailbox.Deliverer {

  private final Lifecycle lifecycle;
  private final InFlight inFlight;
  private final Capacity capacity;
  private final Invoker invoker;
  private final Guard guard;
  private final DeadLetters deadLetters;
  private final Workers workers;
  private final Retries retries;
  private final SyncDispatch sync; // for publishes queued on this thread by a handler
  // Deliveries to concurrent subscribers handed to a user's executor and not started yet, so that
  // close can report them: a user's pool, unlike the bus's own, cannot be asked for its queue.
  private final Set<ConcurrentDelivery> unstarted;

  QueuedDispatch(Lifecycle lifecycle, InFlight inFlight, Capacity capacity, Invoker invoker,
      Guard guard, DeadLetters deadLetters, Workers workers, Retries retries, SyncDispatch sync) {
    this.lifecycle = lifecycle;
    this.inFlight = inFlight;
    this.capacity = capacity;
    this.invoker = invoker;
    this.guard = guard;
    this.deadLetters = deadLetters;
    this.workers = workers;
    this.retries = retries;
    this.sync = sync;
    this.unstarted = workers.ownsExecutor() ? null : ConcurrentHashMap.newKeySet();
  }

  /** A new mailbox for a subscriber, run on this dispatch's executor. */
  Mailbox mailbox(Subscriber s) {
    return Mailbox.create(s, this, task -> workers.executor().execute(task), inFlight, capacity);
  }

  /**
   * Queues a first attempt that carries only its payload, route and envelope (maybe null): into a
   * mailbox without a delivery object of its own.
   */
  void dispatch(Subscriber s, Object payload, Route route, Event<?> event) {
    if (s.mailbox != null) {
      s.mailbox.enqueue(payload, route, event);
    } else {
      dispatch(s, Delivery.firstAttempt(payload, route, event));
    }
  }

  void dispatch(Subscriber s, Delivery delivery) {
    if (s.mailbox != null) {
      s.mailbox.enqueue(delivery);
    } else {
      ConcurrentDelivery task = new ConcurrentDelivery(s, delivery);
      if (unstarted != null) {
        unstarted.add(task);
      }
      execute(task);
    }
  }

  /**
   * Runs a queued delivery. The caller has entered the run's slot with {@code s} as target. A
   * finished delivery (delivered, skipped, given up) is counted in the run; one waiting for a retry
   * keeps its queue place.
   */
  @Override
  public void deliver(Subscriber s, Delivery delivery, Run run) {
    InFlight.Slot slot = run.slot;
    Object emptied = run.emptiedBy;
    run.emptiedBy = null; // set again below only if nothing but this delivery ran user code
    if (lifecycle.isAbandoned()) {
      deadLetters.undelivered(s, delivery);
      run.finished();
      end(slot);
      return;
    }
    TypeStats stats = delivery.route.stats;
    Tracker tracker = delivery.tracker;
    long start = tracker != null ? System.nanoTime() : 0;
    Object undo = delivery.context == null && emptied != null
        ? emptied : guard.enter(delivery.context);
    slot.chainedStart = 0; // the wait for this delivery is no handler's latency
    Outcome outcome =
        invoker.invoke(s, delivery.payload, delivery.event, stats, slot, invoker.sample(s));
    Thread.interrupted(); // an interrupt a handler left behind must not fail the next delivery
    if (slot.hasDeferred()) {
      drainDeferred(outcome, slot);
    }
    guard.undo(undo);
    if (tracker != null) {
      tracker.addTime(delivery.index, System.nanoTime() - start);
    }
    if (outcome == Outcome.DELIVERED) {
      run.delivered(stats);
      if (tracker != null) {
        // Over before its report completes, so that whoever waits for the report finds the place
        // free (at once in a queue small enough to free each place; see Capacity.holdBack).
        run.finished();
        run.endIfHolding(capacity);
        tracker.finish(delivery.index, DeliveryStatus.DELIVERED, delivery.attempt, null, null);
        end(slot);
        return;
      } else if (!slot.hasDeferred()) {
        // No user code ran after the undo (no completion callbacks, no deferred publishes).
        run.emptiedBy = guard.leftEmpty(undo);
      }
      run.finished();
      end(slot);
      return;
    } else if (outcome == Outcome.FAILED) {
      Throwable cause = slot.failure;
      slot.failure = null;
      retries.onFailure(s, delivery, cause, run); // counts it finished in the run if given up
      end(slot);
      return;
    }
    // Counted, then over before its report, as a tracked delivered one is above.
    if (outcome == Outcome.ERROR) {
      stats.failed.increment();
    } else if (outcome == Outcome.SKIPPED) {
      stats.discarded.increment(); // its subscription was closed while it waited
    }
    run.finished();
    run.endIfHolding(capacity);
    if (outcome == Outcome.ERROR) {
      error(s, delivery, slot);
    } else {
      if (tracker != null) {
        outcome.finishSkipped(tracker, delivery.index, slot, delivery.attempt - 1);
      }
    }
    end(slot);
  }

  /**
   * Ends a delivery: delivers what its reporting published under QUEUED (the exception handler,
   * DeadLetter subscribers), then throws an Error kept on the way to the worker's
   * uncaught-exception handler; the pool replaces the thread.
   */
  private void end(InFlight.Slot slot) {
    if (slot.hasDeferred()) {
      sync.drainDeferredKeepingErrors(slot);
    }
    slot.rethrowPending();
  }

  /**
   * Delivers what the handler published under {@link ReentrantDispatch#QUEUED}, now that it has
   * returned; keeps the handler's own failure or veto in the slot for the caller.
   */
  private void drainDeferred(Outcome outcome, InFlight.Slot slot) {
    if (outcome == Outcome.ERROR) {
      sync.abandonDeferred(slot); // an Error ends the dispatch and what it queued, as in Guava
      return;
    }
    Throwable failure = slot.failure;
    String veto = slot.vetoReason;
    sync.drainDeferredKeepingErrors(slot);
    slot.failure = failure;
    slot.vetoReason = veto;
  }

  /**
   * A handler's Error on a worker, counted failed already: reported, never retried or
   * dead-lettered, then rethrown.
   */
  private void error(Subscriber s, Delivery delivery, InFlight.Slot slot) {
    Error error = (Error) slot.failure;
    slot.failure = null;
    deadLetters.reportFailure(error, s, deadLetters.envelope(delivery), delivery.attempt, false);
    if (delivery.tracker != null) {
      delivery.tracker.finish(delivery.index, DeliveryStatus.ERROR, delivery.attempt, error, null);
    }
    slot.defer(error);
  }

  /** Runs a concurrent delivery on the executor; if it refuses, reports the delivery. */
  private void execute(ConcurrentDelivery task) {
    try {
      workers.executor().execute(task);
    } catch (RuntimeException | Error failure) {
      if (task.started && !(failure instanceof RejectedExecutionException)) {
        throw failure; // it ran here (an inline executor): a handler's Error, handed on
      }
      if (task.take()) { // not run, whatever the executor threw
        refused(task.subscriber, List.of(task.delivery), ExecutorRefusal.of(failure));
      }
    }
  }

  @Override
  public void refused(Mailbox mailbox, RejectedExecutionException refusal) {
    refused(mailbox.subscriber(), mailbox.takeAllUnlessHeld(), refusal);
  }

  /**
   * Reports deliveries the executor refused to run: because of the refusal while the bus is
   * open, else as the close's; frees their places.
   */
  private void refused(Subscriber s, List<Delivery> lost, RejectedExecutionException refusal) {
    if (lifecycle.isRunning()) {
      deadLetters.refusedByExecutor(s, lost, refusal);
      capacity.release(lost.size());
    } else {
      abandon(s, lost);
    }
  }

  /** Reports the deliveries of a task that will never run, as the close's. */
  void refused(Runnable task) {
    if (task instanceof Mailbox mailbox) {
      mailbox.unschedule();
      abandon(mailbox.subscriber(), mailbox.takeAll());
    } else if (task instanceof ConcurrentDelivery concurrent && concurrent.take()) {
      deadLetters.undelivered(concurrent.subscriber, concurrent.delivery);
      capacity.release(1);
    }
  }

  /** Reports the concurrent deliveries a user's executor has not started; returns how many. */
  int abandonUnstarted() {
    if (unstarted == null) {
      return 0;
    }
    int count = 0;
    for (ConcurrentDelivery task : unstarted) {
      if (task.take()) {
        deadLetters.undelivered(task.subscriber, task.delivery);
        count++;
      }
    }
    capacity.release(count);
    return count;
  }

  /** Reports deliveries taken out of a queue as undelivered, freeing their places. */
  void abandon(Subscriber s, List<Delivery> lost) {
    lost.forEach(d -> deadLetters.undelivered(s, d));
    capacity.release(lost.size());
  }

  /** A delivery to a concurrent subscriber, run directly on the executor. */
  private final class ConcurrentDelivery implements Runnable {
    final Subscriber subscriber;
    final Delivery delivery;
    boolean started; // set by the running thread; see execute

    ConcurrentDelivery(Subscriber subscriber, Delivery delivery) {
      this.subscriber = subscriber;
      this.delivery = delivery;
    }

    /** Takes the delivery to run or report it; true for exactly one caller. */
    boolean take() {
      return unstarted == null || unstarted.remove(this);
    }

    @Override
    public void run() {
      started = true; // read only by a caller this runs inline for
      if (!take()) {
        return; // close reported it
      }
      InFlight.Slot slot = inFlight.slot();
      Object previous = slot.enter(subscriber);
      Run run = new Run(slot, capacity);
      try {
        deliver(subscriber, delivery, run);
      } finally {
        slot.exit(previous);
        run.end(capacity);
      }
    }
  }
}
