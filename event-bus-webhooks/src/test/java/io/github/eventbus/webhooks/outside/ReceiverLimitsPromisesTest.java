package io.github.eventbus.webhooks.outside;

import static io.github.eventbus.webhooks.outside.WebhookReceiverPromisesTest.NOW;
import static io.github.eventbus.webhooks.outside.WebhookReceiverPromisesTest.SECRET;
import static io.github.eventbus.webhooks.outside.WebhookReceiverPromisesTest.rawExchange;
import static io.github.eventbus.webhooks.outside.WebhookReceiverPromisesTest.signed;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.EventBus;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The receiver's documented limits at their exact edges, over real HTTP: 100 header fields and
 * 16 KiB of request head, and the body cap ({@code maxBodyBytes}).
 */
class ReceiverLimitsPromisesTest {

  static final int BODY_LIMIT = 512;
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private final EventBus bus = EventBus.builder().executor(Runnable::run).build();
  private final AtomicInteger ids = new AtomicInteger();
  private WebhookReceiver receiver;
  private URI uri;

  @BeforeEach
  void start() {
    receiver = WebhookReceiver.builder(bus).clock(clock).maxBodyBytes(BODY_LIMIT)
        .verifier(WebhookVerifier.builder().secret(SECRET).clock(clock).build()).build();
    receiver.start();
    uri = receiver.uri();
  }

  @AfterEach
  void stop() {
    receiver.close();
    bus.close();
  }

  private static byte[] bodyOfSize(String id, int size) {
    String start = "{\"event_type\":\"deployment\",\"event_id\":\"" + id + "\",\"data\":{\"pad\":\"";
    String end = "\"}}";
    String json = start + "a".repeat(size - start.length() - end.length()) + end;
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    assertThat(bytes).hasSize(size);
    return bytes;
  }

  /** A request head with the signed fields (7 with Host, Connection and Content-Length). */
  private StringBuilder head(String id, byte[] body) {
    StringBuilder head = new StringBuilder("POST /webhooks HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\nConnection: close\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n");
    Map<String, String> signed = signed(id, body);
    signed.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    assertThat(signed).hasSize(4);
    return head;
  }

  private int withPaddingFields(int padding) throws Exception {
    String id = "msg_fields_" + ids.incrementAndGet();
    byte[] body = bodyOfSize("e" + id, 200);
    StringBuilder head = head(id, body);
    for (int i = 0; i < padding; i++) {
      head.append("X-Pad-").append(i).append(": 1\r\n");
    }
    return rawExchange(uri, head.append("\r\n").toString(), body);
  }

  private int withHeadOfBytes(int total) throws Exception {
    String id = "msg_bytes_" + ids.incrementAndGet();
    byte[] body = bodyOfSize("e" + id, 200);
    StringBuilder head = head(id, body);
    String prefix = "X-Pad: ";
    int padding = total - head.length() - prefix.length() - 2 - 2;
    head.append(prefix).append("a".repeat(padding)).append("\r\n").append("\r\n");
    assertThat(head.length()).isEqualTo(total);
    return rawExchange(uri, head.toString(), body);
  }

  @Test
  void aHundredHeaderFields_areServed_andAHundredAndOne_are431() throws Exception {
    assertThat(withPaddingFields(93)).isEqualTo(202);
    assertThat(withPaddingFields(94)).isEqualTo(431);
    assertThat(receiver.metrics().accepted()).isEqualTo(1);
    assertThat(receiver.metrics().headersTooLarge()).isEqualTo(1);
  }

  @Test
  void aRequestHeadOf16KiB_isServed_andTwoBytesMore_is431() throws Exception {
    assertThat(withHeadOfBytes(16 * 1024)).isEqualTo(202);
    assertThat(withHeadOfBytes(16 * 1024 + 2)).isEqualTo(431);
    assertThat(receiver.metrics().headersTooLarge()).isEqualTo(1);
  }

  @Test
  void aRequestHeadOneByteOver16KiB_is431() throws Exception {
    assertThat(withHeadOfBytes(16 * 1024 + 1)).isEqualTo(431);
  }

  @Test
  void aBodyOfExactlyTheLimit_isAccepted_andOneByteMore_is413() throws Exception {
    byte[] atLimit = bodyOfSize("e-at-limit", BODY_LIMIT);
    assertThat(rawExchange(uri, head("msg_at_limit", atLimit).append("\r\n").toString(), atLimit))
        .isEqualTo(202);
    byte[] over = bodyOfSize("e-over", BODY_LIMIT + 1);
    assertThat(rawExchange(uri, head("msg_over", over).append("\r\n").toString(), over))
        .isEqualTo(413);
    assertThat(receiver.metrics().tooLarge()).isEqualTo(1);
  }
}
