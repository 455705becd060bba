package io.github.eventbus;

/**
 * Counters of what happened to published events, for one type name or for all of them.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param published events accepted by {@code publish} or {@code publishSync}, those then dropped
 *     under {@link BackpressurePolicy#DROP} included (publish returned normally)
 * @param delivered handler calls that returned normally
 * @param failed handler calls that threw (each failed attempt counts)
 * @param retried retries scheduled
 * @param deadLettered deliveries given up after their last attempt, dropped or undelivered at
 *     close: each became a {@link DeadLetter}
 * @param deadEvents events that had no subscriber, each became a {@link DeadEvent}
 * @param rejected events refused by backpressure with {@link RejectedEventException}
 * @param dropped deliveries dropped by {@link BackpressurePolicy#DROP} (also counted in
 *     {@code deadLettered})
 * @param undelivered deliveries still pending when the bus closed (also counted in
 *     {@code deadLettered})
 * @param vetoed deliveries an {@link EventInterceptor} vetoed
 * @param discarded deliveries never attempted and not dead-lettered: their subscription was
 *     closed first (a tracked publish reports them as {@link DeliveryStatus#UNSUBSCRIBED}); an
 *     {@code Error}, or under {@link EventBus#publishSyncFailFast} the first failure, ended a
 *     synchronous dispatch before them; or, under {@link ReentrantDispatch#QUEUED}, an
 *     {@code Error} ended the dispatch that queued them
 * @param latency handler latency of the timed deliveries
 */
public record DeliveryStats(
    long published,
    long delivered,
    long failed,
    long retried,
    long deadLettered,
    long deadEvents,
    long rejected,
    long dropped,
    long undelivered,
    long vetoed,
    long discarded,
    HandlerLatency latency) {}
