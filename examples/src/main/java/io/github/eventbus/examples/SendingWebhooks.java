package io.github.eventbus.examples;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.webhooks.AttemptResult;
import io.github.eventbus.webhooks.DeliveryListener;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookForwarder;
import io.github.eventbus.webhooks.WebhookMessage;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Forwarding bus events as signed webhooks with retries, to a local receiver that is down for
 * the first attempt and back for the retry.
 */
public final class SendingWebhooks {

  private static final String SECRET = "whsec_c2VuZGluZy1leGFtcGxlLXNlY3JldC0yNC1ieXRlcw==";

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
    Path logs = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("webhook-example");
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch firstFailed = new CountDownLatch(1);
    try (EventBus remote = EventBus.builder().name("remote").build();
        EventBus bus = EventBus.builder().name("local").build()) {
      remote.subscribe("deployment", e -> arrived.countDown());
      URI endpoint = downForNow(remote); // a receiver that was there and has stopped

      try (WebhookClient client = WebhookClient.builder()
          .secret(SECRET)
          .retry(RetryPolicy.builder().maxAttempts(5).initialDelay(Duration.ofSeconds(1)).build())
          .attemptLog(logs.resolve("webhooks/webhook_attempts.jsonl"))
          .outbox(logs.resolve("webhooks/outbox.jsonl"))   // survives restarts; re-drive dead ones by id
          .deadLetters(bus)
          .listener(new DeliveryListener() {
            @Override
            public void retryScheduled(WebhookMessage message, AttemptResult attempt, Instant at) {
              System.out.println("attempt " + attempt.attempt() + " failed: " + attempt.error());
              firstFailed.countDown();
            }
          })
          .build();
          WebhookForwarder forwarder = WebhookForwarder.builder(bus, client)
              .routesFromEnvironment(System.getenv())
              .route("deployment", endpoint)
              .build()) {
        bus.publish(DynamicEvent.of("deployment", Map.of("service", "api", "version", "1.2.3")));
        if (!firstFailed.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the first attempt did not fail in 10 s");
        }
        // receiver(...) is the example's own helper: WebhookReceiver.builder(remote) on that port
        try (WebhookReceiver receiver = receiver(remote, endpoint)) { // back, on the same port
          receiver.start();
          System.out.println(arrived.await(10, TimeUnit.SECONDS)
              ? "retried: delivered, signed and verified" : "not delivered in 10 s");
        }
      }
      System.out.println("attempts logged to " + logs.resolve("webhooks"));
    }
  }

  /** Starts a receiver on a free port and stops it; returns the address it had. */
  private static URI downForNow(EventBus remote) {
    try (WebhookReceiver receiver = receiver(remote, URI.create("http://127.0.0.1:0"))) {
      receiver.start();
      return receiver.uri();
    }
  }

  private static WebhookReceiver receiver(EventBus remote, URI at) {
    return WebhookReceiver.builder(remote)
        .verifier(WebhookVerifier.builder().secret(SECRET).build())
        .bind(new InetSocketAddress(at.getHost(), at.getPort()))
        .build();
  }
}
