package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What becomes of an event on its way into a webhook message. */
class WebhookMessageTest {

  private static Event<?> event(String id) {
    return Event.builder(DynamicEvent.of("order.placed", Map.of("n", 1))).id(id)
        .timestamp(java.time.Instant.parse("2026-11-23T10:00:00Z")).build();
  }

  @ParameterizedTest
  @ValueSource(strings = {"caf\u00e9-1", "\u6ce8\u6587-1", "a\r\nX-Forged: 1", " lead",
      "trail ", "tab\there", "del\u007f"})
  void of_anIdThatIsNotVisibleAscii_isRefusedAtOnce_namedEscaped(String id) {
    // Sent, it would be garbled in the header (a 401 on every attempt) or refused by the client.
    assertThatThrownBy(() -> WebhookMessage.of(event(id)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("printable ASCII")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\r", "\n", "\t"));
  }

  @Test
  void of_anIdOfVisibleAscii_isTheWebhookId() {
    String id = "ord 01J~x.y-z:42/@!";
    assertThat(WebhookMessage.of(event(id)).id()).isEqualTo(id);
  }
}
