package io.github.eventbus.examples;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookForwarder;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Forwarding bus events as signed webhooks with retries, to a local receiver. */
public final class SendingWebhooks {

  private SendingWebhooks() {}

  /**
   * Runs the example.
   *
   * @param args optionally, the directory for the attempt log and the outbox; a new temporary
   *     directory without it
   * @throws Exception if the example cannot run
   */
  @SuppressWarnings("try") // the forwarder works by staying open
  public static void main(String[] args) throws Exception {
    String secret = "whsec_c2VuZGluZy1leGFtcGxlLXNlY3JldC0yNC1ieXRlcw==";
    Path logs = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("webhook-example");
    CountDownLatch arrived = new CountDownLatch(1);
    try (EventBus remote = EventBus.builder().name("remote").build();
        WebhookReceiver receiver = WebhookReceiver.builder(remote)
            .verifier(WebhookVerifier.builder().secret(secret).build()).build();
        EventBus bus = EventBus.builder().name("local").build()) {
      remote.subscribe("deployment", e -> arrived.countDown());
      receiver.start();
      URI endpoint = receiver.uri();

      try (WebhookClient client = WebhookClient.builder()
          .secret(secret)
          .retry(RetryPolicy.builder().maxAttempts(5).initialDelay(Duration.ofSeconds(1)).build())
          .attemptLog(logs.resolve("webhooks/webhook_attempts.jsonl"))
          .outbox(logs.resolve("webhooks/outbox.jsonl"))   // survives restarts; re-drive dead ones by id
          .deadLetters(bus)
          .build();
          WebhookForwarder forwarder = WebhookForwarder.builder(bus, client)
              .routesFromEnvironment(System.getenv())
              .route("deployment", endpoint)
              .build()) {
        bus.publish(DynamicEvent.of("deployment", Map.of("service", "api", "version", "1.2.3")));
        System.out.println(arrived.await(10, TimeUnit.SECONDS)
            ? "delivered, signed and verified" : "not delivered in 10 s");
      }
      System.out.println("attempts logged to " + logs.resolve("webhooks"));
    }
  }
}
