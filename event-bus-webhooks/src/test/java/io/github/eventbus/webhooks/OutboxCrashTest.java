package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a sending child JVM with SIGKILL while its deliveries wait for retries; a new client on
 * the same outbox must deliver every acknowledged one, each exactly once. While the child runs,
 * its outbox is refused to another client.
 */
@Tag("slow")
class OutboxCrashTest {

  @TempDir Path dir;

  @Test
  void sigkillWhileRetrying_newClientDeliversEveryAcknowledgedDeliveryOnce() throws Exception {
    // Only requests signed by the second client succeed: a request the killed child had already
    // sent can never count as a delivery, whenever the server gets to it.
    WebhookVerifier second = WebhookVerifier.builder().scheme(SignatureScheme.xWebhookSignature())
        .secret("second-secret").build();
    Map<String, AtomicInteger> delivered = new ConcurrentHashMap<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String id = exchange.getRequestHeaders().getFirst("webhook-id");
      boolean ok = second.verify(body, exchange.getRequestHeaders()).isValid();
      if (ok) {
        delivered.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      }
      exchange.sendResponseHeaders(ok ? 200 : 503, -1);
      exchange.close();
    });
    server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    server.start();
    String endpoint = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    Path outbox = dir.resolve("outbox.jsonl");
    try {
      Process child = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp", System.getProperty("java.class.path"),
              OutboxCrashChild.class.getName(), outbox.toString(), endpoint)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      Set<String> acknowledged = new HashSet<>();
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        while (acknowledged.size() < 40) {
          String line = out.readLine();
          assertThat(line).as("child output").isNotNull();
          if (line.startsWith("crash-")) { // other lines are the logging framework's
            acknowledged.add(line);
          }
        }
        // The child's outbox is in use: a second client, in this process, is refused.
        assertThatThrownBy(() -> WebhookClient.builder().secret("second-secret").outbox(outbox)
            .build()).isInstanceOf(IllegalStateException.class).hasMessageContaining("in use");
        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        child.destroyForcibly(); // also when the reading failed: no child left writing
      }

      try (WebhookClient next = WebhookClient.builder().secret("second-secret").outbox(outbox).build()) {
        List<CompletableFuture<WebhookDelivery>> resumed = new ArrayList<>(next.resumed());
        CompletableFuture.allOf(resumed.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(resumed).allSatisfy(f ->
            assertThat(f.join().outcome()).isEqualTo(DeliveryOutcome.DELIVERED));
      }
      assertThat(delivered.keySet()).containsAll(acknowledged);
      assertThat(delivered.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));

      try (WebhookClient third = WebhookClient.builder().secret("second-secret").outbox(outbox).build()) {
        assertThat(third.resumed()).isEmpty(); // everything done: nothing is sent again
      }
    } finally {
      server.stop(0);
    }
  }
}
