package io.github.eventbus.webhooks;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.EventBus;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a {@link DeadLetter} on a bus for each delivery that ended without success: gone,
 * rejected, exhausted, or abandoned at close without an outbox to keep it. The bus hands a published
 * {@code DeadLetter} only to {@code DeadLetter} subscribers, so a catch-all subscriber or a
 * {@code *} forwarding route never sees it.
 */
final class DeadLetterPublisher implements DeliveryListener {

  private static final Logger log = LoggerFactory.getLogger(WebhookClient.class);

  private final EventBus bus;
  private final Clock clock;
  private final RateLimitedLog unpublished;

  DeadLetterPublisher(EventBus bus, Clock clock) {
    this.bus = bus;
    this.clock = clock;
    this.unpublished = new RateLimitedLog(clock, Duration.ofMinutes(1));
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
      long held = unpublished.admit("unpublished");
      if (held >= 0) {
        log.warn("The dead letter of webhook {} ({}) and {} more since the last line could not "
            + "be published on bus {}: {}", message.id(), result.outcome(), held, bus.name(),
            refused.toString());
      }
    }
  }
}
