package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookForwarderTest {

  @EventType("risk_alert.notification")
  public record Notice(String alertId, String severity) {}

  private final BlockingQueue<String> paths = new LinkedBlockingQueue<>();
  private HttpServer server;
  private EventBus bus;
  private WebhookClient client;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      paths.add(exchange.getRequestURI().getPath());
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    server.start();
    bus = EventBus.builder().build();
    client = WebhookClient.builder().secret("your_secret_key").build();
  }

  @AfterEach
  void stop() {
    bus.close();
    client.close();
    server.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Test
  void environmentRoutes_sendEachSeverityToItsUrl_andTheRestToTheDefault() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("FILE_CHANGE_WEBHOOK_URL", url("/files"));
    env.put("CRITICAL_ALERT_WEBHOOK_URL", url("/critical"));
    env.put("HIGH_ALERT_WEBHOOK_URL", url("/high"));
    env.put("MEDIUM_ALERT_WEBHOOK_URL", " ");
    env.put("DEFAULT_RISK_WEBHOOK_URL", url("/risk"));
    try (WebhookForwarder forwarder = WebhookForwarder.builder(bus, client)
        .routesFromEnvironment(env).build()) {
      bus.publishSync(DynamicEvent.of("file_change.notification", Map.of("file_path", "/a")));
      bus.publishSync(new Notice("a1", "critical"));                      // typed payload
      bus.publishSync(DynamicEvent.of("risk_alert.notification", Map.of("severity", "high")));
      bus.publishSync(DynamicEvent.of("risk_alert.notification", Map.of("severity", "medium")));
      bus.publishSync(DynamicEvent.of("risk_alert.notification", Map.of("severity", "low")));
      bus.publishSync(DynamicEvent.of("report_ready.distribution", Map.of())); // no route

      List<String> got = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String path = paths.poll(10, TimeUnit.SECONDS);
        assertThat(path).as("request " + i).isNotNull();
        got.add(path);
      }
      assertThat(got).containsExactlyInAnyOrder("/files", "/critical", "/high", "/risk", "/risk");
    }
  }

  @Test
  void readmeShape_tryWithResources_deliversEveryForwardedEvent() throws Exception {
    try (WebhookClient sending = WebhookClient.builder().secret("your_secret_key").build();
        WebhookForwarder forwarder = WebhookForwarder.builder(bus, sending)
            .route("deployment", java.net.URI.create(url("/deploy"))).build()) {
      for (int i = 0; i < 10; i++) {
        bus.publishSync(DynamicEvent.of("deployment", Map.of("n", i)));
      }
    } // the forwarder closes, then the client drains what it was handed
    assertThat(paths).hasSize(10).containsOnly("/deploy");
  }

  @Test
  void malformedEnvironmentUrl_namesTheVariable() {
    assertThatThrownBy(() -> WebhookForwarder.builder(bus, client)
            .routesFromEnvironment(Map.of("LOW_ALERT_WEBHOOK_URL", "ftp://example.com/x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LOW_ALERT_WEBHOOK_URL");
  }

  /** A typed notification that counts how often it is serialised (Jackson calls each accessor). */
  @EventType("risk_alert.notification")
  public record Counted(String alertId, String severity) {
    static final java.util.concurrent.atomic.AtomicInteger SERIALISED =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public String alertId() {
      SERIALISED.incrementAndGet();
      return alertId;
    }
  }

  @Test
  void onePerDistinctPattern_serialisedOnce_sameBytesToEveryEndpoint_routesInOrder()
      throws Exception {
    List<String> acceptedOrder = new java.util.concurrent.CopyOnWriteArrayList<>();
    BlockingQueue<byte[]> bodies = new LinkedBlockingQueue<>();
    server.removeContext("/");
    server.createContext("/", exchange -> {
      bodies.add(exchange.getRequestBody().readAllBytes());
      paths.add(exchange.getRequestURI().getPath());
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    WebhookClient ordered = WebhookClient.builder().secret("your_secret_key")
        .listener(new DeliveryListener() {
          @Override
          public void accepted(WebhookMessage message, java.net.URI endpoint) {
            acceptedOrder.add(endpoint.getPath());
          }
        }).build();
    Map<String, String> env = new HashMap<>();
    env.put("CRITICAL_ALERT_WEBHOOK_URL", url("/critical"));
    env.put("HIGH_ALERT_WEBHOOK_URL", url("/high"));
    env.put("LOW_ALERT_WEBHOOK_URL", url("/low"));
    env.put("DEFAULT_RISK_WEBHOOK_URL", url("/risk"));
    EventBus syncBus = EventBus.builder().executor(Runnable::run).build();
    try (WebhookForwarder forwarder = WebhookForwarder.builder(syncBus, ordered)
        .route("risk_alert.notification", java.net.URI.create(url("/audit-1")))
        .routesFromEnvironment(env)
        .route("risk_alert.*", java.net.URI.create(url("/all")))
        .route("risk_alert.notification", java.net.URI.create(url("/audit-2")))
        .build()) {
      assertThat(syncBus.subscribers()).containsOnlyKeys("risk_alert.notification", "risk_alert.*")
          .containsEntry("risk_alert.notification", 1).containsEntry("risk_alert.*", 1);
      Counted.SERIALISED.set(0);
      syncBus.publishSync(new Counted("a1", "CRITICAL"));
      List<byte[]> got = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        byte[] body = bodies.poll(10, TimeUnit.SECONDS);
        assertThat(body).as("request " + i).isNotNull();
        got.add(body);
      }
      assertThat(Counted.SERIALISED.get()).isEqualTo(1);
      assertThat(got).allSatisfy(b -> assertThat(b).isEqualTo(got.get(0)));
      assertThat(new String(got.get(0), java.nio.charset.StandardCharsets.UTF_8))
          .contains("\"severity\":\"CRITICAL\"");
      // within one pattern, routes in the order they were added; /all is the other pattern's
      assertThat(acceptedOrder.stream().filter(p -> !p.equals("/all")))
          .containsExactly("/audit-1", "/critical", "/audit-2");
      assertThat(acceptedOrder).contains("/all").hasSize(4);
    } finally {
      ordered.close();
      syncBus.close();
    }
  }

  @Test
  void severityIs_anditsNegation_readTypedAndDynamicPayloads() {
    var critical = WebhookForwarder.severityIs("critical", "HIGH");
    io.github.eventbus.Event<?> typed = io.github.eventbus.Event.builder(new Notice("a", "High"))
        .id("t").timestamp(java.time.Instant.EPOCH).build();
    io.github.eventbus.Event<?> dynamic = io.github.eventbus.Event.builder(
        DynamicEvent.of("risk_alert.notification", Map.of("severity", "low"))).id("d")
        .timestamp(java.time.Instant.EPOCH).build();
    io.github.eventbus.Event<?> none = io.github.eventbus.Event.builder(
        DynamicEvent.of("risk_alert.notification", Map.of("other", 1))).id("n")
        .timestamp(java.time.Instant.EPOCH).build();
    assertThat(critical.test(typed)).isTrue();
    assertThat(critical.test(dynamic)).isFalse();
    assertThat(critical.test(none)).isFalse();
    assertThat(critical.negate().test(dynamic)).isTrue();
    assertThat(critical.negate().test(typed)).isFalse();
    assertThat(SeverityFilter.severityIn(
        "{\"data\":{\"nested\":{\"severity\":\"x\"},\"severity\":\"Medium\"}}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo("medium");
    assertThat(SeverityFilter.severityIn("not json".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isEmpty();
  }

  @Test
  void trackedPublish_namesTheHandoff_andTheEndpointsAnswerComesThroughTheListener()
      throws Exception {
    server.removeContext("/");
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
    });
    java.util.concurrent.CompletableFuture<WebhookDelivery> answered =
        new java.util.concurrent.CompletableFuture<>();
    WebhookClient listening = WebhookClient.builder().secret("your_secret_key")
        .listener(new DeliveryListener() {
          @Override
          public void rejected(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
            answered.complete(result);
          }
        }).build();
    try (WebhookForwarder forwarder = WebhookForwarder.builder(bus, listening)
        .route("file_change.notification", java.net.URI.create(url("/files"))).build()) {
      io.github.eventbus.DeliveryReport report = bus.publishAndTrack(
          DynamicEvent.of("file_change.notification", Map.of("file_path", "/a")))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(report.outcomes()).singleElement().satisfies(o -> {
        assertThat(o.subscriber()).isEqualTo("webhook handoff file_change.notification");
        assertThat(o.status()).isEqualTo(io.github.eventbus.DeliveryStatus.DELIVERED);
      });
      WebhookDelivery result = answered.get(10, TimeUnit.SECONDS);
      assertThat(result.id()).isEqualTo(report.event().id());
      assertThat(result.lastStatus()).isEqualTo(404);
    } finally {
      listening.close();
    }

    listening.close();
    try (WebhookForwarder forwarder = WebhookForwarder.builder(bus, listening)
        .route("file_change.notification", java.net.URI.create(url("/files"))).build()) {
      io.github.eventbus.DeliveryReport report = bus.publishAndTrack(
          DynamicEvent.of("file_change.notification", Map.of("file_path", "/b")))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(report.outcomes()).singleElement().satisfies(o ->
          assertThat(o.status()).isEqualTo(io.github.eventbus.DeliveryStatus.DEAD_LETTERED));
    }
  }

  /** Publishes one event to a {@code *} route whose endpoint answers 400; returns what each saw. */
  private record StarRun(int requests, List<io.github.eventbus.DeadLetter> letters, List<Object> star,
      List<Object> objects) {}

  private StarRun publishThroughAStarRouteToA400() throws Exception {
    java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
    server.removeContext("/");
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      requests.incrementAndGet();
      exchange.sendResponseHeaders(400, -1);
      exchange.close();
    });
    EventBus syncBus = EventBus.builder().executor(Runnable::run).build();
    List<Object> star = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Object> objects = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<io.github.eventbus.DeadLetter> letters = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.CountDownLatch lettered = new java.util.concurrent.CountDownLatch(1);
    syncBus.subscribe("*", e -> star.add(e.payload()));
    syncBus.subscribe(Object.class, objects::add);
    syncBus.subscribe(io.github.eventbus.DeadLetter.class, l -> {
      letters.add(l);
      lettered.countDown();
    });
    WebhookClient deadLettering = WebhookClient.builder().secret("your_secret_key")
        .deadLetters(syncBus).build();
    try (WebhookForwarder forwarder = WebhookForwarder.builder(syncBus, deadLettering)
        .route("*", java.net.URI.create(url("/everything"))).build()) {
      syncBus.publishSync(DynamicEvent.of("file_change.notification", Map.of("file_path", "/a")));
      assertThat(lettered.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      deadLettering.close(); // drains: nothing is in flight after this
      syncBus.close();
    }
    return new StarRun(requests.get(), letters, star, objects);
  }

  @Test
  void rejectedDelivery_becomesOneDeadLetter_andAStarRouteDoesNotForwardIt() throws Exception {
    StarRun run = publishThroughAStarRouteToA400();
    assertThat(run.requests()).isEqualTo(1); // the dead letter was not forwarded: no loop
    assertThat(run.letters()).singleElement().satisfies(l ->
        assertThat(((WebhookDeliveryException) l.cause()).status()).isEqualTo(400));
  }

  @Test
  void rejectedDelivery_neverReachesStarOrObjectSubscribers() throws Exception {
    StarRun run = publishThroughAStarRouteToA400();
    assertThat(run.star()).singleElement().isInstanceOf(DynamicEvent.class);
    assertThat(run.objects()).singleElement().isInstanceOf(DynamicEvent.class);
  }
}
