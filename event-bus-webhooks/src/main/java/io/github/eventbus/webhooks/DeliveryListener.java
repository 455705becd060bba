package io.github.eventbus.webhooks;

import java.net.URI;
import java.time.Instant;

/** Hears what happens to outgoing deliveries. */
interface DeliveryListener {

  default void attemptStarted(WebhookMessage message, URI endpoint, int attempt) {}

  default void attemptFinished(WebhookMessage message, AttemptResult attempt) {}

  default void retryScheduled(WebhookMessage message, AttemptResult attempt, Instant at) {}

  default void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {}

  default void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {}

  default void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {}

  default void abandoned(WebhookMessage message, WebhookDelivery result) {}
}
