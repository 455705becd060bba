package io.github.eventbus.examples;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import java.time.Duration;

/** Learning what happened to a publish: one outcome per subscriber. */
public final class Tracking {

  /** An event. */
  public record OrderPlaced(String orderId, long cents) {}

  private Tracking() {}

  /**
   * Runs the example.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    try (EventBus bus = EventBus.builder().exceptionHandler((e, where) -> { }).build()) {
      // Where failed deliveries go; without a subscriber the bus logs a WARN for each.
      bus.subscribe(DeadLetter.class, dead -> System.out.println("dead letter from "
          + dead.subscriber() + ": " + dead.cause().getMessage()));
      bus.on(OrderPlaced.class).name("shipping").subscribe(o -> { });
      bus.on(OrderPlaced.class).name("invoicing")
          .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(10)).build())
          .subscribe(o -> {
            throw new IllegalStateException("ledger offline");
          });
      bus.publishAndTrack(new OrderPlaced("o-1", 4_200)).thenAccept(report -> {
        if (!report.allDelivered()) {
          report.problems().forEach(p -> System.out.println(p.subscriber() + ": " + p.status()
              + " after " + p.attempts() + " attempts: "
              + p.cause().map(Throwable::getMessage).orElse(p.reason())));
        }
      }).toCompletableFuture().join();
    }
  }
}
