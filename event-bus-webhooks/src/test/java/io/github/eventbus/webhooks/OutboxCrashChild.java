package io.github.eventbus.webhooks;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.RetryPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * The child JVM of {@link OutboxCrashTest}: sends webhooks to an endpoint that keeps failing, with
 * long retry delays, printing each id once the client reports it accepted (its outbox record is
 * on disk; records are group-committed, so {@code send} itself does not wait), until it is killed.
 */
public final class OutboxCrashChild {

  private OutboxCrashChild() {}

  /**
   * Runs until killed.
   *
   * @param args the outbox file and the endpoint
   */
  public static void main(String[] args) throws InterruptedException {
    // up to 16 sends wait for the disk at once, so that records share fsyncs (group commit)
    Semaphore unacknowledged = new Semaphore(16);
    WebhookClient client = WebhookClient.builder().secret("crash-secret")
        .retry(RetryPolicy.builder().maxAttempts(100).initialDelay(Duration.ofHours(1)).build())
        .listener(new DeliveryListener() {
          @Override
          public void accepted(WebhookMessage message, URI endpoint) {
            synchronized (System.out) {
              System.out.println(message.id());
              System.out.flush();
            }
            unacknowledged.release();
          }
        })
        .outbox(Path.of(args[0])).build();
    URI endpoint = URI.create(args[1]);
    for (int i = 0; ; i++) {
      String id = "crash-" + i;
      unacknowledged.acquire();
      client.send(endpoint, WebhookMessage.of(Event.builder(DynamicEvent.of("crash", Map.of("i", i)))
          .id(id).timestamp(Instant.now()).build()));
    }
  }
}
