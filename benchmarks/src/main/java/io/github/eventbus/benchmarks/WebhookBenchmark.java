package io.github.eventbus.benchmarks;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.webhooks.SignatureScheme;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookMessage;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookSecret;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.net.URI;
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
 * the same bytes (the floor: Guava has no webhooks to compare with), and deliveries per second
 * from the client to the receiver on loopback with 50 requests in flight.
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

  /** Deliveries to a loopback receiver; one operation is 1,000 deliveries. */
  @State(Scope.Benchmark)
  public static class Loopback {
    EventBus bus;
    WebhookReceiver receiver;
    WebhookClient client;
    URI target;
    WebhookMessage[] messages = new WebhookMessage[1000];
    int round;

    @Setup(Level.Trial)
    public void setUp() {
      bus = EventBus.builder().name("bench-webhooks").build();
      bus.subscribe("*", e -> { });
      receiver = WebhookReceiver.builder(bus)
          .verifier(WebhookVerifier.builder().secret(SECRET).build()).build();
      receiver.start();
      target = receiver.uri();
      client = WebhookClient.builder().secret(SECRET).maxInFlightPerEndpoint(50).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      client.close();
      receiver.close();
      bus.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public void deliver1000(Loopback loopback) {
    if (bodyBytes != 1024) {
      return; // one body size is enough for the loopback figure
    }
    int round = loopback.round++;
    CompletableFuture<?>[] all = new CompletableFuture<?>[1000];
    for (int i = 0; i < 1000; i++) {
      all[i] = loopback.client.send(loopback.target, WebhookMessage.of(
          Event.builder(DynamicEvent.of("bench", Map.of("i", i))).id("r" + round + "-" + i)
              .timestamp(Instant.now()).build()));
    }
    CompletableFuture.allOf(all).join();
  }
}
