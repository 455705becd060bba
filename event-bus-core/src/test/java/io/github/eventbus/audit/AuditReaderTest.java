package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditReaderTest {

  @TempDir Path dir;

  private static String line(String id, String type, String time, String source) {
    return "{\"format_version\":1,\"timestamp\":\"" + time + "\",\"event_id\":\"" + id
        + "\",\"type\":\"" + type + "\",\"source\":\"" + source + "\",\"data\":{\"id\":\"" + id + "\"}}\n";
  }

  private List<String> ids(AuditReader reader, Path path) throws Exception {
    try (Stream<AuditEntry> entries = reader.read(path)) {
      return entries.map(AuditEntry::eventId).toList();
    }
  }

  @Test
  void read_directory_inDayAndRolloverOrder() throws Exception {
    Files.writeString(dir.resolve("events_20261123.1.jsonl"), line("c", "t", "2026-11-23T02:00:00Z", "s"));
    Files.writeString(dir.resolve("events_20261122.jsonl"), line("a", "t", "2026-11-22T01:00:00Z", "s"));
    Files.writeString(dir.resolve("events_20261123.jsonl"), line("b", "t", "2026-11-23T01:00:00Z", "s"));
    Files.writeString(dir.resolve("events_20261123.10.jsonl"), line("d", "t", "2026-11-23T03:00:00Z", "s"));
    Files.writeString(dir.resolve("notes.txt"), "ignored");

    assertThat(ids(AuditReader.builder().build(), dir)).containsExactly("a", "b", "c", "d");
  }

  @Test
  void read_anIteratorUsedAfterItsStreamIsClosed_throws_andOpensNoFile() throws Exception {
    Files.writeString(dir.resolve("events_20261122.jsonl"),
        line("a", "t", "2026-11-22T01:00:00Z", "s") + line("b", "t", "2026-11-22T02:00:00Z", "s"));
    Files.writeString(dir.resolve("events_20261123.jsonl"),
        line("c", "t", "2026-11-23T01:00:00Z", "s"));
    Stream<AuditEntry> entries = AuditReader.builder().build().read(dir);
    java.util.Iterator<AuditEntry> it = entries.iterator();
    assertThat(it.next().eventId()).isEqualTo("a");
    entries.close();
    // Reading on would reopen the first file's successor and leave it open: nobody closes it.
    assertThatThrownBy(it::hasNext).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(it::next).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void read_corruptLines_areReportedWithFileAndLine_andReadingGoesOn() throws Exception {
    Path file = dir.resolve("events_20261123.jsonl");
    Files.writeString(file, line("a", "t", "2026-11-23T01:00:00Z", "s")
        + "this is not json\n"
        + "{\"no\":\"fields\"}\n"
        + "\n"
        + "{\"event_id\":\"x\",\"type\":\"t\",\"timestamp\":\"yesterday\"}\n"
        + line("b", "t", "2026-11-23T02:00:00Z", "s")
        + "{\"event_id\":\"torn", StandardCharsets.UTF_8);
    List<CorruptLine> corrupt = new CopyOnWriteArrayList<>();

    List<String> ids = ids(AuditReader.builder().onCorrupt(corrupt::add).build(), file);

    assertThat(ids).containsExactly("a", "b");
    assertThat(corrupt).extracting(CorruptLine::line).containsExactly(2L, 3L, 5L);
    assertThat(corrupt).allSatisfy(c -> assertThat(c.file()).isEqualTo(file));
    assertThat(corrupt.get(0).reason()).startsWith("not JSON");
    assertThat(corrupt.get(1).reason()).contains("missing event_id");
    assertThat(corrupt.get(2).reason()).contains("not ISO-8601");
  }

  @Test
  void read_filtersByTypeTimeAndSource() throws Exception {
    Path file = dir.resolve("events_20261123.jsonl");
    Files.writeString(file, line("a", "risk_alert", "2026-11-23T01:00:00Z", "scanner")
        + line("b", "file_change", "2026-11-23T02:00:00Z", "scanner")
        + line("c", "risk_alert", "2026-11-23T03:00:00Z", "other")
        + line("d", "risk_alert", "2026-11-23T04:00:00Z", "scanner"));

    AuditReader reader = AuditReader.builder().types("risk_alert").source("scanner")
        .from(Instant.parse("2026-11-23T00:30:00Z")).until(Instant.parse("2026-11-23T04:00:00Z")).build();

    assertThat(ids(reader, file)).containsExactly("a");
  }
}
