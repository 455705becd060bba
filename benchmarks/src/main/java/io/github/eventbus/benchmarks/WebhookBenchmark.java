package io.github.eventbus.benchmarks;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.webhooks.DeliveryOutcome;
import io.github.eventbus.webhooks.SignatureScheme;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookDelivery;
import io.github.eventbus.webhooks.WebhookMessage;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookSecret;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Webhook signing and verification for 1 KiB and 64 KiB bodies, beside a bare JDK HMAC-SHA256 of
 * the same bytes (the floor: Guava has no webhooks to compare with), and deliveries from senders
 * to the receiver on loopback with 50 requests in flight: the bare JDK {@code HttpClient} (the
 * ceiling), our client, and our client with an FSYNC outbox, so the results are ratios.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class WebhookBenchmark {

  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  @Param({"1024", "65536"})
  int bodyBytes;

  private byte[] body;
  private final List<WebhookSecret> secrets = List.of(WebhookSecret.of(SECRET));
  private final SignatureScheme scheme = SignatureScheme.standardWebhooks();
  private Map<String, String> signed;
  private WebhookVerifier verifier;
  private Mac mac;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    body = new byte[bodyBytes];
    new Random(1).nextBytes(body);
    signed = scheme.sign("msg_1", Instant.now(), body, secrets);
    verifier = WebhookVerifier.builder().secret(SECRET).build();
    mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(java.util.Base64.getDecoder().decode(SECRET.substring(6)), "HmacSHA256"));
  }

  @Benchmark
  public Map<String, String> sign() {
    return scheme.sign("msg_1", Instant.now(), body, secrets);
  }

  @Benchmark
  public boolean verify() {
    return verifier.verify(body, signed).isValid();
  }

  @Benchmark
  public byte[] jdkHmacFloor() {
    return mac.doFinal(body);
  }

  /**
   * Deliveries to one loopback receiver, 1,000 per operation with at most 50 in flight and bodies
   * of about 1 KiB, by three senders: the bare JDK {@link HttpClient} posting the same bytes with
   * the same signatures (the ceiling), our client, and our client with an FSYNC outbox.
   */
  @State(Scope.Benchmark)
  public static class Loopback {
    static final int IN_FLIGHT = 50;
    static final String PADDING = "x".repeat(900);

    EventBus bus;
    WebhookReceiver receiver;
    HttpClient raw;
    WebhookClient client;
    WebhookClient outboxClient;
    java.nio.file.Path outboxDir;
    URI target;
    final List<WebhookSecret> secrets = List.of(WebhookSecret.of(SECRET));
    final SignatureScheme standard = SignatureScheme.standardWebhooks();
    final SignatureScheme header = SignatureScheme.xWebhookSignature();
    int round;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      bus = EventBus.builder().name("bench-webhooks").build();
      bus.subscribe("*", e -> { });
      receiver = WebhookReceiver.builder(bus)
          .verifier(WebhookVerifier.builder().secret(SECRET).build()).build();
      receiver.start();
      target = receiver.uri();
      raw = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
      client = WebhookClient.builder().secret(SECRET).maxInFlightPerEndpoint(IN_FLIGHT).build();
      outboxDir = java.nio.file.Files.createTempDirectory("webhook-bench");
      outboxClient = WebhookClient.builder().secret(SECRET).maxInFlightPerEndpoint(IN_FLIGHT)
          .outbox(outboxDir.resolve("outbox.jsonl")).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      client.close();
      outboxClient.close();
      receiver.close();
      bus.close();
      try (var files = java.nio.file.Files.walk(outboxDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }

    /** 1,000 fresh messages (the receiver drops repeated ids), about 1 KiB each. */
    WebhookMessage[] messages(String sender) {
      int r = round++;
      WebhookMessage[] batch = new WebhookMessage[1000];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = WebhookMessage.of(Event.builder(
                DynamicEvent.of("bench", Map.of("i", i, "padding", PADDING)))
            .id(sender + r + "-" + i).timestamp(Instant.now()).build());
      }
      return batch;
    }
  }

  /** Sends every message with at most 50 in flight and waits for the last answer. */
  private static void inFlight50(WebhookMessage[] batch,
      java.util.function.Function<WebhookMessage, CompletableFuture<?>> send) {
    java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(Loopback.IN_FLIGHT);
    CompletableFuture<?>[] all = new CompletableFuture<?>[batch.length];
    for (int i = 0; i < batch.length; i++) {
      permits.acquireUninterruptibly();
      all[i] = send.apply(batch[i]).whenComplete((r, e) -> permits.release());
    }
    CompletableFuture.allOf(all).join();
  }

  /** The ceiling: the bare JDK client posting the same signed bytes. One op is 1,000 posts. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public void deliver1000JdkHttpClient(Loopback loopback) {
    if (bodyBytes != 1024) {
      return; // the loopback figures use one body size
    }
    inFlight50(loopback.messages("raw"), m -> {
      byte[] bytes = m.body();
      Instant now = Instant.now();
      HttpRequest.Builder request = HttpRequest.newBuilder(loopback.target)
          .timeout(java.time.Duration.ofSeconds(15))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
      loopback.standard.sign(m.id(), now, bytes, loopback.secrets).forEach(request::header);
      loopback.header.sign(m.id(), now, bytes, loopback.secrets).forEach(request::header);
      return loopback.raw.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
          .thenAccept(response -> {
            if (response.statusCode() / 100 != 2) {
              throw new IllegalStateException("receiver answered " + response.statusCode());
            }
          });
    });
  }

  /** Our client without an outbox. One op is 1,000 deliveries. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public void deliver1000(Loopback loopback) {
    if (bodyBytes != 1024) {
      return;
    }
    inFlight50(loopback.messages("client"), m -> loopback.client.send(loopback.target, m)
        .thenAccept(WebhookBenchmark::delivered));
  }

  /** Our client with the FSYNC outbox (group commit). One op is 1,000 deliveries. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public void deliver1000WithOutbox(Loopback loopback) {
    if (bodyBytes != 1024) {
      return;
    }
    inFlight50(loopback.messages("outbox"), m -> loopback.outboxClient.send(loopback.target, m)
        .thenAccept(WebhookBenchmark::delivered));
  }

  private static void delivered(WebhookDelivery d) {
    if (d.outcome() != DeliveryOutcome.DELIVERED) {
      throw new IllegalStateException("delivery ended " + d.outcome() + ", last status "
          + d.lastStatus() + ", " + d.lastError());
    }
  }
}
