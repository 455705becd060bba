package io.github.eventbus.webhooks;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.RetryPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The child JVM of {@link OutboxCrashTest}: sends webhooks to an endpoint that keeps failing, with
 * long retry delays, printing each id once {@code send} has returned (its outbox record is on
 * disk), until it is killed.
 */
public final class OutboxCrashChild {

  private OutboxCrashChild() {}

  /**
   * Runs until killed.
   *
   * @param args the outbox file and the endpoint
   */
  public static void main(String[] args) {
    WebhookClient client = WebhookClient.builder().secret("crash-secret")
        .retry(RetryPolicy.builder().maxAttempts(100).initialDelay(Duration.ofHours(1)).build())
        .outbox(Path.of(args[0])).build();
    URI endpoint = URI.create(args[1]);
    for (int i = 0; ; i++) {
      String id = "crash-" + i;
      client.send(endpoint, WebhookMessage.of(Event.builder(DynamicEvent.of("crash", Map.of("i", i)))
          .id(id).timestamp(Instant.now()).build()));
      System.out.println(id);
      System.out.flush();
    }
  }
}
