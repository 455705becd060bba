package io.github.eventbus.webhooks;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.EventBus;
import java.time.Clock;

/** Publishes a {@link DeadLetter} on a bus for each delivery that ended without success. */
final class DeadLetterPublisher implements DeliveryListener {

  private final EventBus bus;
  private final Clock clock;

  DeadLetterPublisher(EventBus bus, Clock clock) {
    this.bus = bus;
    this.clock = clock;
  }

  @Override
  public void exhausted(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
    if (bus.isClosed()) {
      return;
    }
    bus.publish(new DeadLetter(message.event(clock.instant()), "webhook " + result.endpoint(),
        new WebhookException("delivery to " + result.endpoint() + " failed " + result.attempts()
            + " times; last " + (result.lastError() != null ? result.lastError()
            : "status " + result.lastStatus())), result.attempts()));
  }
}
