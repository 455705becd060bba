package io.github.eventbus.jsonl;

import static io.github.eventbus.jsonl.WriterChecks.lines;
import static io.github.eventbus.jsonl.WriterChecks.writeAndWait;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
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
  void compaction_supplierLeavingAnInterrupt_doesNotEndTheWriter() throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = compacting(file, () -> {
      // A user's supplier that restores an interrupt it caught; no record to encode after it.
      Thread.currentThread().interrupt();
      return List.of();
    }).build()) {
      for (int n = 1; n <= 12; n++) { // compacted at 8
        writeAndWait(w, n);
      }
      assertThat(lines(file)).containsExactly("{\"n\":9}", "{\"n\":10}", "{\"n\":11}",
          "{\"n\":12}");
      assertThat(problems).isEmpty();
    }
  }

  @Test
  void compaction_fileReplacedJustBeforeIt_isNotOverwritten_butReportedAndRestored()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    CountDownLatch registered = new CountDownLatch(1);
    JsonLinesWriter.Encoder<Object> jackson = JsonLinesWriter.jackson();
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, (record, generator) -> {
      if (record.equals(Map.of("n", 8))) {
        try {
          registered.await(); // so that the callback below runs on the writer's thread
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      jackson.encode(record, generator);
    }).durability(Durability.FSYNC).idleWake(Duration.ofHours(1))
        .errorHandler((f, problem, cause) -> problems.add(problem))
        .restoreOnVanish(() -> List.of(Map.of("live", "a"))).compactAbove(ABOVE).build()) {
      for (int n = 1; n <= 7; n++) {
        writeAndWait(w, n);
      }
      // Runs on the writer's thread once the 8th line is written, just before the compaction.
      CompletableFuture<Void> replaced = w.appendAcknowledged(Map.of("n", 8)).thenRun(() -> {
        try {
          Files.delete(file);
          Files.writeString(file, "{\"theirs\":1}\n", StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      registered.countDown();
      replaced.get(20, TimeUnit.SECONDS);
      writeAndWait(w, 9);

      assertThat(lines(file)).containsExactly("{\"theirs\":1}", "{\"n\":9}", "{\"live\":\"a\"}");
      assertThat(problems).singleElement().asString().contains("replaced");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-------", "rw-rw----"})
  void compaction_keepsTheFilesPermissions(String mode) throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = compacting(file, () -> List.of(Map.of("live", "a"))).build()) {
      writeAndWait(w, 1);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
      for (int n = 2; n <= 9; n++) { // compacted at 8
        writeAndWait(w, n);
      }
      assertThat(lines(file).get(0)).isEqualTo("{\"live\":\"a\"}");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
          .isEqualTo(mode);
    }
  }

  @Test
  void compaction_ofAStateLargerThanOneWrite_writesEveryRecordInOrder() throws Exception {
    Path file = dir.resolve("state.jsonl");
    List<Map<String, Object>> live = new ArrayList<>();
    for (int i = 0; i < 3_000; i++) { // about 210 KB: several pieces of 64 KiB
      live.add(Map.of("live", i + "-" + "x".repeat(48)));
    }
    try (JsonLinesWriter<Object> w = compacting(file, () -> live).build()) {
      for (int n = 1; n <= 9; n++) { // compacted at 8
        writeAndWait(w, n);
      }
      List<String> lines = lines(file);
      assertThat(lines).hasSize(3_001);
      for (int i = 0; i < 3_000; i++) {
        assertThat(lines.get(i)).startsWith("{\"live\":\"" + i + "-");
      }
      assertThat(lines.get(3_000)).isEqualTo("{\"n\":9}");
    }
  }

  @Test
  void closeGivingUpDuringACompaction_abandonsIt_reportsWhatIsPending_fileStaysAsItWas()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    CountDownLatch inSupplier = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    JsonLinesWriter<Object> w = compacting(file, () -> {
      inSupplier.countDown();
      try {
        release.await(); // a compaction held up, as by a stalled disk
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return List.of(Map.of("live", "a"));
    }).closeTimeout(Duration.ZERO).build();
    for (int n = 1; n <= 8; n++) {
      w.append(Map.of("n", n));
    }
    assertThat(inSupplier.await(20, TimeUnit.SECONDS)).isTrue();
    List<String> before = lines(file);
    w.append(Map.of("n", 9));
    w.append(Map.of("n", 10)); // wait behind the compaction

    w.close(); // gives up on the thread after its grace
    assertThat(w.isTerminated()).isFalse();
    long again = System.nanoTime();
    w.close();
    assertThat(Duration.ofNanos(System.nanoTime() - again)).as("a second close() waits no more")
        .isLessThan(Duration.ofMillis(500));
    assertThat(problems).as("a writer still held up as close() returns is reported, once")
        .filteredOn(p -> p.startsWith("close() gave up")).singleElement().asString()
        .startsWith("close() gave up on a writer thread still busy (in the file system, an "
            + "encoder or the error handler); 2 record(s) are not written yet");
    release.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!w.isTerminated() && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000); // a poll, not a spin
    }

    assertThat(w.isTerminated()).isTrue();
    assertThat(lines(file)).as("not replaced after close gave up").isEqualTo(before);
    assertThat(before).hasSize(8);
    assertThat(dir.resolve("state.jsonl.tmp")).doesNotExist();
  }

  /**
   * Threads change a state and append what they changed while the writer compacts under them
   * (FLUSH, records large enough that a batch is written in several pieces): once closed, the
   * file replays to exactly the final state.
   */
  @ParameterizedTest
  @ValueSource(longs = {11L, 2026L})
  void compactingWhileThreadsAppend_fileReplaysToTheFinalState(long seed) throws Exception {
    Path file = dir.resolve("state-" + seed + ".jsonl");
    Set<Integer> state = ConcurrentHashMap.newKeySet();
    String pad = "p".repeat(200);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.FLUSH)
        .restoreOnVanish(() -> state.stream().map(k -> Map.of("add", k, "pad", pad)).toList())
        .compactAbove(16 * 1024).build()) {
      for (int t = 0; t < 4; t++) {
        Random random = new Random(seed * 31 + t);
        int base = t * 100_000;
        threads.add(new Thread(() -> {
          try {
            for (int i = 0; i < 5_000; i++) {
              int key = base + random.nextInt(400);
              if (random.nextBoolean()) {
                state.add(key); // the state first, then the record that says so
                w.append(Map.of("add", key, "pad", pad));
              } else {
                state.remove(key);
                w.append(Map.of("del", key));
              }
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }, "appender-" + t));
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(t.isAlive()).isFalse();
      }
      assertThat(failures).isEmpty();
      // Compactions happen while the writer catches up, not once close() has begun.
      w.flush().get(60, TimeUnit.SECONDS);
    }
    Set<Integer> replayed = new HashSet<>();
    List<String> lines = lines(file);
    for (String line : lines) {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
      if (node.has("add")) {
        replayed.add(node.get("add").intValue());
      } else {
        replayed.remove(node.get("del").intValue());
      }
    }
    assertThat(replayed).isEqualTo(state);
    // Without compaction, about 2.4 MB: some 10,000 additions of 230 bytes, and the removals.
    assertThat(Files.size(file)).as("compacted as it ran").isLessThan(1_000_000);
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
