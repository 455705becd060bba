package io.github.eventbus;

import static java.util.Objects.requireNonNull;

import com.google.common.reflect.TypeToken;
import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.internal.RateLimitedLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.LoggerFactory;

/**
 * The {@link EventBus} built by {@link EventBusBuilder}: a coordinator that checks and prepares
 * each call and hands it to its parts, {@link Subscriptions} (bookkeeping), {@link Backpressure},
 * {@link SyncDispatch} and {@link QueuedDispatch} (delivery, through {@link Invoker}),
 * {@link Retries} and {@link DeadLetters} (failures), {@link Workers} (threads) and {@link Drain}
 * (close). Every call into user code other than a handler goes through {@link Guard}.
 */
final class DefaultEventBus implements EventBus {

  private final Lifecycle lifecycle;
  private final InFlight inFlight = new InFlight();
  private final Stamper stamps;
  private final MetricsRegistry metrics;
  private final Capacity capacity;
  private final Guard guard;
  private final Subscriptions subscriptions;
  private final Backpressure backpressure;
  private final SyncDispatch sync;
  private final QueuedDispatch queued;
  private final Retries retries;
  private final DeadLetters deadLetters;
  private final Workers workers;
  private final Drain drain;
  private final AuditLog audit; // null: no audit log
  private final RateLimitedLog warnings;

  DefaultEventBus(EventBusBuilder.Config config) {
    String name = config.name();
    this.warnings = new RateLimitedLog(LoggerFactory.getLogger(EventBus.class),
        config.clock(), RateLimitedLog.INTERVAL);
    this.lifecycle = new Lifecycle(name);
    this.stamps = new Stamper(config.clock(), config.source());
    this.metrics = new MetricsRegistry(config.maxTrackedTypes());
    this.capacity = new Capacity(config.queueCapacity(), metrics);
    this.audit = config.auditLog();
    this.guard = new Guard(name, inFlight, warnings,
        config.interceptors().toArray(new EventInterceptor[0]),
        config.propagators().toArray(new ContextPropagator[0]), config.exceptionHandler(),
        config.jitterSource());
    Invoker invoker = new Invoker(guard, config.correlationInMdc(), config.latencySampling());
    this.workers = new Workers(lifecycle, config.workers(), config.executor(), config.scheduler());
    this.subscriptions = new Subscriptions(lifecycle, inFlight, metrics,
        s -> queued().mailbox(s), s -> retries().discard(s));
    this.deadLetters = new DeadLetters(name, warnings, guard, stamps, subscriptions, inFlight,
        invoker, lifecycle, slot -> sync().drainDeferredKeepingErrors(slot));
    this.retries = new Retries(lifecycle, config.clock(), capacity, guard, deadLetters, workers,
        (s, d) -> {
          queued().dispatch(s, d);
          // A callback's Error kept on the scheduler's thread (a dead letter for a refused
          // retry): it has no publish to end, so it goes on now.
          inFlight.rethrowPendingIfOutermost();
        }, warnings);
    this.sync = new SyncDispatch(invoker, stamps, guard, retries, config.reentrantDispatch());
    this.queued = new QueuedDispatch(lifecycle, inFlight, capacity, invoker, guard, deadLetters,
        workers, retries, sync);
    this.backpressure = new Backpressure(lifecycle, capacity, inFlight, config.backpressure(),
        config.blockTimeout(), stamps, deadLetters);
    this.drain = new Drain(lifecycle, capacity, inFlight, config.drainTimeout(), subscriptions,
        queued, retries, workers, config.ownsAuditLog() ? audit : null);
    if (config.closeOnShutdown()) {
      drain.closeOnShutdown(this::close);
    }
  }

  /** For the parts made before the queued dispatch that reach it later (mailboxes, retries). */
  private QueuedDispatch queued() {
    return queued;
  }

  /** For the subscriptions, made before the retries, which discard a closed one's retries. */
  private Retries retries() {
    return retries;
  }

  /** For the dead letters, made before the sync dispatch, that hand it re-entrant publishes. */
  private SyncDispatch sync() {
    return sync;
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
    return add(SubscriptionSpec.of(raw, GenericTypes.parameterised(type),
        (EventHandler<Object>) handler));
  }

  @Override
  public SubscriptionBuilder<Object> onType(String pattern) {
    return new SubscriptionBuilder<>(this, null, TypePattern.compile(pattern));
  }

  /** Adds a subscription; {@link SubscriptionBuilder} hands its options over here. */
  Subscriber add(SubscriptionSpec spec) {
    return subscriptions.add(spec);
  }

  @Override
  public void register(Object listener) {
    requireNonNull(listener, "listener");
    List<SubscriptionSpec> specs = new ArrayList<>();
    for (ListenerMethods.Method m : ListenerMethods.of(listener)) {
      specs.add(new SubscriptionSpec(m.type(), m.generic(), null, m.name(), m.priority(), null,
          RetryPolicy.none(), m.concurrent(), m.envelope(), m.handler(), listener, m.reflected()));
    }
    subscriptions.register(listener, specs);
  }

  @Override
  public void unregister(Object listener) {
    requireNonNull(listener, "listener");
    subscriptions.unregister(listener);
  }

  // ---------------------------------------------------------------- publishing

  @Override
  public void publish(Object event) {
    publishQueued(event, null, false, null);
  }

  @Override
  public void publish(Object event, Metadata metadata) {
    publishQueued(rejectEnvelope(event), requireNonNull(metadata, "metadata"), false, null);
  }

  @Override
  public void publishSync(Object event) {
    publishOnThisThread(event, null, false, false, null);
  }

  @Override
  public void publishSync(Object event, Metadata metadata) {
    publishOnThisThread(rejectEnvelope(event), requireNonNull(metadata, "metadata"), false, false,
        null);
  }

  @Override
  public void publish(Object event, TypeToken<?> type) {
    publishQueued(event, null, false, stated(event, type));
  }

  @Override
  public void publishSync(Object event, TypeToken<?> type) {
    publishOnThisThread(event, null, false, false, stated(event, type));
  }

  @Override
  public CompletionStage<DeliveryReport> publishAndTrack(Object event) {
    return publishQueued(event, null, true, null).future;
  }

  @Override
  public CompletionStage<DeliveryReport> publishSyncAndTrack(Object event) {
    return publishOnThisThread(event, null, true, false, null).future;
  }

  @Override
  public void publishSyncFailFast(Object event) {
    publishOnThisThread(event, null, false, true, null);
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
    String contradiction = GenericTypes.contradiction(payload.getClass(), type);
    if (contradiction != null) {
      throw new IllegalArgumentException(contradiction);
    }
    return GenericTypes.parameterised(type);
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
  private Tracker publishQueued(
      Object event, Metadata metadata, boolean track, TypeToken<?> stated) {
    return accept(event, metadata, track, false, stated, true);
  }

  /**
   * Publishes on this thread; returns the tracker if {@code track}, else null. With
   * {@code failFast} the first handler exception is thrown to the publisher.
   */
  private Tracker publishOnThisThread(Object event, Metadata metadata, boolean track,
      boolean failFast, TypeToken<?> stated) {
    return accept(event, metadata, track, failFast, stated, false);
  }

  /** What every publish starts with: the checks, the envelope given, if any, and the route. */
  private Tracker accept(Object event, Metadata metadata, boolean track, boolean failFast,
      TypeToken<?> stated, boolean queued) {
    try {
      requireNonNull(event, "event");
      lifecycle.ensureAccepting(inFlight);
      Event<?> envelope = stamps.given(event);
      Object payload = envelope != null ? envelope.payload() : event;
      if (payload instanceof DeadLetter letter) {
        return republish(letter, track);
      }
      Registry registry = subscriptions.registry();
      Route route = stated == null ? registry.route(payload) : registry.route(payload, stated);
      return queued
          ? queue(route, payload, envelope, metadata, track)
          : deliverHere(route, payload, envelope, metadata, track, failFast);
    } catch (RuntimeException | Error e) {
      throw escaping(e);
    }
  }

  private Tracker queue(
      Route route, Object payload, Event<?> envelope, Metadata metadata, boolean track) {
    Subscriber[] targets = route.targets;
    // One subscriber that takes the payload: stamp only if a failure needs the envelope. With
    // several, stamp now so that every subscriber's failure reports the same id.
    if (envelope == null && (metadata != null || route.needsEnvelope || targets.length != 1
        || audit != null || guard.intercepts() || track)) {
      envelope = stamps.ensure(null, payload, route.type, metadata);
    }
    envelope = guard.onPublish(envelope);
    Tracker tracker = track ? new Tracker(envelope, targets) : null;
    if (targets.length == 0) {
      audit(envelope);
      inFlight.countPublished(route.stats);
      deadLetters.deadEvent(envelope, route.stats);
    } else {
      Object[] context = guard.capture();
      if (backpressure.admit(route, payload, envelope, tracker)) {
        enqueue(route, payload, envelope, tracker, context);
      } else {
        // Dropped under DROP: publish returns normally, so the event was accepted; it is logged
        // and counted as published like any other, and its dead letters name a logged event.
        audit(envelope);
        inFlight.countPublished(route.stats);
        backpressure.drop(route, payload, envelope, tracker);
      }
    }
    guard.rethrowDeferred();
    return tracker;
  }

  private void enqueue(
      Route route, Object payload, Event<?> envelope, Tracker tracker, Object[] context) {
    Subscriber[] targets = route.targets;
    try {
      audit(envelope);
    } catch (RuntimeException e) {
      capacity.release(targets.length); // not logged, so not published
      throw e;
    }
    inFlight.countPublished(route.stats);
    // The first dispatch starts the workers. Not started here: close() may have begun since the
    // place was reserved, and then the executor refuses the dispatch, which reports the delivery
    // as undelivered and frees its place.
    // An executor that runs tasks on the calling thread (Runnable::run, CallerRunsPolicy) runs a
    // mailbox inside dispatch(), and a handler's Error then comes out of it: every target still
    // gets its delivery (and so frees its place) before the first Error goes on.
    boolean plain = tracker == null && context == null;
    Error first = null;
    for (int i = 0; i < targets.length; i++) {
      try {
        if (plain) {
          queued.dispatch(targets[i], payload, route, envelope);
        } else {
          queued.dispatch(targets[i], new Delivery(payload, envelope, route, 1, 0, tracker, i,
              context));
        }
      } catch (Error e) {
        if (first == null) {
          first = e;
        } else if (first != e) {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private Tracker deliverHere(Route route, Object payload, Event<?> envelope, Metadata metadata,
      boolean track, boolean failFast) {
    if (envelope == null && (metadata != null || route.needsEnvelope || route.targets.length == 0
        || audit != null || guard.intercepts() || track || failFast)) {
      envelope = stamps.ensure(null, payload, route.type, metadata);
    }
    if (envelope != null) {
      envelope = guard.onPublish(envelope);
    }
    Tracker tracker = track ? new Tracker(envelope, route.targets) : null;
    audit(envelope);
    InFlight.Slot slot = inFlight.slot(); // one lookup for the count and the deliveries
    slot.countPublished(route.stats);
    if (route.targets.length == 0) {
      deadLetters.deadEvent(envelope, route.stats);
      guard.rethrowDeferred();
    } else {
      sync.publish(slot, route, payload, envelope, tracker, failFast);
    }
    return tracker;
  }

  /**
   * An exception or Error leaving the outermost publish takes an Error a callback raised on the
   * way with it (the Error wins), so that it never surfaces in a later, unrelated publish.
   */
  private RuntimeException escaping(Throwable e) {
    Throwable leaving = inFlight.slot().leaving(e);
    if (leaving instanceof Error error) {
      throw error;
    }
    return (RuntimeException) leaving;
  }

  /** A DeadLetter given to publish goes to DeadLetter subscribers only, never further. */
  private Tracker republish(DeadLetter letter, boolean track) {
    deadLetters.republish(letter);
    guard.rethrowDeferred();
    return track ? new Tracker(letter.event(), Registry.NONE) : null;
  }

  /** Logs an accepted event to the audit log, if there is one. */
  private void audit(Event<?> envelope) {
    if (audit != null) {
      audit.record(envelope);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void start() {
    lifecycle.ensureOpen();
    try {
      workers.executor();
    } catch (RejectedExecutionException closedMeanwhile) {
      throw lifecycle.refusal();
    }
  }

  @Override
  public void close() {
    try {
      drain.close();
    } finally {
      if (lifecycle.isClosed()) {
        warnings.reportLeftOut(); // a quiet spell cut short by the close still has its count told
      }
    }
  }

  @Override
  public boolean isClosed() {
    return !lifecycle.isRunning();
  }

  // ---------------------------------------------------------------- introspection

  @Override
  public String name() {
    return lifecycle.bus();
  }

  @Override
  public Map<String, Integer> subscribers() {
    return subscriptions.counts();
  }

  @Override
  public Optional<Path> auditLogFile() {
    return audit == null ? Optional.empty() : Optional.of(audit.currentFile());
  }

  @Override
  public EventBusMetrics metrics() {
    return metrics.snapshot(inFlight, capacity.depth(),
        audit == null ? Optional.empty() : Optional.of(audit.stats()));
  }

  @Override
  public String toString() {
    return "EventBus{name=" + lifecycle.bus() + ", state=" + lifecycle + "}";
  }
}
