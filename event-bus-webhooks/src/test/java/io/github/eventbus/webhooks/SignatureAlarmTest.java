package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Repeated verification failures make one rate-limited WARN naming the likely cause. */
class SignatureAlarmTest {

  @Test
  void tenFailures_makeOneWarning_thenNoneForAMinute() {
    ReceiverReplayTest.MovableClock clock = new ReceiverReplayTest.MovableClock();
    SignatureAlarm alarm = new SignatureAlarm(clock, Duration.ofMinutes(1), 10);
    for (int i = 0; i < 9; i++) {
      assertThat(alarm.record(VerificationFailure.BAD_SIGNATURE)).isNull();
    }
    String warning = alarm.record(VerificationFailure.STALE_TIMESTAMP);
    for (int i = 0; i < 50; i++) {
      assertThat(alarm.record(VerificationFailure.BAD_SIGNATURE)).isNull();
    }
    clock.now = clock.now.plus(Duration.ofMinutes(1));
    String next = alarm.record(VerificationFailure.BAD_SIGNATURE);

    assertThat(warning).contains("10 webhook requests", "9 no signature matched",
        "different secrets", "1 timestamp outside", "clock skew");
    assertThat(next).startsWith("51 webhook requests");
  }

  @Test
  void receiver_logsTheWarningOnce_withoutSecretsOrRequestText() {
    Logger logger = (Logger) LoggerFactory.getLogger(WebhookReceiver.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    Level before = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    String secret = WebhookReceiverTest.SECRET;
    try (EventBus bus = EventBus.builder().build();
        WebhookReceiver receiver = WebhookReceiver.builder(bus)
            .verifier(WebhookVerifier.builder().secret("whsec_c2VuZGluZy1leGFtcGxlLXNlY3JldA==")
                .build()).build()) {
      byte[] body = "{\"event_type\":\"x\",\"data\":{}}".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 30; i++) {
        Map<String, String> h = new java.util.HashMap<>(SignatureScheme.standardWebhooks().sign(
            "evil\r\nINFO forged line " + i, Instant.now(), body, List.of(WebhookSecret.of(secret))));
        h.put("Content-Type", "application/json");
        assertThat(receiver.handle("POST", h, body).status()).isEqualTo(401);
      }
      assertThat(receiver.metrics().unauthorized()).isEqualTo(30);
    } finally {
      logger.detachAppender(appender);
      logger.setLevel(before);
    }
    List<ILoggingEvent> warnings = appender.list.stream()
        .filter(e -> e.getLevel() == Level.WARN).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0).getFormattedMessage()).contains("wrong", "secrets")
        .doesNotContain(secret.substring(6), "evil");
    assertThat(appender.list).filteredOn(e -> e.getLevel() == Level.DEBUG).hasSize(30)
        .allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain("\n", "\r"));
  }
}
