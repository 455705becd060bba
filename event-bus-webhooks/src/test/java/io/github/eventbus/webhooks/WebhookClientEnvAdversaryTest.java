package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.RetryPolicy;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's attempt log in an unlucky environment: its directory blocked by a file while
 * deliveries run, and flushing it once the client is closed.
 */
class WebhookClientEnvAdversaryTest {

  @TempDir Path dir;

  private static WebhookMessage message(int n) {
    return WebhookMessage.of(Event.builder(DynamicEvent.of("file_change", Map.of("n", n)))
        .id("evt-" + n).timestamp(Instant.parse("2026-11-23T09:00:00Z")).source("pm").build());
  }

  @Test
  void attemptLogDirectoryBlockedByAFile_deliveriesGoOn_oneRateLimitedWarn_linesWrittenOnceItGoes()
      throws Exception {
    Path logDir = dir.resolve("webhooks");
    Path log = logDir.resolve("webhook_attempts.jsonl");
    try (ScriptedServer server = new ScriptedServer();
        LogCapture warnings = new LogCapture(JsonLinesWriter.class);
        WebhookClient client = WebhookClient.builder().secret("s3cret")
            .retry(RetryPolicy.builder().maxAttempts(1).build()).attemptLog(log).build()) {
      warnings.enable(Level.WARN);
      client.send(server.uri("/hook"), message(0)).get(20, TimeUnit.SECONDS);
      client.flushLog();
      Files.delete(log);
      Files.delete(logDir);
      Files.writeString(logDir, "in the way", StandardCharsets.UTF_8);

      for (int n = 1; n <= 30; n++) {
        WebhookDelivery d = client.send(server.uri("/hook"), message(n)).get(20, TimeUnit.SECONDS);
        assertThat(d.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
      }
      // The writer fails on every retry; its report is rate-limited, never one line per attempt.
      assertThat(warnings.lines(Level.WARN)).isNotEmpty().hasSizeLessThanOrEqualTo(3);

      Files.delete(logDir);
      client.flushLog();
      assertThat(Files.readAllLines(log, StandardCharsets.UTF_8)).hasSize(30)
          .allSatisfy(l -> assertThat(l).contains("\"outcome\":\"delivered\""));
    }
  }

  @Test
  void flushLog_afterClose_doesNotThrowAnUndocumentedException() throws Exception {
    WebhookClient client = WebhookClient.builder().secret("s3cret")
        .attemptLog(dir.resolve("webhook_attempts.jsonl")).build();
    client.close();

    assertThatCode(client::flushLog).doesNotThrowAnyException();
  }

  @Test
  void build_failingAtTheAttemptLog_closesTheOutboxItOpened_soNoWriterThreadIsLeft()
      throws Exception {
    Path blocker = Files.writeString(dir.resolve("blocker"), "a file, not a directory");
    WebhookClient.Builder builder = WebhookClient.builder().secret("s3cret")
        .outbox(dir.resolve("outbox.jsonl")).attemptLog(blocker.resolve("attempts.jsonl"));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a directory");

    assertThat(Thread.getAllStackTraces().keySet()).filteredOn(Thread::isAlive)
        .extracting(Thread::getName).noneMatch(n -> n.startsWith("jsonl-writer-outbox"));
    try (WebhookClient again = WebhookClient.builder().secret("s3cret")
        .outbox(dir.resolve("outbox.jsonl")).build()) { // the file is free again
      assertThat(again.resumed()).isEmpty();
    }
  }

  /**
   * The attempt log's directory blocked for good: its buffer (65,536 lines) fills, and sending
   * must not then wait on the disk. An endpoint that answered 410 ends each later delivery at once
   * on the sending thread, with one line each, so 70,000 sends overfill the buffer quickly.
   */
  @Test
  void attemptLogBlockedForGood_sendingNeverWaitsOnTheDisk_linesPastTheBufferDroppedAndCounted()
      throws Exception {
    Path logDir = dir.resolve("webhooks");
    Path log = logDir.resolve("webhook_attempts.jsonl");
    try (ScriptedServer server = new ScriptedServer();
        LogCapture warnings = new LogCapture(JsonLinesWriter.class);
        WebhookClient client = WebhookClient.builder().secret("s3cret").attemptLog(log)
            .drainTimeout(java.time.Duration.ZERO).build()) {
      server.script(ScriptedServer.Reply.of(410));
      assertThat(client.send(server.uri("/hook"), message(0)).get(20, TimeUnit.SECONDS).outcome())
          .isEqualTo(DeliveryOutcome.GONE);
      client.flushLog();
      Files.delete(log);
      Files.delete(logDir);
      Files.writeString(logDir, "in the way", StandardCharsets.UTF_8);

      org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
          () -> {
            for (int n = 1; n <= 70_000; n++) {
              client.send(server.uri("/hook"), message(n)); // gone: ends at once
            }
          });

      assertThat(client.attemptLogStats().orElseThrow().dropped()).isPositive();
      assertThat(warnings.lines(Level.WARN)).isNotEmpty().hasSizeLessThanOrEqualTo(3);
    }
  }
}
