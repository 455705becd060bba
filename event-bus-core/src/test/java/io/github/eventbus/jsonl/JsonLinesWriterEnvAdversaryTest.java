package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        .errorHandler((f, problem, cause) -> problems.add(problem));
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
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
      w.appendAcknowledged(Map.of("n", 1)).get(20, TimeUnit.SECONDS);
      Path copy = dir.resolve("log.jsonl.1");
      Files.copy(file, copy);
      truncate(file);

      w.appendAcknowledged(Map.of("n", 2)).get(20, TimeUnit.SECONDS);

      assertThat(Files.readAllBytes(file)).asString(StandardCharsets.UTF_8).isEqualTo("{\"n\":2}\n");
      assertThat(lines(copy)).containsExactly("{\"n\":1}");
      assertThat(w.stats().written()).isEqualTo(2);
      assertThat(problems).isEmpty(); // same file, same identity: nothing to report
    }
  }

  @Disabled("FOUND: after copytruncate the writer still counts the old size, so the next small"
      + " batch rolls over to <file>.1 although the truncated file is far below maxFileBytes")
  @Test
  void copytruncate_withMaxFileBytes_doesNotRollOverAnEmptyFile() throws Exception {
    Path file = dir.resolve("log.jsonl");
    String pad = "x".repeat(80);
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).maxFileBytes(1000).build()) {
      for (int i = 0; i < 9; i++) { // about 900 bytes: below the limit
        w.appendAcknowledged(Map.of("n", i, "pad", pad)).get(20, TimeUnit.SECONDS);
      }
      assertThat(Files.exists(dir.resolve("log.jsonl.1"))).isFalse();
      truncate(file);

      // about 300 bytes: over the limit only with the size from before the truncation
      w.appendAcknowledged(Map.of("n", 99, "pad", pad.repeat(3))).get(20, TimeUnit.SECONDS);

      assertThat(Files.exists(dir.resolve("log.jsonl.1")))
          .as("rolled over although %s held 0 bytes", file).isFalse();
      assertThat(lines(file)).hasSize(1);
    }
  }

  @Test
  void renamedAway_dateextStyle_isReportedOnce_andLaterLinesGoToANewFile() throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      w.appendAcknowledged(Map.of("n", 1)).get(20, TimeUnit.SECONDS);
      Path rotated = dir.resolve("log.jsonl-20261130");
      Files.move(file, rotated);

      w.appendAcknowledged(Map.of("n", 2)).get(20, TimeUnit.SECONDS);
      w.appendAcknowledged(Map.of("n", 3)).get(20, TimeUnit.SECONDS);

      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"n\":3}");
      // The documented duplicate: the batch reached the moved file before the move was noticed.
      assertThat(lines(rotated)).containsExactly("{\"n\":1}", "{\"n\":2}");
      assertThat(problems).singleElement().asString().contains("was deleted");
      assertThat(w.stats().written()).isEqualTo(3);
      assertThat(w.stats().failedWrites()).isEqualTo(1);
    }
  }

  @Disabled("FOUND: after logrotate moves a fixed file to <file>.1 the writer re-opens <file>.1"
      + " (the highest roll-over index, even without maxFileBytes) and keeps writing the rotated"
      + " file; nothing is written at the path")
  @Test
  void renamedAway_logrotateNumbered_laterLinesGoToANewFileAtThePath() throws Exception {
    Path file = dir.resolve("log.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      w.appendAcknowledged(Map.of("n", 1)).get(20, TimeUnit.SECONDS);
      Files.move(file, dir.resolve("log.jsonl.1")); // logrotate's default naming

      w.appendAcknowledged(Map.of("n", 2)).get(20, TimeUnit.SECONDS);
      w.appendAcknowledged(Map.of("n", 3)).get(20, TimeUnit.SECONDS);

      assertThat(w.currentFile()).isEqualTo(file);
      assertThat(Files.exists(file)).as("nothing written at %s", file).isTrue();
      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"n\":3}");
    }
  }

  @Disabled("FOUND: a writer started on a fixed file next to a rotated <file>.1 (no maxFileBytes)"
      + " writes into <file>.1, not into the file it was given")
  @Test
  void start_nextToARotatedNumberedFile_writesTheGivenFile() throws Exception {
    Path file = dir.resolve("log.jsonl");
    Files.writeString(dir.resolve("log.jsonl.1"), "{\"old\":true}\n", StandardCharsets.UTF_8);
    try (JsonLinesWriter<Object> w = fixed(file, Durability.FLUSH).build()) {
      w.appendAcknowledged(Map.of("n", 1)).get(20, TimeUnit.SECONDS);

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
      w.appendAcknowledged(Map.of("n", 1)).get(20, TimeUnit.SECONDS);
      Files.delete(file);
      Files.createDirectory(file);

      CompletableFuture<Void> second = w.appendAcknowledged(Map.of("n", 2));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (w.stats().failedWrites() < 3 && System.nanoTime() < deadline) {
        Thread.onSpinWait(); // polling a counter the writer advances every retryDelay
      }
      assertThat(w.stats().failedWrites()).isGreaterThanOrEqualTo(3);
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
      w.appendAcknowledged(Map.of("n", 1)).get(20, TimeUnit.SECONDS);
      Files.delete(file);

      w.flush().get(20, TimeUnit.SECONDS);

      assertThat(w.stats().written()).isEqualTo(1);
      assertThat(w.stats().pending()).isZero();
    }
  }

  /**
   * Two writers on one file (two buses on one audit directory): the second one's torn-line repair
   * at open must not cut off a line the first one is writing, and then counts as written.
   */
  @Disabled("FOUND: a second writer opening the same file while the first writes runs the"
      + " torn-line repair on the first's half-visible write and truncates it away: acknowledged"
      + " lines of the first writer are missing from the file")
  @Test
  void secondWriterOpeningTheSameFile_neverCutsOffTheFirstWritersAcknowledgedLines()
      throws Exception {
    Path file = dir.resolve("shared.jsonl");
    Random random = new Random(20261130L);
    String big = "y".repeat(512 * 1024); // a write long enough to be caught half-visible
    AtomicBoolean stop = new AtomicBoolean();
    List<Integer> acknowledged = new CopyOnWriteArrayList<>();
    CountDownLatch firstDone = new CountDownLatch(1);
    try (JsonLinesWriter<Object> first = fixed(file, Durability.FLUSH).build()) {
      Thread writing = new Thread(() -> {
        try {
          for (int n = 0; !stop.get() && n < 300; n++) {
            first.appendAcknowledged(Map.of("a", n, "pad", big)).get(20, TimeUnit.SECONDS);
            acknowledged.add(n);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        } finally {
          firstDone.countDown();
        }
      }, "probe-first-writer");
      writing.start();
      for (int i = 0; i < 60; i++) {
        try (JsonLinesWriter<Object> second = fixed(file, Durability.FLUSH).build()) {
          second.appendAcknowledged(Map.of("b", i)).get(20, TimeUnit.SECONDS);
        }
        for (int spin = random.nextInt(20_000); spin > 0; spin--) {
          Thread.onSpinWait();
        }
      }
      stop.set(true);
      assertThat(firstDone.await(20, TimeUnit.SECONDS)).isTrue();
    }
    Set<Integer> inFile = new HashSet<>();
    List<String> all = lines(file);
    for (String line : all) {
      if (line.startsWith("{\"a\":")) {
        inFile.add(Integer.parseInt(line.substring(5, line.indexOf(','))));
      }
    }
    List<Integer> missing = new ArrayList<>(acknowledged);
    missing.removeAll(inFile);
    assertThat(missing).as("acknowledged lines of the first writer missing from %s (%s exists: %s)",
        file, file.getFileName() + ".corrupt",
        Files.exists(file.resolveSibling(file.getFileName() + ".corrupt"))).isEmpty();
  }
}
