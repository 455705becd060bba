package io.github.eventbus.examples;

import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.FileChange;
import io.github.eventbus.webhooks.SignatureScheme;
import io.github.eventbus.webhooks.Verification;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Verifying GitHub-style and Standard Webhooks requests, and running a receiver. */
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
      var forged = receiver.handle("POST", Map.of("Content-Type", "application/json",
          "webhook-id", "msg_1", "webhook-timestamp", "1", "webhook-signature", "v1,AAAA"), body);
      System.out.println("a forged request gets " + forged.status());
    }
  }
}
