package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import com.google.common.reflect.TypeToken;
import io.github.eventbus.audit.AuditLog;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The {@link EventBus} built by {@link EventBusBuilder}. */
final class DefaultEventBus implements EventBus {

  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  private static final int RUNNING = 0;
  private static final int CLOSING = 1;
  private static final int CLOSED = 2;

  static final int DELIVERED = 0;
  static final int SKIPPED = 1;
  static final int FILTERED = 2;
  static final int FAILED = 3;
  static final int VETOED = 4;

  private final String name;
  private final String source;
  private final Clock clock;
  private final EventIds ids = new EventIds();
  private final int workers;
  private final Executor userExecutor;
  private final ScheduledExecutorService userScheduler;
  private final DoubleSupplier jitter;
  private final SubscriberExceptionHandler exceptionHandler; // null: log
  private final BackpressurePolicy backpressure;
  private final long blockTimeoutNanos;
  private final Duration drainTimeout;
  private final int latencySampling;
  private final MetricsRegistry metrics;
  private final Capacity capacity;
  private final InFlight inFlight = new InFlight();
  private final Set<RetryTask> pendingRetries = ConcurrentHashMap.newKeySet();
  private final AuditLog audit; // null: no audit log
  private final EventInterceptor[] interceptors;
  private final ContextPropagator[] propagators;
  private final boolean correlationInMdc;
  private static final String CORRELATION_KEY = "correlation_id";
  private final boolean ownsAudit;

  private final Object lock = new Object();
  private final Object closeLock = new Object();
  private volatile Registry registry;
  private final Map<Object, List<Subscriber>> listeners = new IdentityHashMap<>(); // under lock
  private long nextSequence; // under lock
  private volatile int state = RUNNING;
  private volatile boolean abandoned;
  private volatile Executor executor;
  private ThreadPoolExecutor ownedExecutor; // under lock
  private volatile ScheduledExecutorService scheduler;
  private ScheduledThreadPoolExecutor ownedScheduler; // under lock

  DefaultEventBus(EventBusBuilder.Config config) {
    this.name = config.name();
    this.source = config.source();
    this.clock = config.clock();
    this.workers = config.workers();
    this.userExecutor = config.executor();
    this.userScheduler = config.scheduler();
    this.jitter = config.jitterSource();
    this.exceptionHandler = config.exceptionHandler();
    this.backpressure = config.backpressure();
    this.blockTimeoutNanos = config.blockTimeout() == null ? Long.MAX_VALUE : config.blockTimeout().toNanos();
    this.drainTimeout = config.drainTimeout();
    this.latencySampling = config.latencySampling();
    this.metrics = new MetricsRegistry(config.maxTrackedTypes());
    this.capacity = new Capacity(config.queueCapacity(), metrics);
    this.registry = Registry.empty(metrics);
    this.scheduler = userScheduler;
    this.audit = config.auditLog();
    this.interceptors = config.interceptors().toArray(new EventInterceptor[0]);
    this.propagators = config.propagators().toArray(new ContextPropagator[0]);
    this.correlationInMdc = config.correlationInMdc();
    this.ownsAudit = config.ownsAuditLog();
  }

  // ---------------------------------------------------------------- subscribing

  @Override
  public <E> Subscription subscribe(Class<E> type, EventHandler<? super E> handler) {
    return on(type).subscribe(handler);
  }

  @Override
  public <E> Subscription subscribeEnvelope(
      Class<E> type, EventHandler<? super Event<? extends E>> handler) {
    return on(type).subscribeEnvelope(handler);
  }

  @Override
  public Subscription subscribe(String pattern, EventHandler<? super Event<?>> handler) {
    return onType(pattern).subscribeEnvelope(handler);
  }

  @Override
  public <E> SubscriptionBuilder<E> on(Class<E> type) {
    requireNonNull(type, "type");
    if (type == Event.class) {
      throw new IllegalArgumentException("Event is the envelope, never a payload: subscribe to the"
          + " payload class with subscribeEnvelope(type, handler), or to a type pattern");
    }
    if (type.isPrimitive()) {
      throw new IllegalArgumentException("cannot subscribe to primitive type " + type
          + "; events are objects, subscribe to its wrapper class");
    }
    TypeNames.of(type); // fails fast on a malformed @EventType
    return new SubscriptionBuilder<>(this, type, null);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <E> Subscription subscribe(TypeToken<E> type, EventHandler<? super E> handler) {
    requireNonNull(type, "type");
    requireNonNull(handler, "handler");
    Class<?> raw = type.getRawType();
    on(raw); // the same checks as for a class
    return add(raw, GenericTypes.parameterised(type), null, null, 0, null, RetryPolicy.none(), false,
        false, (EventHandler<Object>) handler, null);
  }

  @Override
  public SubscriptionBuilder<Object> onType(String pattern) {
    return new SubscriptionBuilder<>(this, null, TypePattern.compile(pattern));
  }

  Subscriber add(
      Class<?> type, TypeToken<?> generic, TypePattern pattern, String subscriberName, int priority,
      Predicate<Object> filter, RetryPolicy retry, boolean concurrent, boolean envelope,
      EventHandler<Object> handler, Object listener) {
    synchronized (lock) {
      ensureOpen();
      long sequence = ++nextSequence;
      String label = subscriberName != null
          ? subscriberName
          : (generic != null ? generic.toString()
              : type != null ? TypeNames.of(type) : pattern.pattern()) + "#" + sequence;
      Subscriber s = new Subscriber(this, sequence, label, type, generic, pattern, priority, filter,
          retry,
          concurrent, envelope, handler, listener);
      registry = registry.with(s);
      if (listener != null) {
        listeners.computeIfAbsent(listener, l -> new ArrayList<>()).add(s);
      }
      return s;
    }
  }

  void unsubscribe(Subscriber s) {
    synchronized (lock) {
      if (s.active) {
        s.active = false;
        registry = registry.without(s);
      }
    }
    inFlight.awaitIdle(s);
  }

  @Override
  public void register(Object listener) {
    requireNonNull(listener, "listener");
    List<ListenerMethods.Method> methods = ListenerMethods.of(listener);
    synchronized (lock) {
      ensureOpen();
      if (listeners.containsKey(listener)) {
        throw new IllegalArgumentException("listener " + describe(listener)
            + " is already registered; unregister it first");
      }
      for (ListenerMethods.Method m : methods) {
        add(m.type(), m.generic(), null, m.name(), m.priority(), null, RetryPolicy.none(),
            m.concurrent(),
            m.envelope(), m.handler(), listener);
      }
    }
  }

  @Override
  public void unregister(Object listener) {
    requireNonNull(listener, "listener");
    List<Subscriber> subs;
    synchronized (lock) {
      subs = listeners.remove(listener);
    }
    if (subs == null) {
      throw new IllegalArgumentException("listener " + describe(listener) + " is not registered");
    }
    subs.forEach(Subscriber::close);
  }

  private static String describe(Object listener) {
    return listener.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(listener));
  }

  // ---------------------------------------------------------------- publishing

  @Override
  public void publish(Object event) {
    publishAsync(event, null, false, null);
  }

  @Override
  public void publish(Object event, Metadata metadata) {
    publishAsync(rejectEnvelope(event), requireNonNull(metadata, "metadata"), false, null);
  }

  @Override
  public void publishSync(Object event) {
    publishSyncInternal(event, null, null, false, null);
  }

  @Override
  public void publishSync(Object event, Metadata metadata) {
    publishSyncInternal(rejectEnvelope(event), requireNonNull(metadata, "metadata"), null, false,
        null);
  }

  @Override
  public void publish(Object event, TypeToken<?> type) {
    publishAsync(event, null, false, stated(event, type));
  }

  @Override
  public void publishSync(Object event, TypeToken<?> type) {
    publishSyncInternal(event, null, null, false, stated(event, type));
  }

  /** Checks a stated generic type against the event; returns it if it has type arguments. */
  private static TypeToken<?> stated(Object event, TypeToken<?> type) {
    requireNonNull(event, "event");
    requireNonNull(type, "type");
    Object payload = event instanceof Event<?> e ? e.payload() : event;
    if (payload instanceof DynamicEvent) {
      throw new IllegalArgumentException("a DynamicEvent has no generic type to state; publish it"
          + " without one");
    }
    if (!type.getRawType().isInstance(payload)) {
      throw new IllegalArgumentException("the stated type " + type + " does not fit the event, an"
          + " instance of " + payload.getClass().getName());
    }
    return GenericTypes.parameterised(type);
  }

  @Override
  public CompletionStage<DeliveryReport> publishAndTrack(Object event) {
    return publishAsync(event, null, true, null).future;
  }

  @Override
  public CompletionStage<DeliveryReport> publishSyncAndTrack(Object event) {
    Tracker[] tracker = new Tracker[1];
    publishSyncInternal(event, null, tracker, false, null);
    return tracker[0].future;
  }

  @Override
  public void publishSyncFailFast(Object event) {
    publishSyncInternal(event, null, null, true, null);
  }

  private static Object rejectEnvelope(Object event) {
    if (event instanceof Event<?>) {
      throw new IllegalArgumentException(
          "event is an Event envelope, which carries its own metadata; publish it without metadata,"
              + " or use event.withMetadata(metadata)");
    }
    return event;
  }

  /** Publishes through the queue; returns the tracker if {@code track}, else null. */
  private Tracker publishAsync(
      Object event, Metadata metadata, boolean track, TypeToken<?> stated) {
    requireNonNull(event, "event");
    ensureOpen();
    Event<?> envelope = event instanceof Event<?> e ? withDefaultSource(e) : null;
    Object payload = envelope != null ? envelope.payload() : event;
    Route route = stated == null ? registry.route(payload) : registry.route(payload, stated);
    Subscriber[] targets = route.targets;
    // One subscriber that takes the payload: stamp only if a failure needs the envelope. With
    // several, stamp now so that every subscriber's failure reports the same id.
    if (envelope == null && (metadata != null || route.needsEnvelope || targets.length != 1
        || audit != null || interceptors.length > 0 || track)) {
      envelope = stamp(payload, route.type, metadata);
    }
    envelope = intercept(envelope);
    Tracker tracker = track ? new Tracker(envelope, targets) : null;
    if (targets.length == 0) {
      audit(envelope);
      route.stats.published.increment();
      deadEvent(envelope, route.stats);
      return tracker;
    }
    if (!admit(route, payload, envelope, tracker)) {
      return tracker;
    }
    if (audit != null) {
      try {
        audit.record(envelope);
      } catch (RuntimeException e) {
        capacity.release(targets.length); // not logged, so not published
        throw e;
      }
    }
    route.stats.published.increment();
    executor(); // start workers on first use
    Object[] context = capture();
    for (int i = 0; i < targets.length; i++) {
      dispatchQueued(targets[i], new Delivery(payload, envelope, route, 1, 0, tracker, i, context));
    }
    return tracker;
  }

  /** Captures the publishing thread's context, or returns null if there is none. */
  private Object[] capture() {
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
        log.warn("Context propagator {} of bus '{}' threw in capture; ignoring it", propagators[i],
            name, e);
      }
    }
    return context;
  }

  /** Installs a captured context; returns the undo actions in reverse order of installing. */
  private Runnable[] restore(Object[] context) {
    Runnable[] undo = new Runnable[context.length];
    for (int i = 0; i < context.length; i++) {
      if (context[i] != null) {
        try {
          undo[context.length - 1 - i] = propagators[i].restore(context[i]);
        } catch (RuntimeException e) {
          log.warn("Context propagator {} of bus '{}' threw in restore; ignoring it",
              propagators[i], name, e);
        }
      }
    }
    return undo;
  }

  private void undo(Runnable[] actions) {
    for (Runnable action : actions) {
      if (action != null) {
        try {
          action.run();
        } catch (RuntimeException e) {
          log.warn("A context propagator's undo action on bus '{}' threw; ignoring it", name, e);
        }
      }
    }
  }

  /** Runs the interceptors' onPublish; each may change the metadata only. */
  private Event<?> intercept(Event<?> envelope) {
    for (EventInterceptor interceptor : interceptors) {
      try {
        Event<?> changed = interceptor.onPublish(envelope);
        if (changed != null && changed.id().equals(envelope.id())
            && changed.type().equals(envelope.type()) && changed.payload() == envelope.payload()) {
          envelope = changed;
        } else {
          log.warn("Interceptor {} of bus '{}' returned another event from onPublish; ignoring it",
              interceptor, name);
        }
      } catch (RuntimeException e) {
        log.warn("Interceptor {} of bus '{}' threw in onPublish; ignoring it", interceptor, name, e);
      }
    }
    return envelope;
  }

  /**
   * Publishes on this thread. With {@code tracker} (a one-element holder) a tracker is made and
   * returned in it; with {@code failFast} the first handler exception stops the dispatch and is
   * thrown, without retry or dead letter.
   */
  private void publishSyncInternal(Object event, Metadata metadata, Tracker[] trackerOut,
      boolean failFast, TypeToken<?> stated) {
    requireNonNull(event, "event");
    ensureOpen();
    Event<?> envelope = event instanceof Event<?> e ? withDefaultSource(e) : null;
    Object payload = envelope != null ? envelope.payload() : event;
    Route route = stated == null ? registry.route(payload) : registry.route(payload, stated);
    TypeStats stats = route.stats;
    Subscriber[] targets = route.targets;
    if (envelope == null && (metadata != null || route.needsEnvelope || targets.length == 0
        || audit != null || interceptors.length > 0 || trackerOut != null || failFast)) {
      envelope = stamp(payload, route.type, metadata);
    }
    if (envelope != null) {
      envelope = intercept(envelope);
    }
    Tracker tracker = null;
    if (trackerOut != null) {
      tracker = new Tracker(envelope, targets);
      trackerOut[0] = tracker;
    }
    audit(envelope);
    stats.published.increment();
    if (targets.length == 0) {
      deadEvent(envelope, stats);
      return;
    }
    InFlight.Slot slot = inFlight.slot();
    Object previous = slot.enter(targets);
    int delivered = 0;
    try {
      for (int i = 0; i < targets.length; i++) {
        Subscriber s = targets[i];
        long start = tracker != null ? System.nanoTime() : 0;
        int outcome = invoke(s, payload, envelope, stats, slot);
        if (tracker != null) {
          tracker.addTime(i, System.nanoTime() - start);
        }
        if (outcome == DELIVERED) {
          delivered++;
          if (tracker != null) {
            tracker.finish(i, DeliveryStatus.DELIVERED, 1, null, null);
          }
        } else if (outcome == FAILED) {
          Throwable cause = slot.failure;
          slot.failure = null;
          if (envelope == null) {
            envelope = stamp(payload, route.type, null);
          }
          if (failFast) {
            stats.failed.increment();
            throw new DeliveryFailedException(s.name, envelope.id(), cause);
          }
          onFailure(s, new Delivery(payload, envelope, route, 1, 0, tracker, i, capture()), cause,
              false);
        } else if (tracker != null) {
          finishSkipped(tracker, i, outcome, slot, 0);
        }
      }
    } finally {
      slot.exit(previous);
      if (delivered > 0) {
        stats.delivered.add(delivered);
      }
    }
  }

  /** Records a delivery that did not call the handler: filtered, vetoed or unsubscribed. */
  private static void finishSkipped(
      Tracker tracker, int index, int outcome, InFlight.Slot slot, int attempts) {
    if (outcome == FILTERED) {
      tracker.finish(index, DeliveryStatus.FILTERED, attempts, null, "the subscription's filter");
    } else if (outcome == VETOED) {
      tracker.finish(index, DeliveryStatus.VETOED, attempts, null, slot.vetoReason);
    } else {
      tracker.finish(index, DeliveryStatus.UNSUBSCRIBED, attempts, null,
          "the subscription was closed");
    }
  }

  /** Logs an accepted event to the audit log, if there is one. */
  private void audit(Event<?> envelope) {
    if (audit != null) {
      audit.record(envelope);
    }
  }

  private Event<?> withDefaultSource(Event<?> event) {
    return event.source().isEmpty() ? event.withSource(source) : event;
  }

  private <T> Event<T> stamp(T payload, String type, Metadata metadata) {
    Instant now = clock.instant();
    Metadata meta = metadata == null ? Metadata.empty() : metadata;
    return Event.stamp(ids.nextHigh(now.toEpochMilli()), EventIds.randomLow(), type, now,
        meta.source().orElse(source), payload, meta);
  }

  /** Applies backpressure; returns false if the event was dropped. */
  private boolean admit(Route route, Object payload, Event<?> envelope, Tracker tracker) {
    int n = route.targets.length;
    Capacity.Reservation reservation = capacity.tryReserve(n);
    if (reservation == Capacity.Reservation.OK) {
      return true;
    }
    if (reservation == Capacity.Reservation.CLOSED) {
      throw closed();
    }
    if (inFlight.isDelivering()) {
      // Waiting here could wait for this very thread; accept over capacity instead.
      if (capacity.forceReserve(n)) {
        return true;
      }
      throw closed();
    }
    switch (backpressure) {
      case REJECT:
        route.stats.rejected.increment();
        throw new RejectedEventException("bus '" + name + "' rejected an event of type "
            + route.type + ": its queue is full (" + capacity.depth() + " pending deliveries)");
      case DROP:
        RejectedEventException cause = new RejectedEventException("bus '" + name
            + "' dropped this event: its queue was full and the backpressure policy is DROP");
        route.stats.dropped.add(n);
        Event<?> dropped = envelope != null ? envelope : stamp(payload, route.type, null);
        for (int i = 0; i < n; i++) {
          deadLetter(dropped, route.targets[i].name, cause, 0, route.stats);
          if (tracker != null) {
            tracker.finish(i, DeliveryStatus.DROPPED, 0, null, cause.getMessage());
          }
        }
        return false;
      case CALLER_RUNS:
        for (Subscriber s : route.targets) {
          if (s.mailbox != null) {
            s.mailbox.tryRunHere();
          }
        }
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
          + name + "'; the event was not published");
    }
    if (reservation == Capacity.Reservation.OK) {
      return true;
    }
    if (reservation == Capacity.Reservation.CLOSED) {
      throw closed();
    }
    route.stats.rejected.increment();
    throw new RejectedEventException("bus '" + name + "' rejected an event of type " + route.type
        + ": its queue stayed full for the block timeout of "
        + Duration.ofNanos(blockTimeoutNanos));
  }

  // ---------------------------------------------------------------- delivering

  InFlight.Slot slot() {
    return inFlight.slot();
  }

  private void dispatchQueued(Subscriber s, Delivery delivery) {
    if (s.mailbox != null) {
      s.mailbox.enqueue(delivery);
    } else {
      execute(new ConcurrentDelivery(s, delivery));
    }
  }

  /**
   * Calls one handler; returns DELIVERED, SKIPPED, FILTERED, VETOED (reason in the slot) or FAILED
   * (cause in the slot). The caller has entered the slot with a target that includes {@code s}.
   */
  private int invoke(
      Subscriber s, Object payload, Event<?> envelope, TypeStats stats, InFlight.Slot slot) {
    try {
      if (!s.active) {
        return SKIPPED;
      }
      if (s.filter != null && !s.filter.test(payload)) {
        return FILTERED;
      }
      if (interceptors.length > 0 || (correlationInMdc && envelope != null)) {
        return invokeDecorated(s, payload, envelope, stats, slot); // kept apart: small hot path
      }
      Object argument = s.wantsEnvelope ? envelope : payload;
      if (s.sample(latencySampling)) {
        long start = System.nanoTime();
        s.handler.handle(argument);
        stats.recordLatency(System.nanoTime() - start);
      } else {
        s.handler.handle(argument);
      }
      return DELIVERED;
    } catch (Throwable t) {
      slot.failure = t;
      return FAILED;
    }
  }

  /** {@link #invoke} with interceptors and the correlation id in the MDC. */
  private int invokeDecorated(
      Subscriber s, Object payload, Event<?> envelope, TypeStats stats, InFlight.Slot slot)
      throws Exception {
    if (interceptors.length > 0 && vetoed(envelope, s, stats, slot)) {
      return VETOED;
    }
    Object argument = s.wantsEnvelope ? envelope : payload;
    String correlation = correlationInMdc ? envelope.metadata().correlationIdOrNull() : null;
    try {
      if (correlation != null) {
        callWithCorrelation(s, argument, stats, correlation);
      } else {
        long start = System.nanoTime();
        s.handler.handle(argument);
        stats.recordLatency(System.nanoTime() - start);
      }
    } catch (Throwable t) {
      if (interceptors.length > 0) {
        afterDelivery(envelope, s, t);
      }
      throw t;
    }
    if (interceptors.length > 0) {
      afterDelivery(envelope, s, null);
    }
    return DELIVERED;
  }

  /** Calls a handler with the correlation id in the MDC, restoring the previous value after. */
  private void callWithCorrelation(
      Subscriber s, Object argument, TypeStats stats, String correlation) throws Exception {
    String previous = MDC.get(CORRELATION_KEY);
    MDC.put(CORRELATION_KEY, correlation);
    try {
      long start = System.nanoTime();
      s.handler.handle(argument);
      stats.recordLatency(System.nanoTime() - start);
    } finally {
      if (previous == null) {
        MDC.remove(CORRELATION_KEY);
      } else {
        MDC.put(CORRELATION_KEY, previous);
      }
    }
  }

  private boolean vetoed(Event<?> envelope, Subscriber s, TypeStats stats, InFlight.Slot slot) {
    for (EventInterceptor interceptor : interceptors) {
      try {
        Optional<String> veto = interceptor.beforeDelivery(envelope, s);
        if (veto != null && veto.isPresent()) {
          stats.vetoed.increment();
          slot.vetoReason = veto.get();
          return true;
        }
      } catch (RuntimeException e) {
        log.warn("Interceptor {} of bus '{}' threw in beforeDelivery; ignoring it", interceptor,
            name, e);
      }
    }
    return false;
  }

  private void afterDelivery(Event<?> envelope, Subscriber s, Throwable failure) {
    for (EventInterceptor interceptor : interceptors) {
      try {
        interceptor.afterDelivery(envelope, s, failure);
      } catch (RuntimeException e) {
        log.warn("Interceptor {} of bus '{}' threw in afterDelivery; ignoring it", interceptor,
            name, e);
      }
    }
  }

  /** Counts of one run of queued deliveries, flushed to the shared counters once at its end. */
  static final class Batch {
    int finished; // deliveries whose queue place can be released
    TypeStats stats; // of the deliveries counted in `delivered`
    int delivered;
  }

  /**
   * Runs a queued delivery. The caller has entered the slot with {@code s} as target. A finished
   * delivery (delivered, skipped, given up) is counted in {@code batch.finished}; one waiting for a
   * retry keeps its queue place.
   */
  void deliverQueued(Subscriber s, Delivery delivery, InFlight.Slot slot, Batch batch) {
    if (abandoned) {
      undelivered(s, delivery);
      batch.finished++;
      return;
    }
    TypeStats stats = delivery.route.stats;
    Tracker tracker = delivery.tracker;
    long start = tracker != null ? System.nanoTime() : 0;
    Runnable[] undo = delivery.context != null ? restore(delivery.context) : null;
    int outcome;
    try {
      outcome = invoke(s, delivery.payload, delivery.event, stats, slot);
    } finally {
      if (undo != null) {
        undo(undo);
      }
    }
    if (tracker != null) {
      tracker.addTime(delivery.index, System.nanoTime() - start);
    }
    if (outcome == DELIVERED) {
      if (batch.stats != stats) {
        flushDelivered(batch);
        batch.stats = stats;
      }
      batch.delivered++;
      if (tracker != null) {
        tracker.finish(delivery.index, DeliveryStatus.DELIVERED, delivery.attempt, null, null);
      }
    } else if (tracker != null && outcome != FAILED) {
      finishSkipped(tracker, delivery.index, outcome, slot, delivery.attempt - 1);
    }
    if (outcome == FAILED) {
      Throwable cause = slot.failure;
      slot.failure = null;
      if (!onFailure(s, delivery, cause, true)) {
        return;
      }
    }
    batch.finished++;
  }

  void finish(Batch batch) {
    flushDelivered(batch);
    release(batch.finished);
  }

  private static void flushDelivered(Batch batch) {
    if (batch.delivered > 0) {
      batch.stats.delivered.add(batch.delivered);
      batch.delivered = 0;
    }
  }

  /** Returns the delivery's envelope, stamping it now if the bus skipped that at publish time. */
  private Event<?> envelope(Delivery delivery) {
    if (delivery.event == null) {
      delivery.event = stamp(delivery.payload, delivery.route.type, null);
    }
    return delivery.event;
  }

  /**
   * Reports a failed attempt and schedules a retry or dead-letters it. Returns true if the delivery
   * is finished, false if a retry now holds its queue place.
   */
  private boolean onFailure(Subscriber s, Delivery failed, Throwable cause, boolean holdsPlace) {
    TypeStats stats = failed.route.stats;
    Event<?> event = envelope(failed);
    stats.failed.increment();
    int next = failed.attempt + 1;
    long now = clock.millis();
    long first = failed.attempt == 1 ? now : failed.firstAttemptMillis;
    Duration delay = null;
    if (next <= s.retry.maxAttempts() && s.active && !abandoned) {
      Duration candidate = s.retry.delayBefore(next, jitterUnit());
      if (s.retry.allowsAttempt(next, Duration.ofMillis(now - first).plus(candidate))
          && (holdsPlace || capacity.forceReserve(1))) {
        delay = candidate;
      }
    }
    reportFailure(cause, s, event, failed.attempt, delay != null);
    if (delay != null) {
      if (scheduleRetry(s, new Delivery(failed.payload, event, failed.route, next, first,
          failed.tracker, failed.index, failed.context), delay)) {
        stats.retried.increment();
        return false;
      }
      if (!holdsPlace) {
        capacity.release(1);
      }
    }
    deadLetter(event, s.name, cause, failed.attempt, stats);
    if (failed.tracker != null) {
      failed.tracker.finish(failed.index, DeliveryStatus.DEAD_LETTERED, failed.attempt, cause, null);
    }
    return true;
  }

  private double jitterUnit() {
    try {
      double u = jitter.getAsDouble();
      return u >= 0.0 && u <= 1.0 ? u : 0.5;
    } catch (RuntimeException e) {
      log.warn("The jitter source of bus '{}' threw; using no jitter for this retry", name, e);
      return 0.5;
    }
  }

  private boolean scheduleRetry(Subscriber s, Delivery delivery, Duration delay) {
    RetryTask task = new RetryTask(s, delivery);
    pendingRetries.add(task);
    try {
      task.future = scheduler().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      pendingRetries.remove(task);
      return false;
    }
  }

  private void reportFailure(
      Throwable cause, Subscriber s, Event<?> event, int attempt, boolean willRetry) {
    SubscriberExceptionContext context =
        new SubscriberExceptionContext(name, s.name, event, attempt, willRetry);
    if (exceptionHandler == null) {
      logFailure(cause, context);
      return;
    }
    try {
      exceptionHandler.handleException(cause, context);
    } catch (Throwable inner) {
      log.warn("The SubscriberExceptionHandler of bus '{}' threw while handling a failure of"
          + " subscriber '{}'; ignoring it", name, s.name, inner);
    }
  }

  static void logFailure(Throwable cause, SubscriberExceptionContext c) {
    log.warn("Subscriber '{}' of bus '{}' failed on event {} of type {} (attempt {}{})",
        c.subscriber(), c.bus(), c.event().id(), c.event().type(), c.attempt(),
        c.willRetry() ? ", will retry" : ", giving up", cause);
  }

  private void deadLetter(
      Event<?> event, String subscriberName, Throwable cause, int attempts, TypeStats stats) {
    stats.deadLettered.increment();
    if (!publishSystem(new DeadLetter(event, subscriberName, cause, attempts))) {
      log.warn("Event {} of type {} was not handled by subscriber '{}' of bus '{}' after {}"
          + " attempt(s), and nothing subscribes to DeadLetter: {}", event.id(), event.type(),
          subscriberName, name, attempts, String.valueOf(cause));
    }
  }

  private void deadEvent(Event<?> event, TypeStats stats) {
    stats.deadEvents.increment();
    publishSystem(new DeadEvent(event));
  }

  private void undelivered(Subscriber s, Delivery delivery) {
    TypeStats stats = delivery.route.stats;
    stats.undelivered.increment();
    RejectedEventException cause = new RejectedEventException("bus '" + name
        + "' closed before this event was delivered (drain timeout " + drainTimeout + " elapsed)");
    deadLetter(envelope(delivery), s.name, cause, delivery.attempt - 1, stats);
    if (delivery.tracker != null) {
      delivery.tracker.finish(delivery.index, DeliveryStatus.UNDELIVERED, delivery.attempt - 1, null,
          cause.getMessage());
    }
  }

  /**
   * Delivers a DeadLetter or DeadEvent on this thread to subscribers of exactly its class. A
   * failure is reported and goes no further. Returns false if nobody subscribes.
   */
  private boolean publishSystem(Object systemEvent) {
    Route route = registry.systemRoute(systemEvent.getClass());
    if (route.targets.length == 0) {
      return false;
    }
    route.stats.published.increment();
    Event<?> envelope = stamp(systemEvent, route.type, null);
    InFlight.Slot slot = inFlight.slot();
    Object previous = slot.enter(route.targets);
    try {
      for (Subscriber s : route.targets) {
        int outcome = invoke(s, systemEvent, envelope, route.stats, slot);
        if (outcome == DELIVERED) {
          route.stats.delivered.increment();
        } else if (outcome == FAILED) {
          Throwable cause = slot.failure;
          slot.failure = null;
          route.stats.failed.increment();
          reportFailure(cause, s, envelope, 1, false);
        }
      }
    } finally {
      slot.exit(previous);
    }
    return true;
  }

  void release(int n) {
    capacity.release(n);
  }

  /** Runs a task on the delivery executor; if it refuses, reports the task's deliveries. */
  void execute(Runnable task) {
    try {
      executor().execute(task);
    } catch (RejectedExecutionException e) {
      refused(task);
    }
  }

  private void refused(Runnable task) {
    if (task instanceof Mailbox mailbox) {
      mailbox.unschedule();
      List<Delivery> lost = mailbox.takeAll();
      lost.forEach(d -> undelivered(mailbox.subscriber(), d));
      release(lost.size());
    } else if (task instanceof ConcurrentDelivery concurrent) {
      undelivered(concurrent.subscriber, concurrent.delivery);
      release(1);
    }
  }

  private Executor executor() {
    Executor current = executor;
    if (current != null) {
      return current;
    }
    synchronized (lock) {
      if (executor == null) {
        if (state == CLOSED) {
          throw new RejectedExecutionException("bus '" + name + "' is closed");
        }
        if (userExecutor != null) {
          executor = userExecutor;
        } else {
          ownedExecutor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
              new LinkedBlockingQueue<>(), threads("worker"));
          ownedExecutor.prestartAllCoreThreads();
          executor = ownedExecutor;
        }
      }
      return executor;
    }
  }

  private ScheduledExecutorService scheduler() {
    ScheduledExecutorService current = scheduler;
    if (current != null) {
      return current;
    }
    synchronized (lock) {
      if (scheduler == null) {
        if (state == CLOSED) {
          throw new RejectedExecutionException("bus '" + name + "' is closed");
        }
        ownedScheduler = new ScheduledThreadPoolExecutor(1, threads("retry"));
        ownedScheduler.setRemoveOnCancelPolicy(true);
        scheduler = ownedScheduler;
      }
      return scheduler;
    }
  }

  private ThreadFactory threads(String role) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + role + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void start() {
    ensureOpen();
    executor();
  }

  @Override
  public void close() {
    if (inFlight.isDelivering()) {
      throw new IllegalStateException("close() was called from inside a handler of bus '" + name
          + "'; it would wait for that handler to finish. Close the bus from another thread");
    }
    synchronized (closeLock) {
      if (state == CLOSED) {
        return;
      }
      state = CLOSING;
      capacity.close();
      long deadline = System.nanoTime() + drainTimeout.toNanos();
      boolean drained;
      try {
        drained = capacity.awaitEmpty(drainTimeout.toNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        drained = false;
      }
      if (!drained) {
        abandonLeftovers();
      }
      shutDownOwnedThreads(deadline);
      if (ownsAudit) {
        audit.close();
      }
      state = CLOSED;
    }
  }

  private void abandonLeftovers() {
    abandoned = true;
    int count = 0;
    for (RetryTask task : pendingRetries) {
      if (pendingRetries.remove(task)) {
        Future<?> future = task.future;
        if (future != null) {
          future.cancel(false);
        }
        undelivered(task.subscriber, task.delivery);
        release(1);
        count++;
      }
    }
    for (Subscriber s : registry.all()) {
      if (s.mailbox != null) {
        List<Delivery> left = s.mailbox.takeAll();
        left.forEach(d -> undelivered(s, d));
        release(left.size());
        count += left.size();
      }
    }
    log.warn("Bus '{}' closed with deliveries left after its drain timeout of {}: {} reported as"
        + " undelivered dead letters, others still running are reported as they end",
        name, drainTimeout, count);
  }

  private void shutDownOwnedThreads(long deadline) {
    ThreadPoolExecutor pool;
    ScheduledThreadPoolExecutor timer;
    synchronized (lock) {
      pool = ownedExecutor;
      timer = ownedScheduler;
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    if (pool == null) {
      return;
    }
    pool.shutdown();
    try {
      long wait = Math.max(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100));
      if (!pool.awaitTermination(wait, TimeUnit.NANOSECONDS)) {
        abandoned = true;
        pool.shutdownNow().forEach(this::refused);
        // Handlers that answer the interrupt end now, and report their event as a dead letter.
        if (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
          log.warn("Bus '{}' closed while {} of its worker threads still run a handler that"
              + " ignores interrupts", name, pool.getActiveCount());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow().forEach(this::refused);
    }
  }

  @Override
  public boolean isClosed() {
    return state != RUNNING;
  }

  private void ensureOpen() {
    if (state != RUNNING) {
      throw closed();
    }
  }

  private IllegalStateException closed() {
    return new IllegalStateException("bus '" + name + "' is closed; it accepts no more events or"
        + " subscriptions");
  }

  // ---------------------------------------------------------------- introspection

  @Override
  public String name() {
    return name;
  }

  @Override
  public Map<String, Integer> subscribers() {
    Map<String, Integer> counts = new TreeMap<>();
    for (Subscriber s : registry.all()) {
      counts.merge(s.subscribedTo(), 1, Integer::sum);
    }
    return java.util.Collections.unmodifiableMap(counts);
  }

  @Override
  public Optional<Path> auditLogFile() {
    return audit == null ? Optional.empty() : Optional.of(audit.currentFile());
  }

  @Override
  public EventBusMetrics metrics() {
    return metrics.snapshot(capacity.depth(),
        audit == null ? Optional.empty() : Optional.of(audit.stats()));
  }

  @Override
  public String toString() {
    return "EventBus{name=" + name + ", state="
        + (state == RUNNING ? "running" : state == CLOSING ? "closing" : "closed") + "}";
  }

  // ---------------------------------------------------------------- tasks

  /** A delivery to a concurrent subscriber, run directly on the executor. */
  private final class ConcurrentDelivery implements Runnable {
    final Subscriber subscriber;
    final Delivery delivery;

    ConcurrentDelivery(Subscriber subscriber, Delivery delivery) {
      this.subscriber = subscriber;
      this.delivery = delivery;
    }

    @Override
    public void run() {
      InFlight.Slot slot = inFlight.slot();
      Object previous = slot.enter(subscriber);
      Batch batch = new Batch();
      try {
        deliverQueued(subscriber, delivery, slot, batch);
      } finally {
        slot.exit(previous);
        finish(batch);
      }
    }
  }

  /** A retry waiting on the scheduler; it re-enters the subscriber's queue when due. */
  private final class RetryTask implements Runnable {
    final Subscriber subscriber;
    final Delivery delivery;
    volatile Future<?> future;

    RetryTask(Subscriber subscriber, Delivery delivery) {
      this.subscriber = subscriber;
      this.delivery = delivery;
    }

    @Override
    public void run() {
      if (pendingRetries.remove(this)) {
        dispatchQueued(subscriber, delivery);
      }
    }
  }
}
