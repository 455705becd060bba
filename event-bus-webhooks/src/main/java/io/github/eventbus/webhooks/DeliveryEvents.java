package io.github.eventbus.webhooks;

import java.net.URI;
import java.time.Instant;
import java.util.List;

/** Tells every listener, in order, what happens to a delivery. */
final class DeliveryEvents implements DeliveryListener {

  private final List<DeliveryListener> listeners;

  DeliveryEvents(List<DeliveryListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  @Override
  public void attemptStarted(WebhookMessage message, URI endpoint, int attempt) {
    for (DeliveryListener l : listeners) {
      l.attemptStarted(message, endpoint, attempt);
    }
  }

  @Override
  public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
    for (DeliveryListener l : listeners) {
      l.attemptFinished(message, attempt);
    }
  }

  @Override
  public void retryScheduled(WebhookMessage message, AttemptResult attempt, Instant at) {
    for (DeliveryListener l : listeners) {
      l.retryScheduled(message, attempt, at);
    }
  }

  @Override
  public void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    for (DeliveryListener l : listeners) {
      l.delivered(message, last, result);
    }
  }

  @Override
  public void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    for (DeliveryListener l : listeners) {
      l.gone(message, last, result);
    }
  }

  @Override
  public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    for (DeliveryListener l : listeners) {
      l.exhausted(message, last, result);
    }
  }

  @Override
  public void abandoned(WebhookMessage message, WebhookDelivery result) {
    for (DeliveryListener l : listeners) {
      l.abandoned(message, result);
    }
  }
}
