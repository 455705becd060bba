package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.DailyFiles;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.ManualClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adversarial probes of the audit log: hostile file content, rolled and daily files, replay.
 * Each probe states the promise it checks; one commented "Regression" failed before its fix.
 */
class AuditProbeTest {

  /**
   * The name of a log file a probe writes itself, for the reader to read. The reader takes a file
   * of any name and date, so nothing depends on today's date; files the bus writes are named by
   * the tests' injected {@code ManualClock}s.
   */
  private static final String WRITTEN_HERE = "events_20261123.jsonl";

  @EventType("probe.typed")
  public record Typed(String name, int count) {}

  @TempDir Path dir;

  /** The daily file the audit log writes at the clock's local date, named from the clock alone. */
  private static String dailyFile(ManualClock clock) {
    return DailyFiles.name("events", clock);
  }

  private static String line(String id, String type, String time) {
    return "{\"format_version\":1,\"timestamp\":\"" + time + "\",\"event_id\":\"" + id
        + "\",\"type\":\"" + type + "\",\"source\":\"s\",\"data\":{\"id\":\"" + id + "\"}}\n";
  }

  private static String line(String id) {
    return line(id, "t", "2026-11-23T01:00:00Z");
  }

  private record Result(List<AuditEntry> entries, List<CorruptLine> corrupt) {
    List<String> ids() {
      return entries.stream().map(AuditEntry::eventId).toList();
    }
  }

  private static Result read(Path path) throws Exception {
    return read(AuditReader.builder(), path);
  }

  private static Result read(AuditReader.Builder builder, Path path) throws Exception {
    List<CorruptLine> corrupt = new ArrayList<>();
    AuditReader reader = builder.onCorrupt(corrupt::add).build();
    try (Stream<AuditEntry> entries = reader.read(path)) {
      return new Result(entries.toList(), corrupt);
    }
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      byte[] b = p instanceof byte[] raw ? raw : p.toString().getBytes(StandardCharsets.UTF_8);
      out.write(b, 0, b.length);
    }
    return out.toByteArray();
  }

  // ---- hostile file content -------------------------------------------------------------

  @Test
  void read_invalidUtf8InAValue_isReportedNotSilentlyAltered() throws Exception {
    // A line whose id value holds 0xC3 0x28 (an invalid UTF-8 sequence).
    Path file = dir.resolve(WRITTEN_HERE);
    Files.write(file, bytes(line("a"),
        "{\"format_version\":1,\"timestamp\":\"2026-11-23T01:00:00Z\",\"event_id\":\"b",
        new byte[] {(byte) 0xC3, (byte) 0x28},
        "\",\"type\":\"t\",\"source\":\"s\",\"data\":{}}\n", line("c")));

    Result r = read(file);

    // Regression (fixed since): the reader decodes with a replacing InputStreamReader, so the invalid bytes become
    // U+FFFD and the line is returned as a valid entry with an altered event_id ("b\uFFFD(")
    // instead of being "skipped and reported" as a line that is not a valid entry.
    assertThat(r.ids()).containsExactly("a", "c");
    assertThat(r.corrupt()).extracting(CorruptLine::line).containsExactly(2L);
  }

  @Test
  void read_nulBytes_areReportedAndReadingGoesOn() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.write(file, bytes(line("a"), new byte[] {0, 0, 0, '\n'},
        "{\"format_version\":1,\"timestamp\":\"2026-11-23T01:00:00Z\",\"event_id\":\"x\u0000y\","
            + "\"type\":\"t\",\"source\":\"s\",\"data\":{}}\n",
        line("c")));

    Result r = read(file);

    assertThat(r.ids()).containsExactly("a", "c");
    assertThat(r.corrupt()).extracting(CorruptLine::line).containsExactly(2L, 3L);
  }

  @Test
  void read_byteOrderMark_firstLineIsNeitherLostNorSilentlySkipped() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.write(file, bytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, line("a"), line("b")));

    Result r = read(file);

    assertThat(r.entries().size() + r.corrupt().size()).isEqualTo(2);
    assertThat(r.ids()).contains("b");
  }

  @Test
  void read_crlfEndings_everyLineIsRead() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, line("a").replace("\n", "\r\n") + line("b").replace("\n", "\r\n"));

    Result r = read(file);

    assertThat(r.ids()).containsExactly("a", "b");
    assertThat(r.corrupt()).isEmpty();
  }

  @Test
  void read_rawCarriageReturnInsideALine_keepsTheEntryAndNewlineBasedLineNumbers() throws Exception {
    // A bare CR is JSON whitespace and the README defines a line as \n-terminated. The writer never
    // writes one, but a hand-edited or hostile file may hold it.
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, line("a").replace(",\"type\"", ",\r\"type\"") + "garbage\n" + line("c"));

    Result r = read(file);

    // Regression (fixed since): BufferedReader.readLine() also ends a line at a bare '\r', so the valid first line
    // is split into two halves, both reported corrupt (lines 1 and 2), the entry "a" is lost, and
    // "garbage" (line 2 for grep, sed, jq) is reported as line 3.
    assertThat(r.corrupt()).extracting(CorruptLine::line).containsExactly(2L);
    assertThat(r.ids()).containsExactly("a", "c");
  }

  @Test
  void read_tornLastLine_isSkippedSilently_andReadOnceComplete() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    String b = line("b");
    Files.writeString(file, line("a") + b.substring(0, 40));

    Result half = read(file);
    assertThat(half.ids()).containsExactly("a");
    assertThat(half.corrupt()).isEmpty();

    Files.writeString(file, b.substring(40), java.nio.file.StandardOpenOption.APPEND);
    assertThat(read(file).ids()).containsExactly("a", "b");
  }

  @Test
  void read_otherFormatVersions_areReported_missingVersionReadAsOne() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, line("a").replace("\"format_version\":1", "\"format_version\":2")
        + line("b").replace("\"format_version\":1", "\"format_version\":\"1\"")
        + line("c").replace("\"format_version\":1,", "")
        + line("d").replace("\"format_version\":1", "\"format_version\":4294967297"));

    Result r = read(file);

    assertThat(r.ids()).containsExactly("c");
    assertThat(r.corrupt()).extracting(CorruptLine::line).containsExactly(1L, 2L, 4L);
    assertThat(r.corrupt().get(0).reason()).contains("format_version");
  }

  @Test
  void read_duplicateKeys_areReportedCorrupt_neitherValueIsRead() throws Exception {
    // A hostile line can carry two "type" keys; readers disagree on which one counts.
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file,
        line("a").replace("\"type\":\"t\"", "\"type\":\"safe\",\"type\":\"evil\"")
        + line("b"));

    Result r = read(AuditReader.builder(), file);

    assertThat(r.ids()).containsExactly("b");
    assertThat(r.corrupt()).extracting(CorruptLine::line).containsExactly(1L);
    assertThat(read(AuditReader.builder().types("evil"), file).ids()).isEmpty();
  }

  @Test
  void read_deeplyNestedData_isReported_noStackOverflow() throws Exception {
    int depth = 100_000;
    String nested = "[".repeat(depth) + "]".repeat(depth);
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, line("a") + line("b").replace("{\"id\":\"b\"}", nested) + line("c"));

    Result r = read(file);

    assertThat(r.ids()).containsExactly("a", "c");
    assertThat(r.corrupt()).extracting(CorruptLine::line).containsExactly(2L);
  }

  @Test
  void read_fiftyMegabyteLine_isReadWhole_andNextLineRead() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    String huge = "x".repeat(50 * 1024 * 1024);
    Files.writeString(file, line("a") + line("b").replace("{\"id\":\"b\"}", "{\"s\":\"" + huge + "\"}")
        + line("c"));
    huge = null;

    Result r = read(file);

    // Past Jackson's default limit of 20 M characters for a string, and the writer writes such
    // lines: read as written (the line is whole in memory before it is parsed).
    assertThat(r.ids()).containsExactly("a", "b", "c");
    assertThat(r.corrupt()).isEmpty();
  }

  @Test
  void read_hostileRolloverIndexInAFileName_doesNotBreakReadingTheDirectory() throws Exception {
    Files.writeString(dir.resolve(WRITTEN_HERE), line("a"));
    Files.writeString(dir.resolve(WRITTEN_HERE.replace(".jsonl", ".99999999999.jsonl")),
        line("z"));

    // Regression (fixed since): LogFiles.orderKey parses the roll-over number with Integer.parseInt, so a name
    // whose number exceeds int throws NumberFormatException out of read() (documented: IOException
    // only) and no file of the directory can be read.
    assertThatCode(() -> read(dir)).doesNotThrowAnyException();
  }

  @Test
  void read_filters_fromInclusive_untilExclusive_onExactInstants() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, line("a", "t", "2026-11-23T01:00:00Z") + line("b", "t", "2026-11-23T02:00:00Z")
        + line("c", "t", "2026-11-23T03:00:00Z"));

    Result r = read(AuditReader.builder().from(Instant.parse("2026-11-23T02:00:00Z"))
        .until(Instant.parse("2026-11-23T03:00:00Z")), file);

    assertThat(r.ids()).containsExactly("b");
  }

  // ---- files written by the log -----------------------------------------------------------

  @Test
  void rollover_moreThanTenFiles_readBackInPublishOrder_noLineLostOrDuplicated() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T08:00:00Z"));
    List<String> published = new ArrayList<>();
    try (AuditLog audit = AuditLog.builder(dir).clock(clock).maxFileBytes(300)
            .acknowledge(Duration.ofSeconds(10)).build(); // one line per write, so one roll-over each 2 lines
        EventBus bus = EventBus.builder().clock(clock).auditLog(audit).build()) {
      for (int i = 0; i < 40; i++) {
        DynamicEvent e = DynamicEvent.of("roll", Map.of("i", i));
        Event<DynamicEvent> env = Event.builder(e).id(String.format(java.util.Locale.ROOT, "roll-%03d", i))
            .timestamp(clock.instant()).build();
        published.add(env.id());
        bus.publishSync(env);
        clock.advance(Duration.ofMillis(1));
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.count()).isGreaterThan(11);
    }

    Result r = read(dir);

    assertThat(r.ids()).containsExactlyElementsOf(published);
    assertThat(r.corrupt()).isEmpty();
  }

  @Test
  void dailyFiles_acrossMidnightInNonUtcZone_acknowledged_splitByLocalDay_readBackInOrder() throws Exception {
    // 23:59 in New York on 22 Nov is 04:59 UTC on 23 Nov; two minutes later it is 23 Nov there.
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T04:59:00Z"), ZoneId.of("America/New_York"));
    String evening = dailyFile(clock);
    List<String> published = new ArrayList<>();
    try (AuditLog audit = AuditLog.builder(dir).clock(clock).acknowledge(Duration.ofSeconds(10)).build();
        EventBus bus = EventBus.builder().clock(clock).auditLog(audit).build()) {
      for (int i = 0; i < 4; i++) {
        Event<DynamicEvent> env = Event.builder(DynamicEvent.of("tick", Map.of("i", i)))
            .id("tick-" + i).timestamp(clock.instant()).build();
        published.add(env.id());
        bus.publishSync(env);
        clock.advance(Duration.ofSeconds(40));
      }
    }
    String morning = dailyFile(clock);
    assertThat(evening).isNotEqualTo(morning);
    assertThat(Files.readAllLines(dir.resolve(evening))).hasSize(2);
    assertThat(Files.readAllLines(dir.resolve(morning))).hasSize(2);

    assertThat(read(dir).ids()).containsExactlyElementsOf(published);
  }

  // ---- replay ------------------------------------------------------------------------------

  private Path logOf(ManualClock clock, Object... payloads) {
    Path logs = dir.resolve("logs");
    try (EventBus bus = EventBus.builder().clock(clock).auditLog(logs).build()) {
      for (Object p : payloads) {
        bus.publishSync(p);
      }
    }
    return logs;
  }

  @Test
  void read_aNamedPipeGivenAsTheFile_throwsAtOnce_insteadOfWaitingForAWriter() throws Exception {
    Path fifo = dir.resolve("piped.jsonl"); // any name: a directory read skips it by kind
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assumeTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo available");
    AuditReader reader = AuditReader.builder().build();

    assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
        assertThatThrownBy(() -> reader.read(fifo)).isInstanceOf(FileSystemException.class)
            .hasMessageContaining("neither a regular file nor a directory"));
    assertThat(read(dir).entries()).isEmpty(); // in a directory it is skipped, as before
  }

  @Test
  void read_aDirectory_skipsSymbolicLinks_soALatestLinkDoesNotReadAFileTwice() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, line("a") + line("b"));
    Path elsewhere = Files.createDirectory(dir.resolve("other")).resolve("x.jsonl");
    Files.writeString(elsewhere, line("c"));
    try {
      Files.createSymbolicLink(dir.resolve("latest.jsonl"), file.getFileName());
      Files.createSymbolicLink(dir.resolve("outside.jsonl"), elsewhere);
    } catch (UnsupportedOperationException | java.io.IOException noLinks) {
      assumeTrue(false, "symbolic links supported");
    }

    assertThat(read(dir).ids()).containsExactly("a", "b");
    // given as the file itself, a link is followed: the caller named it
    assertThat(read(dir.resolve("latest.jsonl")).ids()).containsExactly("a", "b");
  }

  @Test
  void replay_anEnvelopeToEventWouldRefuse_isReportedWithTheField_andTheRestIsReplayed()
      throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, line("a") + line("b", "t..a", "2026-11-23T01:00:00Z")
        + line("c").replace("\"source\":\"s\"", "\"source\":\"s\",\"headers\":{\"n\":5}")
        + line("d"));
    List<CorruptLine> corrupt = new ArrayList<>();
    List<String> seen = new CopyOnWriteArrayList<>();
    long count;
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe("*", e -> seen.add(e.id()));
      count = AuditReader.builder().onCorrupt(corrupt::add).build().replay(file, bus);
    }

    assertThat(count).isEqualTo(2);
    assertThat(seen).containsExactly("a", "d");
    assertThat(corrupt).extracting(CorruptLine::line, CorruptLine::reason).containsExactly(
        tuple(2L, "type is not a valid event type name"),
        tuple(3L, "a header has a blank name or a value not a string"));
  }

  @Test
  void replay_registeredAndUnregisteredTypes_twice_eachMarked_countedTwice_notLoggedAgain() throws Exception {
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T08:00:00Z"));
    Path logs = logOf(clock, new Typed("n", 3), DynamicEvent.of("probe.dynamic", Map.of("k", "v")));
    List<Event<?>> seen = new CopyOnWriteArrayList<>();
    AuditReader reader = AuditReader.builder().register(Typed.class).build();
    long first;
    long second;
    try (EventBus bus = EventBus.builder().clock(clock).auditLog(logs).build()) {
      bus.subscribe("*", seen::add);
      first = reader.replay(logs, bus);
      second = reader.replay(logs, bus);
    }

    assertThat(first).isEqualTo(2);
    assertThat(second).isEqualTo(2); // no deduplication is documented: a replay republishes
    assertThat(seen).hasSize(4).allSatisfy(e -> assertThat(AuditLog.isReplay(e)).isTrue());
    assertThat(seen.get(0).payload()).isEqualTo(new Typed("n", 3));
    assertThat(seen.get(1).payload()).isInstanceOf(DynamicEvent.class);
    assertThat(seen.get(0).id()).isEqualTo(seen.get(2).id());
    try (Stream<Path> files = Files.list(logs)) {
      assertThat(files.mapToLong(f -> {
        try {
          return Files.readAllLines(f).size();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).sum()).isEqualTo(2);
    }
  }

  @Test
  void replay_entryThatDoesNotFitItsRegisteredClass_isReported_othersStillReplayed() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file,
        line("a", "probe.typed", "2026-11-23T01:00:00Z").replace("{\"id\":\"a\"}", "{\"name\":\"a\",\"count\":1}")
        + line("b", "probe.typed", "2026-11-23T01:00:01Z").replace("{\"id\":\"b\"}", "{\"name\":\"b\",\"count\":\"many\"}")
        + line("c", "probe.typed", "2026-11-23T01:00:02Z").replace("{\"id\":\"c\"}", "{\"name\":\"c\",\"count\":3}"));
    List<CorruptLine> corrupt = new ArrayList<>();
    List<Event<?>> seen = new CopyOnWriteArrayList<>();
    long[] count = {-1};
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe("*", seen::add);
      AuditReader reader = AuditReader.builder().register(Typed.class).onCorrupt(corrupt::add).build();
      // Regression (fixed since): toEvent's IllegalArgumentException escapes replay() (documented: IOException
      // only) after "a" was already published; "c" is never replayed and the caller gets no
      // count of what was republished. Expected: the line reported to onCorrupt, replay goes on.
      assertThatCode(() -> count[0] = reader.replay(file, bus)).doesNotThrowAnyException();
    }
    assertThat(count[0]).isEqualTo(2);
    assertThat(seen).extracting(Event::id).containsExactly("a", "c");
    assertThat(corrupt).extracting(CorruptLine::line).containsExactly(2L);
  }

  /** A class whose binary name is outside the type-name grammar (a non-ASCII letter). */
  public record Größe(int value) {}

  @Test
  void classNamesOutsideTheGrammar_areLoggedAndReadBack_replayedWhenTheirClassIsRegistered()
      throws Exception {
    // Regression: the log wrote these events and its own reader called their lines corrupt,
    // so replay skipped them.
    ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    Runnable lambda = () -> { };
    try (EventBus bus = EventBus.builder().clock(clock).auditLog(dir).build()) {
      bus.publishSync(new String[] {"x"});
      bus.publishSync(new Größe(7));
      bus.publishSync(lambda);
    }

    Result read = read(dir);
    assertThat(read.corrupt()).isEmpty();
    assertThat(read.entries()).extracting(AuditEntry::type).containsExactly(
        "[Ljava.lang.String;", Größe.class.getName(), lambda.getClass().getName());

    List<CorruptLine> unregistered = new ArrayList<>();
    List<Object> replayed = new CopyOnWriteArrayList<>();
    try (EventBus bus = EventBus.builder().build()) {
      bus.subscribe(Object.class, replayed::add);
      AuditReader reader = AuditReader.builder().register(String[].class).register(Größe.class)
          .onCorrupt(unregistered::add).build();
      assertThat(reader.replay(dir, bus)).isEqualTo(2);
      assertThatThrownBy(() -> reader.toEvent(read.entries().get(2)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("register that class");
    }
    assertThat(replayed).hasSize(2).satisfiesExactly(
        a -> assertThat((String[]) a).containsExactly("x"),
        g -> assertThat(g).isEqualTo(new Größe(7)));
    assertThat(unregistered).singleElement().satisfies(c -> assertThat(c.reason())
        .contains("register that class to replay it"));
  }
}
