package io.github.eventbus.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import io.github.eventbus.jsonl.Durability;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The audit log when its directory is deleted under a running bus, or cannot be used at all. */
class AuditLogFailureTest {

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T08:30:00Z"));

  @ParameterizedTest
  @EnumSource(Durability.class)
  void directoryDeletedUnderARunningBus_acknowledgedEventsLandInTheRecreatedFile(Durability durability)
      throws Exception {
    Path logs = dir.resolve("logs");
    List<String> problems = new CopyOnWriteArrayList<>();
    try (AuditLog audit = AuditLog.builder(logs).clock(clock).durability(durability)
            .acknowledge(Duration.ofSeconds(10)).retryDelay(Duration.ofMillis(20))
            .errorHandler((file, problem, cause) -> problems.add(problem)).build();
        EventBus bus = EventBus.builder().name("audit-failure").clock(clock).auditLog(audit).build()) {
      for (int i = 0; i < 100; i++) {
        bus.publishSync(DynamicEvent.of("before", Map.of("i", i)));
      }
      try (Stream<Path> paths = Files.walk(logs)) {
        for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
      for (int i = 0; i < 100; i++) {
        bus.publishSync(DynamicEvent.of("after", Map.of("i", i))); // returns once acknowledged
      }

      Path file = audit.currentFile(); // named by the injected clock's day, not today's
      assertThat(file).isEqualTo(logs.resolve("events_20261123.jsonl"));
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      assertThat(lines).hasSize(100).allSatisfy(l -> assertThat(l).contains("\"type\":\"after\""));
      assertThat(problems).singleElement().asString().contains("was deleted");
      assertThat(audit.stats().written()).isEqualTo(200);
      assertThat(audit.stats().failedWrites()).isEqualTo(1);
    }
  }

  @Test
  void publish_fromAnInterruptedThread_isLoggedAndDelivered_likeAnyOther() throws Exception {
    List<Object> delivered = new CopyOnWriteArrayList<>();
    try (AuditLog audit = AuditLog.builder(dir.resolve("logs")).clock(clock).build();
        EventBus bus = EventBus.builder().name("interrupted").clock(clock).auditLog(audit).build()) {
      bus.subscribe("ping", e -> delivered.add(e));
      Thread.currentThread().interrupt();
      try {
        bus.publishSync(DynamicEvent.of("ping", Map.of()));
      } finally {
        assertThat(Thread.interrupted()).as("the flag is kept").isTrue();
      }
      audit.flush().get();

      assertThat(delivered).hasSize(1);
      assertThat(Files.readAllLines(audit.currentFile(), StandardCharsets.UTF_8)).singleElement()
          .asString().contains("\"type\":\"ping\"");
    }
  }

  @Test
  void build_onADirectoryPathThatIsAFile_failsSayingSo() throws Exception {
    Path file = Files.writeString(dir.resolve("events"), "not a directory");

    assertThatThrownBy(() -> AuditLog.builder(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file + ": " + file + " exists and is not a directory");
    assertThatThrownBy(() -> EventBus.builder().auditLog(file).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exists and is not a directory");
  }

  @Test
  void closeTimeout_boundsHowLongCloseWaitsForAWriteThatKeepsFailing() throws Exception {
    Path logs = dir.resolve("logs");
    List<String> problems = new CopyOnWriteArrayList<>();
    AuditLog audit = AuditLog.builder(logs).clock(clock).closeTimeout(Duration.ofMillis(300))
        .errorHandler((file, problem, cause) -> problems.add(problem)).build();
    Files.writeString(logs, "appeared after build()");
    audit.record(io.github.eventbus.Event.builder(DynamicEvent.of("t", Map.of())).id("e-1").timestamp(clock.instant()).source("test").build());

    long start = System.nanoTime();
    audit.close();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(audit.stats().unwritten()).isEqualTo(1);
    assertThat(problems).anySatisfy(p -> assertThat(p).contains("exists and is not a directory"));
  }
}
