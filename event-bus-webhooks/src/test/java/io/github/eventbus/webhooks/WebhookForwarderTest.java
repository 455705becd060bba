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
  void malformedEnvironmentUrl_namesTheVariable() {
    assertThatThrownBy(() -> WebhookForwarder.builder(bus, client)
            .routesFromEnvironment(Map.of("LOW_ALERT_WEBHOOK_URL", "ftp://example.com/x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("LOW_ALERT_WEBHOOK_URL");
  }
}
