package io.github.eventbus.webhooks;

/**
 * How an outgoing webhook delivery ended.
 *
 * <p><b>Thread-safety:</b> an immutable enum.
 */
public enum DeliveryOutcome {
  /** The endpoint answered 2xx. */
  DELIVERED,
  /**
   * The endpoint answered 410 Gone: it does not want webhooks any more; not retried, a dead
   * letter was made. The client remembers the URL for its lifetime (up to 1,000 such URLs, the
   * oldest forgotten first; one forgotten gets one more request): later deliveries to it end so
   * at once, without a request ({@link WebhookDelivery#attempts()} 0 if none was made).
   */
  GONE,
  /**
   * The endpoint answered a 4xx that retrying cannot fix (any 4xx but 408, 410, 425 and 429), or
   * the public-address guard refused the target; not retried, a dead letter was made.
   */
  REJECTED,
  /** Every attempt the retry policy allowed failed; a dead letter was made. */
  EXHAUSTED,
  /**
   * The client closed before the delivery finished and its drain time ran out, or the retry
   * scheduler refused its next attempt. With an outbox the delivery stays pending there for the
   * next client; without one, a dead letter was made.
   */
  ABANDONED
}
