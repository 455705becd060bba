package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventType;
import io.github.eventbus.ManualClock;
import io.github.eventbus.Metadata;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {

  @EventType("report_ready")
  public record ReportReady(String reportId, String note, Instant generatedAt, List<String> recipients) {}

  @TempDir Path dir;
  private final ObjectMapper json = new ObjectMapper();
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T08:30:00Z"));

  /**
   * A source with a lone surrogate (a Java string, but no valid Unicode text) is written with
   * U+FFFD in its place, by the cached encoding as by the uncached one, not dropped as unencodable.
   */
  @Test
  void aSourceWithALoneSurrogate_isStillLogged() throws Exception {
    try (AuditLog audit = AuditLog.builder(dir).clock(clock).build();
        EventBus bus = EventBus.builder().name("audit-surrogate").source("src\uD800x")
            .clock(clock).auditLog(audit).build()) {
      bus.publishSync(DynamicEvent.of("deployment", Map.of("n", 1)));
      bus.publishSync(DynamicEvent.of("deployment", Map.of("n", 2)));
    }

    List<String> lines = Files.readAllLines(dir.resolve("events_20261123.jsonl"),
        StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2);
    assertThat(json.readTree(lines.get(1)).get("data").get("n").asInt()).isEqualTo(2);
    assertThat(lines).allSatisfy(l ->
        assertThat(json.readTree(l).get("source").asText()).isEqualTo("src\uFFFDx"));
  }

  /**
   * Jackson reads, by default, strings of up to 20 million characters and names of up to 50,000,
   * but writes longer ones: such an event was logged and then read back as a corrupt line.
   */
  @Test
  void aPayloadPastJacksonsDefaultReadLimits_isReadBackAsWritten() throws Exception {
    Map<String, Object> deep = new java.util.HashMap<>();
    Map<String, Object> level = deep;
    for (int i = 0; i < 990; i++) { // the writer refuses 1,000 levels, envelope included
      Map<String, Object> next = new java.util.HashMap<>();
      level.put("in", next);
      level = next;
    }
    level.put("bottom", true);
    DynamicEvent large = DynamicEvent.of("large", Map.of(
        "text", "t".repeat(20_000_001),
        "n".repeat(50_001), 1,
        "deep", deep));
    try (AuditLog audit = AuditLog.builder(dir).clock(clock).build();
        EventBus bus = EventBus.builder().name("audit-large").clock(clock).auditLog(audit)
            .build()) {
      bus.publishSync(large);
    }

    List<CorruptLine> corrupt = new CopyOnWriteArrayList<>();
    AuditReader reader = AuditReader.builder().onCorrupt(corrupt::add).build();
    try (Stream<AuditEntry> entries = reader.read(dir)) {
      List<Event<?>> back = entries.map(reader::toEvent).toList();
      assertThat(corrupt).isEmpty();
      assertThat(back).hasSize(1);
      assertThat(back.get(0).payload()).isEqualTo(large);
    }
  }

  @Test
  void bus_logsTypedAndDynamicEvents_andTheyReadBackTheSame() throws Exception {
    ReportReady report = new ReportReady("daily_20261123", "first line\nsecond line: Ünïcödé ✓",
        Instant.parse("2026-11-23T08:00:00Z"), List.of("a@example.com"));
    DynamicEvent deploy = DynamicEvent.of("deployment", Map.of("service", "api", "note", "a\nb"));
    List<Event<?>> published = new CopyOnWriteArrayList<>();
    try (AuditLog audit = AuditLog.builder(dir).clock(clock).build(); // closed after the bus
        EventBus bus = EventBus.builder().name("audit").source("pm").clock(clock).auditLog(audit)
            .build()) {
      bus.subscribe("*", published::add);
      bus.publishSync(report, Metadata.builder().correlationId("corr-1").header("tenant", "acme").build());
      bus.publishSync(deploy);
      assertThat(bus.auditLogFile()).contains(dir.resolve("events_20261123.jsonl"));
    }

    Path file = dir.resolve("events_20261123.jsonl");
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(2);
    JsonNode first = json.readTree(lines.get(0));
    assertThat(first.get("format_version").asInt()).isEqualTo(1);
    assertThat(first.get("type").asText()).isEqualTo("report_ready");
    assertThat(first.get("event_id").asText()).isEqualTo(published.get(0).id());
    assertThat(first.get("timestamp").asText()).isEqualTo("2026-11-23T08:30:00Z");
    assertThat(first.get("source").asText()).isEqualTo("pm");
    assertThat(first.get("correlation_id").asText()).isEqualTo("corr-1");
    assertThat(first.get("data").get("generatedAt").asText()).isEqualTo("2026-11-23T08:00:00Z");

    AuditReader reader = AuditReader.builder().register(ReportReady.class).build();
    try (Stream<AuditEntry> entries = reader.read(dir)) {
      List<Event<?>> back = entries.map(reader::toEvent).toList();
      assertThat(back).hasSize(2);
      assertThat(back.get(0).payload()).isEqualTo(report);
      assertThat(back.get(0).id()).isEqualTo(published.get(0).id());
      assertThat(back.get(0).metadata().correlationId()).contains("corr-1");
      assertThat(back.get(0).metadata().headers()).containsEntry("tenant", "acme");
      assertThat(back.get(1).payload()).isEqualTo(deploy); // unknown type: dynamic
    }
  }

  @Test
  void include_logsOnlyMatchingTypes() throws Exception {
    try (AuditLog audit = AuditLog.builder(dir).include("risk.*").clock(clock).build();
        EventBus bus = EventBus.builder().auditLog(audit).build()) {
      bus.publishSync(DynamicEvent.of("risk.alert", Map.of()));
      bus.publishSync(DynamicEvent.of("file_change", Map.of()));
      audit.flush().get(10, TimeUnit.SECONDS);
    }
    assertThat(Files.readAllLines(dir.resolve("events_20261123.jsonl")))
        .singleElement().asString().contains("\"type\":\"risk.alert\"");
  }

  @Test
  void replay_republishesSelection_markedAsReplay_notLoggedTwice() throws Exception {
    Path first = dir.resolve("first");
    try (EventBus bus = EventBus.builder().clock(clock).auditLog(first).build()) {
      bus.publishSync(DynamicEvent.of("job.failed", Map.of("job", "a")));
      bus.publishSync(DynamicEvent.of("job.done", Map.of("job", "b")));
    }
    List<Event<?>> replayed = new CopyOnWriteArrayList<>();
    CountDownLatch got = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().clock(clock).auditLog(first).build()) {
      bus.subscribe("job.*", e -> {
        replayed.add(e);
        got.countDown();
      });
      long count = AuditReader.builder().types("job.failed").build().replay(first, bus);
      assertThat(count).isEqualTo(1);
      assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(replayed).singleElement().satisfies(e -> {
      assertThat(AuditLog.isReplay(e)).isTrue();
      assertThat(((DynamicEvent) e.payload()).get("job")).isEqualTo("a");
    });
    assertThat(Files.readAllLines(first.resolve("events_20261123.jsonl"))).hasSize(2); // not 3
  }

  /**
   * Replay publishes asynchronously, under the bus's backpressure: a full queue under REJECT ends
   * it with the bus's exception, and what it republished before is delivered, in log order.
   */
  /**
   * {@code "data": null} is a valid line, but no event of a registered class: reading it as one
   * is a reported corrupt line, and the replay goes on (it was a NullPointerException that ended
   * the replay).
   */
  @Test
  void replay_ofNullDataForARegisteredClass_isReportedAsCorrupt_andTheRestIsReplayed()
      throws Exception {
    Path file = dir.resolve("written-by-hand.jsonl"); // given to replay by path: no day in it
    Files.writeString(file, String.join("\n",
        "{\"event_id\":\"e1\",\"type\":\"report_ready\",\"timestamp\":\"2026-11-23T08:00:00Z\","
            + "\"source\":\"pm\",\"data\":null}",
        "{\"event_id\":\"e2\",\"type\":\"report_ready\",\"timestamp\":\"2026-11-23T08:01:00Z\","
            + "\"source\":\"pm\",\"data\":{\"reportId\":\"r2\"}}") + "\n");
    List<CorruptLine> corrupt = new CopyOnWriteArrayList<>();
    List<Object> got = new CopyOnWriteArrayList<>();
    long replayed;
    try (EventBus bus = EventBus.builder().clock(clock).build()) {
      bus.subscribe(ReportReady.class, got::add);
      replayed = AuditReader.builder().register(ReportReady.class).onCorrupt(corrupt::add).build()
          .replay(file, bus);
    }
    assertThat(replayed).isEqualTo(1);
    assertThat(got).singleElement().isEqualTo(new ReportReady("r2", null, null, null));
    assertThat(corrupt).singleElement().satisfies(c -> assertThat(c.line()).isEqualTo(1));
  }

  @Test
  void replay_intoAFullRejectingQueue_throwsTheRejection_afterTheEventsBeforeIt() throws Exception {
    Path source = dir.resolve("source");
    try (EventBus bus = EventBus.builder().clock(clock).auditLog(source).build()) {
      for (int i = 0; i < 5; i++) {
        bus.publishSync(DynamicEvent.of("job.failed", Map.of("n", i)));
      }
    }
    List<Object> handled = new CopyOnWriteArrayList<>();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    try (EventBus bus = EventBus.builder().clock(clock).queueCapacity(1)
        .backpressure(io.github.eventbus.BackpressurePolicy.REJECT).build()) {
      bus.subscribe("job.failed", e -> {
        running.countDown();
        release.await();
        handled.add(((Number) ((DynamicEvent) e.payload()).get("n")).intValue());
      });
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> AuditReader.builder().build().replay(source, bus))
          .isInstanceOf(io.github.eventbus.RejectedEventException.class);
      assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
      release.countDown();
    } // close drains what was accepted
    assertThat(handled).isNotEmpty().hasSizeLessThan(5)
        .isEqualTo(List.of(0, 1, 2, 3, 4).subList(0, handled.size()));
  }

  @Test
  void aReplayHeaderFromAnyoneButTheReader_doesNotKeepAnEventOutOfTheLog() throws Exception {
    // Regression: any publisher (or a header copied from upstream) could hide an event from the
    // audit log by marking it replay=true.
    Path log = dir.resolve("marked");
    try (EventBus bus = EventBus.builder().clock(clock).executor(Runnable::run).auditLog(log)
        .build()) {
      // A new event with the replayed one's metadata (its replay=true header with it), published
      // on the replaying thread: never logged before, so logged now.
      bus.subscribe("job.failed",
          e -> bus.publishSync(DynamicEvent.of("job.retried", Map.of()), e.metadata()));
      bus.publishSync(DynamicEvent.of("job.done", Map.of()),
          Metadata.builder().header("replay", "true").build());
      // The reader replays job.failed; its subscriber's job.retried is logged.
      Files.createDirectories(dir.resolve("source"));
      try (EventBus source = EventBus.builder().clock(clock).auditLog(dir.resolve("source"))
          .build()) {
        source.publishSync(DynamicEvent.of("job.failed", Map.of()));
      }
      assertThat(AuditReader.builder().build().replay(dir.resolve("source"), bus)).isEqualTo(1);
    }
    assertThat(Files.readAllLines(log.resolve("events_20261123.jsonl")))
        .extracting(line -> line.replaceAll(".*\"type\":\"([^\"]+)\".*", "$1"))
        .containsExactly("job.done", "job.retried");
  }

  @Test
  void busBuiltLog_namesDailyFileByTheBusClock_inItsZone() throws Exception {
    // 12:00 UTC on 31 Dec 1999 is already 1 Jan 2000 at UTC+14: the zone, not UTC, picks the day.
    ManualClock kiritimati = new ManualClock(Instant.parse("1999-12-31T12:00:00Z"),
        java.time.ZoneId.of("Pacific/Kiritimati"));
    try (EventBus bus = EventBus.builder().clock(kiritimati).auditLog(dir).build()) {
      bus.publishSync(DynamicEvent.of("job.done", Map.of()));
      assertThat(bus.auditLogFile()).contains(dir.resolve("events_20000101.jsonl"));
      kiritimati.advance(java.time.Duration.ofHours(12)); // 1 Jan 2000 00:00 UTC = 14:00 there
      bus.publishSync(DynamicEvent.of("job.done", Map.of()));
    }
    assertThat(Files.readAllLines(dir.resolve("events_20000101.jsonl"))).hasSize(2);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("events_20000101.jsonl");
    }
  }

  @Test
  void suppliedLog_keepsItsOwnClock() throws Exception {
    ManualClock busClock = new ManualClock(Instant.parse("2031-06-15T10:00:00Z"));
    ManualClock logClock = new ManualClock(Instant.parse("1987-03-02T10:00:00Z"));
    try (AuditLog audit = AuditLog.builder(dir).clock(logClock).build();
        EventBus bus = EventBus.builder().clock(busClock).auditLog(audit).build()) {
      bus.publishSync(DynamicEvent.of("job.done", Map.of()));
      assertThat(bus.auditLogFile()).contains(dir.resolve("events_19870302.jsonl"));
    }
    String line = Files.readAllLines(dir.resolve("events_19870302.jsonl")).get(0);
    assertThat(json.readTree(line).get("timestamp").asText()).isEqualTo("2031-06-15T10:00:00Z");
  }

  /** A reader follows the file like tail -f while 8 threads publish: every complete line parses. */
  @Test
  void concurrentReader_whileEightThreadsPublish_everyLineParses() throws Exception {
    int threads = 8;
    int perThread = 5_000;
    AtomicBoolean done = new AtomicBoolean();
    List<String> problems = new CopyOnWriteArrayList<>();
    long[] linesSeen = {0};
    io.github.eventbus.EventBusMetrics[] metrics = new io.github.eventbus.EventBusMetrics[1];
    try (EventBus bus = EventBus.builder().auditLog(dir).build()) {
      bus.subscribe(DynamicEvent.class, e -> {});
      Path file = bus.auditLogFile().orElseThrow();
      Thread tail = new Thread(() -> follow(file, done, problems, linesSeen));
      tail.start();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            bus.publish(DynamicEvent.of("load", Map.of("thread", thread, "i", i, "text", "x\ny")));
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get(2, TimeUnit.MINUTES);
      }
      pool.shutdown();
      bus.close();
      metrics[0] = bus.metrics();
      done.set(true);
      tail.join(TimeUnit.MINUTES.toMillis(1));
    }
    assertThat(problems).isEmpty();
    assertThat(linesSeen[0]).isEqualTo((long) threads * perThread);
    assertThat(metrics[0].auditLog()).hasValueSatisfying(w -> {
      assertThat(w.written()).isEqualTo((long) threads * perThread);
      assertThat(w.failedWrites()).isZero();
      assertThat(w.pending()).isZero();
    });
  }

  private void follow(Path file, AtomicBoolean done, List<String> problems, long[] linesSeen) {
    long offset = 0;
    StringBuilder partial = new StringBuilder();
    try {
      while (true) {
        boolean finished = done.get(); // read once more after the writer finished
        if (Files.exists(file)) {
          try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            if (length > offset) {
              byte[] chunk = new byte[(int) (length - offset)];
              raf.seek(offset);
              raf.readFully(chunk);
              offset = length;
              partial.append(new String(chunk, StandardCharsets.UTF_8));
              int newline;
              while ((newline = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, newline);
                partial.delete(0, newline + 1);
                try {
                  json.readTree(line);
                  linesSeen[0]++;
                } catch (Exception e) {
                  problems.add(line);
                }
              }
            }
          }
        }
        if (finished) {
          return;
        }
        Thread.onSpinWait();
      }
    } catch (Exception e) {
      problems.add(e.toString());
    }
  }
}
