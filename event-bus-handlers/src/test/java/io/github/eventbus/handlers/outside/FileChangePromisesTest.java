package io.github.eventbus.handlers.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.handlers.ChangeType;
import io.github.eventbus.handlers.FileChange;
import io.github.eventbus.handlers.FileChangeHandler;
import io.github.eventbus.handlers.InvalidEventException;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.outside.BuilderPromises;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of the {@code file_change} record and {@link ChangeType}, from outside. */
class FileChangePromisesTest {

  @TempDir Path dir;

  @Test
  void constructor_namesEveryInvalidFieldAtOnce() {
    assertThatThrownBy(() -> new FileChange(null, null, -1L, null, null))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.problems())
            .hasSize(3).anySatisfy(p -> assertThat(p).contains("file_path"))
            .anySatisfy(p -> assertThat(p).contains("change_type"))
            .anySatisfy(p -> assertThat(p).contains("size").contains("-1")));
    assertThatThrownBy(() -> new FileChange("  ", ChangeType.CREATED, null, null, null))
        .isInstanceOfSatisfying(InvalidEventException.class,
            e -> assertThat(e.problems()).singleElement().asString().contains("file_path"));
    assertThatThrownBy(() -> new FileChange("a\0b", ChangeType.CREATED, null, null, null))
        .isInstanceOfSatisfying(InvalidEventException.class,
            e -> assertThat(e.problems()).singleElement().asString().contains("file_path"));
    // size 0 and a deleted file without size, time or checksum are valid
    new FileChange("/tmp/empty", ChangeType.CREATED, 0L, null, null);
    new FileChange("/tmp/gone", ChangeType.DELETED, null, null, null);
  }

  @Test
  void from_acceptsTheChangeTypeInAnyCase_andNamesEveryBadField() {
    FileChange change = FileChange.from(DynamicEvent.of("file_change", Map.of(
        "file_path", "/data/a.txt", "change_type", "MoDiFiEd", "size", 12,
        "modified_time", "2031-02-03T04:05:06Z", "checksum", "sha256:ab")));
    assertThat(change).isEqualTo(new FileChange("/data/a.txt", ChangeType.MODIFIED, 12L,
        Instant.parse("2031-02-03T04:05:06Z"), "sha256:ab"));

    Map<String, Object> bad = new HashMap<>();
    bad.put("change_type", "renamed");
    bad.put("size", -5);
    bad.put("modified_time", "yesterday");
    assertThatThrownBy(() -> FileChange.from(DynamicEvent.of("file_change", bad)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> {
          List<String> problems = e.problems();
          assertThat(problems).anySatisfy(p -> assertThat(p).contains("file_path"));
          assertThat(problems).anySatisfy(p -> assertThat(p).contains("change_type")
              .contains("renamed"));
          assertThat(problems).anySatisfy(p -> assertThat(p).contains("size"));
          assertThat(problems).anySatisfy(p -> assertThat(p).contains("modified_time"));
        });
  }

  @Test
  void from_refusesASizeBeyondALong_ratherThanKeepItsLow64Bits() {
    for (java.math.BigInteger size : List.of(
        java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE).negate(),
        java.math.BigInteger.ONE.shiftLeft(64).add(java.math.BigInteger.TEN))) {
      Map<String, Object> data = Map.of("file_path", "/data/a.txt", "change_type", "created",
          "size", size);
      assertThatThrownBy(() -> FileChange.from(DynamicEvent.of("file_change", data)))
          .as(size.toString()).isInstanceOfSatisfying(InvalidEventException.class,
              e -> assertThat(e.problems()).singleElement().asString().startsWith("size must"));
    }
  }

  @Test
  void json_usesSnakeCaseNames_lowerCaseChangeType_andLeavesOutNulls() throws Exception {
    var mapper = JsonLinesWriter.defaultMapper();
    JsonNode deleted = mapper.valueToTree(
        new FileChange("/data/a.txt", ChangeType.DELETED, null, null, null));
    assertThat(deleted.toString())
        .isEqualTo("{\"file_path\":\"/data/a.txt\",\"change_type\":\"deleted\"}");
    FileChange full = new FileChange("/data/a.txt", ChangeType.CREATED, 3L,
        Instant.parse("2031-02-03T04:05:06Z"), "sha256:ab");
    JsonNode json = mapper.valueToTree(full);
    assertThat(json.get("modified_time").asText()).isEqualTo("2031-02-03T04:05:06Z");
    assertThat(mapper.treeToValue(json, FileChange.class)).isEqualTo(full);
  }

  @Test
  void changeType_jsonIsTheLowerCaseName_andOfAcceptsAnyCase_refusingOthers() {
    for (ChangeType type : ChangeType.values()) {
      assertThat(type.json()).isEqualTo(type.name().toLowerCase(java.util.Locale.ROOT));
      assertThat(ChangeType.of(type.json().toUpperCase(java.util.Locale.ROOT))).isEqualTo(type);
    }
    assertThatThrownBy(() -> ChangeType.of("renamed")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void handler_builderOptionsOnce_logUnderTheRoot_andALogTurnedOffHasNoFile() {
    BuilderPromises.eachOptionOnce(() -> FileChangeHandler.builder(),
        Map.<String, Consumer<FileChangeHandler.Builder>>of(
        "logRoot", b -> b.logRoot(Path.of("unused")),
        "logChanges", b -> b.logChanges(false),
        "clock", b -> b.clock(Clock.systemUTC()),
        "writeErrorHandler", b -> b.writeErrorHandler((file, problem, cause) -> { })));
    try (FileChangeHandler on = FileChangeHandler.builder().logRoot(dir).build()) {
      assertThat(on.logFile()).isEqualTo(dir.resolve("file_changes/file_changes.jsonl"));
      assertThat(on.logStats()).hasValueSatisfying(stats -> {
        assertThat(stats.appended()).isZero();
        assertThat(stats.failedWrites()).isZero();
      });
    }
    try (FileChangeHandler off = FileChangeHandler.builder().logRoot(dir).logChanges(false)
        .build()) {
      assertThatThrownBy(off::logFile).isInstanceOf(IllegalStateException.class);
      assertThat(off.flushLog(Duration.ZERO)).isTrue();
      off.flushLog();
      assertThat(off.logStats()).as("no log, no counts").isEmpty();
    }
  }
}
