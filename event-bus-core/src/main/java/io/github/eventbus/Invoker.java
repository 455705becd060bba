package io.github.eventbus;

import org.slf4j.MDC;

/**
 * Calls one handler once: the subscription's filter, the interceptors around the call, the
 * correlation id in the MDC and the latency sample. {@link #invoke} is the hot path of every
 * delivery and is kept small enough for the JIT to inline; everything optional lives in
 * {@link #invokeDecorated}.
 */
final class Invoker {

  private static final String CORRELATION_KEY = "correlation_id";

  private final Guard guard;
  private final boolean intercepting;
  private final boolean correlationInMdc;
  private final int latencySampling;

  Invoker(Guard guard, boolean correlationInMdc, int latencySampling) {
    this.guard = guard;
    this.intercepting = guard.intercepts();
    this.correlationInMdc = correlationInMdc;
    this.latencySampling = latencySampling;
  }

  /**
   * Tells whether one queued delivery to {@code s} is timed: one in every {@code latencySampling}
   * of the subscriber's deliveries.
   */
  boolean sample(Subscriber s) {
    return s.sample(latencySampling);
  }

  /**
   * Tells whether the deliveries of one synchronous publish are timed: all of them, one publish
   * in every {@code latencySampling} of the event type (whose counters keep the latency), for one
   * count write per publish rather than one per subscriber.
   */
  boolean samplePublish(Route route) {
    return route.stats.samplePublish(latencySampling);
  }

  /**
   * Calls one handler. A VETOED outcome leaves its reason in the slot, a FAILED or ERROR one what
   * was thrown. The caller has entered the slot with a target that includes {@code s}. Callbacks
   * around the handler (interceptors) never make a delivered event fail: their Errors wait in the
   * slot until the caller's publish or delivery is complete.
   */
  Outcome invoke(Subscriber s, Object payload, Event<?> envelope, TypeStats stats,
      InFlight.Slot slot, boolean timed) {
    try {
      if (!s.active) {
        return Outcome.SKIPPED;
      }
      if (s.filter != null) {
        slot.chainedStart = 0; // the filter's time is no handler's latency
        if (!s.filter.test(payload)) {
          return Outcome.FILTERED;
        }
      }
      if (intercepting || (correlationInMdc && envelope != null)) {
        return invokeDecorated(s, payload, envelope, stats, slot, timed); // kept apart: small
      }
      Object argument = s.wantsEnvelope ? envelope : payload;
      if (timed) {
        timed(s, argument, stats, slot);
      } else {
        slot.chainedStart = 0;
        s.handler.handle(argument);
      }
      return Outcome.DELIVERED;
    } catch (Throwable t) {
      slot.chainedStart = 0;
      return Outcome.thrown(t, slot);
    }
  }

  private static void call(Subscriber s, Object argument, TypeStats stats, InFlight.Slot slot,
      boolean timed) throws Exception {
    if (timed) {
      timed(s, argument, stats, slot);
    } else {
      s.handler.handle(argument);
    }
  }

  /**
   * Calls a handler and keeps its latency in the slot (the caller flushes it), whether it returns
   * or throws: a slow handler that ends by failing (a timeout, say) shows in the latency too.
   * Back-to-back timed calls, as when every subscriber of a synchronous publish is sampled at
   * once, share a clock read: one call's end is the next one's start (not after a failure, whose
   * handling comes between).
   */
  private static void timed(Subscriber s, Object argument, TypeStats stats, InFlight.Slot slot)
      throws Exception {
    long start = slot.chainedStart;
    if (start == 0) {
      start = System.nanoTime();
    }
    slot.chainedStart = 0; // a publish from inside the handler starts its own chain
    try {
      s.handler.handle(argument);
    } catch (Throwable failed) {
      slot.timed(stats, System.nanoTime() - start);
      throw failed;
    }
    long end = System.nanoTime();
    slot.timed(stats, end - start);
    slot.chainedStart = end;
  }

  /** {@link #invoke} with interceptors and the correlation id in the MDC. */
  private Outcome invokeDecorated(Subscriber s, Object payload, Event<?> envelope,
      TypeStats stats, InFlight.Slot slot, boolean timed) throws Exception {
    slot.chainedStart = 0;
    if (intercepting) {
      String veto = guard.beforeDelivery(envelope, s);
      if (veto != null) {
        stats.vetoed.increment();
        slot.vetoReason = veto;
        return Outcome.VETOED;
      }
    }
    Object argument = s.wantsEnvelope ? envelope : payload;
    String correlation = correlationInMdc ? envelope.metadata().correlationIdOrNull() : null;
    try {
      if (correlation != null) {
        callWithCorrelation(s, argument, stats, slot, timed, correlation);
      } else {
        call(s, argument, stats, slot, timed);
      }
    } catch (Throwable t) {
      slot.chainedStart = 0;
      if (intercepting) {
        guard.afterDelivery(envelope, s, t);
      }
      throw t;
    }
    slot.chainedStart = 0; // afterDelivery's time is no handler's latency
    if (intercepting) {
      guard.afterDelivery(envelope, s, null);
    }
    return Outcome.DELIVERED;
  }

  /** Calls a handler with the correlation id in the MDC, restoring the previous value after. */
  private static void callWithCorrelation(Subscriber s, Object argument, TypeStats stats,
      InFlight.Slot slot, boolean timed, String correlation) throws Exception {
    String previous = MDC.get(CORRELATION_KEY);
    MDC.put(CORRELATION_KEY, correlation);
    try {
      call(s, argument, stats, slot, timed);
    } finally {
      if (previous == null) {
        MDC.remove(CORRELATION_KEY);
      } else {
        MDC.put(CORRELATION_KEY, previous);
      }
    }
  }
}
