package io.github.eventbus.webhooks;

/**
 * How an outgoing webhook delivery ended.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum DeliveryOutcome {
  /** The endpoint answered 2xx. */
  DELIVERED,
  /** The endpoint answered 410 Gone: it does not want webhooks any more; not retried. */
  GONE,
  /** Every attempt the retry policy allowed failed; a dead letter was made. */
  EXHAUSTED,
  /** The client closed before the delivery finished. */
  ABANDONED
}
