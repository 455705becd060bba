package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.eventbus.TestThreads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * The unlucky environment: the log's file or directory deleted, replaced or blocked while the
 * writer runs, under each durability. The writer must notice at the next write, say so once,
 * count only what reached the file, and complete acknowledgements only when they really did.
 */
class JsonLinesWriterFailureTest {

  @TempDir Path dir;
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger writerLog = (Logger) LoggerFactory.getLogger(JsonLinesWriter.class);

  @BeforeEach
  void captureLog() {
    logged.start();
    writerLog.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    writerLog.detachAppender(logged);
  }

  private JsonLinesWriter<Object> writer(Path logDir, Durability durability, CountDownLatch onError) {
    return JsonLinesWriter.daily(logDir, "events", JsonLinesWriter.jackson())
        .durability(durability)
        .retryDelay(Duration.ofMillis(20))
        .flushInterval(Duration.ofHours(1)) // under NONE, only acknowledgements and flush() write
        .errorHandler((file, problem, cause) -> {
          problems.add(problem);
          onError.countDown();
        })
        .build();
  }

  /** Writes {"n":1}, waits until it is acknowledged, and returns the file it went to. */
  private static Path firstLine(JsonLinesWriter<Object> w) throws Exception {
    w.appendAcknowledged(Map.of("n", 1)).get(10, TimeUnit.SECONDS);
    return w.currentFile();
  }

  /**
   * Writes {"n":2} and waits for it; then the file holds {@code expected}, one problem was
   * reported, containing {@code problem}, and both lines count as written.
   */
  private void writeSecondLine_expectingOneProblem(JsonLinesWriter<Object> w, String problem,
      Path file, String... expected) throws Exception {
    w.appendAcknowledged(Map.of("n", 2)).get(10, TimeUnit.SECONDS);

    assertThat(lines(file)).containsExactly(expected);
    assertThat(problems).singleElement().asString().contains(problem);
    assertThat(w.stats().written()).isEqualTo(2);
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  private long warnings() {
    return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).count();
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void directoryDeleted_isRecreatedAtTheNextWrite_reportedOnce_andCountedHonestly(Durability durability)
      throws Exception {
    Path logDir = dir.resolve("logs");
    try (JsonLinesWriter<Object> w = writer(logDir, durability, new CountDownLatch(1))) {
      Path file = firstLine(w);
      deleteTree(logDir);

      CompletableFuture<Void> second = w.appendAcknowledged(Map.of("n", 2));
      second.get(10, TimeUnit.SECONDS);
      assertThat(lines(file)).containsExactly("{\"n\":2}"); // acknowledged means: in the file now
      for (int i = 3; i <= 10; i++) {
        w.append(Map.of("n", i));
      }
      w.flush().get(10, TimeUnit.SECONDS);

      assertThat(lines(file)).hasSize(9).last().isEqualTo("{\"n\":10}");
      assertThat(problems).singleElement().asString().contains("was deleted").contains(file.toString());
      assertThat(warnings()).isEqualTo(1);
      assertThat(w.stats().written()).isEqualTo(10);
      assertThat(w.stats().failedWrites()).isEqualTo(1);
      assertThat(w.stats().pending()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void directoryDeletedAndRecreatedEmpty_getsTheFileBack(Durability durability) throws Exception {
    Path logDir = dir.resolve("logs");
    try (JsonLinesWriter<Object> w = writer(logDir, durability, new CountDownLatch(1))) {
      Path file = firstLine(w);
      deleteTree(logDir);
      Files.createDirectory(logDir);

      writeSecondLine_expectingOneProblem(w, "was deleted", file, "{\"n\":2}");
    }
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void fileReplacedByAnother_isNoticed_andTheLinesGoToTheNewFile(Durability durability)
      throws Exception {
    try (JsonLinesWriter<Object> w = writer(dir, durability, new CountDownLatch(1))) {
      Path file = firstLine(w);
      Path rotated = dir.resolve("rotated.old");
      Files.move(file, rotated); // as logrotate does
      Files.writeString(file, "{\"n\":0}\n", StandardCharsets.UTF_8);

      writeSecondLine_expectingOneProblem(w, "was replaced", file, "{\"n\":0}", "{\"n\":2}");
    }
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void directoryReplacedByAFile_failsLoudly_keepsTheLines_andResumesWhenItGoes(Durability durability)
      throws Exception {
    Path logDir = dir.resolve("logs");
    CountDownLatch blocked = new CountDownLatch(2); // "was deleted", then "not a directory"
    try (JsonLinesWriter<Object> w = writer(logDir, durability, blocked)) {
      Path file = firstLine(w);
      deleteTree(logDir);
      Files.writeString(logDir, "a file where the directory was");

      CompletableFuture<Void> second = w.appendAcknowledged(Map.of("n", 2));
      assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(second).isNotDone();
      assertThat(w.stats().written()).isEqualTo(1);
      assertThat(w.stats().pending()).isEqualTo(1);
      assertThat(problems.get(1)).contains(logDir + "").contains("exists and is not a directory");

      Files.delete(logDir); // the cause goes away
      second.get(10, TimeUnit.SECONDS);
      assertThat(lines(file)).containsExactly("{\"n\":2}");
      assertThat(w.stats().written()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void directoryMadeUncreatable_byAFileAboveIt_failsLoudly_untilItGoes(Durability durability)
      throws Exception {
    // Tests run as root, whom chmod does not stop: a file where a parent directory should be does.
    Path parent = dir.resolve("parent");
    Path logDir = parent.resolve("logs");
    CountDownLatch blocked = new CountDownLatch(2);
    try (JsonLinesWriter<Object> w = writer(logDir, durability, blocked)) {
      Path file = firstLine(w);
      deleteTree(parent);
      Files.writeString(parent, "blocks the directory below it");

      CompletableFuture<Void> second = w.appendAcknowledged(Map.of("n", 2));
      CompletableFuture<Void> third = w.appendAcknowledged(Map.of("n", 3));
      assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(second).isNotDone();
      assertThat(third).isNotDone();
      assertThat(problems.get(1)).contains(parent + ": exists and is not a directory");
      assertThat(w.stats().written()).isEqualTo(1);

      Files.delete(parent);
      CompletableFuture.allOf(second, third).get(10, TimeUnit.SECONDS);
      assertThat(lines(file)).containsExactly("{\"n\":2}", "{\"n\":3}");
      assertThat(w.stats().written()).isEqualTo(3);
      assertThat(w.stats().failedWrites()).isGreaterThanOrEqualTo(2);
    }
  }

  /**
   * A named pipe at the log's path: opening it to write would block until a reader comes, for
   * ever; the write fails instead, is counted and reported, and close() accounts for the line.
   */
  @Test
  void aNamedPipeAtTheLogsPath_failsTheWrite_reportedAndCounted_neverBlocks() throws Exception {
    Path fifo = dir.resolve("events.jsonl");
    CountDownLatch reported = new CountDownLatch(1);
    JsonLinesWriter<Object> w = JsonLinesWriter.toFile(fifo, JsonLinesWriter.jackson())
        .retryDelay(Duration.ofMillis(20)).closeTimeout(Duration.ofMillis(200))
        .errorHandler((file, problem, cause) -> {
          problems.add(problem);
          reported.countDown();
        }).build();
    try {
      Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
      assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("mkfifo").isTrue();

      w.append(Map.of("n", 1));

      assertThat(reported.await(10, TimeUnit.SECONDS)).as("the failure reported").isTrue();
      assertThat(problems.get(0)).contains("not a regular file");
      assertThat(w.stats().failedWrites()).isPositive();
    } finally {
      w.close();
    }
    assertThat(w.stats().unwritten()).isEqualTo(1);
  }

  @Test
  void build_onAPathThatIsAFile_failsSayingItIsNotADirectory() throws Exception {
    Path file = Files.writeString(dir.resolve("logs"), "not a directory");

    assertThatThrownBy(() -> JsonLinesWriter.daily(file, "events", JsonLinesWriter.jackson()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("exists and is not a directory");
    assertThatThrownBy(() -> JsonLinesWriter.daily(file.resolve("below"), "events",
            JsonLinesWriter.jackson()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be created: " + file + " exists and is not a directory");
    assertThatThrownBy(() -> JsonLinesWriter.toFile(dir, JsonLinesWriter.jackson()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is a directory");
  }

  @Test
  void close_whileWritesFail_waitsAtMostTheCloseTimeout_reportingAtTheRetryDelay() throws Exception {
    Path logDir = dir.resolve("logs");
    Duration retryDelay = Duration.ofMillis(300);
    Duration closeTimeout = Duration.ofMillis(900);
    CountDownLatch failed = new CountDownLatch(1);
    JsonLinesWriter<Object> w = JsonLinesWriter.daily(logDir, "events", JsonLinesWriter.jackson())
        .retryDelay(retryDelay).closeTimeout(closeTimeout)
        .errorHandler((file, problem, cause) -> {
          problems.add(problem);
          failed.countDown();
        }).build();
    Files.writeString(logDir, "a file where the directory should be");
    CompletableFuture<Void> ack = w.appendAcknowledged(Map.of("n", 1));
    assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
    int before = problems.size();

    long start = System.nanoTime();
    w.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isGreaterThanOrEqualTo(closeTimeout).isLessThan(closeTimeout.plusSeconds(2));
    // Retries during close come every retryDelay (about 3 in 900 ms), not every 100 ms.
    long retriesReported = problems.stream().skip(before).filter(p -> p.contains("cannot write")).count();
    assertThat(retriesReported).isBetween(1L, 5L);
    assertThat(problems).last().asString().contains("1 record(s) could not be written");
    assertThat(w.stats().unwritten()).isEqualTo(1);
    assertThat(ack).isCompletedExceptionally();
  }

  /**
   * An error handler that serialises its calls and never returns from the writer thread's: close()
   * still returns after its timeout and grace, telling the log (not that handler) about the
   * thread it gave up on.
   */
  @Test
  @Timeout(60)
  void close_whileTheWriterIsHeldInASerialisedErrorHandler_returns_andLogsTheStuckThread()
      throws Exception {
    Path logDir = dir.resolve("logs");
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Object handlerLock = new Object();
    JsonLinesWriter<Object> w = JsonLinesWriter.daily(logDir, "events", JsonLinesWriter.jackson())
        .retryDelay(Duration.ofMillis(20)).closeTimeout(Duration.ofMillis(200))
        .errorHandler((file, problem, cause) -> {
          synchronized (handlerLock) {
            problems.add(problem);
            entered.countDown();
            TestThreads.awaitQuietly(release);
          }
        }).build();
    try {
      Files.writeString(logDir, "a file where the directory should be");
      w.append(Map.of("n", 1));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Void> closed = CompletableFuture.runAsync(w::close);
      assertThat(closed).succeedsWithin(Duration.ofSeconds(20));

      assertThat(problems).hasSize(1);
      assertThat(logged.list).anySatisfy(e -> {
        assertThat(e.getLevel()).isEqualTo(Level.WARN);
        assertThat(e.getFormattedMessage()).contains("close() gave up on a writer thread",
            "1 record(s) are not written yet", "not told to the error handler");
      });
    } finally {
      release.countDown();
    }
    assertThat(TestThreads.await(w::isTerminated, Duration.ofSeconds(10))).isTrue();
    assertThat(w.stats().unwritten()).isEqualTo(1);
  }

  @Test
  void close_withNothingFailing_returnsAtOnce() {
    JsonLinesWriter<Object> w = JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
        .closeTimeout(Duration.ofSeconds(30)).build();
    w.append(Map.of("n", 1));
    long start = System.nanoTime();
    w.close();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(w.stats().written()).isEqualTo(1);
  }

  @Test
  void aWriteFailingMidBatch_isRetriedAfterTheDelay_notAtOnce_andCountedOnce() throws Exception {
    Path logs = dir.resolve("logs");
    CountDownLatch failed = new CountDownLatch(1);
    JsonLinesWriter<Object> w = JsonLinesWriter.daily(logs, "events", JsonLinesWriter.jackson())
        .retryDelay(Duration.ofHours(1)).closeTimeout(Duration.ZERO)
        .errorHandler((file, problem, cause) -> {
          problems.add(problem);
          failed.countDown();
        }).build();
    Files.writeString(logs, "a file where the directory should be");
    w.append(Map.of("big", "x".repeat(70_000))); // over one write chunk: written mid-batch
    assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();

    w.close(); // gives up at once; the thread has ended when close() returns

    assertThat(w.stats().failedWrites()).isEqualTo(1);
    assertThat(w.stats().unwritten()).isEqualTo(1);
  }
}
