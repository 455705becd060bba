package io.github.eventbus.jsonl;

import static io.github.eventbus.TestFiles.replaceWithFile;
import static io.github.eventbus.jsonl.WriterChecks.awaitFailedWrites;
import static io.github.eventbus.jsonl.WriterChecks.lines;
import static io.github.eventbus.jsonl.WriterChecks.writeAndWait;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JSON Lines writer in an unlucky environment not covered by {@link JsonLinesWriterFailureTest}:
 * logrotate's copytruncate and move, the file replaced by a directory, flush() with the file
 * gone, and a second writer opening the same file while the first writes.
 */
class JsonLinesWriterEnvAdversaryTest {

  @TempDir Path dir;
  private final List<String> problems = new CopyOnWriteArrayList<>();

  private JsonLinesWriterBuilder<Object> fixed(Path file, Durability durability) {
    return JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(durability)
        .retryDelay(Duration.ofMillis(20))
        .flushInterval(Duration.ofHours(1))
        // A lost file is found by the next append, never by a wake while idle in between (a
        // stalled test thread could let that come first): the lines' order is then fixed.
        .idleWake(Duration.ofHours(1))
        .errorHandler((f, problem, cause) -> problems.add(problem));
  }

  private static void truncate(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
  }

  @Test
  void copytruncate_whileOpen_nextLinesStartTheFile_withoutAHoleOfNuls() throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      writeAndWait(w, 1);
      Path copy = dir.resolve("log.jsonl.1");
      Files.copy(file, copy);
      truncate(file);

      writeAndWait(w, 2);

      assertThat(Files.readAllBytes(file)).asString(StandardCharsets.UTF_8).isEqualTo("{\"n\":2}\n");
      assertThat(lines(copy)).containsExactly("{\"n\":1}");
      assertThat(w.stats().written()).isEqualTo(2);
      assertThat(problems).isEmpty(); // same file, same identity: nothing to report
    }
  }

  @Test
  void copytruncate_withMaxFileBytes_doesNotRollOverAnEmptyFile() throws Exception {
    Path file = dir.resolve("log.jsonl");
    String pad = "x".repeat(80);
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).maxFileBytes(1000).build()) {
      for (int i = 0; i < 9; i++) { // about 900 bytes: below the limit
        w.appendAcknowledged(Map.of("n", i, "pad", pad)).get(20, TimeUnit.SECONDS);
      }
      assertThat(Files.exists(dir.resolve("log.1.jsonl"))).isFalse();
      truncate(file);

      // about 300 bytes: over the limit only with the size from before the truncation
      w.appendAcknowledged(Map.of("n", 99, "pad", pad.repeat(3))).get(20, TimeUnit.SECONDS);

      assertThat(Files.exists(dir.resolve("log.1.jsonl")))
          .as("rolled over although %s held 0 bytes", file).isFalse();
      assertThat(lines(file)).hasSize(1);
    }
  }

  @Test
  void renamedAway_dateextStyle_isReportedOnce_andLaterLinesGoToANewFile() throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      writeAndWait(w, 1);
      // logrotate's dateext name, of the day by a fixed clock rather than the machine's date.
      Clock day = Clock.fixed(Instant.parse("2026-11-30T03:00:00Z"), ZoneOffset.UTC);
      Path rotated = dir.resolve("log.jsonl-"
          + LocalDate.now(day).format(DateTimeFormatter.BASIC_ISO_DATE));
      Files.move(file, rotated);

      writeAndWait(w, 2);
      writeAndWait(w, 3);

      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"n\":3}");
      // The documented duplicate: the batch reached the moved file before the move was noticed.
      assertThat(lines(rotated)).containsExactly("{\"n\":1}", "{\"n\":2}");
      assertThat(problems).singleElement().asString().contains("was deleted");
      assertThat(w.stats().written()).isEqualTo(3);
      assertThat(w.stats().failedWrites()).isEqualTo(1);
    }
  }

  @Test
  void renamedAway_logrotateNumbered_laterLinesGoToANewFileAtThePath() throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      writeAndWait(w, 1);
      Files.move(file, dir.resolve("log.jsonl.1")); // logrotate's default naming

      writeAndWait(w, 2);
      writeAndWait(w, 3);

      assertThat(w.currentFile()).isEqualTo(file);
      assertThat(Files.exists(file)).as("nothing written at %s", file).isTrue();
      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"n\":3}");
    }
  }

  @Test
  void maxFileBytes_aFixedFilesRollOvers_areListedInWriteOrder_andReadBackWhole()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).maxFileBytes(50).build()) {
      for (int i = 0; i < 12; i++) {
        w.appendAcknowledged(Map.of("n", i, "pad", "x".repeat(30))).get(20, TimeUnit.SECONDS);
      }
    }
    List<Path> ordered = LogFiles.inWriteOrder(dir);
    try (var listing = Files.list(dir)) {
      assertThat(ordered).hasSameSizeAs(listing.toList()).hasSize(12);
    }
    assertThat(ordered.subList(0, 3)).containsExactly(file, dir.resolve("state.1.jsonl"),
        dir.resolve("state.2.jsonl"));
    assertThat(ordered.get(11)).isEqualTo(dir.resolve("state.11.jsonl"));
    List<String> all = new java.util.ArrayList<>();
    for (Path p : ordered) {
      all.addAll(lines(p));
    }
    assertThat(all).extracting(l -> l.replaceAll(".*\"n\":(\\d+).*", "$1"))
        .containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11");
  }

  @ParameterizedTest
  @ValueSource(strings = {"state", "shard.2.jsonl", "state.", "state.1", "app.log.1", ".hidden"})
  void maxFileBytes_forAFixedNameItsRollOversCouldBeConfusedWith_isRefusedAtBuild(String name)
      throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(dir.resolve(name + ".1"), "{\"rotated\":1}\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> fixed(file, Durability.FLUSH).maxFileBytes(20).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("maxFileBytes").hasMessageContaining(name);
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      writeAndWait(w, 1); // without a size limit such a name is fine
    }
    assertThat(lines(dir.resolve(name + ".1"))).containsExactly("{\"rotated\":1}");
  }

  @Test
  void start_withMaxFileBytes_nextToALogrotateNumberedFile_neverAppendsToIt() throws Exception {
    Path file = dir.resolve("log.jsonl");
    Files.writeString(file, "{\"kept\":true}\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("log.jsonl.1"), "{\"old\":true}\n", StandardCharsets.UTF_8);
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).maxFileBytes(1000).build()) {
      writeAndWait(w, 1);

      assertThat(w.currentFile()).isEqualTo(file);
    }
    assertThat(lines(dir.resolve("log.jsonl.1"))).containsExactly("{\"old\":true}");
    assertThat(lines(file)).containsExactly("{\"kept\":true}", "{\"n\":1}");
  }

  @Test
  void start_nextToARotatedNumberedFile_writesTheGivenFile() throws Exception {
    Path file = dir.resolve("log.jsonl");
    Files.writeString(dir.resolve("log.jsonl.1"), "{\"old\":true}\n", StandardCharsets.UTF_8);
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      writeAndWait(w, 1);

      assertThat(w.currentFile()).isEqualTo(file);
      assertThat(lines(dir.resolve("log.jsonl.1"))).containsExactly("{\"old\":true}");
      assertThat(Files.exists(file)).isTrue();
    }
  }

  @Test
  void fileReplacedByADirectory_failsLoudly_keepsTheLines_andWritesThemOnceItGoes()
      throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FSYNC).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      Files.createDirectory(file);

      CompletableFuture<Void> second = w.appendAcknowledged(Map.of("n", 2));
      awaitFailedWrites(w, 3);
      assertThat(second).isNotDone();
      assertThat(problems).anySatisfy(p -> assertThat(p).contains("replaced"));
      assertThat(problems).anySatisfy(p -> assertThat(p).contains("could not write"));

      Files.delete(file);
      second.get(20, TimeUnit.SECONDS);
      assertThat(lines(file)).containsExactly("{\"n\":2}");
      assertThat(w.stats().written()).isEqualTo(2);
      assertThat(w.stats().pending()).isZero();
    }
  }

  @Test
  void flush_underNone_afterTheDirectoryIsDeleted_writesThePendingLinesIntoARecreatedFile()
      throws Exception {
    Path logDir = dir.resolve("logs");
    Path file = logDir.resolve("log.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.NONE).build()) {
      w.append(Map.of("n", 1));
      w.flush().get(20, TimeUnit.SECONDS);
      try (Stream<Path> paths = Files.walk(logDir)) {
        for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
      for (int i = 2; i <= 4; i++) {
        w.append(Map.of("n", i));
      }

      w.flush().get(20, TimeUnit.SECONDS);

      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
      assertThat(problems).singleElement().asString().contains("was deleted");
      assertThat(w.stats().written()).isEqualTo(4);
    }
  }

  @Test
  void flush_withNothingPending_whenTheFileIsGone_completes_andDoesNotClaimTheFileBack()
      throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      writeAndWait(w, 1);
      Files.delete(file);

      w.flush().get(20, TimeUnit.SECONDS);

      assertThat(w.stats().written()).isEqualTo(1);
      assertThat(w.stats().pending()).isZero();
    }
  }

  @Test
  void restoreOnVanish_fileDeletedWhileOpen_newFileHoldsTheLinesThenTheRestoredRecords_uncounted()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    List<Map<String, Object>> live = new CopyOnWriteArrayList<>(List.of(Map.of("live", "a"),
        Map.of("live", "b")));
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FSYNC)
        .restoreOnVanish(() -> live).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      writeAndWait(w, 2);
      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"live\":\"a\"}",
          "{\"live\":\"b\"}");

      live.set(0, Map.of("live", "c"));
      Files.delete(file);
      Files.writeString(file, "another file\n", StandardCharsets.UTF_8);
      writeAndWait(w, 3);
      assertThat(lines(file)).as("replaced counts as vanished, and the records are asked again")
          .containsExactly("another file", "{\"n\":3}", "{\"live\":\"c\"}",
              "{\"live\":\"b\"}");

      writeAndWait(w, 4);
      assertThat(lines(file)).as("restored once per vanished file").hasSize(5);
      assertThat(w.stats().appended()).isEqualTo(4);
      assertThat(w.stats().written()).isEqualTo(4);
      assertThat(w.stats().pending()).isZero();
      assertThat(w.stats().failedWrites()).as("one per lost file: no failed retry after it")
          .isEqualTo(2);
      assertThat(problems).hasSize(2);
    }
  }

  @Test
  void restoreOnVanish_failingSupplier_isReported_andTheNewFileHoldsTheLines() throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH)
        .restoreOnVanish(() -> {
          throw new IllegalStateException("no state");
        }).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      writeAndWait(w, 2);

      assertThat(lines(file)).containsExactly("{\"n\":2}");
      assertThat(problems).anySatisfy(p -> assertThat(p).contains("could not all be had", "no state"));
    }
  }

  @Test
  void restoreOnVanish_whileTheNewFileCannotBeWritten_keepsTheRestoredRecordsWithTheLines()
      throws Exception {
    Path logDir = dir.resolve("logs");
    Path file = logDir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FSYNC)
        .restoreOnVanish(() -> List.of(Map.of("live", "a"))).build()) {
      writeAndWait(w, 1);
      replaceWithFile(logDir, "in the way");
      CompletableFuture<Void> second = w.appendAcknowledged(Map.of("n", 2));
      awaitFailedWrites(w, 3);
      assertThat(second).isNotDone();

      Files.delete(logDir);
      second.get(20, TimeUnit.SECONDS);
      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"live\":\"a\"}");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"open", "found at start"})
  void restoreOnVanish_fileDeletedWhileIdle_isRestoredWithoutAnotherRecord(String which)
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    if (which.equals("found at start")) {
      Files.writeString(file, "{\"n\":0}\n", StandardCharsets.UTF_8);
    }
    CompletableFuture<String> lost = new CompletableFuture<>();
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.FSYNC).flushInterval(Duration.ofHours(1))
        .errorHandler((f, problem, cause) -> lost.complete(problem))
        .restoreOnVanish(() -> List.of(Map.of("live", "a"))).build()) {
      if (which.equals("open")) {
        writeAndWait(w, 1);
      }
      Files.delete(file);

      assertThat(lost.get(20, TimeUnit.SECONDS)).contains("was deleted");
      w.flush().get(20, TimeUnit.SECONDS);
      assertThat(lines(file)).containsExactly("{\"live\":\"a\"}");
      assertThat(w.stats().written()).isEqualTo(which.equals("open") ? 1 : 0);
      assertThat(w.stats().pending()).isZero();
    }
  }
}
