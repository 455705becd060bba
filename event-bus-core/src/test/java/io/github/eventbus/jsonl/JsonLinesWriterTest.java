package io.github.eventbus.jsonl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.ManualClock;
import io.github.eventbus.TestThreads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonLinesWriterTest {

  @TempDir Path dir;
  private final ObjectMapper json = new ObjectMapper();

  /** Writes {"n":1}, moves the clock two seconds on, then writes {"n":2}; each is flushed. */
  private static void writeOneThenTwoSecondsLaterTwo(JsonLinesWriter<Object> w, ManualClock clock)
      throws Exception {
    w.append(Map.of("n", 1));
    w.flush().get(10, TimeUnit.SECONDS);
    clock.advance(Duration.ofSeconds(2));
    w.append(Map.of("n", 2));
    w.flush().get(10, TimeUnit.SECONDS);
  }

  private List<String> lines(Path file) throws Exception {
    return Files.readAllLines(file, StandardCharsets.UTF_8);
  }

  @Test
  void append_writesOneLinePerRecord_escapingNewlinesAndControls_keepingUnicode() throws Exception {
    Path file = dir.resolve("nested/dir/out.jsonl");
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson()).build()) {
      w.append(Map.of("text", "line one\nline two\r\n\ttabbed \u0001 end"));
      w.append(Map.of("text", "Grüße, 日本語, emoji 🎉"));
    }

    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes[bytes.length - 1]).isEqualTo((byte) '\n');
    List<String> lines = lines(file);
    assertThat(lines).hasSize(2);
    assertThat(json.readTree(lines.get(0)).get("text").asText())
        .isEqualTo("line one\nline two\r\n\ttabbed \u0001 end");
    assertThat(json.readTree(lines.get(1)).get("text").asText()).isEqualTo("Grüße, 日本語, emoji 🎉");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "lone \uD800 end|lone \uFFFD end",
    "reversed \uDC00\uD800|reversed \uFFFD\uFFFD",
    "at the end \uD800|at the end \uFFFD",
    "two highs \uD800\uD83D\uDE00|two highs \uFFFD\uD83D\uDE00",
    "a pair \uD83D\uDE00 stays|a pair \uD83D\uDE00 stays",
    "text \\ud800 that only looks escaped|text \\ud800 that only looks escaped",
  })
  void halfASurrogatePair_isWrittenAsTheReplacementCharacter_soJqReadsTheLine(String text,
      String written) throws Exception {
    Path file = dir.resolve("surrogates.jsonl");
    try (JsonLinesWriter<Object> w =
        JsonLinesWriter.toFile(file, JsonLinesWriter.jackson()).build()) {
      w.append(Map.of("text", text, "key " + text, 1));
      w.append(Map.of("after", "the line"));
    }

    List<String> lines = lines(file);
    assertThat(lines).hasSize(2);
    JsonNode line = json.readTree(lines.get(0));
    assertThat(line.get("text").asText()).isEqualTo(written);
    assertThat(line.has("key " + written)).isTrue();
    Process jq = new ProcessBuilder("jq", "-c", ".text", file.toString())
        .redirectErrorStream(true).start();
    String out = new String(jq.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(jq.waitFor()).as("jq said: %s", out).isZero();
    assertThat(out.lines()).hasSize(2);
  }

  /** A payload whose JSON text is its own, as with {@code @JsonRawValue}. */
  record Raw(@com.fasterxml.jackson.annotation.JsonRawValue String json) {}

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\":\n1}", "[1,\r2]", "{\"a\":1}\n{\"forged\":true}"})
  void aRecordWhoseRawJsonBreaksTheLine_isUnencodable_andTheLinesAroundItStayWhole(String raw)
      throws Exception {
    Path file = dir.resolve("raw.jsonl");
    List<String> problems = new CopyOnWriteArrayList<>();
    JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .errorHandler((f, problem, cause) -> problems.add(problem)).build();
    try (w) {
      w.append(Map.of("n", 1));
      w.append(new Raw(raw));
      w.append(new Raw("{\"fine\":[1, 2]}"));
      assertThatThrownBy(() -> w.appendAcknowledged(new Raw(raw)).get(10, TimeUnit.SECONDS))
          .hasRootCauseMessage("a record's JSON holds a line break outside its strings"
              + " (a raw value?)");
    }
    assertThat(lines(file)).containsExactly("{\"n\":1}", "{\"json\":{\"fine\":[1, 2]}}");
    assertThat(w.stats().written()).isEqualTo(2);
    assertThat(w.stats().unencodable()).isEqualTo(2);
    assertThat(problems).hasSize(2).allSatisfy(p -> assertThat(p).contains("could not be encoded"));
  }

  @Test
  void close_fromTwoThreadsAtOnce_countsNothingUnwritten() throws Exception {
    for (int round = 0; round < 100; round++) {
      JsonLinesWriter<Object> w =
          JsonLinesWriter.toFile(dir.resolve("close-" + round + ".jsonl"), JsonLinesWriter.jackson())
              .build();
      for (int i = 0; i < 10; i++) {
        w.append(Map.of("n", i));
      }
      CountDownLatch go = new CountDownLatch(1);
      Thread other = new Thread(() -> {
        TestThreads.awaitQuietly(go);
        w.close();
      });
      other.start();
      go.countDown();
      w.close();
      other.join();
      assertThat(w.stats().unwritten()).as("round %d", round).isZero();
      assertThat(w.stats().written()).as("round %d", round).isEqualTo(10);
    }
  }

  @Test
  void daily_rollsOverAtMidnight_byTheInjectedClock() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-22T23:59:59Z"));
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
        .clock(clock).build()) {
      writeOneThenTwoSecondsLaterTwo(w, clock);
      assertThat(w.currentFile().getFileName().toString()).isEqualTo("events_20261123.jsonl");
    }
    assertThat(lines(dir.resolve("events_20261122.jsonl"))).containsExactly("{\"n\":1}");
    assertThat(lines(dir.resolve("events_20261123.jsonl"))).containsExactly("{\"n\":2}");
  }

  @Test
  void currentFile_afterAnIdleMidnight_isTheNewDaysFile_andTheNextLineGoesThere()
      throws Exception {
    // 23:59 on 22 November in Kiritimati (UTC+14), whose 23 November begins at 10:00 UTC.
    ManualClock clock = new ManualClock(Instant.parse("2026-11-22T09:59:00Z"),
        java.time.ZoneId.of("Pacific/Kiritimati"));
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
        .clock(clock).build()) {
      w.append(Map.of("n", 1));
      w.flush().get(10, TimeUnit.SECONDS);
      assertThat(w.currentFile()).isEqualTo(dir.resolve("events_20261122.jsonl"));

      clock.advance(Duration.ofMinutes(2)); // nothing written since midnight

      assertThat(w.currentFile()).isEqualTo(dir.resolve("events_20261123.jsonl"));
      w.append(Map.of("n", 2));
      w.flush().get(10, TimeUnit.SECONDS);
      assertThat(lines(w.currentFile())).containsExactly("{\"n\":2}");
    }
  }

  @Test
  void currentFile_beforeTheFirstWrite_isTheRolledFileThatWriteGoesTo() throws Exception {
    Path file = dir.resolve("state.jsonl");
    for (int round = 0; round < 2; round++) {
      try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
          .maxFileBytes(20).build()) {
        Path before = w.currentFile();
        w.appendAcknowledged(Map.of("n", round)).get(10, TimeUnit.SECONDS);
        w.appendAcknowledged(Map.of("n", round)).get(10, TimeUnit.SECONDS);
        w.appendAcknowledged(Map.of("n", round)).get(10, TimeUnit.SECONDS);
        assertThat(before).as("round %d", round)
            .isEqualTo(round == 0 ? file : dir.resolve("state.1.jsonl"));
      }
    }
  }

  /**
   * A currentFile() that reads the file, then the clock, while the writer opens the new day's
   * file in between: the file and its day are read as one, so it never names yesterday's.
   */
  @Test
  void currentFile_racingTheFirstWriteAfterMidnight_namesTheNewDay() throws Exception {
    CountDownLatch inClock = new CountDownLatch(1);
    CountDownLatch go = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicReference<Instant> now =
        new java.util.concurrent.atomic.AtomicReference<>(Instant.parse("2026-11-23T23:59:00Z"));
    java.time.Clock clock = new java.time.Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Instant instant() {
        if (Thread.currentThread().getName().equals("asking")) {
          inClock.countDown();
          TestThreads.awaitQuietly(go);
        }
        return now.get();
      }
    };
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(dir, "ev", JsonLinesWriter.jackson())
        .clock(clock).build()) {
      w.appendAcknowledged(Map.of("n", 1)).get(10, TimeUnit.SECONDS);
      now.set(Instant.parse("2026-11-24T00:00:05Z"));
      java.util.concurrent.CompletableFuture<Path> asked =
          new java.util.concurrent.CompletableFuture<>();
      Thread asking = new Thread(() -> asked.complete(w.currentFile()), "asking");
      asking.start();
      assertThat(inClock.await(10, TimeUnit.SECONDS)).isTrue();
      w.appendAcknowledged(Map.of("n", 2)).get(10, TimeUnit.SECONDS); // opens the new day's file
      go.countDown();

      assertThat(asked.get(10, TimeUnit.SECONDS)).isEqualTo(dir.resolve("ev_20261124.jsonl"));
    }
  }

  @Test
  void daily_rollsOverAtMidnightOfTheClocksZone_notUtc() throws Exception {
    // New York midnight of 4 July 2030 is 04:00 UTC.
    ManualClock clock = new ManualClock(Instant.parse("2030-07-05T03:59:59Z"),
        java.time.ZoneId.of("America/New_York"));
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
        .clock(clock).build()) {
      writeOneThenTwoSecondsLaterTwo(w, clock);
    }
    assertThat(lines(dir.resolve("events_20300704.jsonl"))).containsExactly("{\"n\":1}");
    assertThat(lines(dir.resolve("events_20300705.jsonl"))).containsExactly("{\"n\":2}");
  }

  @Test
  void maxFileBytes_rollsOverToNumberedFiles_withoutSplittingLines() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
        .clock(clock).maxFileBytes(40).build()) {
      for (int i = 0; i < 5; i++) {
        w.append(Map.of("n", "0123456789-" + i)); // 23 bytes a line: one fits per 40-byte file
        w.flush().get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(lines(dir.resolve("events_20261123.jsonl"))).hasSize(1);
    assertThat(lines(dir.resolve("events_20261123.4.jsonl"))).containsExactly("{\"n\":\"0123456789-4\"}");
    try (var files = Files.list(dir)) {
      assertThat(files).hasSize(5);
    }
  }

  @Test
  void open_cutsTornLastLine_intoCorruptFile_andAppendsCleanly() throws Exception {
    Path file = dir.resolve("out.jsonl");
    Files.writeString(file, "{\"n\":1}\n{\"n\":2, \"half", StandardCharsets.UTF_8);
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson()).build()) {
      w.append(Map.of("n", 3));
    }
    assertThat(lines(file)).containsExactly("{\"n\":1}", "{\"n\":3}");
    assertThat(Files.readString(dir.resolve("out.jsonl.corrupt"))).isEqualTo("{\"n\":2, \"half\n");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"symbolic link", "hard link"})
  void open_withALinkAtTheCorruptPath_neitherWritesThroughIt_norCutsTheTornLine(String kind)
      throws Exception {
    Path file = dir.resolve("out.jsonl");
    Files.writeString(file, "{\"n\":1}\n{\"torn", StandardCharsets.UTF_8);
    Path victim = Files.writeString(dir.resolve("victim.txt"), "precious\n");
    Path corrupt = dir.resolve("out.jsonl.corrupt");
    if (kind.equals("hard link")) {
      Files.createLink(corrupt, victim);
    } else {
      Files.createSymbolicLink(corrupt, victim);
    }
    List<String> problems = new CopyOnWriteArrayList<>();
    CountDownLatch reported = new CountDownLatch(1);
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .retryDelay(Duration.ofMillis(20)).closeTimeout(Duration.ofMillis(100))
        .errorHandler((f, problem, cause) -> {
          problems.add(problem);
          reported.countDown();
        }).build()) {
      w.append(Map.of("n", 2));
      assertThat(reported.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(Files.readString(victim)).isEqualTo("precious\n");
    assertThat(Files.readString(file)).isEqualTo("{\"n\":1}\n{\"torn");
    assertThat(problems.get(0)).contains("out.jsonl.corrupt",
        kind.equals("hard link") ? "hard link" : "symbolic link");
  }

  @Test
  void writeFailure_isReportedAndRetried_andWritingResumesWhenTheCauseGoesAway() throws Exception {
    Path logDir = dir.resolve("logs");
    CountDownLatch failed = new CountDownLatch(1);
    List<String> problems = new CopyOnWriteArrayList<>();
    try (JsonLinesWriter<Object> w = JsonLinesWriter.daily(logDir, "events", JsonLinesWriter.jackson())
        .retryDelay(Duration.ofMillis(20))
        .errorHandler((file, problem, cause) -> {
          problems.add(problem);
          failed.countDown();
        }).build()) {
      Files.writeString(logDir, "a file where the directory should be"); // after build(), which refuses it
      var written = w.appendAcknowledged(Map.of("n", 1));
      assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(written).isNotDone();

      Files.delete(logDir); // the cause goes away

      written.get(10, TimeUnit.SECONDS);
      assertThat(w.stats().failedWrites()).isPositive();
      assertThat(w.stats().written()).isEqualTo(1);
      assertThat(lines(w.currentFile())).containsExactly("{\"n\":1}");
    }
    assertThat(problems.get(0)).contains("could not write 1 line(s)").contains("is not a directory");
  }

  @Test
  void closeWhileWritesKeepFailing_reportsWhatStaysUnwritten() throws Exception {
    Path logDir = dir.resolve("blocked");
    List<String> problems = new CopyOnWriteArrayList<>();
    JsonLinesWriter<Object> w = JsonLinesWriter.daily(logDir, "events", JsonLinesWriter.jackson())
        .retryDelay(Duration.ofMillis(10)).closeTimeout(Duration.ofMillis(200))
        .errorHandler((file, problem, cause) -> problems.add(problem)).build();
    Files.writeString(logDir, "not a directory");
    var ack = w.appendAcknowledged(Map.of("n", 1));
    w.append(Map.of("n", 2));

    w.close();

    assertThat(w.stats().unwritten()).isEqualTo(2);
    assertThat(problems).anySatisfy(p -> assertThat(p).contains("2 record(s) could not be written"));
    assertThat(ack).isCompletedExceptionally();
    assertThatThrownBy(() -> w.append(Map.of())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void unencodableRecord_isReportedAndSkipped_othersWritten() throws Exception {
    Path file = dir.resolve("out.jsonl");
    List<String> problems = new CopyOnWriteArrayList<>();
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .errorHandler((f, problem, cause) -> problems.add(problem)).build()) {
      w.append(Map.of("n", 1));
      w.append(new Object()); // no properties: Jackson refuses it
      w.append(Map.of("n", 3));
    }
    assertThat(lines(file)).containsExactly("{\"n\":1}", "{\"n\":3}");
    assertThat(problems).singleElement().asString().contains("java.lang.Object");
  }

  @Test
  void closeGivingUpOnAThreadInTheErrorHandler_withNothingPending_reportsNothingMore()
      throws Exception {
    Path file = dir.resolve("out.jsonl");
    List<String> problems = new CopyOnWriteArrayList<>();
    CountDownLatch inHandler = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .closeTimeout(Duration.ZERO).errorHandler((f, problem, cause) -> {
          problems.add(problem);
          if (inHandler.getCount() == 0) {
            return; // only the writer thread's first call is held
          }
          inHandler.countDown();
          try {
            release.await(); // an alert sent somewhere slow
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }).build();
    try {
      w.append(new Object()); // unencodable: the writer thread tells the handler
      assertThat(inHandler.await(20, TimeUnit.SECONDS)).isTrue();
      w.close(); // gives up on the thread, held in the handler with nothing left to write
      assertThat(w.stats().pending()).isZero();
      assertThat(problems).as("no alarm about records that are not there").hasSize(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void fsyncAcknowledgement_completesAfterTheLineIsInTheFile() throws Exception {
    Path file = dir.resolve("out.jsonl");
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.FSYNC).build()) {
      w.appendAcknowledged(Map.of("n", 1)).get(10, TimeUnit.SECONDS);
      JsonNode line = json.readTree(lines(file).get(0));
      assertThat(line.get("n").asInt()).isEqualTo(1);
    }
  }

  @Test
  void noneDurability_keepsLinesInMemory_untilFlush() throws Exception {
    Path file = dir.resolve("out.jsonl");
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(Durability.NONE).flushInterval(Duration.ofHours(1)).build()) {
      w.append(Map.of("n", 1));
      w.flush().get(10, TimeUnit.SECONDS);
      assertThat(lines(file)).containsExactly("{\"n\":1}");
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(Durability.class)
  void batchesLargerThanOneWrite_keepEveryLineWholeAndInOrder_evenAroundAnUnencodableRecord(
      Durability durability) throws Exception {
    Path file = dir.resolve("big.jsonl");
    List<String> problems = new CopyOnWriteArrayList<>();
    String pad = "p".repeat(100); // about 120 bytes a line: 4,000 lines span several 64 KiB writes
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .durability(durability).errorHandler((f, problem, cause) -> problems.add(problem)).build()) {
      for (int i = 0; i < 4000; i++) {
        w.append(i == 2500 ? new Object() : Map.of("n", i, "pad", pad));
      }
      w.appendAcknowledged(Map.of("n", "last")).get(30, TimeUnit.SECONDS);
      List<String> lines = lines(file);
      assertThat(lines).hasSize(4000);
      for (int i = 0, n = 0; i < 3999; i++, n++) {
        if (n == 2500) {
          n++;
        }
        assertThat(json.readTree(lines.get(i)).get("n").asInt()).isEqualTo(n);
      }
      assertThat(lines.get(3999)).isEqualTo("{\"n\":\"last\"}");
      assertThat(w.stats().written()).isEqualTo(4000);
      assertThat(w.stats().unencodable()).isEqualTo(1);
    }
    assertThat(problems).singleElement().asString().contains("java.lang.Object");
  }

  @Test
  void unencodableRecords_withoutErrorHandler_oneWarnLinePerInterval() throws Exception {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(JsonLinesWriter.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
        new ch.qos.logback.core.read.ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    Path file = dir.resolve("flood.jsonl");
    ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson())
        .clock(clock).build()) {
      for (int i = 0; i < 500; i++) {
        w.append(new Object()); // no properties: Jackson refuses it
      }
      w.appendAcknowledged(Map.of("n", 1)).get(10, TimeUnit.SECONDS);
      assertThat(w.stats().unencodable()).isEqualTo(500);
    } finally {
      logger.detachAppender(appender);
    }
    assertThat(appender.list).singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage()).contains("could not be encoded"));
    assertThat(lines(file)).containsExactly("{\"n\":1}");
  }

  /**
   * What flushes take as a shortcut: nothing pending means every line whose append returned is in
   * the file. Four appenders race the writer; each time pending reads zero, the file is checked.
   */
  @Test
  void pendingZero_meansEveryReturnedAppendIsInTheFile_withConcurrentAppenders() throws Exception {
    java.util.Queue<Integer> returned = new java.util.concurrent.ConcurrentLinkedQueue<>();
    try (JsonLinesWriter<Object> w =
        JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson()).build()) {
      List<Thread> appenders = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int base = t * 100_000;
        Thread appender = new Thread(() -> {
          for (int i = 0; i < 3_000; i++) {
            w.append(Map.of("id", base + i));
            returned.add(base + i);
            Thread.yield(); // pacing, so that the writer often catches up and pending reads zero
          }
        }, "appender-" + t);
        appender.start();
        appenders.add(appender);
      }
      int checks = 0;
      while ((appenders.stream().anyMatch(Thread::isAlive) || checks == 0) && checks < 300) {
        List<Integer> before = List.copyOf(returned);
        if (w.stats().pending() == 0) {
          java.util.Set<Integer> inFile = new java.util.HashSet<>();
          String text = Files.exists(w.currentFile()) ? Files.readString(w.currentFile()) : "";
          // whole lines only: the writer may be writing more as this reads
          for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (!line.isEmpty()) {
              inFile.add(json.readTree(line).get("id").asInt());
            }
          }
          assertThat(inFile).containsAll(before);
          checks++;
        }
      }
      for (Thread t : appenders) {
        t.join(30_000);
      }
    }
    assertThat(returned).hasSize(12_000);
  }
}
