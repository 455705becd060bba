package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a child JVM whose compacting writer keeps state in a file, with SIGKILL at a random
 * moment (often within one of its many compactions): the file must still parse, hold every
 * acknowledged addition not yet being removed, and no acknowledged removal.
 */
@Tag("slow")
class CompactionCrashTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void sigkillWhileCompacting_fileHoldsEveryAcknowledgedChange() throws Exception {
    Random random = new Random(20261202);
    for (int round = 0; round < 4; round++) {
      Path file = dir.resolve("state-" + round + ".jsonl");
      Set<Integer> added = new HashSet<>();
      Set<Integer> removing = new HashSet<>();
      Set<Integer> removed = new HashSet<>();
      Process child = new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-cp", System.getProperty("java.class.path"),
              CompactionCrashChild.class.getName(), file.toString())
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      // Killed after 3.5 KiB to 7 KiB of changes; it compacts from 512 bytes on, and whenever
      // it has doubled since the last compaction.
      int killAfter = 150 + random.nextInt(150);
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          String[] parts = line.split(" ");
          if (parts.length != 2) {
            continue; // not the child's
          }
          int n = Integer.parseInt(parts[1]);
          switch (parts[0]) {
            case "add" -> added.add(n);
            case "removing" -> removing.add(n);
            case "del" -> removed.add(n);
            default -> { }
          }
          if (added.size() == killAfter) {
            // SIGKILL, through the handle: Process.destroyForcibly would also close the pipe,
            // losing what the child printed before it died.
            child.toHandle().destroyForcibly();
          }
        }
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        child.destroyForcibly(); // also when the reading failed: no child left writing
      }

      Set<Integer> state = replay(file);
      for (int n : added) {
        if (!removing.contains(n)) {
          assertThat(state).as("round %d: acknowledged %d", round, n).contains(n);
        }
      }
      assertThat(state).as("round %d: acknowledged removals", round).doesNotContainAnyElementsOf(
          removed);
      assertThat(Files.size(file)).as("round %d: compacted as it ran", round)
          .isLessThan(2_560);
    }
  }

  /** The state the file holds; every line but a torn last one is a whole record. */
  private static Set<Integer> replay(Path file) throws Exception {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String[] lines = text.split("\n", -1); // the last element is what follows the last line break
    Set<Integer> state = new HashSet<>();
    for (int i = 0; i < lines.length - 1; i++) {
      JsonNode record = MAPPER.readTree(lines[i]);
      if (record.has("add")) {
        state.add(record.get("add").intValue());
      } else {
        assertThat(record.has("del")).as("line %d: %s", i, lines[i]).isTrue();
        state.remove(record.get("del").intValue());
      }
    }
    return state;
  }
}
