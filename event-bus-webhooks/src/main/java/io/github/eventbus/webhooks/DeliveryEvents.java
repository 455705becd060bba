package io.github.eventbus.webhooks;

import io.github.eventbus.internal.RateLimitedLog;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * Tells every listener, in order, what happens to a delivery. A listener that throws is logged
 * (one line per listener and minute, with the count held back) and the others still hear the
 * event: a listener never changes a delivery.
 */
final class DeliveryEvents {

  private final List<DeliveryListener> listeners;
  private final RateLimitedLog failures;

  DeliveryEvents(List<DeliveryListener> listeners, Clock clock) {
    this.listeners = List.copyOf(listeners);
    this.failures = new RateLimitedLog(LoggerFactory.getLogger(WebhookClient.class), clock,
        Duration.ofMinutes(1));
  }

  /** Calls {@code call} on each listener; {@code event} names it in a log line if one throws. */
  void tell(String event, Consumer<DeliveryListener> call) {
    for (DeliveryListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        String name = l.getClass().getName();
        failures.warn(name, "Webhook delivery listener {} threw from {}; the delivery goes on",
            name, event, e);
      }
    }
  }
}
