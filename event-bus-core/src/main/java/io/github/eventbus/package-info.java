/**
 * event-bus core: an embeddable, in-process event bus.
 *
 * <h2>Guide</h2>
 *
 * <p><b>Building a bus.</b> {@link io.github.eventbus.EventBus#builder()} returns an
 * {@link io.github.eventbus.EventBusBuilder}; every option has a default, so
 * {@code EventBus.builder().build()} is a working bus. There is no global bus: an application that
 * wants one creates it once and passes it where it is needed. In every builder of the library a
 * duration option longer than about 146 years counts as 146 years, so "no limit" may be written as
 * any huge duration, {@code Duration.ofSeconds(Long.MAX_VALUE)} included.
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
 * with {@link io.github.eventbus.EventBus#register(Object)}; as in Guava, their methods not marked
 * concurrent are called by one thread at a time, even by concurrent {@code publishSync} calls.
 * Closing the returned
 * {@link io.github.eventbus.Subscription} stops delivery at once, queued events included: those
 * are counted as {@linkplain io.github.eventbus.DeliveryStats#discarded() discarded}, not
 * dead-lettered.
 *
 * <p><b>Publishing.</b> {@code publish} is asynchronous through a bounded queue (see
 * {@link io.github.eventbus.BackpressurePolicy}) with per-subscriber ordering; {@code publishSync}
 * runs the handlers on the caller's thread.
 *
 * <p><b>Failures.</b> Handler exceptions go to the
 * {@link io.github.eventbus.SubscriberExceptionHandler} (with the listener object and its
 * {@code Method}, or the lambda handler), then to retries, and then become
 * {@link io.github.eventbus.DeadLetter}s; events nobody subscribed to become
 * {@link io.github.eventbus.DeadEvent}s. No exception from a handler reaches a publisher, except
 * through {@link io.github.eventbus.EventBus#publishSyncFailFast(Object)}. A DeadLetter handler
 * may publish, even the failing payload again; dead letters that arise from such publishes nest
 * at most eight deep on a thread, then are counted and logged (rate-limited) instead of
 * delivered, so a handler that always fails cannot make the bus recurse or loop for ever.
 *
 * <p><b>The failure rule.</b> One rule covers every call the bus makes into user code: handlers
 * and their filters, interceptors, context propagators, the exception handler, the jitter source,
 * a retry scheduler of the user's and dead-letter subscribers.
 * <ul>
 *   <li>An <em>exception</em> is a failure. From a handler or filter it is isolated, reported, and
 *       retried by the subscription's policy or dead-lettered; from a dead-letter subscriber,
 *       isolated, reported and counted, never retried or dead-lettered again. From any other
 *       callback it is logged (rate-limited) and ignored: the event goes on unchanged.
 *   <li>An {@code Error} ({@code AssertionError}, {@code OutOfMemoryError}, ...) is not a failed
 *       delivery: it is never retried or dead-lettered. In {@code publishSync} it ends the
 *       dispatch (subscribers not yet called for that event are not called, as in Guava) and is
 *       thrown to the publisher once the bus is consistent again (counters, in-flight marks and
 *       queue places settled). On a worker, the delivery is reported to the exception handler
 *       (and as {@link io.github.eventbus.DeliveryStatus#ERROR} to a tracked publish), then the
 *       Error is thrown to the thread, which hands it to its uncaught-exception handler; the bus's
 *       pool replaces the thread and the subscriber's queue goes on. An Error from a callback other
 *       than a handler waits until the outermost publish on the thread, or the worker's delivery,
 *       is complete, then takes the same way: a handler's nested {@code publishSync} never throws
 *       an Error that belongs to the outer event. If an exception leaves that publish instead
 *       (fail-fast, a rejection, an audit failure), the Error is thrown with the exception
 *       suppressed, never left for a later publish. A publisher running queues under
 *       {@code CALLER_RUNS} acts as a worker: their handlers' Errors go to its thread's
 *       uncaught-exception handler. So does the retry scheduler's thread when an executor that
 *       runs tasks inline makes it run a retry.
 *   <li>A handler that returned normally is never run again for that event because of what
 *       happened after it: an interceptor's {@code afterDelivery}, a propagator's undo action or a
 *       later subscriber cannot turn its success into a retry or a dead letter.
 * </ul>
 *
 * <p><b>Re-entrant publishes.</b> A handler may publish. {@code publish} from a handler queues as
 * usual. For {@code publishSync} from a handler, the builder's
 * {@link io.github.eventbus.ReentrantDispatch} decides: {@code IMMEDIATE} (the default) delivers
 * the inner event to all its subscribers before the handler's {@code publishSync} returns, so it
 * overtakes the outer event for the subscribers after the current one; {@code QUEUED} delivers it
 * after the outer event reached every subscriber, as Guava does (on a worker: after the handler,
 * and after the reporting of its failure, before the next event). A tracked or fail-fast
 * {@code publishSync} from a handler is immediate under both, since its caller waits for the
 * outcome.
 *
 * <p><b>Lifecycle and metrics.</b> {@link io.github.eventbus.EventBus#close()} refuses new
 * publishes from outside, but accepts what handlers publish while it drains and delivers that too;
 * after the drain timeout it reports every delivery still queued as an undelivered
 * {@link io.github.eventbus.DeadLetter}, even while a handler that ignores interrupts holds its
 * subscriber's queue. Workers are daemon threads: a bus that is never closed loses its queued work
 * at JVM exit, unless it was built with
 * {@link io.github.eventbus.EventBusBuilder#closeOnShutdown()}.
 * {@link io.github.eventbus.EventBus#metrics()} gives counters per type, queue depth and handler
 * latency.
 *
 * <p><b>Warnings.</b> Conditions that can repeat once per event (drops and dead letters nobody
 * subscribes to, failures without an exception handler, misbehaving callbacks) are logged at WARN
 * at most once per ten seconds (by the bus's clock) per condition, with the count of lines left
 * out since the last one. A handler failure without an exception handler and without a
 * {@code DeadLetter} subscriber is one line, not two. The interval follows the bus's clock: under
 * a clock that never advances ({@code Clock.fixed}, as in tests) each condition logs its first
 * line only, and the metrics keep counting.
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
 * {@code ClassCastException}; a type every instance of its class is (written with only
 * {@code ?} arguments, {@code Envelope<?>}, or bounded as its type variables) is its raw class.
 * A stated type that contradicts the type arguments the event's class declares (stating
 * {@code List<String>} for a {@code class Orders extends ArrayList<Order>}) is rejected with an
 * {@code IllegalArgumentException} that names both.
 *
 * <p><b>Interceptors.</b> {@link io.github.eventbus.EventInterceptor}s run in order around each
 * publish (and may add metadata) and each delivery (and may veto it with a reason, counted and
 * reported). They follow the failure rule.
 *
 * <p><b>Context across threads.</b> An asynchronous publish captures SLF4J's MDC, and any
 * {@link io.github.eventbus.ContextPropagator}, and restores it around the handler on the worker,
 * then puts the worker back as it was. Each delivery on a worker starts from a clean context (see
 * {@link io.github.eventbus.ContextPropagator#clear()}), so nothing one handler leaves in the MDC
 * reaches the next event. While a handler runs, the envelope's correlation id is in
 * the MDC under {@code correlation_id}, so the handler's log lines carry it.
 *
 * <p><b>Threads.</b> The bus creates daemon threads named after it: {@code <name>-worker-<n>} at
 * the first asynchronous publish, and {@code <name>-retry-1} at the first retry, unless you supply
 * an executor and a scheduler. It stops only the threads it created. An interrupt status a handler
 * leaves on a worker is cleared after its call, so it cannot fail the next delivery. Every public
 * type states
 * whether it is thread-safe.
 */
package io.github.eventbus;
