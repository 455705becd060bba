package io.github.eventbus.examples;

import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.Subscription;

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
    try (EventBus bus = EventBus.builder().name("quick-start").build()) {
      Subscription audit = bus.subscribe("order.*", event ->
          System.out.println("audit: " + event.type() + " " + event.id()));
      bus.subscribe(OrderPlaced.class, order ->
          System.out.println("shipping order " + order.orderId()));

      bus.publishSync(new OrderPlaced("o-1", 4_200)); // handled before this returns
      bus.publish(new OrderPlaced("o-2", 1_000));     // handled on a worker thread

      audit.close();                                  // no more audit lines after this
      bus.publish(new OrderPlaced("o-3", 500));
    } // close() delivers o-2 and o-3 before returning
  }
}
