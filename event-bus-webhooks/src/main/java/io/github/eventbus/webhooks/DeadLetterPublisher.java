package io.github.eventbus.webhooks;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.EventBus;
import io.github.eventbus.internal.RateLimitedLog;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link DeadLetter} on a bus for each delivery that ended without success: gone,
 * rejected, exhausted, or abandoned (at close, or a retry refused) with no outbox record to keep
 * it.
 * The bus hands a published {@code DeadLetter} only to {@code DeadLetter} subscribers, so a
 * catch-all subscriber or a {@code *} forwarding route never sees it.
 */
final class DeadLetterPublisher implements DeliveryListener {

  private final EventBus bus;
  private final Clock clock;
  private final RateLimitedLog unpublished;

  DeadLetterPublisher(EventBus bus, Clock clock) {
    this.bus = bus;
    this.clock = clock;
    this.unpublished = new RateLimitedLog(LoggerFactory.getLogger(WebhookClient.class), clock,
        Duration.ofMinutes(1));
  }

  @Override
  public void gone(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    publish(message, result);
  }

  @Override
  public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    publish(message, result);
  }

  @Override
  public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    publish(message, result);
  }

  @Override
  public void abandoned(WebhookMessage message, WebhookDelivery result, boolean keptInOutbox) {
    if (!keptInOutbox) {
      publish(message, result);
    }
  }

  private void publish(WebhookMessage message, WebhookDelivery result) {
    DeadLetter letter = new DeadLetter(message.event(clock.instant()),
        "webhook " + EndpointGate.origin(result.endpoint()), new WebhookDeliveryException(result), result.attempts());
    try {
      bus.publish(letter);
    } catch (RuntimeException refused) { // closed, or full under its backpressure policy
      unpublished.warn("unpublished", "The dead letter of webhook {} ({}) could not be published"
          + " on bus {}: {}", message.id(), result.outcome(), bus.name(), refused.toString());
    }
  }
}
