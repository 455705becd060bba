package io.github.eventbus.examples;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.FileChange;
import io.github.eventbus.webhooks.SignatureScheme;
import io.github.eventbus.webhooks.Verification;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookDelivery;
import io.github.eventbus.webhooks.WebhookMessage;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * Verifying a GitHub-style request, and a Standard Webhooks receiver refusing a forged request
 * and publishing a signed one.
 */
public final class ReceivingWebhooks {

  private ReceivingWebhooks() {}

  /**
   * Runs the example.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    // GitHub's documented example: any HTTP stack hands over the raw body and the headers.
    byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    WebhookVerifier github = WebhookVerifier.builder()
        .scheme(SignatureScheme.github())
        .secret("It's a Secret to Everybody")
        .build();
    Verification v = github.verify(body, Map.of("X-Hub-Signature-256",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
    System.out.println("GitHub request valid: " + v.isValid());

    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    try (EventBus bus = EventBus.builder().build();
        WebhookReceiver receiver = WebhookReceiver.builder(bus)
            .verifier(WebhookVerifier.builder().secret(secret).build())
            .register(FileChange.class)      // typed payloads for known type names; others are DynamicEvent
            .build()) {
      receiver.start();                   // 127.0.0.1, ephemeral port: receiver.uri()
      System.out.println("Standard Webhooks receiver listening on " + receiver.uri());
      // body: a request's raw bytes, as any HTTP stack hands them over
      var forged = receiver.handle("POST", Map.of("Content-Type", "application/json",
          "webhook-id", "msg_1", "webhook-timestamp", "1", "webhook-signature", "v1,AAAA"), body);
      System.out.println("a forged request gets " + forged.status());

      // A request signed with the secret, here by this library's client, is verified and
      // published on the bus.
      bus.subscribe("deployment", e -> System.out.println("published: " + e.payload()));
      try (WebhookClient client = WebhookClient.builder().secret(secret).build()) {
        Event<DynamicEvent> deployment = Event.builder(DynamicEvent.of("deployment",
            Map.of("service", "api"))).id("deploy-1").timestamp(Instant.now()).build();
        WebhookDelivery signed = client.send(receiver.uri(), WebhookMessage.of(deployment)).join();
        System.out.println("a signed request gets " + signed.lastStatus());
      }
    }
  }
}
