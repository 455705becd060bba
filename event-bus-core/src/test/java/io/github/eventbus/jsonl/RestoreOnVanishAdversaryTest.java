package io.github.eventbus.jsonl;

import static io.github.eventbus.jsonl.WriterChecks.assertConsistent;
import static io.github.eventbus.jsonl.WriterChecks.lines;
import static io.github.eventbus.jsonl.WriterChecks.writeAndWait;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.eventbus.DailyFiles;
import io.github.eventbus.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JsonLinesWriterBuilder#restoreOnVanish} against rollovers, hostile suppliers and the
 * counts: a normal rollover is not a vanished file, a supplier that returns null, holds nulls,
 * is huge, throws an Error or calls the writer does not stop the log, and restored records never
 * skew {@link WriterStats}.
 */
class RestoreOnVanishAdversaryTest {

  @TempDir Path dir;
  private final List<String> problems = new CopyOnWriteArrayList<>();

  private JsonLinesWriterBuilder<Object> fixed(Path file) {
    return JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.FSYNC)
        .retryDelay(Duration.ofMillis(20))
        .flushInterval(Duration.ofHours(1))
        // A lost file is found by the next append, never by a wake while idle in between (a
        // stalled test thread could let that come first): the lines' order is then fixed.
        .idleWake(Duration.ofHours(1))
        .errorHandler((f, problem, cause) -> problems.add(problem));
  }

  /** The lines of a fixed file's rolled-over files {@code <file>, <file>.1, ...}, in that order. */
  /** The lines of a fixed file and its roll-overs, in the order readers take them. */
  private static List<String> allLines(Path file) throws IOException {
    List<String> all = new ArrayList<>();
    for (Path p : LogFiles.inWriteOrder(file.toAbsolutePath().getParent())) {
      all.addAll(lines(p));
    }
    return all;
  }

  private static List<String> dailyLines(Path dir) throws IOException {
    List<String> all = new ArrayList<>();
    for (Path p : LogFiles.inWriteOrder(dir)) {
      all.addAll(lines(p));
    }
    return all;
  }

  // ---- rollovers ----

  @Test
  void sizeRollover_isNotAVanishedFile_supplierNeverCalled() throws Exception {
    Path file = dir.resolve("state.jsonl");
    AtomicInteger calls = new AtomicInteger();
    try (JsonLinesWriter<Object> w = fixed(file).maxFileBytes(40)
        .restoreOnVanish(() -> {
          calls.incrementAndGet();
          return List.of(Map.of("live", "x"));
        }).build()) {
      for (int n = 0; n < 30; n++) {
        writeAndWait(w, n);
      }
      assertThat(Files.exists(dir.resolve("state.3.jsonl"))).as("rolled over several times").isTrue();
      assertThat(calls).hasValue(0);
      assertThat(allLines(dir.resolve("state.jsonl"))).noneMatch(l -> l.contains("live"));
      assertThat(problems).isEmpty();
      assertConsistent(w.stats());
    }
  }

  @Test
  void dailyRollover_isNotAVanishedFile_supplierNeverCalled() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2024-03-01T23:59:00Z"));
    AtomicInteger calls = new AtomicInteger();
    Path logDir = dir.resolve("daily");
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(logDir, "state", JsonLinesWriter.jackson())
        .durability(Durability.FSYNC).clock(clock).flushInterval(Duration.ofHours(1))
        .errorHandler((f, problem, cause) -> problems.add(problem))
        .restoreOnVanish(() -> {
          calls.incrementAndGet();
          return List.of(Map.of("live", "x"));
        }).build()) {
      List<String> days = new ArrayList<>(); // each write's file, named by the writer's clock
      days.add(DailyFiles.name("state", clock));
      writeAndWait(w, 1);
      clock.advance(Duration.ofMinutes(2));
      days.add(DailyFiles.name("state", clock));
      writeAndWait(w, 2);
      clock.advance(Duration.ofDays(1));
      days.add(DailyFiles.name("state", clock));
      writeAndWait(w, 3);
      assertThat(days).doesNotHaveDuplicates();
      for (int n = 1; n <= 3; n++) {
        assertThat(lines(logDir.resolve(days.get(n - 1)))).containsExactly("{\"n\":" + n + "}");
      }
      assertThat(calls).hasValue(0);
      assertThat(problems).isEmpty();
    }
  }

  @Test
  void currentRolledFileDeleted_restoredRecordsFollowEverythingInWriteOrder_andAreNotLost()
      throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file).maxFileBytes(40)
        .restoreOnVanish(() -> List.of(Map.of("live", "a"), Map.of("live", "b"))).build()) {
      for (int n = 0; n < 12; n++) {
        writeAndWait(w, n % 10); // 8 bytes a line: <file> and <file>.1 full, <file>.2 has 16
      }
      Path current = w.currentFile();
      assertThat(current).isEqualTo(dir.resolve("state.2.jsonl"));
      Files.delete(current);
      writeAndWait(w, 7); // fits in the (deleted) file: written there, then found vanished
      List<String> all = allLines(file);
      assertThat(all.subList(all.size() - 3, all.size()))
          .containsExactly("{\"n\":7}", "{\"live\":\"a\"}", "{\"live\":\"b\"}");
      assertThat(lines(dir.resolve("state.1.jsonl"))).as("nothing restored into a full rolled file")
          .noneMatch(l -> l.contains("live"));
      writeAndWait(w, 8);
      List<String> after = allLines(file);
      assertThat(after.get(after.size() - 1)).isEqualTo("{\"n\":8}");
      assertThat(after.stream().filter(l -> l.contains("live"))).hasSize(2);
      assertConsistent(w.stats());
    }
  }

  @Test
  void dailyFileDeletedWhileOpen_thenDayChanges_recordsAreStillRestored() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2024-03-01T12:00:00Z"));
    Path logDir = dir.resolve("daily");
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(logDir, "state", JsonLinesWriter.jackson())
        .durability(Durability.FSYNC).clock(clock).flushInterval(Duration.ofHours(1))
        .restoreOnVanish(() -> List.of(Map.of("live", "a"))).build()) {
      writeAndWait(w, 1);
      Files.delete(logDir.resolve(DailyFiles.name("state", clock)));
      clock.advance(Duration.ofDays(1));
      writeAndWait(w, 2);
      assertThat(dailyLines(logDir)).as("the state of the vanished file is somewhere")
          .contains("{\"live\":\"a\"}");
    }
  }

  @Test
  void fileDeletedWhileOpen_thenSizeRolloverDue_recordsAreStillRestored() throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file).maxFileBytes(20)
        .restoreOnVanish(() -> List.of(Map.of("live", "a"))).build()) {
      writeAndWait(w, 1); // 8 bytes
      writeAndWait(w, 2); // 16 bytes: the next line passes the limit
      Files.delete(file);
      writeAndWait(w, 3);
      assertThat(allLines(file)).contains("{\"live\":\"a\"}");
    }
  }

  // ---- hostile suppliers ----

  @Test
  void supplierReturnsNull_isReported_andTheWriterKeepsWriting() throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file).restoreOnVanish(() -> null).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      writeAndWait(w, 2);
      writeAndWait(w, 3);
      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"n\":3}");
      assertThat(problems).isNotEmpty();
      assertThat(w.stats().written()).isEqualTo(3);
      assertConsistent(w.stats());
    }
  }

  @Test
  void supplierHoldsNulls_theyAreSkipped_theOthersRestored() throws Exception {
    Path file = dir.resolve("state.jsonl");
    try (JsonLinesWriter<Object> w = fixed(file)
        .restoreOnVanish(() -> Arrays.asList(null, Map.of("live", "a"), null)).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      writeAndWait(w, 2);
      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"live\":\"a\"}");
      assertConsistent(w.stats());
    }
  }

  @Test
  void hugeSupplier_everyRecordRestoredOnce_uncounted() throws Exception {
    Path file = dir.resolve("state.jsonl");
    int size = 100_000;
    List<Object> live = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      live.add(Map.of("live", i));
    }
    try (JsonLinesWriter<Object> w = fixed(file).restoreOnVanish(() -> live).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      writeAndWait(w, 2);
      List<String> got = lines(file);
      assertThat(got).hasSize(size + 1);
      assertThat(got.get(0)).isEqualTo("{\"n\":2}");
      assertThat(got.get(size)).isEqualTo("{\"live\":" + (size - 1) + "}");
      assertThat(w.stats().appended()).isEqualTo(2);
      assertThat(w.stats().written()).isEqualTo(2);
      assertConsistent(w.stats());
    }
  }

  @Test
  void supplierThrowsError_isReported_andTheWriterKeepsWriting() throws Exception {
    Path file = dir.resolve("state.jsonl");
    Supplier<Collection<Object>> failing = () -> {
      throw new AssertionError("supplier bug");
    };
    try (JsonLinesWriter<Object> w = fixed(file).restoreOnVanish(failing).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      CompletableFuture<Void> second = w.appendAcknowledged(Map.of("n", 2));
      try {
        second.get(20, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        // checked below through the third record and the file
      }
      writeAndWait(w, 3);
      assertThat(lines(file)).contains("{\"n\":3}");
      assertThat(problems).anySatisfy(p -> assertThat(p).contains("supplier bug"));
    }
  }

  @Test
  void supplierCollectionFailsMidIteration_restoredRecordsNeverCounted() throws Exception {
    Path file = dir.resolve("state.jsonl");
    List<Object> failingView = new AbstractList<>() {
      @Override
      public Object get(int index) {
        if (index == 2) {
          throw new ConcurrentModificationException("changed while iterated");
        }
        return Map.of("live", index);
      }

      @Override
      public int size() {
        return 4;
      }
    };
    try (JsonLinesWriter<Object> w = fixed(file).restoreOnVanish(() -> failingView).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      writeAndWait(w, 2);
      writeAndWait(w, 3);
      assertThat(lines(file)).contains("{\"n\":2}", "{\"n\":3}");
      assertThat(problems).isNotEmpty();
      WriterStats s = w.stats();
      assertThat(s.appended()).isEqualTo(3);
      assertThat(s.written()).isEqualTo(3);
      assertConsistent(s);
    }
  }

  @Test
  void unencodableRestoredRecord_doesNotSkewTheCounts() throws Exception {
    Path file = dir.resolve("state.jsonl");
    Object unencodable = new Object() { // no properties: Jackson fails on an empty bean
    };
    try (JsonLinesWriter<Object> w = fixed(file)
        .restoreOnVanish(() -> List.of(unencodable, Map.of("live", "a"))).build()) {
      writeAndWait(w, 1);
      Files.delete(file);
      writeAndWait(w, 2);
      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"live\":\"a\"}");
      WriterStats s = w.stats();
      assertThat(s.unencodable()).as("no appended record was unencodable").isZero();
      assertConsistent(s);
    }
  }

  /**
   * The documented misuse: the supplier waits for a flush of its own writer. The writer thread
   * can never answer it; close() must still return within its timeout and report the lines.
   */
  @Test
  void supplierWaitsOnItsOwnWriter_closeStaysBounded_andReportsTheUnwritten() throws Exception {
    Path file = dir.resolve("state.jsonl");
    AtomicReference<JsonLinesWriter<Object>> self = new AtomicReference<>();
    CompletableFuture<Void> release = new CompletableFuture<>(); // frees the writer thread at the end
    java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
    AtomicReference<Thread> writerThread = new AtomicReference<>();
    JsonLinesWriter<Object> w = fixed(file).closeTimeout(Duration.ofMillis(500))
        .restoreOnVanish(() -> {
          writerThread.set(Thread.currentThread());
          CompletableFuture<Void> own = self.get().flush();
          entered.countDown();
          CompletableFuture.anyOf(own, release).join();
          return List.of();
        }).build();
    self.set(w);
    writeAndWait(w, 1);
    Files.delete(file);
    CompletableFuture<Void> second = w.appendAcknowledged(Map.of("n", 2));
    assertThat(entered.await(20, TimeUnit.SECONDS)).as("the supplier was called").isTrue();
    // Bounded by closeTimeout plus the writer's grace; a hang would fail here, not hang the build.
    assertTimeoutPreemptively(Duration.ofSeconds(20), w::close);
    assertThat(second).as("the record waiting on the deadlocked writer").isNotCompleted();
    WriterStats s = w.stats();
    assertThat(s.pending() + s.unwritten()).as("the line is not counted written: %s", s)
        .isPositive();
    release.complete(null);
    // Once freed, the abandoned thread still writes into the directory; it must end before the
    // temporary directory is removed, or the cleanup races it.
    Thread t = writerThread.get();
    t.join(TimeUnit.SECONDS.toMillis(20));
    assertThat(t.isAlive()).as("the freed writer thread ends").isFalse();
  }
}
