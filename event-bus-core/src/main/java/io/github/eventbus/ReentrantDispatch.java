package io.github.eventbus;

/**
 * What {@link EventBus#publishSync} does when it is called by a handler running on the same
 * thread (a re-entrant publish); chosen with {@link EventBusBuilder#reentrantDispatch}.
 *
 * <p><b>Thread-safety:</b> an enum; immutable.
 */
public enum ReentrantDispatch {

  /**
   * The default: the inner event is delivered at once. The handler's {@code publishSync} calls
   * every subscriber of the inner event, on the same thread, and returns only then; so the inner
   * event reaches its subscribers before the outer event reaches the subscribers that come after
   * the publishing handler (lower priority, or subscribed later), and a handler subscribed to both
   * events is entered again while it is still handling the outer one.
   */
  IMMEDIATE,

  /**
   * Guava's {@code EventBus} semantics: an event published by a handler on the thread that is
   * delivering is queued on that thread, and delivered after the current event has reached every
   * subscriber, in the order published; no handler is entered again while it runs. The handler's
   * {@code publishSync} returns at once. On a worker thread the queue is delivered right after the
   * publishing handler returns; what the exception handler or a {@link DeadLetter} subscriber
   * publishes while a worker reports a failure is delivered before that worker takes its next
   * event. {@link EventBus#publishSyncFailFast} and {@link EventBus#publishSyncAndTrack} from a
   * handler are always immediate, because their caller waits for the outcome (a stage that could
   * only complete after the current handler returned would hang a handler that joins it). A
   * top-level {@code publishSyncFailFast} that throws still delivers what its handlers published
   * before the failure. An {@code Error} from a handler ends the dispatch, as in Guava: the events
   * still queued on that thread are not delivered (they were audited and counted as published,
   * and are counted as {@linkplain DeliveryStats#discarded() discarded}), and the Error reaches the outermost publisher.
   */
  QUEUED
}
