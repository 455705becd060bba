package io.github.eventbus.jsonl;

import static io.github.eventbus.jsonl.WriterChecks.lines;
import static io.github.eventbus.jsonl.WriterChecks.writeAndWait;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A writer with {@code compactAbove} replaces its file by the records to restore once it has
 * grown: the file stays bounded by the state, every line appended after a compaction follows it,
 * and a compaction that fails leaves the file as it was.
 */
class JsonLinesWriterCompactionTest {

  private static final long ABOVE = 60; // {"n":1} to {"n":9} are 8 bytes a line, then 9

  @TempDir Path dir;
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final AtomicInteger asked = new AtomicInteger();

  private JsonLinesWriterBuilder<Object> compacting(Path file,
      Supplier<? extends Collection<?>> records) {
    return JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.FSYNC)
        .retryDelay(Duration.ofMillis(20))
        .idleWake(Duration.ofHours(1))
        .errorHandler((f, problem, cause) -> problems.add(problem + " / " + cause))
        .restoreOnVanish(() -> {
          asked.incrementAndGet();
          return records.get();
        })
        .compactAbove(ABOVE);
  }

  /** The {@code n} of the lines that are {@code {"n":..}}, in file order. */
  private static List<Integer> numbers(Path file) throws Exception {
    List<Integer> numbers = new ArrayList<>();
    for (String line : lines(file)) {
      if (line.startsWith("{\"n\":")) {
        numbers.add(Integer.parseInt(line.substring(5, line.length() - 1)));
      }
    }
    return numbers;
  }

  /** Asserts that the numbers in the file are the last ones appended, 1 to {@code last}. */
  private static void assertLastNumbers(Path file, int last) throws Exception {
    List<Integer> numbers = numbers(file);
    assertThat(numbers).isNotEmpty().last().isEqualTo(last);
    for (int i = 1; i < numbers.size(); i++) {
      assertThat(numbers.get(i)).as("a run of the latest lines: %s", numbers)
          .isEqualTo(numbers.get(i - 1) + 1);
    }
  }

  @Test
  void compactAbove_fileReachingTheSize_isReplacedByTheRecords_andLaterLinesFollowThem()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = compacting(file, () -> List.of(Map.of("live", "a"))).build()) {
      for (int n = 1; n <= 40; n++) {
        writeAndWait(w, n);
        w.flush().get(20, TimeUnit.SECONDS); // the compaction a write starts ends before this
        assertThat(Files.size(file)).as("compacted whenever it reached the size").isLessThan(ABOVE);
      }
      assertThat(lines(file).get(0)).isEqualTo("{\"live\":\"a\"}");
      assertThat(lines(file).subList(1, lines(file).size())).allMatch(l -> l.startsWith("{\"n\":"));
      assertLastNumbers(file, 40);
      assertThat(w.stats().appended()).isEqualTo(40);
      assertThat(w.stats().written()).isEqualTo(40);
      assertThat(w.stats().failedWrites()).isZero();
      assertThat(problems).isEmpty();
      assertThat(asked.get()).as("about one compaction per 50 bytes written").isBetween(5, 9);
    }
    assertThat(dir.resolve("state.jsonl.tmp")).doesNotExist();
  }

  @Test
  void compactAbove_stateLargerThanTheSize_compactsOnceTheFileHasDoubled() throws Exception {
    Path file = dir.resolve("state.jsonl");
    List<Map<String, String>> live = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      live.add(Map.of("live", "record-" + i)); // 10 lines of 20 bytes: 200 bytes of state
    }
    try (JsonLinesWriter<Object> w = compacting(file, () -> live).build()) {
      for (int n = 1; n <= 101; n++) { // compacted at 8, 31, 54, 77 and 100
        writeAndWait(w, n);
      }
      w.flush().get(20, TimeUnit.SECONDS);
      // 100 lines of about 9 bytes: about 900 bytes. Compacting at each write past the size
      // would rewrite the 200 bytes some 90 times; waiting for twice the state, 5 times.
      assertThat(asked.get()).isBetween(2, 6);
      assertThat(lines(file).subList(0, 10)).allMatch(l -> l.startsWith("{\"live\""));
      assertLastNumbers(file, 101);
    }
  }

  @Test
  void compaction_temporaryFileCannotBeWritten_leavesTheFile_reports_andTriesAgainWhenDoubled()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    Path blocker = Files.createDirectories(dir.resolve("state.jsonl.tmp"));
    Files.writeString(blocker.resolve("keep"), "a directory in the way", StandardCharsets.UTF_8);
    try (JsonLinesWriter<Object> w = compacting(file, () -> List.of(Map.of("live", "a"))).build()) {
      for (int n = 1; n <= 12; n++) { // 99 bytes: one compaction at 64, the next due at 128
        writeAndWait(w, n);
      }
      w.flush().get(20, TimeUnit.SECONDS);
      assertThat(numbers(file)).as("every line still there").hasSize(12);
      assertThat(lines(file)).hasSize(12);
      assertThat(w.stats().failedWrites()).isEqualTo(1);
      assertThat(problems).singleElement().asString().contains("could not compact",
          "state.jsonl.tmp");
      assertThat(blocker.resolve("keep")).exists();

      Files.delete(blocker.resolve("keep"));
      Files.delete(blocker);
      for (int n = 13; n <= 17; n++) { // 135 bytes at 16: compacted, and 17 follows
        writeAndWait(w, n);
      }
      w.flush().get(20, TimeUnit.SECONDS);
      assertThat(lines(file)).containsExactly("{\"live\":\"a\"}", "{\"n\":17}");
      assertThat(w.stats().written()).isEqualTo(17);
      assertThat(problems).hasSize(1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"supplier throws", "a record cannot be encoded"})
  void compaction_failingRecords_leaveTheFileAsItWas_andTheWriterGoesOn(String how)
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    Supplier<Collection<?>> records = how.equals("supplier throws")
        ? () -> {
          throw new IllegalStateException("no state now");
        }
        : () -> List.of(Map.of("live", "a"), new Object()); // no properties: Jackson refuses it
    try (JsonLinesWriter<Object> w = compacting(file, records).build()) {
      for (int n = 1; n <= 12; n++) {
        writeAndWait(w, n);
      }
      w.flush().get(20, TimeUnit.SECONDS);

      assertThat(lines(file)).hasSize(12);
      assertLastNumbers(file, 12);
      assertThat(numbers(file)).hasSize(12);
      assertThat(w.stats().failedWrites()).isEqualTo(1);
      assertThat(w.stats().unencodable()).as("the writer's own records only").isZero();
      assertThat(problems).singleElement().asString().contains("could not compact");
      assertThat(dir.resolve("state.jsonl.tmp")).doesNotExist();
    }
  }

  @Test
  void compaction_overALinkAtTheTemporaryPath_neverWritesThroughIt() throws Exception {
    Path file = dir.resolve("state.jsonl");
    Path victim = Files.writeString(dir.resolve("victim.txt"), "keep me\n", StandardCharsets.UTF_8);
    Files.createSymbolicLink(dir.resolve("state.jsonl.tmp"), victim);
    try (JsonLinesWriter<Object> w = compacting(file, () -> List.of(Map.of("live", "a"))).build()) {
      for (int n = 1; n <= 8; n++) {
        writeAndWait(w, n);
      }
      w.flush().get(20, TimeUnit.SECONDS);
      assertThat(lines(file).get(0)).isEqualTo("{\"live\":\"a\"}");
      assertThat(victim).hasContent("keep me");
      assertThat(problems).isEmpty();
    }
  }

  @Test
  void compactAbove_misconfigured_failsFastNamingTheOption() {
    Path file = dir.resolve("state.jsonl");
    assertThatThrownBy(() -> JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .compactAbove(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("compactAbove");
    assertThatThrownBy(() -> JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .compactAbove(1).compactAbove(2)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("compactAbove");
    assertThatThrownBy(() -> JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .compactAbove(1).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("restoreOnVanish");
    assertThatThrownBy(() -> JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
        .restoreOnVanish(List::of).compactAbove(1).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("toFile");
    assertThatThrownBy(() -> JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .restoreOnVanish(List::of).maxFileBytes(100).compactAbove(1).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("maxFileBytes");
  }
}
