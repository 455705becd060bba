package io.github.eventbus;

import io.github.eventbus.internal.RateLimitedLog;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Reports what a bus could not deliver: handler failures to the exception handler, and events
 * given up on as {@link DeadLetter}s, events nobody subscribed to as {@link DeadEvent}s. Both are
 * delivered on the current thread to subscribers of exactly their class, and go no further.
 */
final class DeadLetters {

  /**
   * How deep dead letters may nest on one thread: a DeadLetter handler that republishes the
   * failing payload would otherwise recurse (IMMEDIATE) or loop (QUEUED) for ever.
   */
  static final int MAX_DEAD_LETTER_DEPTH = 8;

  private final String bus;
  private final RateLimitedLog warnings;
  private final Guard guard;
  private final Stamper stamps;
  private final Subscriptions subscriptions;
  private final InFlight inFlight;
  private final Invoker invoker;
  private final Lifecycle lifecycle;
  private final Consumer<InFlight.Slot> drainDeferred;

  DeadLetters(String bus, RateLimitedLog warnings, Guard guard, Stamper stamps,
      Subscriptions subscriptions, InFlight inFlight, Invoker invoker, Lifecycle lifecycle,
      Consumer<InFlight.Slot> drainDeferred) {
    this.drainDeferred = drainDeferred;
    this.bus = bus;
    this.warnings = warnings;
    this.guard = guard;
    this.stamps = stamps;
    this.subscriptions = subscriptions;
    this.inFlight = inFlight;
    this.invoker = invoker;
    this.lifecycle = lifecycle;
  }

  /** Returns the delivery's envelope, stamping it now if the bus skipped that at publish time. */
  Event<?> envelope(Delivery delivery) {
    delivery.event = stamps.ensure(delivery.event, delivery.payload, delivery.route.type, null);
    return delivery.event;
  }

  void reportFailure(
      Throwable cause, Subscriber s, Event<?> event, int attempt, boolean willRetry) {
    guard.handleException(cause, new SubscriberExceptionContext(bus, s.name, event, attempt,
        willRetry, s.listener != null ? s.listener : s.handler, s.method));
  }

  void deadLetter(
      Event<?> event, String subscriberName, Throwable cause, int attempts, TypeStats stats) {
    stats.deadLettered.increment();
    DeadLetter letter = new DeadLetter(event, subscriberName, cause, attempts);
    if (!publishSystem(letter)) {
      unheard(letter);
    }
  }

  /**
   * {@link #deadLetter} for a handler failure given up on, after {@link #reportFailure}: without
   * an exception handler, that already logged the failure as given up, so a missing DeadLetter
   * subscriber adds no second line. The caller has counted it dead-lettered.
   */
  void deadLetterFailure(Event<?> event, String subscriberName, Throwable cause, int attempts) {
    DeadLetter letter = new DeadLetter(event, subscriberName, cause, attempts);
    if (!publishSystem(letter) && guard.handlesExceptions()) {
      unheard(letter);
    }
  }

  /**
   * Delivers a DeadLetter that a publisher handed to {@code publish} or {@code publishSync}: like
   * the bus's own, only to DeadLetter subscribers. One published by a DeadLetter handler is not
   * delivered (it could loop) but logged.
   */
  void republish(DeadLetter letter) {
    if (inFlight.slot().deadLetterDepth > 0) {
      warnings.warn("dead-letter-loop:" + letter.subscriber(), "A DeadLetter handler of bus '{}'"
          + " published a DeadLetter (event {} of type {}, subscriber '{}'); it is not delivered,"
          + " so that dead letters cannot loop: {}", bus, letter.event().id(),
          letter.event().type(), letter.subscriber(), String.valueOf(letter.cause()));
      return;
    }
    if (!publishSystem(letter)) {
      unheard(letter);
    }
  }

  private void unheard(DeadLetter letter) {
    Event<?> event = letter.event();
    warnings.warn("dead-letter:" + letter.subscriber(), "Event {} of type {} was not handled by"
        + " subscriber '{}' of bus '{}' after {} attempt(s), and nothing subscribes to DeadLetter:"
        + " {}", event.id(), event.type(), letter.subscriber(), bus, letter.attempts(),
        String.valueOf(letter.cause()));
  }

  void deadEvent(Event<?> event, TypeStats stats) {
    stats.deadEvents.increment();
    publishSystem(new DeadEvent(event));
  }

  /**
   * Reports a delivery the bus gave up on because it closed: an undelivered dead letter, or, if
   * its subscription was closed meanwhile, a discard, as the subscription promised for what it
   * had queued (its handler would only have skipped it).
   */
  void undelivered(Subscriber s, Delivery delivery) {
    undelivered(s, delivery, null);
  }

  /**
   * Reports deliveries that the executor refused to run while the bus was open, as undelivered
   * dead letters that say so, and warns (rate-limited): the executor is too small, or shut down.
   */
  void refusedByExecutor(Subscriber s, List<Delivery> lost, RejectedExecutionException refusal) {
    if (lost.isEmpty()) {
      return;
    }
    warnings.warn("executor-refused:" + s.name, "The executor of bus '{}' refused to run the queue"
        + " of subscriber '{}': {} deliveries reported undelivered ({})", bus, s.name,
        lost.size(), refusal.toString());
    String why = "the executor of bus '" + bus + "' refused to run this delivery (" + refusal + ")";
    lost.forEach(d -> undelivered(s, d, why));
  }

  /** {@link #undelivered(Subscriber, Delivery)}, for {@code refused} if not null. */
  private void undelivered(Subscriber s, Delivery delivery, String refused) {
    TypeStats stats = delivery.route.stats;
    if (!s.active) {
      stats.discarded.increment();
      if (delivery.tracker != null) {
        Outcome.SKIPPED.finishSkipped(delivery.tracker, delivery.index, null,
            delivery.attempt - 1);
      }
      return;
    }
    stats.undelivered.increment();
    RejectedEventException cause = new RejectedEventException(refused != null ? refused
        : "bus '" + bus + "' closed before this event was delivered ("
            + lifecycle.abandonedBecause() + ")");
    deadLetter(envelope(delivery), s.name, cause, delivery.attempt - 1, stats);
    if (delivery.tracker != null) {
      delivery.tracker.finish(delivery.index, DeliveryStatus.UNDELIVERED, delivery.attempt - 1,
          null, cause.getMessage());
    }
  }

  /**
   * Delivers a DeadLetter or DeadEvent on this thread to subscribers of exactly its class. A
   * failure is reported and goes no further. Returns false if nobody subscribes.
   */
  private boolean publishSystem(Object systemEvent) {
    Route route = subscriptions.registry().systemRoute(systemEvent.getClass());
    if (route.targets.length == 0) {
      return false;
    }
    InFlight.Slot slot = inFlight.slot();
    boolean letter = systemEvent instanceof DeadLetter;
    if (letter && slot.deadLetterDepth >= MAX_DEAD_LETTER_DEPTH) {
      DeadLetter cut = (DeadLetter) systemEvent;
      warnings.warn("dead-letter-depth:" + cut.subscriber(), "A dead letter of bus '{}' (event {}"
          + " of type {}, subscriber '{}') arose from {} nested dead letters on this thread; it is"
          + " not delivered, so that a DeadLetter handler that publishes again cannot loop: {}",
          bus, cut.event().id(), cut.event().type(), cut.subscriber(), MAX_DEAD_LETTER_DEPTH,
          String.valueOf(cut.cause()));
      return true;
    }
    slot.countPublished(route.stats);
    Event<?> envelope = stamps.ensure(null, systemEvent, route.type, null);
    Object previous = slot.enter(route.targets);
    if (letter) {
      slot.deadLetterDepth++;
    }
    try {
      for (Subscriber s : route.targets) {
        Outcome outcome =
            invoker.invoke(s, systemEvent, envelope, route.stats, slot, invoker.sample(s));
        if (outcome == Outcome.DELIVERED) {
          route.stats.delivered.increment();
        } else if (outcome == Outcome.FAILED) {
          Throwable cause = slot.failure;
          slot.failure = null;
          route.stats.failed.increment();
          reportFailure(cause, s, envelope, 1, false);
        } else if (outcome == Outcome.ERROR) {
          route.stats.failed.increment();
          slot.defer((Error) slot.failure);
          slot.failure = null;
        }
      }
    } finally {
      slot.exit(previous);
      slot.flushTimed();
      if (letter) {
        slot.deadLetterDepth--;
      }
    }
    if (previous == null && slot.hasDeferred()) {
      drainDeferred.accept(slot); // what its handlers published under QUEUED, on a publisher thread
    }
    return true;
  }
}
