/**
 * event-bus core: an embeddable, in-process event bus.
 *
 * <h2>Guide</h2>
 *
 * <p><b>Building a bus.</b> {@link io.github.eventbus.EventBus#builder()} returns an
 * {@link io.github.eventbus.EventBusBuilder}; every option has a default, so
 * {@code EventBus.builder().build()} is a working bus. There is no global bus: an application that
 * wants one creates it once and passes it where it is needed.
 *
 * <p><b>Events and type names.</b> Any object can be an event. Its type name (see
 * {@link io.github.eventbus.TypeNames}) comes from {@link io.github.eventbus.EventType @EventType},
 * or is its class name; {@link io.github.eventbus.DynamicEvent} carries a name and a map for events
 * without a class. The bus wraps each published event in an {@link io.github.eventbus.Event}
 * envelope with a time-ordered id, timestamp, source and {@link io.github.eventbus.Metadata}.
 *
 * <p><b>Subscribing.</b> By class, {@link io.github.eventbus.EventBus#subscribe(Class,
 * io.github.eventbus.EventHandler)} receives the class and every subtype, each event once. By
 * pattern, {@link io.github.eventbus.EventBus#subscribe(String, io.github.eventbus.EventHandler)}
 * receives envelopes whose type name matches a {@link io.github.eventbus.TypePattern} such as
 * {@code report.*}. {@link io.github.eventbus.EventBus#on(Class)} adds options: priority, filter,
 * {@link io.github.eventbus.RetryPolicy}, concurrent delivery, name. Guava-style listeners migrate
 * with {@link io.github.eventbus.EventBus#register(Object)}. Closing the returned
 * {@link io.github.eventbus.Subscription} stops delivery at once, queued events included.
 *
 * <p><b>Publishing.</b> {@code publish} is asynchronous through a bounded queue (see
 * {@link io.github.eventbus.BackpressurePolicy}) with per-subscriber ordering; {@code publishSync}
 * runs the handlers on the caller's thread.
 *
 * <p><b>Failures.</b> Handler exceptions go to the
 * {@link io.github.eventbus.SubscriberExceptionHandler}, then to retries, and then become
 * {@link io.github.eventbus.DeadLetter}s; events nobody subscribed to become
 * {@link io.github.eventbus.DeadEvent}s. No exception from a handler reaches a publisher.
 *
 * <p><b>Lifecycle and metrics.</b> {@link io.github.eventbus.EventBus#close()} drains within a
 * timeout and reports what it could not deliver; {@link io.github.eventbus.EventBus#metrics()}
 * gives counters per type, queue depth and handler latency.
 *
 * <p><b>Knowing what happened.</b> {@link io.github.eventbus.EventBus#publishAndTrack(Object)}
 * returns a stage that completes with a {@link io.github.eventbus.DeliveryReport} once every
 * matching subscriber's delivery is final (retries included): per subscriber a
 * {@link io.github.eventbus.DeliveryStatus}, attempts, handler time and cause.
 * {@link io.github.eventbus.EventBus#publishSyncAndTrack(Object)} does the same on the caller's
 * thread, isolating failures; {@link io.github.eventbus.EventBus#publishSyncFailFast(Object)}
 * throws the first handler exception to the publisher instead. Plain {@code publish} pays nothing
 * for these.
 *
 * <p><b>Generic events.</b> {@link io.github.eventbus.EventBus#subscribe(
 * com.google.common.reflect.TypeToken, io.github.eventbus.EventHandler)} with a type token such as
 * {@code new TypeToken<Envelope<Order>>() {}} receives only events known to be of that type: their
 * class declares the type arguments, or the publisher stated them with
 * {@link io.github.eventbus.EventBus#publish(Object, com.google.common.reflect.TypeToken)}. Erased
 * events never reach a parameterised subscription, so no handler fails with a hidden
 * {@code ClassCastException}.
 *
 * <p><b>Interceptors.</b> {@link io.github.eventbus.EventInterceptor}s run in order around each
 * publish (and may add metadata) and each delivery (and may veto it with a reason, counted and
 * reported). They are guarded like handlers.
 *
 * <p><b>Context across threads.</b> An asynchronous publish captures SLF4J's MDC, and any
 * {@link io.github.eventbus.ContextPropagator}, and restores it around the handler on the worker,
 * then puts the worker back as it was. While a handler runs, the envelope's correlation id is in
 * the MDC under {@code correlation_id}, so the handler's log lines carry it.
 *
 * <p><b>Threads.</b> The bus creates daemon threads named after it: {@code <name>-worker-<n>} at
 * the first asynchronous publish, and {@code <name>-retry-1} at the first retry, unless you supply
 * an executor and a scheduler. It stops only the threads it created. Every public type states
 * whether it is thread-safe.
 */
package io.github.eventbus;
