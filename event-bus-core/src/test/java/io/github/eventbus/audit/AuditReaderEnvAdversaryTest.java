package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DailyFiles;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import io.github.eventbus.jsonl.Durability;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Audit files as an unlucky environment leaves them: what a killed process leaves at the end
 * (read back, then continued by a restarted bus), a file gone or truncated under a reader.
 */
class AuditReaderEnvAdversaryTest {

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T08:30:00Z"));
  /** The day's file, as the audit log names it by the clock. */
  private final String dayFile = DailyFiles.name("events", clock);

  private static String line(String id) {
    return "{\"format_version\":1,\"timestamp\":\"2026-11-23T01:00:00Z\",\"event_id\":\"" + id
        + "\",\"type\":\"t\",\"source\":\"s\",\"data\":{\"id\":\"" + id + "\"}}\n";
  }

  private static byte[] leftover(String kind) {
    return switch (kind) {
      case "nul-tail" -> new byte[4096];
      case "half-object" -> line("torn").substring(0, 40).getBytes(StandardCharsets.UTF_8);
      case "whole-without-lf" -> line("nolf").strip().getBytes(StandardCharsets.UTF_8);
      case "invalid-utf8-tail" -> new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28};
      default -> throw new AssertionError(kind);
    };
  }

  private record Read(List<String> ids, List<CorruptLine> corrupt) {}

  private static Read read(Path path) throws Exception {
    List<CorruptLine> corrupt = new ArrayList<>();
    AuditReader reader = AuditReader.builder().onCorrupt(corrupt::add).build();
    try (Stream<AuditEntry> entries = reader.read(path)) {
      return new Read(entries.map(AuditEntry::eventId).toList(), corrupt);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"nul-tail", "half-object", "whole-without-lf", "invalid-utf8-tail"})
  void killedProcessLeftovers_readBack_thenARestartedBusContinuesCleanly(String kind)
      throws Exception {
    Path logs = dir.resolve("logs");
    Files.createDirectories(logs);
    Path file = logs.resolve(dayFile);
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    content.writeBytes((line("a") + line("b")).getBytes(StandardCharsets.UTF_8));
    content.writeBytes(leftover(kind));
    Files.write(file, content.toByteArray());

    Read before = read(file);
    assertThat(before.ids()).containsExactly("a", "b"); // the torn tail: skipped, as documented
    assertThat(before.corrupt()).isEmpty();

    List<String> problems = new CopyOnWriteArrayList<>();
    try (AuditLog audit = AuditLog.builder(logs).clock(clock).durability(Durability.FSYNC)
            .acknowledge(Duration.ofSeconds(20))
            .errorHandler((f, problem, cause) -> problems.add(problem)).build();
        EventBus bus = EventBus.builder().name("env-restart").clock(clock).auditLog(audit).build()) {
      bus.publishSync(DynamicEvent.of("after", Map.of("i", 1)));
      assertThat(audit.currentFile()).isEqualTo(file);
    }

    Read after = read(logs);
    assertThat(after.corrupt()).isEmpty();
    assertThat(after.ids()).hasSize(3).startsWith("a", "b");
    assertThat(Files.readAllBytes(logs.resolve(dayFile + ".corrupt"))).startsWith(leftover(kind));
    assertThat(problems).isEmpty();
  }

  @Test
  void aLineFarLongerThanAnyRecord_inTheMiddle_isReported_andTheNextLineRead() throws Exception {
    Path file = dir.resolve(dayFile);
    byte[] huge = new byte[8 << 20];
    java.util.Arrays.fill(huge, (byte) 'z');
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    content.writeBytes(line("a").getBytes(StandardCharsets.UTF_8));
    content.writeBytes(huge);
    content.write('\n');
    content.writeBytes(line("c").getBytes(StandardCharsets.UTF_8));
    Files.write(file, content.toByteArray());

    Read r = read(file);

    assertThat(r.ids()).containsExactly("a", "c");
    assertThat(r.corrupt()).extracting(CorruptLine::line).containsExactly(2L);
  }

  @Test
  void fileDeletedAfterListing_beforeTheStreamReachesIt_isThrown_notSkippedSilently()
      throws Exception {
    Clock dayBefore = Clock.offset(clock, Duration.ofDays(-1));
    Files.writeString(dir.resolve(DailyFiles.name("events", dayBefore)), line("a"),
        StandardCharsets.UTF_8);
    Path second = dir.resolve(dayFile);
    Files.writeString(second, line("b"), StandardCharsets.UTF_8);
    AuditReader reader = AuditReader.builder().build();
    try (Stream<AuditEntry> entries = reader.read(dir)) {
      Iterator<AuditEntry> it = entries.iterator();
      assertThat(it.next().eventId()).isEqualTo("a");
      Files.delete(second);

      assertThatThrownBy(it::hasNext).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining(second.toString());
    }
  }

  @Test
  void replay_ofAFileWithATornLastLine_republishesOnlyTheWholeEntries() throws Exception {
    Path file = dir.resolve(dayFile);
    Files.write(file, (line("a") + line("b") + "{\"format_version\":1,\"times")
        .getBytes(StandardCharsets.UTF_8));
    List<String> seen = new CopyOnWriteArrayList<>();
    CountDownLatch both = new CountDownLatch(2);
    try (EventBus bus = EventBus.builder().name("env-replay").clock(clock).build()) {
      bus.subscribe("t", e -> {
        seen.add(e.id());
        both.countDown();
      });
      long n = AuditReader.builder().build().replay(file, bus);
      assertThat(n).isEqualTo(2);
      assertThat(both.await(20, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "b");
  }

  /**
   * copytruncate under a running reader, then the writer fills the file again with lines of the
   * same shape: a line the reader began before the truncation must never be finished with bytes
   * of another line and returned as a valid entry.
   */
  @Test
  void truncatedAndRewrittenUnderAReader_neverYieldsASplicedEntry() throws Exception {
    List<String> mismatched = new ArrayList<>();
    // Each source length moves the reader's 64 KiB buffer boundary to another place in a line.
    for (int pad = 0; pad < 40 && mismatched.isEmpty(); pad++) {
      Path file = dir.resolve("pad" + pad + ".jsonl");
      String source = "s" + "p".repeat(pad);
      StringBuilder old = new StringBuilder();
      StringBuilder fresh = new StringBuilder();
      for (int i = 0; i < 3000; i++) {
        old.append(line(String.format(Locale.ROOT, "old-%06d", i)).replace("\"s\"", "\"" + source + "\""));
        fresh.append(line(String.format(Locale.ROOT, "new-%06d", i)).replace("\"s\"", "\"" + source + "\""));
      }
      Files.writeString(file, old, StandardCharsets.UTF_8);
      AuditReader reader = AuditReader.builder().onCorrupt(c -> { }).build();
      try (Stream<AuditEntry> entries = reader.read(file)) {
        Iterator<AuditEntry> it = entries.iterator();
        it.next(); // the reader has begun the file
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
          ch.truncate(0); // copytruncate
        }
        Files.writeString(file, fresh, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        while (it.hasNext()) {
          AuditEntry e = it.next();
          if (!e.eventId().equals(e.data().get("id").asText())) {
            mismatched.add(file.getFileName() + " line " + e.line() + ": " + e.eventId()
                + " with data of " + e.data().get("id").asText());
          }
        }
      }
    }
    assertThat(mismatched).isEmpty();
  }
}
