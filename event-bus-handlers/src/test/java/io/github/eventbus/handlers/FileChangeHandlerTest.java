package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("logs/file_changes/file_changes.jsonl"))) {
      lines.add(new ObjectMapper().readTree(line));
    }
    return lines;
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
  void logChangesOff_writesNoLog_butStillNotifies() {
    handler = FileChangeHandler.builder().logRoot(dir.resolve("logs")).logChanges(false).build();
    handler.register(bus);
    bus.subscribe(FileChangeNotification.class, notices::add);

    bus.publishSync(new FileChange(dir.toString(), ChangeType.DELETED, null, null, null));

    assertThat(notices).hasSize(1);
    assertThat(Files.exists(dir.resolve("logs"))).isFalse();
  }
}
