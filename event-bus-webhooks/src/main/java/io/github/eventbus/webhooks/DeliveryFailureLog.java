package io.github.eventbus.webhooks;

import io.github.eventbus.internal.RateLimitedLog;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * Logs deliveries that ended without success, at most one line per endpoint and kind each hour
 * with the count held back: a 410 says the endpoint is gone; a 401 or 403 names its likely cause (the signing secret, or the
 * sender's clock against the receiver's tolerance); other rejections and exhausted deliveries say
 * what the endpoint last answered. Endpoints are logged as scheme, host and port only, because a
 * path or query may hold a token.
 */
final class DeliveryFailureLog implements DeliveryListener {

  private final RateLimitedLog limit;

  DeliveryFailureLog(Clock clock) {
    this.limit = new RateLimitedLog(LoggerFactory.getLogger(WebhookClient.class), clock,
        Duration.ofHours(1));
  }

  @Override
  public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    String origin = EndpointGate.origin(result.endpoint());
    int status = result.lastStatus();
    if (status == 401 || status == 403) {
      limit.warn("auth " + origin, "Webhook endpoint {} answered {} to a signed request: it does"
          + " not accept our signature. Likely cause: the signing secret differs from the"
          + " receiver's (WEBHOOK_SIGNATURE_SECRET), or this machine's clock is off by more than"
          + " the receiver's timestamp tolerance. Not retried; dead-lettered.", origin, status);
      return;
    }
    limit.warn("rejected " + origin, "Webhook endpoint {} rejected a delivery ({}); not retried,"
        + " dead-lettered", origin, describe(result));
  }

  @Override
  public void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    String origin = EndpointGate.origin(result.endpoint());
    limit.warn("gone " + origin, "Webhook endpoint {} answered 410 Gone: it was removed or no"
        + " longer wants webhooks. This client sends nothing more to that URL until it is rebuilt;"
        + " such deliveries are dead-lettered", origin);
  }

  @Override
  public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    String origin = EndpointGate.origin(result.endpoint());
    limit.warn("exhausted " + origin, "Webhook delivery to {} failed {} time(s), last {};"
        + " dead-lettered", origin, result.attempts(), describe(result));
  }

  private static String describe(WebhookDelivery r) {
    return r.lastError() != null ? r.lastError() : "status " + r.lastStatus();
  }
}
