package io.github.eventbus.webhooks.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DeliveryReport;
import io.github.eventbus.DeliveryStatus;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.SubscriberOutcome;
import io.github.eventbus.webhooks.DeliveryListener;
import io.github.eventbus.webhooks.DeliveryOutcome;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookDelivery;
import io.github.eventbus.webhooks.WebhookForwarder;
import io.github.eventbus.webhooks.WebhookMessage;
import io.github.eventbus.webhooks.AttemptResult;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The promises of {@link WebhookForwarder}, from the outside. */
class WebhookForwarderPromisesTest {

  @EventType("risk_alert.notification")
  public record RiskAlert(String severity, String text) {}

  private static Event<?> event(Object payload) {
    return Event.builder(payload).id("e-" + payload.hashCode())
        .timestamp(Instant.parse("2026-11-23T10:00:00Z")).build();
  }

  /** Collects the endpoints that answered 2xx, keyed by path. */
  private static DeliveryListener deliveredPaths(List<String> paths) {
    return new DeliveryListener() {
      @Override
      public void delivered(WebhookMessage message, AttemptResult last, WebhookDelivery result) {
        paths.add(result.endpoint().getPath());
      }
    };
  }

  @Test
  void severityIs_isCaseInsensitive_forTypedAndDynamicPayloads_andItsNegationIsTheComplement() {
    Predicate<Event<?>> critical = WebhookForwarder.severityIs("CRITICAL", "High");
    Event<?> typed = event(new RiskAlert("Critical", "disk"));
    Event<?> dynamic = event(DynamicEvent.of("risk_alert.notification", Map.of("severity", "hIGH")));
    Event<?> low = event(DynamicEvent.of("risk_alert.notification", Map.of("severity", "low")));
    Event<?> none = event(DynamicEvent.of("risk_alert.notification", Map.of("text", "x")));
    assertThat(critical.test(typed)).isTrue();
    assertThat(critical.test(dynamic)).isTrue();
    assertThat(critical.test(low)).isFalse();
    assertThat(critical.test(none)).isFalse();
    assertThat(critical.negate().test(low)).isTrue();
    assertThat(critical.negate().test(none)).isTrue();
    assertThat(critical.negate().test(typed)).isFalse();
    assertThat(critical.negate().negate().test(typed)).isTrue();
  }

  @Test
  void aRouteThatFails_isAFailedHandoff_andTheOtherRoutesOfItsPatternAreStillServed()
      throws Exception {
    List<String> delivered = new CopyOnWriteArrayList<>();
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(200);
        EventBus bus = EventBus.builder().executor(Runnable::run).build();
        WebhookClient client = WebhookClient.builder().secret("s")
            .listener(deliveredPaths(delivered)).build();
        WebhookForwarder forwarder = WebhookForwarder.builder(bus, client)
            .route("deployment", endpoint.uri("/first"), e -> {
              throw new IllegalStateException("a predicate that fails");
            })
            .route("deployment", endpoint.uri("/second"))
            .build()) {
      DeliveryReport report = bus.publishAndTrack(DynamicEvent.of("deployment", Map.of("v", 1)))
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      SubscriberOutcome handoff = report.outcomes().stream()
          .filter(o -> o.subscriber().equals("webhook handoff deployment")).findFirst()
          .orElseThrow();
      assertThat(handoff.status()).isEqualTo(DeliveryStatus.DEAD_LETTERED);
      assertThat(handoff.cause()).get().extracting(Throwable::getMessage)
          .isEqualTo("a predicate that fails");
      assertThat(endpoint.awaitArrived(1)).isTrue();
      client.close();
      assertThat(delivered).containsExactly("/second");
      assertThat(endpoint.arrived.get()).isEqualTo(1);
    }
  }

  @Test
  void close_endsTheSubscriptions_butNotTheClient() throws Exception {
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(200);
        EventBus bus = EventBus.builder().executor(Runnable::run).build();
        WebhookClient client = WebhookClient.builder().secret("s").build()) {
      WebhookForwarder forwarder = WebhookForwarder.builder(bus, client)
          .route("deployment", endpoint.uri("/a")).route("build.*", endpoint.uri("/b")).build();
      assertThat(bus.subscribers()).containsKeys("deployment", "build.*");
      forwarder.close();
      assertThat(bus.subscribers()).doesNotContainKeys("deployment", "build.*");
      DeliveryReport report = bus.publishAndTrack(DynamicEvent.of("deployment", Map.of()))
          .toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertThat(report.noSubscriber()).isTrue();
      WebhookDelivery d = client.send(endpoint.uri("/a"), WebhookMessage.of(
          event(DynamicEvent.of("deployment", Map.of())))).get(20, TimeUnit.SECONDS);
      assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
    }
  }

  @Test
  void environment_blankOrUnsetVariablesAddNoRoute_andARefusedUrlNamesItsVariable() {
    try (EventBus bus = EventBus.builder().executor(Runnable::run).build();
        WebhookClient client = WebhookClient.builder().secret("s").build()) {
      WebhookForwarder none = WebhookForwarder.builder(bus, client).routesFromEnvironment(Map.of(
          "FILE_CHANGE_WEBHOOK_URL", "", "REPORT_READY_WEBHOOK_URL", "   \t",
          "CRITICAL_ALERT_WEBHOOK_URL", " ")).build();
      assertThat(bus.subscribers()).isEmpty();
      none.close();
      assertThatThrownBy(() -> WebhookForwarder.builder(bus, client).routesFromEnvironment(
          Map.of("HIGH_ALERT_WEBHOOK_URL", "ftp://127.0.0.1/alerts")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("HIGH_ALERT_WEBHOOK_URL");
      assertThatThrownBy(() -> WebhookForwarder.builder(bus, client).routesFromEnvironment(
          Map.of("LOW_ALERT_WEBHOOK_URL", "http://user:pw@127.0.0.1/alerts")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("LOW_ALERT_WEBHOOK_URL").hasMessageNotContaining("pw@");
      assertThatThrownBy(() -> WebhookForwarder.builder(bus, client)
          .route("deployment", URI.create("http://user@127.0.0.1/x")))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> WebhookForwarder.builder(bus, client)
          .route("rep*", URI.create("http://127.0.0.1/x")))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void defaultRiskRoute_takesSeveritiesWithoutAUrlOfTheirOwn_andEventsWithoutSeverity()
      throws Exception {
    List<String> delivered = new CopyOnWriteArrayList<>();
    try (HoldingEndpoint endpoint = HoldingEndpoint.answering(200);
        EventBus bus = EventBus.builder().executor(Runnable::run).build()) {
      WebhookClient client = WebhookClient.builder().secret("s")
          .listener(deliveredPaths(delivered)).build();
      try (WebhookForwarder forwarder = WebhookForwarder.builder(bus, client)
          .routesFromEnvironment(Map.of(
              "CRITICAL_ALERT_WEBHOOK_URL", endpoint.uri("/critical").toString(),
              "DEFAULT_RISK_WEBHOOK_URL", " " + endpoint.uri("/default") + " "))
          .build()) {
        bus.publish(new RiskAlert("CRITICAL", "a"));
        bus.publish(new RiskAlert("medium", "b"));
        bus.publish(DynamicEvent.of("risk_alert.notification", Map.of("text", "no severity")));
        assertThat(endpoint.awaitArrived(3)).isTrue();
      }
      client.close();
      assertThat(delivered).containsExactlyInAnyOrder("/critical", "/default", "/default");
      assertThat(endpoint.arrived.get()).isEqualTo(3);
    }
  }
}
