package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A handler's JSON Lines log in an unlucky environment: its directory blocked by a file, a
 * rotated file next to it. (Two handlers on one file are not supported: the README says one
 * writer per file.)
 */
class HandlerLogEnvAdversaryTest {

  @TempDir Path root;
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T08:30:00Z"), ZoneOffset.UTC);

  @Test
  void flush_whileTheDirectoryIsBlockedByAFile_returnsFalseWithinTheTimeout_thenTrueOnceItGoes()
      throws Exception {
    Path dir = root.resolve("reports");
    try (HandlerLog log = HandlerLog.open(root, "reports", "report_generations.jsonl", clock,
        null)) {
      log.write(Map.of("n", 1));
      assertThat(log.flush(Duration.ofSeconds(20))).isTrue();
      Files.delete(dir.resolve("report_generations.jsonl"));
      Files.delete(dir);
      Files.writeString(dir, "in the way", StandardCharsets.UTF_8);
      log.write(Map.of("n", 2));

      assertThat(log.flush(Duration.ofMillis(300))).isFalse();

      Files.delete(dir);
      assertThat(log.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(Files.readAllLines(dir.resolve("report_generations.jsonl"))).containsExactly(
          "{\"n\":2}");
    }
  }

  @Test
  void start_nextToALogrotatedFile_writesTheHandlersOwnFile() throws Exception {
    Path dir = Files.createDirectories(root.resolve("risk_alerts"));
    Files.writeString(dir.resolve("risk_alerts.jsonl.1"), "{\"old\":true}\n", StandardCharsets.UTF_8);
    try (HandlerLog log = HandlerLog.open(root, "risk_alerts", "risk_alerts.jsonl", clock,
        null)) {
      log.write(Map.of("n", 1));
      assertThat(log.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(log.file()).isEqualTo(dir.resolve("risk_alerts.jsonl"));
    }
    assertThat(Files.readAllLines(dir.resolve("risk_alerts.jsonl.1"))).containsExactly(
        "{\"old\":true}");
  }
}
