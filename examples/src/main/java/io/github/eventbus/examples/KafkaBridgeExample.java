package io.github.eventbus.examples;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.Metadata;
import io.github.eventbus.audit.AuditFormat;
import io.github.eventbus.kafka.KafkaBridge;
import io.github.eventbus.kafka.RecordKey;
import java.io.PrintStream;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Two buses, as two processes would be, connected through a Kafka topic: the shop's orders reach
 * billing, typed where billing registered the class and as {@code DynamicEvent}s otherwise.
 *
 * <p>Needs a running broker: pass {@code host:port} as the first argument or set
 * {@code KAFKA_BOOTSTRAP_SERVERS}; the topic {@code orders} must exist (or the broker must create
 * topics on first use). Without either it says so and exits, so the build's example run does not
 * need Kafka. {@code KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 ./mvnw -B -q -ntp -pl examples -am package
 * exec:exec -DskipTests -Dexample=KafkaBridgeExample}
 */
public final class KafkaBridgeExample {

  /** An order, as both processes know it. */
  @EventType("orders.placed")
  public record OrderPlaced(String orderId, int quantity) {}

  private KafkaBridgeExample() {}

  /**
   * Runs the example.
   *
   * @param args the bootstrap servers, optionally
   * @throws InterruptedException if interrupted while waiting for the events
   */
  public static void main(String[] args) throws InterruptedException {
    String servers = args.length > 0 ? args[0] : System.getenv("KAFKA_BOOTSTRAP_SERVERS");
    if (servers == null || servers.isBlank()) {
      System.out.println("KafkaBridgeExample needs a Kafka broker: pass host:port as the first "
          + "argument or set KAFKA_BOOTSTRAP_SERVERS; skipped.");
      return;
    }
    run(servers, System.out);
  }

  static void run(String servers, PrintStream out) throws InterruptedException {
    String run = UUID.randomUUID().toString(); // tells this run's events from earlier runs'
    CountDownLatch received = new CountDownLatch(2);
    try (EventBus shop = EventBus.builder().name("shop").build();
        EventBus billing = EventBus.builder().name("billing").build();
        KafkaBridge outbound = KafkaBridge.builder(shop)
            .bootstrapServers(servers)
            .produce("orders.*", "orders")          // or one topic per pattern
            .key(RecordKey.correlationId())          // one customer's orders stay in order
            .build();
        KafkaBridge inbound = KafkaBridge.builder(billing)
            .bootstrapServers(servers)
            .format(AuditFormat.builder().register(OrderPlaced.class).build())
            .consume("orders")
            .groupId("billing")
            .build()) {
      billing.subscribe("orders.*", event -> {
        if (run.equals(event.metadata().headers().get("run"))) {
          out.println("billing received " + event.type() + ": " + event.payload());
          received.countDown();
        }
      });
      Metadata meta = Metadata.builder().correlationId("customer-7").header("run", run).build();
      shop.publish(new OrderPlaced("o-1", 2), meta);
      shop.publish(DynamicEvent.of("orders.cancelled", Map.of("orderId", "o-0")), meta);
      if (!received.await(60, TimeUnit.SECONDS)) {
        out.println("billing did not receive both orders within 60 s; is the topic there?");
      }
      out.println("shop bridge: " + outbound.metrics());
      out.println("billing bridge: " + inbound.metrics());
    }
  }
}
