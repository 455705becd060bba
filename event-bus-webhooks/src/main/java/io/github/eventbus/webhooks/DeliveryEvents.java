package io.github.eventbus.webhooks;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every listener, in order, what happens to a delivery. A listener that throws is logged
 * (one line per listener and minute, with the count held back) and the others still hear the
 * event: a listener never changes a delivery.
 */
final class DeliveryEvents implements DeliveryListener {

  private static final Logger log = LoggerFactory.getLogger(WebhookClient.class);

  private final List<DeliveryListener> listeners;
  private final RateLimitedLog failures;

  DeliveryEvents(List<DeliveryListener> listeners, Clock clock) {
    this.listeners = List.copyOf(listeners);
    this.failures = new RateLimitedLog(clock, Duration.ofMinutes(1));
  }

  private void tell(String event, Consumer<DeliveryListener> call) {
    for (DeliveryListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        String name = l.getClass().getName();
        long held = failures.admit(name);
        if (held >= 0) {
          log.warn("Webhook delivery listener {} threw from {} ({} more failure(s) not logged "
              + "since its last line); the delivery goes on", name, event, held, e);
        }
      }
    }
  }

  @Override
  public void accepted(WebhookMessage message, URI endpoint) {
    tell("accepted", l -> l.accepted(message, endpoint));
  }

  @Override
  public void attemptStarted(WebhookMessage message, URI endpoint, int attempt) {
    tell("attemptStarted", l -> l.attemptStarted(message, endpoint, attempt));
  }

  @Override
  public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
    tell("attemptFinished", l -> l.attemptFinished(message, attempt));
  }

  @Override
  public void retryScheduled(WebhookMessage message, AttemptResult attempt, Instant at) {
    tell("retryScheduled", l -> l.retryScheduled(message, attempt, at));
  }

  @Override
  public void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    tell("delivered", l -> l.delivered(message, last, result));
  }

  @Override
  public void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    tell("gone", l -> l.gone(message, last, result));
  }

  @Override
  public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    tell("rejected", l -> l.rejected(message, last, result));
  }

  @Override
  public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    tell("exhausted", l -> l.exhausted(message, last, result));
  }

  @Override
  public void abandoned(WebhookMessage message, WebhookDelivery result, boolean keptInOutbox) {
    tell("abandoned", l -> l.abandoned(message, result, keptInOutbox));
  }
}
