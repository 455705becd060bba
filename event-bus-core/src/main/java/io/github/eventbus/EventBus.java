package io.github.eventbus;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * An in-process event bus: handlers subscribe by event class (receiving subclasses and
 * implementations too) or by {@linkplain TypePattern type-name pattern}; publishers publish
 * synchronously or through a bounded asynchronous queue.
 *
 * <pre>{@code
 * try (EventBus bus = EventBus.builder().name("orders").build()) {
 *   Subscription s = bus.subscribe(OrderPlaced.class, order -> ship(order));
 *   bus.publish(new OrderPlaced("o-1"));      // asynchronous, bounded, ordered per subscriber
 *   bus.publishSync(new OrderPlaced("o-2"));  // delivered before this returns
 * }                                           // close() drains what was accepted
 * }</pre>
 *
 * <h2>Delivery</h2>
 * {@link #publish(Object)} enqueues one delivery per matching subscriber and returns; named worker
 * threads owned by the bus (or a user {@link java.util.concurrent.Executor}) run them. Events
 * published by one thread reach each subscriber in publish order, whatever the number of workers,
 * because each subscriber has its own queue served by one worker at a time; a subscriber that opts
 * into {@linkplain SubscriptionBuilder#concurrent() concurrent delivery} gives that up. The queue is
 * bounded; what happens when it is full is the {@link BackpressurePolicy}. {@link #publishSync(Object)}
 * calls the matching handlers on the caller's thread, highest {@linkplain SubscriptionBuilder#priority
 * priority} first, before it returns.
 *
 * <h2>Failures</h2>
 * A handler's exception never reaches the publisher or other handlers: it goes to the
 * {@link SubscriberExceptionHandler}, then to the subscription's {@link RetryPolicy}, and after the
 * last attempt becomes a {@link DeadLetter}. An event without subscribers becomes a
 * {@link DeadEvent}. Nothing accepted disappears without a trace: it is delivered, dead-lettered,
 * or reported as undelivered at close. An {@code Error} is not a failed delivery: it is thrown to
 * the publisher of a {@code publishSync}, or to a worker's uncaught-exception handler (see the
 * failure rule in the package guide).
 *
 * <h2>Lifecycle</h2>
 * A built bus is running. Worker threads start at the first asynchronous publish, or at
 * {@link #start()}. {@link #close()} stops accepting events, drains the queue and pending retries
 * for up to the {@linkplain EventBusBuilder#drainTimeout drain timeout}, reports what could not be
 * delivered as dead letters, and stops the threads the bus created (never a user's executor).
 *
 * <p><b>Thread-safety:</b> all methods are thread-safe.
 */
public interface EventBus extends AutoCloseable {

  /**
   * Returns a builder for a bus.
   *
   * @return a new builder
   */
  static EventBusBuilder builder() {
    return new EventBusBuilder();
  }

  /**
   * Subscribes a handler to events of a class and of all its subclasses and implementations; each
   * event is delivered once even when it matches through several supertypes.
   *
   * @param type the event class; {@code Object.class} receives every event except
   *     {@link DeadLetter} and {@link DeadEvent}
   * @param handler receives the payloads
   * @param <E> the event type
   * @return the subscription, to close
   * @throws IllegalStateException if the bus is closed
   * @throws IllegalArgumentException if the class is {@link Event}, a primitive type, or carries
   *     a malformed or reserved {@link EventType @EventType} name (see {@link TypeNames})
   */
  <E> Subscription subscribe(Class<E> type, EventHandler<? super E> handler);

  /**
   * Subscribes a handler to the envelopes of events of a class and its subtypes.
   *
   * @param type the event class
   * @param handler receives the envelopes
   * @param <E> the event type
   * @return the subscription, to close
   * @throws IllegalStateException if the bus is closed
   * @throws IllegalArgumentException if the class is {@link Event}, a primitive type, or carries
   *     a malformed or reserved {@link EventType @EventType} name (see {@link TypeNames})
   */
  <E> Subscription subscribeEnvelope(Class<E> type, EventHandler<? super Event<? extends E>> handler);

  /**
   * Subscribes a handler to the envelopes of events whose type name matches a pattern.
   *
   * @param pattern a type name or wildcard pattern, see {@link TypePattern}
   * @param handler receives the envelopes
   * @return the subscription, to close
   * @throws IllegalArgumentException if the pattern is malformed; the message says why
   * @throws IllegalStateException if the bus is closed
   */
  Subscription subscribe(String pattern, EventHandler<? super Event<?>> handler);

  /**
   * Subscribes a handler to events of a generic type, such as {@code Envelope<Order>}, given as a
   * Guava type token: {@code bus.subscribe(new TypeToken<Envelope<Order>>() {}, handler)}.
   *
   * <p>An event reaches the handler only if it is known to be of that type: either its class
   * declares the type arguments (for example {@code class OrderEnvelope extends Envelope<Order>}),
   * or its publisher stated them with {@link #publish(Object, TypeToken)}. An event whose type
   * arguments are erased (an {@code Envelope<Order>} created as {@code new Envelope<>(...)} and
   * published without a stated type) does not reach it, so that a handler of
   * {@code Envelope<Order>} never gets an {@code Envelope<Invoice>} and fails with a hidden
   * {@code ClassCastException}; with no other subscriber it becomes a {@link DeadEvent}. The check
   * is made once per event class and stated type, not per event. For a type without type
   * arguments, or that every instance of its class is, erased or not (arguments all {@code ?},
   * as in {@code Envelope<?>}, or bounded exactly as their type variables, owner types alike),
   * this is {@link #subscribe(Class, EventHandler)}.
   *
   * @param type the event type
   * @param handler receives the payloads
   * @param <E> the event type
   * @return the subscription, to close
   * @throws IllegalStateException if the bus is closed
   */
  <E> Subscription subscribe(com.google.common.reflect.TypeToken<E> type,
      EventHandler<? super E> handler);

  /**
   * Starts a subscription with options: priority, filter, retry policy, concurrency and name.
   *
   * @param type the event class
   * @param <E> the event type
   * @return a builder that subscribes when given the handler
   * @throws IllegalArgumentException if the class is {@link Event}, a primitive type, or carries
   *     a malformed or reserved {@link EventType @EventType} name (see {@link TypeNames})
   */
  <E> SubscriptionBuilder<E> on(Class<E> type);

  /**
   * Starts a subscription by type pattern with options.
   *
   * @param pattern a type name or wildcard pattern, see {@link TypePattern}
   * @return a builder that subscribes when given the handler
   * @throws IllegalArgumentException if the pattern is malformed
   */
  SubscriptionBuilder<Object> onType(String pattern);

  /**
   * Subscribes every method of a listener annotated with {@link Subscribe @Subscribe} (or Guava's
   * {@code @Subscribe}), as Guava's {@code EventBus.register} does.
   *
   * @param listener the listener object
   * @throws IllegalArgumentException if the listener has no such method, a method does not take
   *     exactly one parameter, or the listener is already registered (checked first)
   * @throws IllegalStateException if the bus is closed
   */
  void register(Object listener);

  /**
   * Closes every subscription that {@link #register(Object)} made for a listener.
   *
   * @param listener a registered listener
   * @throws IllegalArgumentException if the listener is not registered
   */
  void unregister(Object listener);

  /**
   * Publishes an event asynchronously: enqueues a delivery for each matching subscriber and
   * returns. Publishing an {@link Event} republishes that envelope with its id and timestamp.
   *
   * @param event the payload, or an envelope
   * @throws RejectedEventException if the queue is full and the backpressure policy rejects
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws IllegalArgumentException if the event's class carries a malformed or reserved
   *     {@link EventType @EventType} name (see {@link TypeNames})
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  void publish(Object event);

  /**
   * Publishes an event asynchronously with metadata.
   *
   * @param event the payload
   * @param metadata correlation id, source and headers for the envelope
   * @throws RejectedEventException if the queue is full and the backpressure policy rejects
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws IllegalArgumentException if {@code event} is an {@link Event} (it has metadata
   *     already), or its class carries a malformed or reserved {@link EventType @EventType} name
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  void publish(Object event, Metadata metadata);

  /**
   * Publishes an event asynchronously, stating its generic type, for subscribers of a
   * parameterised type (see {@link #subscribe(com.google.common.reflect.TypeToken, EventHandler)}).
   *
   * @param event the payload, or an envelope
   * @param type the event's full type, such as {@code new TypeToken<Envelope<Order>>() {}}
   * @throws IllegalArgumentException if the event is not an instance of the type's class, is a
   *     {@link DynamicEvent}, or its class carries a malformed or reserved
   *     {@link EventType @EventType} name
   * @throws RejectedEventException if the queue is full and the backpressure policy rejects
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  void publish(Object event, com.google.common.reflect.TypeToken<?> type);

  /**
   * Publishes an event synchronously, stating its generic type.
   *
   * @param event the payload, or an envelope
   * @param type the event's full type
   * @throws IllegalArgumentException if the event is not an instance of the type's class, is a
   *     {@link DynamicEvent}, or its class carries a malformed or reserved
   *     {@link EventType @EventType} name
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  void publishSync(Object event, com.google.common.reflect.TypeToken<?> type);

  /**
   * Publishes an event synchronously: calls each matching handler on this thread, highest
   * priority first, and returns when they all have (retries, if any, run later on the bus's
   * scheduler and workers). Called by a handler, it follows the bus's
   * {@link ReentrantDispatch}. An {@code Error} thrown by a handler ends the dispatch and is
   * rethrown here.
   *
   * @param event the payload, or an envelope
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws IllegalArgumentException if the event's class carries a malformed or reserved
   *     {@link EventType @EventType} name (see {@link TypeNames})
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  void publishSync(Object event);

  /**
   * Publishes an event synchronously with metadata.
   *
   * @param event the payload
   * @param metadata correlation id, source and headers for the envelope
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws IllegalArgumentException if {@code event} is an {@link Event}, or its class carries a
   *     malformed or reserved {@link EventType @EventType} name
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  void publishSync(Object event, Metadata metadata);

  /**
   * Publishes asynchronously, like {@link #publish(Object)}, and reports what happened: the stage
   * completes when every matching subscriber's delivery is final, retries included, with one
   * {@link SubscriberOutcome} per subscriber (or none if nobody subscribed). Costs an envelope and
   * a small report per call; plain {@code publish} pays nothing for this feature. A
   * {@link DeadLetter} is handed to its subscribers at once and gets an empty report (see there).
   *
   * @param event the payload, or an envelope
   * @return the report, when complete
   * @throws RejectedEventException if the queue is full and the backpressure policy rejects
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws IllegalArgumentException if the event's class carries a malformed or reserved
   *     {@link EventType @EventType} name (see {@link TypeNames})
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  CompletionStage<DeliveryReport> publishAndTrack(Object event);

  /**
   * Publishes synchronously, like {@link #publishSync(Object)}, isolating failures and reporting
   * them: when this returns, every first attempt was made; the stage is already complete unless a
   * retry is pending, and completes once the retries are final. This holds from inside a handler
   * too, under either {@link ReentrantDispatch}: a tracked publish is never queued behind the
   * current event.
   *
   * @param event the payload, or an envelope
   * @return the report, when complete
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws IllegalArgumentException if the event's class carries a malformed or reserved
   *     {@link EventType @EventType} name (see {@link TypeNames})
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  CompletionStage<DeliveryReport> publishSyncAndTrack(Object event);

  /**
   * Publishes synchronously and fails fast: handlers run on this thread in priority order, and the
   * first exception stops the dispatch (later subscribers are not called) and is thrown, without
   * retry or dead letter, as a transaction would want.
   *
   * @param event the payload, or an envelope
   * @throws DeliveryFailedException if a handler threw; its cause is the handler's exception
   * @throws IllegalStateException if the bus is closed, or so is the audit log you built and
   *     gave it
   * @throws IllegalArgumentException if the event's class carries a malformed or reserved
   *     {@link EventType @EventType} name (see {@link TypeNames})
   * @throws io.github.eventbus.audit.AuditLogException if the bus's audit log acknowledges
   *     writes and the event's line is not written in time or cannot be written (a payload it
   *     cannot encode, say); the event is then not delivered
   */
  void publishSyncFailFast(Object event);

  /**
   * Starts the bus's worker threads now rather than at the first asynchronous publish. Idempotent.
   *
   * @throws IllegalStateException if the bus is closed
   */
  void start();

  /**
   * Stops accepting events from outside, delivers what was accepted (queue and pending retries,
   * and what its handlers publish meanwhile) for up to the drain timeout, turns whatever is still
   * queued into {@link DeadLetter}s (counted as {@link DeliveryStats#undelivered()}), even behind
   * a handler that ignores interrupts (what is queued for a subscription closed meanwhile is
   * discarded instead, as {@link Subscription#close()} promises), marks every subscription
   * inactive (a {@code publishSync} already under way on another thread still finishes its
   * dispatch, without retries: a delivery of it that fails is dead-lettered) and stops the
   * threads the bus created, returning once they have ended (a thread stuck in a handler that
   * ignores interrupts is waited for at most one second more, then logged). Every report of a
   * delivery made on a thread of the bus's that ended is complete when it returns; one made on a
   * user's {@linkplain EventBusBuilder#executor executor} or on a publisher's thread
   * ({@link BackpressurePolicy#CALLER_RUNS}) may complete just after, on that thread. If the
   * calling thread is interrupted, it stops waiting for the queues as if the drain timeout had
   * elapsed, still ends the threads, and returns with its interrupt status set. Idempotent; a
   * second call returns once the first has finished, except one from a callback that the close
   * itself runs on its thread (such as a report's callback, completed as the close gives up on
   * what is queued): that one returns at once, and the first call finishes the close.
   *
   * @throws IllegalStateException if called while this thread delivers for this bus (from a
   *     handler, a {@code DeadLetter} handler that the close itself runs among them): it would
   *     wait for itself. Close the bus from another thread.
   */
  @Override
  void close();

  /**
   * Tells whether {@link #close()} was called.
   *
   * @return {@code true} once closing has begun
   */
  boolean isClosed();

  /**
   * Returns the bus's name, used in thread names and logs.
   *
   * @return the name
   */
  String name();

  /**
   * Counts active subscriptions per subscribed type: the type name of the class for class
   * subscriptions, the pattern for pattern subscriptions.
   *
   * @return an unmodifiable map sorted by key
   */
  Map<String, Integer> subscribers();

  /**
   * Returns the audit log file events are written to now (today's, by the log's clock), if the bus
   * has an {@linkplain EventBusBuilder#auditLog(Path) audit log}.
   *
   * @return the current audit log file
   */
  Optional<Path> auditLogFile();

  /**
   * Returns a snapshot of the bus's counters.
   *
   * @return the metrics
   */
  EventBusMetrics metrics();
}
