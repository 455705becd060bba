package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a publishing child JVM with SIGKILL at a random moment, several rounds on one directory:
 * every acknowledged event must be in the log, the log must parse after reopening, and new writes
 * must append cleanly.
 */
@Tag("slow")
class AuditCrashTest {

  @TempDir Path dir;

  @Test
  void sigkillDuringFsyncPublishing_losesNoAcknowledgedEvent() throws Exception {
    Random random = new Random(20261123);
    Set<String> acknowledged = new HashSet<>();
    for (int round = 0; round < 3; round++) {
      Process child = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp", System.getProperty("java.class.path"),
              CrashChild.class.getName(), dir.toString())
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      int killAfter = 20 + random.nextInt(200);
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (int i = 0; i < killAfter; i++) {
          String id = out.readLine();
          assertThat(id).as("child output before kill").isNotNull();
          acknowledged.add(id);
        }
        child.destroyForcibly(); // SIGKILL on Unix
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        child.destroyForcibly(); // also when the reading failed: no child left writing
      }
    }

    List<CorruptLine> corrupt = new CopyOnWriteArrayList<>();
    // Reopen and append: a torn tail is cut off, and the new line lands on a line of its own.
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
        .durability(Durability.FSYNC).build()) {
      w.appendAcknowledged(Map.of("format_version", 1, "event_id", "after-crash", "type", "t",
          "timestamp", "2026-11-23T00:00:00Z", "source", "s", "data", Map.of()))
          .get(30, TimeUnit.SECONDS);
    }
    List<String> logged = new ArrayList<>();
    try (Stream<AuditEntry> entries =
        AuditReader.builder().onCorrupt(corrupt::add).build().read(dir)) {
      entries.forEach(e -> logged.add(e.eventId()));
    }
    assertThat(corrupt).isEmpty();
    assertThat(logged).containsAll(acknowledged);
    assertThat(logged).last().isEqualTo("after-crash");
    assertThat(new HashSet<>(logged)).hasSize(logged.size()); // no event logged twice
  }
}
