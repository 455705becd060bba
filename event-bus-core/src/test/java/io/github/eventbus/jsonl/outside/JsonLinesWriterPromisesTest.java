package io.github.eventbus.jsonl.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DailyFiles;
import io.github.eventbus.TestThreads;
import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.jsonl.JsonLinesWriterBuilder;
import io.github.eventbus.jsonl.WriteErrorHandler;
import io.github.eventbus.jsonl.WriterStats;
import io.github.eventbus.outside.BuilderPromises;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of {@link JsonLinesWriter} and its builder, tested through the public API only. */
class JsonLinesWriterPromisesTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;

  /** An encoder that parks the writer thread on the record "block" until released. */
  private static final class BlockingEncoder implements JsonLinesWriter.Encoder<String> {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void encode(String record, com.fasterxml.jackson.core.JsonGenerator g)
        throws java.io.IOException {
      if (record.equals("block")) {
        entered.countDown();
        TestThreads.awaitIgnoringInterrupts(release);
      }
      g.writeString(record);
    }

    void awaitEntered() throws InterruptedException {
      assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("writer took 'block'")
          .isTrue();
    }
  }

  private static final JsonLinesWriter.Encoder<String> STRINGS = (s, g) -> g.writeString(s);

  private JsonLinesWriterBuilder<String> builder() {
    return JsonLinesWriter.toFile(dir.resolve("out.jsonl"), STRINGS);
  }

  private static void assertRefused(Consumer<JsonLinesWriterBuilder<String>> call,
      JsonLinesWriterBuilder<String> b, Class<? extends Throwable> type, String parameter) {
    assertThatThrownBy(() -> call.accept(b)).isInstanceOf(type).hasMessageContaining(parameter);
  }

  @Test
  void builder_outOfRangeValues_failFast_namingTheParameter() {
    assertRefused(b -> b.bufferCapacity(0), builder(), IllegalArgumentException.class,
        "bufferCapacity");
    assertRefused(b -> b.maxFileBytes(0), builder(), IllegalArgumentException.class,
        "maxFileBytes");
    assertRefused(b -> b.offerTimeout(Duration.ofMillis(-1)), builder(),
        IllegalArgumentException.class, "offerTimeout");
    assertRefused(b -> b.retryDelay(Duration.ZERO), builder(), IllegalArgumentException.class,
        "retryDelay");
    assertRefused(b -> b.flushInterval(Duration.ZERO), builder(), IllegalArgumentException.class,
        "flushInterval");
    assertRefused(b -> b.closeTimeout(Duration.ofNanos(-1)), builder(),
        IllegalArgumentException.class, "closeTimeout");
    // zero is allowed where the Javadoc says "zero or more"
    builder().offerTimeout(Duration.ZERO).closeTimeout(Duration.ZERO);
  }

  @Test
  void builder_everyOptionSetTwice_failsFast_namingTheOption() {
    BuilderPromises.eachOptionOnce(this::builder,
        Map.<String, Consumer<JsonLinesWriterBuilder<String>>>ofEntries(
        Map.entry("durability", b -> b.durability(Durability.NONE)),
        Map.entry("maxFileBytes", b -> b.maxFileBytes(10)),
        Map.entry("clock", b -> b.clock(Clock.systemUTC())),
        Map.entry("mapper", b -> b.mapper(JsonLinesWriter.defaultMapper())),
        Map.entry("errorHandler", b -> b.errorHandler((f, p, c) -> { })),
        Map.entry("bufferCapacity", b -> b.bufferCapacity(5)),
        Map.entry("offerTimeout", b -> b.offerTimeout(Duration.ofSeconds(1))),
        Map.entry("retryDelay", b -> b.retryDelay(Duration.ofSeconds(1))),
        Map.entry("flushInterval", b -> b.flushInterval(Duration.ofSeconds(1))),
        Map.entry("closeTimeout", b -> b.closeTimeout(Duration.ofSeconds(1))),
        Map.entry("restoreOnVanish", b -> b.restoreOnVanish(List::of))));
  }

  @Test
  void daily_prefixBlankOrWithASeparator_isRefused() {
    for (String prefix : List.of("", "   ", "a/b", "a\\b")) {
      assertThatThrownBy(() -> JsonLinesWriter.daily(dir, prefix, JsonLinesWriter.jackson()))
          .as("prefix \"%s\"", prefix).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("prefix");
    }
  }

  @Test
  void toFile_aPathThatIsADirectory_buildFails() throws Exception {
    Path directory = Files.createDirectory(dir.resolve("a-directory.jsonl"));
    assertThatThrownBy(() -> JsonLinesWriter.toFile(directory, JsonLinesWriter.jackson()).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void afterClose_appendAcknowledgedAndFlush_throwIllegalState_andCloseAgainIsHarmless() {
    JsonLinesWriter<String> w = builder().build();
    w.append("one");
    w.close();
    w.close();
    assertThatThrownBy(() -> w.append("two")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> w.appendAcknowledged("two")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(w::flush).isInstanceOf(IllegalStateException.class);
    assertThat(w.stats()).isEqualTo(new WriterStats(1, 1, 0, 0, 0, 0, 0));
  }

  @Test
  void writerThread_isADaemonNamedAfterItsFiles_andCloseStopsIt() throws Exception {
    Clock clock = Clock.fixed(Instant.parse("2031-02-03T04:05:06Z"), ZoneOffset.UTC);
    JsonLinesWriter<Object> w =
        JsonLinesWriter.daily(dir, "promises", JsonLinesWriter.jackson()).clock(clock).build();
    String file = DailyFiles.name("promises", clock);
    // The daily files' pattern, not the first day's name, which would be wrong after midnight.
    String name = "jsonl-writer-promises_YYYYMMDD.jsonl";
    assertThat(w.currentFile()).isEqualTo(dir.resolve(file));
    Thread thread = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
    assertThat(thread.isDaemon()).isTrue();
    w.close();
    thread.join(WAIT.toMillis());
    assertThat(thread.isAlive()).isFalse();
  }

  @Test
  void fullBuffer_withOfferTimeout_appendReturnsFalse_countedDroppedAndReported() throws Exception {
    BlockingEncoder encoder = new BlockingEncoder();
    List<String> problems = new CopyOnWriteArrayList<>();
    JsonLinesWriter<String> w = JsonLinesWriter.toFile(dir.resolve("out.jsonl"), encoder)
        .bufferCapacity(1).offerTimeout(Duration.ZERO)
        .errorHandler((f, problem, cause) -> problems.add(problem)).build();
    try {
      assertThat(w.append("block")).isTrue();
      encoder.awaitEntered();
      assertThat(w.append("queued")).isTrue(); // fills the one slot
      assertThat(w.append("refused")).isFalse();
      CompletableFuture<Void> ack = w.appendAcknowledged("refused too");
      CompletableFuture<Void> flush = w.flush();
      assertThatThrownBy(() -> ack.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> flush.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
      WriterStats stats = w.stats();
      assertThat(stats.appended()).isEqualTo(2);
      assertThat(stats.dropped()).isEqualTo(2);
      assertThat(stats.pending()).as("accepted, not yet written").isEqualTo(2);
      assertThat(stats.written()).isZero();
      assertThat(problems).hasSize(2).allSatisfy(p -> assertThat(p).contains("buffer"));
    } finally {
      encoder.release.countDown();
      w.close();
    }
    assertThat(Files.readAllLines(dir.resolve("out.jsonl"), StandardCharsets.UTF_8))
        .containsExactly("\"block\"", "\"queued\"");
    assertThat(w.stats()).isEqualTo(new WriterStats(2, 2, 0, 0, 0, 2, 0));
  }

  @Test
  void defaultBufferCapacity_is65536Records() throws Exception {
    BlockingEncoder encoder = new BlockingEncoder();
    JsonLinesWriter<String> w = JsonLinesWriter.toFile(dir.resolve("out.jsonl"), encoder)
        .offerTimeout(Duration.ZERO).errorHandler((f, p, c) -> { }).build();
    try {
      w.append("block");
      encoder.awaitEntered();
      int accepted = 0;
      while (w.append("r") && accepted <= 70_000) {
        accepted++;
      }
      assertThat(accepted).isEqualTo(65_536);
    } finally {
      encoder.release.countDown();
      w.close();
    }
  }

  @Test
  void unencodableRecord_itsAcknowledgementCompletesExceptionally_othersAreWritten()
      throws Exception {
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(dir.resolve("out.jsonl"),
        JsonLinesWriter.jackson()).errorHandler((f, p, c) -> { }).build()) {
      CompletableFuture<Void> bad = w.appendAcknowledged(new Object());
      CompletableFuture<Void> good = w.appendAcknowledged(List.of(1));
      good.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThatThrownBy(() -> bad.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      assertThat(w.stats().unencodable()).isEqualTo(1);
    }
  }

  @Test
  void errorHandlerThatThrows_isIgnored_theWriterRetriesAndResumes() throws Exception {
    Path parent = dir.resolve("logs");
    CountDownLatch reported = new CountDownLatch(2);
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(parent.resolve("out.jsonl"),
        JsonLinesWriter.jackson()).retryDelay(Duration.ofMillis(20)).errorHandler((f, p, c) -> {
          reported.countDown();
          throw new IllegalStateException("a handler that throws");
        }).build()) {
      Files.writeString(parent, "a file where the directory should be");
      CompletableFuture<Void> ack = w.appendAcknowledged(List.of("kept"));
      assertThat(reported.await(WAIT.toSeconds(), TimeUnit.SECONDS))
          .as("the failure is reported, and reported again at the retry").isTrue();
      assertThat(ack).isNotDone();
      Files.delete(parent);
      ack.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(w.stats().failedWrites()).isGreaterThanOrEqualTo(2);
    }
    assertThat(Files.readAllLines(parent.resolve("out.jsonl"))).containsExactly("[\"kept\"]");
  }

  @Test
  void noneDurability_linesReachTheFileAfterTheFlushInterval_withoutFlushOrClose()
      throws Exception {
    Path file = dir.resolve("out.jsonl");
    try (JsonLinesWriter<String> w = JsonLinesWriter.toFile(file, STRINGS)
        .durability(Durability.NONE).flushInterval(Duration.ofMillis(50)).build()) {
      w.append("idle");
      assertThat(TestThreads.await(() -> w.stats().written() == 1, WAIT)).isTrue();
      assertThat(Files.readAllLines(file)).containsExactly("\"idle\"");
    }
  }

  @Test
  void tornTailsOfTwoCrashes_areBothKeptInTheCorruptFile_andNewLinesStartClean() throws Exception {
    Path file = dir.resolve("out.jsonl");
    Files.writeString(file, "{\"torn\":1", StandardCharsets.UTF_8); // nothing but a torn line
    try (JsonLinesWriter<String> w = JsonLinesWriter.toFile(file, STRINGS).build()) {
      w.append("one");
    }
    Files.writeString(file, "{\"torn\":2", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    try (JsonLinesWriter<String> w = JsonLinesWriter.toFile(file, STRINGS).build()) {
      w.append("two");
    }
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8))
        .containsExactly("\"one\"", "\"two\"");
    assertThat(Files.readString(dir.resolve("out.jsonl.corrupt"), StandardCharsets.UTF_8))
        .contains("{\"torn\":1").contains("{\"torn\":2");
  }

  @Test
  void encoderThrowingAnError_theRecordIsReportedAndSkipped_laterRecordsStillWritten()
      throws Exception {
    Path file = dir.resolve("out.jsonl");
    List<String> problems = new CopyOnWriteArrayList<>();
    AssertionError bug = new AssertionError("a bug in the user's encoder");
    JsonLinesWriter.Encoder<String> buggy = (s, g) -> {
      if (s.equals("bad")) {
        throw bug;
      }
      g.writeString(s);
    };
    List<Throwable> uncaught = withUncaughtCollected(() -> {
      JsonLinesWriter<String> w = JsonLinesWriter.toFile(file, buggy)
          .errorHandler((f, problem, cause) -> problems.add(problem)).build();
      try {
        CompletableFuture<Void> bad = w.appendAcknowledged("bad");
        assertThatThrownBy(() -> bad.get(WAIT.toSeconds(), TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class);
        w.appendAcknowledged("good").get(WAIT.toSeconds(), TimeUnit.SECONDS);
      } finally {
        w.close();
      }
      assertThat(w.stats().unencodable()).isEqualTo(1);
    });
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly("\"good\"");
    assertThat(problems).hasSize(1);
    // The failure rule: the Error is not only logged but goes to the thread's handler.
    assertThat(uncaught).containsExactly(bug);
  }

  @Test
  void errorHandlerThrowingAnError_isHandedToTheUncaughtHandler_andTheWriterGoesOn()
      throws Exception {
    AssertionError bug = new AssertionError("a bug in the user's error handler");
    List<Throwable> uncaught = badThenGood(new IllegalStateException("not encodable"),
        (f, problem, cause) -> {
          throw bug;
        });
    assertThat(uncaught).containsExactly(bug);
  }

  /** A handler that rethrows the Error it is told of ("never swallow an Error"): handed on once. */
  @Test
  void errorHandlerRethrowingTheErrorItWasGiven_isHandedOnOnce() throws Exception {
    AssertionError bug = new AssertionError("a bug in the encoder");
    List<Throwable> uncaught = badThenGood(bug, (f, problem, cause) -> {
      if (cause instanceof Error e) {
        throw e;
      }
    });
    assertThat(uncaught).containsExactly(bug);
  }

  /**
   * Appends "bad", which the encoder fails on with {@code failure} (an Error or a runtime
   * exception), then "good", through a writer with {@code handler}; checks only "good" was
   * written and returns what the writer's thread handed to the uncaught-exception handler.
   */
  private List<Throwable> badThenGood(Throwable failure, WriteErrorHandler handler)
      throws Exception {
    Path file = dir.resolve("out.jsonl");
    JsonLinesWriter.Encoder<String> failing = (s, g) -> {
      if (s.equals("bad")) {
        if (failure instanceof Error e) {
          throw e;
        }
        throw (RuntimeException) failure;
      }
      g.writeString(s);
    };
    List<Throwable> uncaught = withUncaughtCollected(() -> {
      try (JsonLinesWriter<String> w = JsonLinesWriter.toFile(file, failing)
          .errorHandler(handler).build()) {
        w.append("bad");
        w.appendAcknowledged("good").get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    });
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly("\"good\"");
    return uncaught;
  }

  /**
   * Runs {@code body} with the default uncaught-exception handler collecting what the writer's
   * thread hands it, and returns that; the handler is restored after.
   */
  private static List<Throwable> withUncaughtCollected(ThrowingRunnable body) throws Exception {
    List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
      if (t.getName().startsWith("jsonl-writer-")) {
        uncaught.add(e);
      }
    });
    try {
      body.run();
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
    return uncaught;
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void aRecordIsAlwaysOneLine_evenWhenTheEncodersMapperIndents() throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper indenting = JsonLinesWriter.defaultMapper()
        .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    Path file = dir.resolve("out.jsonl");
    try (JsonLinesWriter<Object> w = JsonLinesWriter.toFile(file,
        (Object r, com.fasterxml.jackson.core.JsonGenerator g) -> indenting.writeValue(g, r))
        .mapper(indenting).build()) {
      w.append(java.util.Map.of("a", 1));
      w.append(List.of("x", "y"));
    }
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8))
        .containsExactly("{\"a\":1}", "[\"x\",\"y\"]");
  }
}
