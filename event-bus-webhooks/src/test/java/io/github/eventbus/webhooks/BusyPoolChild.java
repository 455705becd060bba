package io.github.eventbus.webhooks;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.RetryPolicy;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of {@link BusyCommonPoolTest}, started with a common pool of two threads: keeps
 * every thread of {@link ForkJoinPool#commonPool()} busy with the application's own work, sends
 * one webhook to the endpoint given, and prints {@code outcome=<outcome> attempts=<n>} and then
 * {@code threads=<the listener's thread names>}.
 */
public final class BusyPoolChild {

  private BusyPoolChild() {}

  /**
   * Sends once while the common pool is busy.
   *
   * @param args the endpoint
   */
  public static void main(String[] args) throws Exception {
    CountDownLatch appWorkDone = new CountDownLatch(1);
    int parallelism = ForkJoinPool.getCommonPoolParallelism();
    CountDownLatch busy = new CountDownLatch(parallelism);
    for (int i = 0; i < parallelism; i++) {
      ForkJoinPool.commonPool().execute(() -> {
        busy.countDown();
        try {
          appWorkDone.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    busy.await(30, TimeUnit.SECONDS);
    Set<String> threads = new ConcurrentSkipListSet<>();
    try (WebhookClient client = WebhookClient.builder().secret("busy-pool-secret")
        .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(2))
        .retry(RetryPolicy.builder().maxAttempts(2).initialDelay(Duration.ofMillis(10)).build())
        .listener(new DeliveryListener() {
          @Override
          public void attemptFinished(WebhookMessage message, AttemptResult attempt) {
            threads.add(Thread.currentThread().getName());
          }

          @Override
          public void delivered(WebhookMessage message, AttemptResult last,
              WebhookDelivery result) {
            threads.add(Thread.currentThread().getName());
          }

          @Override
          public void exhausted(WebhookMessage message, AttemptResult last,
              WebhookDelivery result) {
            threads.add(Thread.currentThread().getName());
          }
        }).build()) {
      WebhookDelivery d = client.send(URI.create(args[0]), WebhookMessage.of(
          Event.builder(DynamicEvent.of("busy", Map.of("n", 1))).id("busy-1")
              .timestamp(Instant.EPOCH).build())).get(60, TimeUnit.SECONDS);
      System.out.println("outcome=" + d.outcome() + " attempts=" + d.attempts());
      System.out.println("threads=" + new TreeSet<>(threads));
    } finally {
      appWorkDone.countDown();
    }
  }
}
