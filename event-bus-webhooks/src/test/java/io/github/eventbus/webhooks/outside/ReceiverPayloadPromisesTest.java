package io.github.eventbus.webhooks.outside;

import static io.github.eventbus.webhooks.outside.WebhookReceiverPromisesTest.NOW;
import static io.github.eventbus.webhooks.outside.WebhookReceiverPromisesTest.SECRET;
import static io.github.eventbus.webhooks.outside.WebhookReceiverPromisesTest.signed;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The receiver's documented body format: required fields, optional ones and their defaults. */
class ReceiverPayloadPromisesTest {

  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final EventBus bus = EventBus.builder().executor(Runnable::run).build();
  private final List<Event<?>> published = new CopyOnWriteArrayList<>();
  private WebhookReceiver receiver;

  @BeforeEach
  void start() {
    bus.subscribe("*", published::add);
    receiver = WebhookReceiver.builder(bus).clock(clock)
        .verifier(WebhookVerifier.builder().secret(SECRET).clock(clock).build()).build();
  }

  @AfterEach
  void stop() {
    receiver.close();
    bus.close();
  }

  private int post(String webhookId, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return receiver.handle("POST", signed(webhookId, body), body).status();
  }

  @org.junit.jupiter.api.Test
  void optionalFields_defaultToTheSignedIdNowAndWebhook() {
    assertThat(post("msg_defaults", "{\"event_type\":\"deployment\",\"data\":{\"v\":1}}"))
        .isEqualTo(202);
    assertThat(published).singleElement().satisfies(e -> {
      assertThat(e.id()).isEqualTo("msg_defaults");
      assertThat(e.timestamp()).isEqualTo(NOW);
      assertThat(e.source()).isEqualTo("webhook");
      assertThat(e.payload()).isInstanceOf(DynamicEvent.class);
      assertThat(((DynamicEvent) e.payload()).data()).isEqualTo(Map.of("v", 1));
    });
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "1642248000|2022-01-15T12:00:00Z",
      "\"2022-01-15T12:00:00Z\"|2022-01-15T12:00:00Z",
      "\"2022-01-15T13:00:00+01:00\"|2022-01-15T12:00:00Z"})
  void timestamp_inUnixSecondsOrIso8601_isTheEventsTimestamp(String json, String expected) {
    assertThat(post("msg_t", "{\"event_type\":\"deployment\",\"timestamp\":" + json
        + ",\"event_id\":\"e1\",\"source\":\"ci\",\"data\":{}}")).isEqualTo(202);
    assertThat(published).singleElement().satisfies(e -> {
      assertThat(e.timestamp()).isEqualTo(Instant.parse(expected));
      assertThat(e.id()).isEqualTo("e1");
      assertThat(e.source()).isEqualTo("ci");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"data\":{}}",
      "{\"event_type\":\"rep*\",\"data\":{}}",
      "{\"event_type\":\"deployment\"}",
      "{\"event_type\":\"deployment\",\"data\":[1]}",
      "{\"event_type\":\"deployment\",\"data\":\"text\"}",
      "{\"event_type\":\"deployment\",\"data\":{},\"event_id\":\"\"}",
      "{\"event_type\":\"deployment\",\"data\":{},\"event_id\":7}",
      "{\"event_type\":\"deployment\",\"data\":{},\"timestamp\":\"yesterday\"}",
      "{\"event_type\":\"deployment\",\"data\":{},\"timestamp\":-1}",
      "{\"event_type\":\"deployment\",\"data\":{}} {}",
      "[{\"event_type\":\"deployment\",\"data\":{}}]"})
  void bodiesOutsideTheFormat_are400_andNothingIsPublished(String json) {
    assertThat(post("msg_bad", json)).isEqualTo(400);
    assertThat(published).isEmpty();
    assertThat(receiver.metrics().malformed()).isEqualTo(1);
  }
}
