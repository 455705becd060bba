package io.github.eventbus;

import io.github.eventbus.internal.RateLimitedLog;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Every call the bus makes into user code other than a handler itself: interceptors, context
 * propagators, the exception handler and the jitter source. Each call goes through here so that
 * one method, {@link #ignored}, applies the failure rule to all of them: an exception is logged
 * (rate-limited) and ignored; an {@code Error} is kept in the thread's slot and thrown once the
 * current publish or delivery is complete (see the package guide).
 */
final class Guard {

  private final String bus;
  private final InFlight inFlight;
  private final RateLimitedLog warnings;
  private final EventInterceptor[] interceptors;
  private final ContextPropagator[] propagators;
  private final SubscriberExceptionHandler exceptionHandler; // null: log
  private final DoubleSupplier jitter;

  Guard(String bus, InFlight inFlight, RateLimitedLog warnings, EventInterceptor[] interceptors,
      ContextPropagator[] propagators, SubscriberExceptionHandler exceptionHandler,
      DoubleSupplier jitter) {
    this.bus = bus;
    this.inFlight = inFlight;
    this.warnings = warnings;
    this.interceptors = interceptors;
    this.propagators = propagators;
    this.exceptionHandler = exceptionHandler;
    this.jitter = jitter;
  }

  boolean intercepts() {
    return interceptors.length > 0;
  }

  /** Runs the interceptors' onPublish; each may change the metadata only. */
  Event<?> onPublish(Event<?> envelope) {
    for (EventInterceptor interceptor : interceptors) {
      try {
        Event<?> changed = interceptor.onPublish(envelope);
        if (changed != null && changed.id().equals(envelope.id())
            && changed.type().equals(envelope.type()) && changed.payload() == envelope.payload()) {
          envelope = changed;
        } else {
          warnings.warn("onPublish-result:" + interceptor.getClass().getName(), "Interceptor {} of bus '{}' returned"
              + " another event from onPublish; ignoring it", interceptor, bus);
        }
      } catch (Throwable e) {
        ignored(e, interceptor, "onPublish");
      }
    }
    return envelope;
  }

  /** Returns the first interceptor's reason to veto the delivery, or null. */
  String beforeDelivery(Event<?> envelope, Subscriber s) {
    for (EventInterceptor interceptor : interceptors) {
      try {
        Optional<String> veto = interceptor.beforeDelivery(envelope, s);
        if (veto != null && veto.isPresent()) {
          return veto.get();
        }
      } catch (Throwable e) {
        ignored(e, interceptor, "beforeDelivery");
      }
    }
    return null;
  }

  void afterDelivery(Event<?> envelope, Subscriber s, Throwable failure) {
    for (EventInterceptor interceptor : interceptors) {
      try {
        interceptor.afterDelivery(envelope, s, failure);
      } catch (Throwable e) {
        ignored(e, interceptor, "afterDelivery");
      }
    }
  }

  /** Captures the publishing thread's context, or returns null if there is none. */
  Object[] capture() {
    Object[] context = null;
    for (int i = 0; i < propagators.length; i++) {
      try {
        Object captured = propagators[i].capture();
        if (captured != null) {
          if (context == null) {
            context = new Object[propagators.length];
          }
          context[i] = captured;
        }
      } catch (Throwable e) {
        ignored(e, propagators[i], "capture");
      }
    }
    return context;
  }

  /**
   * Gives a worker the publisher's context: each propagator first clears the thread (so nothing a
   * previous handler left behind leaks in), then installs what it captured, if anything. Returns
   * what {@link #undo} needs: null if there are no propagators, the one undo action if there is
   * one propagator (the usual case, the MDC's: no array per delivery), else the undo actions in
   * reverse order.
   */
  Object enter(Object[] context) {
    if (propagators.length == 0) {
      return null;
    }
    if (propagators.length == 1) {
      return enter(0, context);
    }
    Runnable[] undo = new Runnable[propagators.length];
    for (int i = 0; i < propagators.length; i++) {
      undo[propagators.length - 1 - i] = enter(i, context);
    }
    return undo;
  }

  private Runnable enter(int i, Object[] context) {
    Object captured = context == null ? null : context[i];
    try {
      return captured == null ? propagators[i].clear() : propagators[i].restore(captured);
    } catch (Throwable e) {
      ignored(e, propagators[i], captured == null ? "clear" : "restore");
      return null;
    }
  }

  /**
   * Returns {@code undo} if running it is known to have left the thread's context empty, else
   * null. Then the next delivery without context on this thread, if no other code ran in between,
   * can skip {@link #enter} and use the same undo action: only the MDC propagator's "empty it if
   * the handler left something" action is known to do so, and checking the MDC twice per delivery
   * was about a quarter of a worker's time (27% in the 1-to-1 profile).
   */
  Object leftEmpty(Object undo) {
    return undo == MdcPropagator.CLEAR_IF_SET ? undo : null;
  }

  /** Runs what {@link #enter} returned. */
  void undo(Object undo) {
    if (undo instanceof Runnable action) {
      undo(action, propagators[0]);
    } else if (undo instanceof Runnable[] actions) {
      for (int i = 0; i < actions.length; i++) {
        undo(actions[i], propagators[propagators.length - 1 - i]);
      }
    }
  }

  private void undo(Runnable action, ContextPropagator owner) {
    if (action != null) {
      try {
        action.run();
      } catch (Throwable e) {
        // Keyed by the propagator, not the action: each undo action is a new object.
        ignored(e, owner, "the undo action of restore/clear");
      }
    }
  }

  /** Tells whether failures go to an exception handler rather than to the log. */
  boolean handlesExceptions() {
    return exceptionHandler != null;
  }

  /** Hands a handler's failure to the exception handler, or logs it if there is none. */
  void handleException(Throwable cause, SubscriberExceptionContext context) {
    if (exceptionHandler == null) {
      logFailure(cause, context);
      return;
    }
    try {
      exceptionHandler.handleException(cause, context);
    } catch (Throwable inner) {
      ignored(inner, exceptionHandler, "handleException");
    }
  }

  /** The retry scheduler threw (other than a refusal) while taking a retry, now given up. */
  void schedulerThrew(Throwable t, Object scheduler) {
    ignored(t, scheduler, "schedule (the retry is given up)");
  }

  /** A number in [0, 1] from the jitter source; 0.5 (no jitter) if it misbehaves. */
  double jitterUnit() {
    try {
      double u = jitter.getAsDouble();
      return u >= 0.0 && u <= 1.0 ? u : 0.5;
    } catch (Throwable e) {
      ignored(e, jitter, "getAsDouble (the jitter source; no jitter for this retry)");
      return 0.5;
    }
  }

  private void logFailure(Throwable cause, SubscriberExceptionContext c) {
    warnings.warn("failure:" + c.subscriber(), "Subscriber '{}' of bus '{}' failed on event {} of"
        + " type {} (attempt {}{})", c.subscriber(), c.bus(), c.event().id(), c.event().type(),
        c.attempt(), c.willRetry() ? ", will retry" : ", giving up", cause);
  }

  /**
   * The failure rule for callbacks other than handlers: an exception is logged and ignored; an
   * Error is kept and thrown once the outermost publish or the worker's delivery is complete.
   */
  private void ignored(Throwable t, Object who, String where) {
    if (t instanceof Error error) {
      inFlight.slot().defer(error);
      return;
    }
    // Keyed by class, not instance: a callback that is a new object each time (a lambda made per
    // call) is still one condition.
    warnings.warn("callback:" + where + ":" + who.getClass().getName(),
        "{} of bus '{}' threw in {}; ignoring it", who, bus, where, t);
  }

  /**
   * Throws an Error a callback raised on this thread, now that the bus is consistent, unless this
   * publish is nested in a delivery: then the outermost publish or the worker's delivery throws it.
   */
  void rethrowDeferred() {
    inFlight.rethrowPendingIfOutermost();
  }
}
