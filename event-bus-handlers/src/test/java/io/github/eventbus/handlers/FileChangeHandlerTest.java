package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileChangeHandlerTest {

  @TempDir Path dir;
  private final List<FileChangeNotification> notices = new CopyOnWriteArrayList<>();
  private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().executor(Runnable::run)
      .exceptionHandler((e, c) -> {}).build();
  private FileChangeHandler handler;

  @AfterEach
  void tearDown() {
    bus.close();
    handler.close();
  }

  private List<JsonNode> logLines() throws Exception {
    handler.flushLog();
    return LogLines.read(dir.resolve("logs/file_changes/file_changes.jsonl"));
  }

  @Test
  void handlesEachChangeType_reportsMissingFiles_andNotifies_typedAndDynamicAlike() throws Exception {
    handler = FileChangeHandler.builder().logRoot(dir.resolve("logs")).build();
    handler.register(bus);
    bus.subscribe(FileChangeNotification.class, notices::add);
    bus.subscribe(DeadLetter.class, letters::add);
    Path present = Files.writeString(dir.resolve("present.txt"), "x");

    bus.publishSync(new FileChange(present.toString(), ChangeType.CREATED, 1L, null, null));
    bus.publishSync(DynamicEvent.of("file_change", Map.of("file_path", present.toString(),
        "change_type", "modified", "size", 1)));
    bus.publishSync(new FileChange(dir.resolve("gone.txt").toString(), ChangeType.MODIFIED, null,
        null, null));
    bus.publishSync(new FileChange(dir.resolve("old.txt").toString(), ChangeType.DELETED, null,
        null, null));
    bus.publishSync(DynamicEvent.of("file_change", Map.of("change_type", "renamed", "size", -3)));

    assertThat(logLines()).extracting(l -> l.get("action").asText())
        .containsExactly("created", "modified", "missing", "deleted", "rejected");
    assertThat(notices).extracting(FileChangeNotification::exists)
        .containsExactly(true, true, false, false);
    assertThat(letters).singleElement().satisfies(l -> assertThat(
        ((InvalidEventException) l.cause()).problems()).containsExactly(
            "file_path is required",
            "change_type must be one of created|modified|deleted, but was \"renamed\"",
            "size must be at least 0, but was -3"));
  }

  @Test
  void logLine_isTheEnvelope_withEveryFieldAsReceived_andTheOutcomeBesideIt() throws Exception {
    handler = FileChangeHandler.builder().logRoot(dir.resolve("logs")).build();
    handler.register(bus);
    List<Event<?>> envelopes = new CopyOnWriteArrayList<>();
    bus.subscribe("file_change", envelopes::add);
    Path present = Files.writeString(dir.resolve("present.txt"), "x");
    Map<String, Object> design = new LinkedHashMap<>();
    design.put("file_path", present.toString());
    design.put("change_type", "MODIFIED"); // as received: not normalised in the log
    design.put("size", 1234);
    design.put("modified_time", "2025-01-15T10:00:00.000Z");
    design.put("checksum", "optional_md5_hash");
    design.put("extra", List.of("kept"));

    bus.publishSync(DynamicEvent.of("file_change", design));
    bus.publishSync(new FileChange(dir.resolve("old.txt").toString(), ChangeType.DELETED, null,
        null, null));

    List<JsonNode> lines = logLines();
    JsonNode dynamic = lines.get(0);
    assertThat(LogLines.fieldNames(dynamic)).containsExactly("timestamp", "event_id", "type", "source",
        "data", "handled_at", "action", "exists");
    assertThat(dynamic.get("event_id").asText()).isEqualTo(envelopes.get(0).id());
    assertThat(dynamic.get("timestamp").asText())
        .isEqualTo(envelopes.get(0).timestamp().toString());
    assertThat(dynamic.get("type").asText()).isEqualTo("file_change");
    assertThat(dynamic.get("data")).isEqualTo(LogLines.asRead(design));
    assertThat(dynamic.get("action").asText()).isEqualTo("modified");
    assertThat(dynamic.get("exists").asBoolean()).isTrue();

    JsonNode typed = lines.get(1);
    assertThat(typed.get("event_id").asText()).isEqualTo(envelopes.get(1).id());
    assertThat(typed.get("type").asText()).isEqualTo("file_change");
    assertThat(LogLines.fieldNames(typed.get("data"))).containsExactly("file_path", "change_type", "size",
        "modified_time", "checksum");
    assertThat(typed.get("data").get("change_type").asText()).isEqualTo("deleted");
    assertThat(typed.get("data").get("size").isNull()).isTrue();
    assertThat(typed.get("action").asText()).isEqualTo("deleted");
    assertThat(typed.get("exists").asBoolean()).isFalse();
  }

  @Test
  void notificationRefusedByAClosingBus_theLineIsWrittenFirst_andTheRefusalIsReported()
      throws Exception {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    EventBus async = EventBus.builder().name("closing").workers(1)
        .exceptionHandler((e, c) -> failures.add(e)).build();
    handler = FileChangeHandler.builder().logRoot(dir.resolve("logs")).build();
    handler.register(async);
    async.subscribe(FileChangeNotification.class, notices::add);
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // The only worker is held, so the change is still queued when close() begins.
    async.subscribe(String.class, s -> {
      holding.countDown();
      release.await(30, TimeUnit.SECONDS);
    });
    async.publish("hold");
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    async.publish(new FileChange(dir.resolve("gone.txt").toString(), ChangeType.DELETED, null,
        null, null));

    Thread closer = new Thread(async::close, "closer");
    closer.start();
    Closing.awaitClosing(async);
    release.countDown();
    closer.join(TimeUnit.SECONDS.toMillis(30));

    assertThat(logLines()).singleElement().satisfies(l ->
        assertThat(l.get("action").asText()).isEqualTo("deleted"));
    Closing.assertDeliveredOrReported(notices, failures);
  }

  @Test
  void dataThatCannotBeWrittenAsJson_stillGetsItsLine_sayingSo() throws Exception {
    handler = FileChangeHandler.builder().logRoot(dir.resolve("logs")).build();
    handler.register(bus);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("file_path", dir.toString());
    data.put("change_type", "deleted");
    data.put("handle", new Object()); // from code, not JSON: no serialiser for it

    bus.publishSync(DynamicEvent.of("file_change", data));

    assertThat(logLines()).singleElement().satisfies(l -> {
      assertThat(l.get("data").isNull()).isTrue();
      // which value, and why: the class with no serialiser, and where it sits in the data
      assertThat(l.get("data_error").asText()).startsWith("the data could not be written as JSON")
          .contains("java.lang.Object", "\"handle\"");
      assertThat(l.get("action").asText()).isEqualTo("deleted");
    });
  }

  @Test
  void logChangesOff_writesNoLog_butStillNotifies() {
    handler = FileChangeHandler.builder().logRoot(dir.resolve("logs")).logChanges(false).build();
    handler.register(bus);
    bus.subscribe(FileChangeNotification.class, notices::add);

    bus.publishSync(new FileChange(dir.toString(), ChangeType.DELETED, null, null, null));

    assertThat(notices).hasSize(1);
    assertThat(Files.exists(dir.resolve("logs"))).isFalse();
  }
}
