package io.github.eventbus.examples;

import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.ReportFormat;
import io.github.eventbus.handlers.ReportReady;
import io.github.eventbus.handlers.ReportReadyHandler;
import io.github.eventbus.handlers.ReportType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Report-ready events: validation, the metadata sidecar and per-recipient distribution. */
public final class ReportsExample {

  private ReportsExample() {}

  /**
   * Runs the example.
   *
   * @param args optionally, the directory for the report and the logs; a new temporary directory
   *     without it
   * @throws Exception if the files cannot be written
   */
  public static void main(String[] args) throws Exception {
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("reports-example");
    Files.createDirectories(dir);
    Path report = Files.writeString(dir.resolve("weekly.json"), "{\"orders\": 42}");
    try (EventBus bus = EventBus.builder().build();
        ReportReadyHandler reports = ReportReadyHandler.builder().logRoot(dir.resolve("logs"))
            .distributor((r, file, to) -> System.out.println("sending " + file.getFileName()
                + " to " + to))
            .build()) {
      reports.register(bus);
      bus.publishSync(new ReportReady("weekly_2026_47", ReportType.WEEKLY, report.toString(),
          ReportFormat.JSON, Instant.now(), Files.size(report),
          List.of("a@example.com", "b@example.com"), Map.of("author", "pm_system")));
      System.out.println(Files.readString(dir.resolve("weekly.json.meta.json")));
      System.out.println("logged to " + reports.logFile());
    }
  }
}
