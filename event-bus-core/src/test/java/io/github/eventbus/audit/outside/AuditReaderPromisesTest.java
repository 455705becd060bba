package io.github.eventbus.audit.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventType;
import io.github.eventbus.audit.AuditEntry;
import io.github.eventbus.audit.AuditFormat;
import io.github.eventbus.audit.AuditReader;
import io.github.eventbus.audit.CorruptLine;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.outside.BuilderPromises;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of {@link AuditReader}, {@link AuditEntry} and the read side of the format. */
class AuditReaderPromisesTest {

  /**
   * A file name these tests write themselves: the reader reads any name, so no clock dates it.
   */
  private static final String WRITTEN_HERE = "events_20310203.jsonl";

  /** A registered payload. */
  @EventType("promise_order")
  record Order(String sku, int quantity) {}

  /** Another class claiming the same type name. */
  @EventType("promise_order")
  record Impostor(String sku) {}

  @TempDir Path dir;

  private static String line(String id, String type, String data) {
    return "{\"format_version\":1,\"timestamp\":\"2031-02-03T04:05:06Z\",\"event_id\":\"" + id
        + "\",\"type\":\"" + type + "\",\"source\":\"shop\",\"correlation_id\":\"c-" + id
        + "\",\"headers\":{\"tenant\":\"acme\"},\"data\":" + data + "}\n";
  }

  private static String order(String id) {
    return line(id, "promise_order", "{\"sku\":\"" + id + "\",\"quantity\":1}");
  }

  private static List<String> ids(AuditReader reader, Path path) throws IOException {
    try (Stream<AuditEntry> entries = reader.read(path)) {
      return entries.map(AuditEntry::eventId).toList();
    }
  }

  @Test
  void read_aPathThatDoesNotExist_throwsIOException() {
    assertThatThrownBy(() -> AuditReader.builder().build().read(dir.resolve("missing")))
        .isInstanceOf(IOException.class);
  }

  @Test
  void read_emptyFileAndEmptyDirectory_giveNoEntries() throws Exception {
    Path empty = Files.createFile(dir.resolve(WRITTEN_HERE));
    Path emptyDir = Files.createDirectory(dir.resolve("nothing"));
    assertThat(ids(AuditReader.builder().build(), empty)).isEmpty();
    assertThat(ids(AuditReader.builder().build(), emptyDir)).isEmpty();
  }

  @Test
  void read_fileGrowingAfterReadingBegan_isReadUpToTheSizeItHadThen() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, order("a") + order("b"), StandardCharsets.UTF_8);
    try (Stream<AuditEntry> entries = AuditReader.builder().build().read(file)) {
      Iterator<AuditEntry> it = entries.iterator();
      assertThat(it.next().eventId()).isEqualTo("a");
      Files.writeString(file, order("c") + order("d"), StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
      assertThat(it.next().eventId()).isEqualTo("b");
      assertThat(it.hasNext()).isFalse();
    }
  }

  @Test
  void read_directory_readsOnlyItsJsonlFiles_notTheCorruptFilesTornLineRepairLeaves()
      throws Exception {
    Files.writeString(dir.resolve(WRITTEN_HERE), order("a"));
    Files.writeString(dir.resolve(WRITTEN_HERE + ".corrupt"), order("torn"));
    Files.writeString(dir.resolve(WRITTEN_HERE + ".bak"), order("backup"));
    Files.writeString(dir.resolve("README"), order("readme"));
    assertThat(ids(AuditReader.builder().build(), dir)).containsExactly("a");
  }

  @Test
  void register_twoClassesWithOneTypeName_isRefused_theSameClassTwiceIsNot() {
    assertThatThrownBy(() -> AuditReader.builder().register(Order.class, Impostor.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("promise_order");
    assertThatThrownBy(() -> AuditReader.builder().register(Order.class).register(Impostor.class))
        .isInstanceOf(IllegalArgumentException.class);
    AuditReader.builder().register(Order.class).register(Order.class).build();
  }

  @Test
  void builder_everyOptionSetTwice_failsFast_namingTheOption() {
    BuilderPromises.eachOptionOnce(() -> AuditReader.builder(),
        Map.<String, Consumer<AuditReader.Builder>>of(
        "types", b -> b.types("promise_order"),
        "from", b -> b.from(Instant.EPOCH),
        "until", b -> b.until(Instant.EPOCH),
        "source", b -> b.source("shop"),
        "onCorrupt", b -> b.onCorrupt(c -> { }),
        "mapper", b -> b.mapper(JsonLinesWriter.defaultMapper())));
    assertThatThrownBy(() -> AuditReader.builder().types("promise_[")).isInstanceOf(
        IllegalArgumentException.class);
  }

  @Test
  void build_withUntilNotAfterFrom_failsFast_ratherThanReadingNothing() {
    Instant t = Instant.parse("2026-11-23T10:00:00Z");
    for (Instant until : List.of(t, t.minusSeconds(1))) {
      assertThatThrownBy(() -> AuditReader.builder().from(t).until(until).build())
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("until")
          .hasMessageContaining("from");
    }
    AuditReader.builder().from(t).until(t.plusNanos(1)).build();
  }

  @Test
  void toEvent_keepsIdTimestampSourceAndMetadata_typedWhenRegistered_dynamicOtherwise()
      throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, order("a") + line("b", "promise_other", "{\"x\":[1,2]}"));
    AuditReader reader = AuditReader.builder().register(Order.class).build();
    List<Event<?>> events;
    try (Stream<AuditEntry> entries = reader.read(file)) {
      events = entries.<Event<?>>map(reader::toEvent).toList();
    }
    assertThat(events.get(0).payload()).isEqualTo(new Order("a", 1));
    assertThat(events.get(1).payload()).isInstanceOf(DynamicEvent.class);
    assertThat(((DynamicEvent) events.get(1).payload()).type()).isEqualTo("promise_other");
    for (Event<?> e : events) {
      assertThat(e.timestamp()).isEqualTo(Instant.parse("2031-02-03T04:05:06Z"));
      assertThat(e.source()).isEqualTo("shop");
      assertThat(e.metadata().correlationId()).contains("c-" + e.id());
      assertThat(e.metadata().headers()).containsEntry("tenant", "acme");
    }
    assertThat(events).extracting(Event::id).containsExactly("a", "b");
  }

  @Test
  void toEvent_dataThatDoesNotFitTheRegisteredClass_throwsIllegalArgument() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, line("a", "promise_order", "{\"sku\":\"a\",\"quantity\":\"many\"}"));
    AuditReader reader = AuditReader.builder().register(Order.class).build();
    AuditEntry entry;
    try (Stream<AuditEntry> entries = reader.read(file)) {
      entry = entries.findFirst().orElseThrow();
    }
    assertThatThrownBy(() -> reader.toEvent(entry)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void entry_readFromAFile_namesItAndItsLine_decodedText_hasNoFileAndLineZero() throws Exception {
    Path file = dir.resolve(WRITTEN_HERE);
    Files.writeString(file, "\n" + order("a"));
    List<CorruptLine> corrupt = new CopyOnWriteArrayList<>();
    try (Stream<AuditEntry> entries = AuditReader.builder().onCorrupt(corrupt::add).build()
        .read(file)) {
      AuditEntry entry = entries.findFirst().orElseThrow();
      assertThat(entry.file()).isEqualTo(file);
      assertThat(entry.line()).isEqualTo(2);
    }
    AuditEntry decoded = AuditFormat.standard().decode(order("b").strip());
    assertThat(decoded.file()).isNull();
    assertThat(decoded.line()).isZero();
    assertThat(decoded.correlation()).contains("c-b");
  }

  @Test
  void entry_requiresEveryComponentButTheCorrelationId_andCopiesTheHeaders() {
    AuditEntry sample = AuditFormat.standard().decode(order("a").strip());
    Map<String, String> headers = new HashMap<>(Map.of("tenant", "acme"));
    AuditEntry entry = new AuditEntry("a", "t", Instant.EPOCH, "s", null, headers, sample.data(),
        null, 0);
    headers.put("tenant", "changed");
    assertThat(entry.headers()).containsExactly(Map.entry("tenant", "acme"));
    assertThat(entry.correlation()).isEmpty();
    assertThatThrownBy(() -> entry.headers().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> new AuditEntry(null, "t", Instant.EPOCH, "s", null, Map.of(),
        sample.data(), null, 0)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("eventId");
    assertThatThrownBy(() -> new AuditEntry("a", "t", null, "s", null, Map.of(), sample.data(),
        null, 0)).isInstanceOf(NullPointerException.class).hasMessageContaining("timestamp");
    assertThatThrownBy(() -> new AuditEntry("a", "t", Instant.EPOCH, "s", null, null,
        sample.data(), null, 0)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new AuditEntry("a", "t", Instant.EPOCH, "s", null, Map.of(), null,
        null, 0)).isInstanceOf(NullPointerException.class).hasMessageContaining("data");
  }
}
