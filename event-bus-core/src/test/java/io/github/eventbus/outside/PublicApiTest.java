package io.github.eventbus.outside;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.Metadata;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Uses only the public API, from another package, the way an application does. */
class PublicApiTest {

  @EventType("invoice.issued")
  public record InvoiceIssued(String number, long cents) {}

  @Test
  void applicationFlow_subscribePublishRetryDeadLetterAndMetrics() throws Exception {
    List<String> log = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(3);
    try (EventBus bus = EventBus.builder().name("billing").source("billing-service")
        .exceptionHandler((e, c) -> log.add("failed " + c.subscriber() + " #" + c.attempt()))
        .build()) {
      Subscription typed = bus.subscribe(InvoiceIssued.class, i -> {
        log.add("typed " + i.number());
        done.countDown();
      });
      bus.subscribe("invoice.*", (Event<?> e) -> {
        log.add("pattern " + e.type() + " from " + e.source() + " corr "
            + e.metadata().correlationId().orElse("-"));
        done.countDown();
      });
      bus.on(DynamicEvent.class).name("mailer")
          .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(1)).build())
          .subscribe(d -> {
            throw new IllegalStateException("smtp down");
          });
      bus.subscribe(DeadLetter.class, l -> {
        log.add("dead " + l.subscriber() + " after " + l.attempts());
        done.countDown();
      });

      bus.publish(new InvoiceIssued("INV-1", 1000), Metadata.builder().correlationId("c-1").build());
      bus.publish(DynamicEvent.of("mail.requested", Map.of("to", "a@example.com")));
      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      typed.close();
      assertThat(bus.subscribers()).containsOnlyKeys("invoice.*", "io.github.eventbus.DynamicEvent",
          "bus.dead_letter");
    }
    assertThat(log).contains("typed INV-1", "pattern invoice.issued from billing-service corr c-1",
        "failed mailer #1", "failed mailer #2", "dead mailer after 2");
  }
}
