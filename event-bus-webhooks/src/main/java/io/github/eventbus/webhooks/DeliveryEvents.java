package io.github.eventbus.webhooks;

import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Uncaught;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import org.slf4j.LoggerFactory;

/**
 * The client's calls into user code, under one failure rule. It tells every listener, in order,
 * what happens to a delivery, and reads the jitter source. Whatever a callback throws is logged
 * (one line per callback class and minute, with the count held back) and goes no further: the
 * other listeners still hear the event, and a listener never changes a delivery. An
 * {@link Error} is then also handed to the thread's uncaught-exception handler, as the bus does
 * with one on a worker, since it is not the client's to swallow.
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
      } catch (Throwable e) {
        failed(l, "Webhook delivery listener {} threw from {}; the delivery goes on", event, e);
      }
    }
  }

  /** A number in [0, 1] from the jitter source; 0.5 (no jitter) if it misbehaves. */
  double jitter(DoubleSupplier source) {
    try {
      double u = source.getAsDouble();
      return u >= 0 && u <= 1 ? u : 0.5;
    } catch (Throwable e) {
      failed(source, "Webhook retry jitter source {} threw from {}; this retry has no jitter",
          "getAsDouble", e);
      return 0.5;
    }
  }

  private void failed(Object who, String message, String where, Throwable e) {
    String name = who.getClass().getName();
    failures.warn(name, message, name, where, e);
    if (e instanceof Error error) {
      Uncaught.handOn(error, failures);
    }
  }
}
