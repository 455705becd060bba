package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.RetryPolicy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several threads send through one client with an outbox while the endpoint fails at random, and
 * the client closes mid-work: every future ends, every delivery is delivered or kept, and the next
 * client resumes exactly the kept ones.
 */
class ConcurrentDeliveryTest {

  private static final int THREADS = 4;
  private static final int PER_THREAD = 150;

  @TempDir Path dir;
  private HttpServer server;
  private final Set<String> delivered = ConcurrentHashMap.newKeySet();
  private volatile Random failures;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      boolean fail;
      synchronized (this) {
        fail = failures.nextInt(4) == 0;
      }
      if (!fail) {
        delivered.add(exchange.getRequestHeaders().getFirst("webhook-id"));
      }
      exchange.sendResponseHeaders(fail ? 503 : 200, -1);
      exchange.close();
    });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void concurrentSends_closeMidWork_nothingLost_nothingResentAfterSuccess(long seed)
      throws Exception {
    failures = new Random(seed);
    URI target = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    Path outbox = dir.resolve("outbox-" + seed + ".jsonl");
    WebhookClient client = WebhookClient.builder().secret("s3cret")
        .retry(RetryPolicy.builder().maxAttempts(50).initialDelay(Duration.ofMillis(5))
            .maxDelay(Duration.ofMillis(20)).build())
        .drainTimeout(Duration.ZERO).outbox(outbox).build();
    List<CompletableFuture<WebhookDelivery>> futures = new java.util.concurrent.CopyOnWriteArrayList<>();
    CountDownLatch halfSent = new CountDownLatch(THREADS);
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      senders.add(new Thread(() -> {
        for (int i = 0; i < PER_THREAD; i++) {
          if (i == PER_THREAD / 2) {
            halfSent.countDown();
          }
          try {
            futures.add(client.send(target, WebhookMessage.of(Event.builder(
                DynamicEvent.of("t", Map.of("i", i))).id(seed + "-" + thread + "-" + i)
                .timestamp(Instant.EPOCH).build())));
          } catch (IllegalStateException closed) {
            return; // the client closed while this thread was sending
          }
        }
      }));
    }
    senders.forEach(Thread::start);
    assertThat(halfSent.await(30, TimeUnit.SECONDS)).isTrue();
    client.close();
    for (Thread s : senders) {
      s.join(30_000);
    }

    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    List<String> abandoned = new ArrayList<>();
    for (CompletableFuture<WebhookDelivery> f : futures) {
      WebhookDelivery d = f.join();
      assertThat(d.outcome()).isIn(DeliveryOutcome.DELIVERED, DeliveryOutcome.ABANDONED);
      if (d.outcome() == DeliveryOutcome.DELIVERED) {
        assertThat(delivered).contains(d.id());
      } else {
        abandoned.add(d.id());
      }
    }
    assertThat(futures.size()).isGreaterThanOrEqualTo(THREADS * PER_THREAD / 2);

    failures = new Random(seed); // the resumed ones may fail and retry too
    try (WebhookClient next = WebhookClient.builder().secret("s3cret")
        .retry(RetryPolicy.builder().maxAttempts(50).initialDelay(Duration.ofMillis(5))
            .maxDelay(Duration.ofMillis(20)).build())
        .outbox(outbox).build()) {
      List<String> resumedIds = new ArrayList<>();
      for (CompletableFuture<WebhookDelivery> f : next.resumed()) {
        WebhookDelivery d = f.get(30, TimeUnit.SECONDS);
        assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
        resumedIds.add(d.id());
      }
      // the kept ones, and only those (a delivered one is never sent again)
      assertThat(resumedIds).containsExactlyInAnyOrderElementsOf(abandoned);
    }
    for (CompletableFuture<WebhookDelivery> f : futures) {
      assertThat(delivered).contains(f.join().id());
    }
  }
}
