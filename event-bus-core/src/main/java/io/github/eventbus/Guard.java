package io.github.eventbus;

import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every call the bus makes into user code other than a handler itself: interceptors, context
 * propagators, the exception handler and the jitter source. Each call goes through here so that
 * one method, {@link #ignored}, applies the failure rule to all of them.
 */
final class Guard {

  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  private final String bus;
  private final EventInterceptor[] interceptors;
  private final ContextPropagator[] propagators;
  private final SubscriberExceptionHandler exceptionHandler; // null: log
  private final DoubleSupplier jitter;

  Guard(String bus, EventInterceptor[] interceptors, ContextPropagator[] propagators,
      SubscriberExceptionHandler exceptionHandler, DoubleSupplier jitter) {
    this.bus = bus;
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
          log.warn("Interceptor {} of bus '{}' returned another event from onPublish; ignoring it",
              interceptor, bus);
        }
      } catch (RuntimeException e) {
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
      } catch (RuntimeException e) {
        ignored(e, interceptor, "beforeDelivery");
      }
    }
    return null;
  }

  void afterDelivery(Event<?> envelope, Subscriber s, Throwable failure) {
    for (EventInterceptor interceptor : interceptors) {
      try {
        interceptor.afterDelivery(envelope, s, failure);
      } catch (RuntimeException e) {
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
      } catch (RuntimeException e) {
        ignored(e, propagators[i], "capture");
      }
    }
    return context;
  }

  /** Installs a captured context; returns the undo actions in reverse order of installing. */
  Runnable[] restore(Object[] context) {
    Runnable[] undo = new Runnable[context.length];
    for (int i = 0; i < context.length; i++) {
      if (context[i] != null) {
        try {
          undo[context.length - 1 - i] = propagators[i].restore(context[i]);
        } catch (RuntimeException e) {
          ignored(e, propagators[i], "restore");
        }
      }
    }
    return undo;
  }

  void undo(Runnable[] actions) {
    for (Runnable action : actions) {
      if (action != null) {
        try {
          action.run();
        } catch (RuntimeException e) {
          ignored(e, action, "a context propagator's undo action");
        }
      }
    }
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
      ignored(inner, exceptionHandler, "handleException for subscriber '"
          + context.subscriber() + "'");
    }
  }

  /** A number in [0, 1] from the jitter source; 0.5 (no jitter) if it misbehaves. */
  double jitterUnit() {
    try {
      double u = jitter.getAsDouble();
      return u >= 0.0 && u <= 1.0 ? u : 0.5;
    } catch (RuntimeException e) {
      ignored(e, jitter, "getAsDouble (the jitter source; no jitter for this retry)");
      return 0.5;
    }
  }

  static void logFailure(Throwable cause, SubscriberExceptionContext c) {
    log.warn("Subscriber '{}' of bus '{}' failed on event {} of type {} (attempt {}{})",
        c.subscriber(), c.bus(), c.event().id(), c.event().type(), c.attempt(),
        c.willRetry() ? ", will retry" : ", giving up", cause);
  }

  /** The failure rule for callbacks other than handlers: logged and ignored. */
  private void ignored(Throwable t, Object who, String where) {
    log.warn("{} of bus '{}' threw in {}; ignoring it", who, bus, where, t);
  }
}
