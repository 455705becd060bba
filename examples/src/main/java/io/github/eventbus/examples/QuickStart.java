package io.github.eventbus.examples;

import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.Subscription;
import java.io.PrintStream;

/** Typed subscribe, publish and unsubscribe in a few lines. */
public final class QuickStart {

  /** An event is any object; {@code @EventType} gives it a stable type name. */
  @EventType("order.placed")
  public record OrderPlaced(String orderId, long cents) {}

  private QuickStart() {}

  /**
   * Runs the example.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    run(System.out);
  }

  static void run(PrintStream out) {
    try (EventBus bus = EventBus.builder().name("quick-start").build()) {
      Subscription audit = bus.subscribe("order.*", event ->
          out.println("audit: " + event.type() + " " + event.id()));
      bus.subscribe(OrderPlaced.class, order ->
          out.println("shipping order " + order.orderId()));

      bus.publishSync(new OrderPlaced("o-1", 4_200)); // both handlers run before this returns

      audit.close();                                  // no more audit lines after this
      bus.publish(new OrderPlaced("o-2", 1_000));     // shipped on a worker thread
    } // close() waits until o-2 is delivered
    out.println("closed");
  }
}
