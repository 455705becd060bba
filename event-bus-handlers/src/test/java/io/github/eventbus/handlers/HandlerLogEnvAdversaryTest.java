package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A handler's JSON Lines log in an unlucky environment: two handlers on one file, its directory
 * blocked by a file, a rotated file next to it.
 */
class HandlerLogEnvAdversaryTest {

  @TempDir Path root;
  private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T08:30:00Z"), ZoneOffset.UTC);

  @Test
  void twoHandlersOnOneFile_concurrently_everyLineWholeAndNoneLost() throws Exception {
    Random random = new Random(42L);
    int perLog = 2000;
    try (HandlerLog first = HandlerLog.open(root, "risk_alerts", "risk_alerts.jsonl", clock);
        HandlerLog second = HandlerLog.open(root, "risk_alerts", "risk_alerts.jsonl", clock)) {
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(2);
      String[] pads = new String[perLog];
      for (int i = 0; i < perLog; i++) {
        pads[i] = "p".repeat(random.nextInt(3000));
      }
      for (HandlerLog log : List.of(first, second)) {
        String who = log == first ? "first" : "second";
        Thread t = new Thread(() -> {
          try {
            start.await();
            for (int i = 0; i < perLog; i++) {
              log.write(Map.of("who", who, "n", i, "pad", pads[i]));
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            done.countDown();
          }
        }, "probe-" + who);
        t.start();
      }
      start.countDown();
      assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(first.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(second.flush(Duration.ofSeconds(20))).isTrue();
    }
    ObjectMapper mapper = new ObjectMapper();
    Set<String> seen = new HashSet<>();
    List<String> lines = Files.readAllLines(root.resolve("risk_alerts/risk_alerts.jsonl"),
        StandardCharsets.UTF_8);
    for (String line : lines) {
      JsonNode node = mapper.readTree(line); // throws on a torn or interleaved line
      seen.add(node.get("who").asText() + node.get("n").asInt());
    }
    assertThat(lines).hasSize(2 * perLog);
    assertThat(seen).hasSize(2 * perLog);
  }

  @Test
  void flush_whileTheDirectoryIsBlockedByAFile_returnsFalseWithinTheTimeout_thenTrueOnceItGoes()
      throws Exception {
    Path dir = root.resolve("reports");
    try (HandlerLog log = HandlerLog.open(root, "reports", "report_generations.jsonl", clock)) {
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
    try (HandlerLog log = HandlerLog.open(root, "risk_alerts", "risk_alerts.jsonl", clock)) {
      log.write(Map.of("n", 1));
      assertThat(log.flush(Duration.ofSeconds(20))).isTrue();
      assertThat(log.file()).isEqualTo(dir.resolve("risk_alerts.jsonl"));
    }
    assertThat(Files.readAllLines(dir.resolve("risk_alerts.jsonl.1"))).containsExactly(
        "{\"old\":true}");
  }
}
