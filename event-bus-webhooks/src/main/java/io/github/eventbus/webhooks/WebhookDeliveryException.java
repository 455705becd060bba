package io.github.eventbus.webhooks;

import java.net.URI;

/**
 * Why a webhook delivery ended without success: the cause of the {@link io.github.eventbus.DeadLetter}
 * made for a {@linkplain DeliveryOutcome#GONE gone}, {@linkplain DeliveryOutcome#REJECTED
 * rejected}, {@linkplain DeliveryOutcome#EXHAUSTED
 * exhausted} or (without an outbox) {@linkplain DeliveryOutcome#ABANDONED abandoned} delivery. It
 * carries the endpoint's last status, so a handler can tell a 404 from a 503. Its message names
 * the endpoint by scheme, host and port only (a path or query may hold a token);
 * {@link #endpoint()} returns it whole.
 *
 * <p><b>Thread-safety:</b> immutable once thrown.
 */
public final class WebhookDeliveryException extends WebhookException {

  private static final long serialVersionUID = 1L;

  /** The target. */
  private final URI endpoint;
  /** How the delivery ended. */
  private final DeliveryOutcome outcome;
  /** How many requests were made. */
  private final int attempts;
  /** The last HTTP status, or 0. */
  private final int status;

  /**
   * Describes a delivery that ended without success.
   *
   * @param result the delivery's result
   */
  public WebhookDeliveryException(WebhookDelivery result) {
    super(describe(result));
    this.endpoint = result.endpoint();
    this.outcome = result.outcome();
    this.attempts = result.attempts();
    this.status = result.lastStatus();
  }

  private static String describe(WebhookDelivery r) {
    String last = r.lastError() != null ? r.lastError() : "status " + r.lastStatus();
    String origin = EndpointGate.origin(r.endpoint()); // the path or query may hold a token
    return switch (r.outcome()) {
      case REJECTED -> "delivery to " + origin + " was rejected: " + last;
      case GONE -> "delivery to " + origin + " ended: the endpoint answered 410 Gone"
          + (r.attempts() == 0 ? " to an earlier delivery; not sent" : "");
      case ABANDONED -> "delivery to " + origin + " was abandoned (client closed, or retry"
          + " refused) after " + r.attempts() + " attempt(s); last "
          + (r.attempts() == 0 ? "none" : last);
      default -> "delivery to " + origin + " failed " + r.attempts() + " times; last " + last;
    };
  }

  /**
   * Returns the target.
   *
   * @return the endpoint
   */
  public URI endpoint() {
    return endpoint;
  }

  /**
   * Returns how the delivery ended.
   *
   * @return {@code GONE}, {@code REJECTED}, {@code EXHAUSTED} or {@code ABANDONED}
   */
  public DeliveryOutcome outcome() {
    return outcome;
  }

  /**
   * Returns how many requests were made.
   *
   * @return the attempts
   */
  public int attempts() {
    return attempts;
  }

  /**
   * Returns the last HTTP status.
   *
   * @return the status, or 0 if the last attempt got no response
   */
  public int status() {
    return status;
  }
}
