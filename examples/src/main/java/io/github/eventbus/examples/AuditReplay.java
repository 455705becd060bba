package io.github.eventbus.examples;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.audit.AuditEntry;
import io.github.eventbus.audit.AuditReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

/** Reading an audit log back, typed, and replaying failed jobs onto a bus. */
public final class AuditReplay {

  /** A typed event. */
  @io.github.eventbus.EventType("report.ready")
  public record ReportReady(String id) {}

  private AuditReplay() {}

  /**
   * Runs the example.
   *
   * @param args optionally, the directory to log in; a new temporary directory without it
   * @throws Exception if the log cannot be written or read
   */
  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("replay-example");
    try (EventBus bus = EventBus.builder().source("pm").auditLog(dir).build()) {
      bus.publishSync(new ReportReady("r-1"));
      bus.publishSync(DynamicEvent.of("job.failed", Map.of("job", "nightly-export")));
    }

    AuditReader reader = AuditReader.builder()
        .types("report.*").from(Instant.now().minus(Duration.ofHours(1))).source("pm")
        .register(ReportReady.class)              // typed read-back; unknown types become DynamicEvent
        .onCorrupt(line -> System.err.println("skipped " + line))
        .build();
    try (Stream<AuditEntry> entries = reader.read(dir)) {
      entries.map(reader::toEvent)
          .forEach(e -> System.out.println(e.payload() + " from " + e.source()));
    }

    try (EventBus bus = EventBus.builder().auditLog(dir).build()) {
      bus.subscribe("job.failed", e -> System.out.println("retrying " + e.payload()));
      long replayed = AuditReader.builder().types("job.failed").build().replay(dir, bus);
      System.out.println("replayed " + replayed + " (marked replay=true, not logged twice)");
    }
    System.out.println("audit log in " + dir);
  }
}
