package io.github.eventbus.webhooks;

import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs deliveries that ended without success, at most one line per endpoint and kind each hour
 * with the count held back: a 410 says the endpoint is gone; a 401 or 403 names its likely cause (the signing secret, or the
 * sender's clock against the receiver's tolerance); other rejections and exhausted deliveries say
 * what the endpoint last answered. Endpoints are logged as scheme, host and port only, because a
 * path or query may hold a token.
 */
final class DeliveryFailureLog implements DeliveryListener {

  private static final Logger log = LoggerFactory.getLogger(WebhookClient.class);

  private final RateLimitedLog limit;

  DeliveryFailureLog(Clock clock) {
    this.limit = new RateLimitedLog(clock, Duration.ofHours(1));
  }

  @Override
  public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    String origin = EndpointGate.origin(result.endpoint());
    int status = result.lastStatus();
    if (status == 401 || status == 403) {
      long held = limit.admit("auth " + origin);
      if (held >= 0) {
        log.warn("Webhook endpoint {} answered {} to a signed request ({} more since the last "
            + "line): it does not accept our signature. Likely cause: the signing secret differs "
            + "from the receiver's (WEBHOOK_SIGNATURE_SECRET), or this machine's clock is off by "
            + "more than the receiver's timestamp tolerance. Not retried; dead-lettered.",
            origin, status, held);
      }
      return;
    }
    long held = limit.admit("rejected " + origin);
    if (held >= 0) {
      log.warn("Webhook endpoint {} rejected a delivery ({}); not retried, dead-lettered "
          + "({} more since the last line)", origin, describe(result), held);
    }
  }

  @Override
  public void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    String origin = EndpointGate.origin(result.endpoint());
    long held = limit.admit("gone " + origin);
    if (held >= 0) {
      log.warn("Webhook endpoint {} answered 410 Gone: it was removed or no longer wants "
          + "webhooks. This client sends nothing more to that URL until it is rebuilt; such "
          + "deliveries are dead-lettered ({} more since the last line)", origin, held);
    }
  }

  @Override
  public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    String origin = EndpointGate.origin(result.endpoint());
    long held = limit.admit("exhausted " + origin);
    if (held >= 0) {
      log.warn("Webhook delivery to {} failed {} time(s), last {}; dead-lettered ({} more since "
          + "the last line)", origin, result.attempts(), describe(result), held);
    }
  }

  private static String describe(WebhookDelivery r) {
    return r.lastError() != null ? r.lastError() : "status " + r.lastStatus();
  }
}
