package io.github.eventbus.examples;

import static io.github.eventbus.examples.Logs.linesUnder;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.EventBusMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExamplesTest {

  @TempDir Path logs;

  @Test
  void demo_runsEveryStep_roundTripsEveryWebhook_andWritesEveryLog() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    EventBusMetrics metrics;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      metrics = Demo.run(out, logs);
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);

    assertThat(printed).contains("file_change: created notes.txt", "file_change: modified notes.txt",
        "file_change: deleted notes.txt", "escalated alert_critical", "mitigation: isolated db-1",
        "webhooks received and verified 8", "7. Summary").doesNotContain("Exception", "\tat ");
    // Each step's lines, asynchronous ones included, stand under that step's heading.
    assertThat(printed.indexOf("escalated alert_critical")).isBetween(
        printed.indexOf("5. Risk alerts"), printed.indexOf("6. Webhook round trip"));
    assertThat(printed).contains("received, verified and republished on the inbox bus: 4 x"
        + " risk_alert.notification", "highest alert_critical (risk score 0.95)");
    assertThat(printed).contains("webhooks/webhook_attempts.jsonl"); // listed by the summary
    assertThat(printed.indexOf("received, verified and republished")).isGreaterThan(
        printed.indexOf("6. Webhook round trip"));
    assertThat(metrics.totals().deadLettered()).isZero();
    for (String log : new String[] {"file_changes/file_changes.jsonl",
        "reports/report_generations.jsonl", "risk_alerts/risk_alerts.jsonl",
        "webhooks/webhook_attempts.jsonl"}) {
      assertThat(logs.resolve(log)).as(log).isNotEmptyFile();
    }
    // Each change is logged before the next one is made, so the log shows the file as it was.
    assertThat(Files.readAllLines(logs.resolve("file_changes/file_changes.jsonl")))
        .anySatisfy(l -> assertThat(l).contains("\"change_type\":\"created\"", "\"exists\":true"))
        .anySatisfy(l -> assertThat(l).contains("\"change_type\":\"modified\"", "\"exists\":true"))
        .anySatisfy(l -> assertThat(l).contains("\"change_type\":\"deleted\""));
    // One daily file, named by the demo's system clock: two if the run crossed midnight UTC.
    try (var events = Files.list(logs.resolve("events"))) {
      assertThat(events.toList()).hasSizeBetween(1, 2)
          .allSatisfy(f -> assertThat(f).isNotEmptyFile());
    }
  }

  @Test
  void quickStart_printsWhatTheReadmeShows() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      QuickStart.run(out);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .satisfiesExactly(
            l -> assertThat(l).matches("audit: order\\.placed [0-9a-f]{8}-[0-9a-f-]{27}"),
            l -> assertThat(l).isEqualTo("shipping order o-1"),
            l -> assertThat(l).isEqualTo("shipping order o-2"),
            l -> assertThat(l).isEqualTo("closed"));
  }

  @Test
  void fileChangesExample_logsTheCsvFile_andNotTheOther(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Path log;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      log = FileChangesExample.run(out, dir);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("logged to " + log)
        .doesNotContain("Exception");
    assertThat(Files.readAllLines(log))
        .anySatisfy(line -> assertThat(line)
            .contains("\"change_type\":\"created\"", "orders.csv", "\"exists\":true"))
        .noneSatisfy(line -> assertThat(line).contains("ignored.txt"));
  }

  @Test
  void handlersExample_logsTheWatchedFile_beforeItCloses(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Path logs;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      logs = HandlersExample.run(out, dir);
    }
    assertThat(Files.readAllLines(logs.resolve("file_changes/file_changes.jsonl")))
        .anySatisfy(line -> assertThat(line).contains("hello.txt", "\"exists\":true"));
  }

  @Test
  void everyExampleWithoutFiles_runsToCompletion() throws Exception {
    GuavaMigration.main(new String[0]);
    Tracking.main(new String[0]);
    ReceivingWebhooks.main(new String[0]);
  }

  @Test
  void asyncWithAuditLog_logsEveryEvent_inTheDirectoryGiven(@TempDir Path dir) throws Exception {
    AsyncWithAuditLog.main(new String[] {dir.toString()});

    assertThat(linesUnder(dir)).hasSize(10_000)
        .allSatisfy(line -> assertThat(line).contains("\"type\":\"metric.sample\""));
  }

  @Test
  void auditReplay_replaysWithoutLoggingTwice(@TempDir Path dir) throws Exception {
    AuditReplay.main(new String[] {dir.toString()});

    assertThat(linesUnder(dir)).satisfiesExactlyInAnyOrder(
        line -> assertThat(line).contains("\"type\":\"report.ready\""),
        line -> assertThat(line).contains("\"type\":\"job.failed\""));
  }

  @Test
  void reportsExample_writesTheSidecar_andLogsTheReport(@TempDir Path dir) throws Exception {
    ReportsExample.main(new String[] {dir.toString()});

    assertThat(dir.resolve("weekly.json.meta.json")).content().contains("weekly_2026_47");
    assertThat(linesUnder(dir.resolve("logs"))).singleElement().asString()
        .contains("weekly_2026_47");
  }

  @Test
  void riskAlertsExample_logsTheAlert(@TempDir Path dir) throws Exception {
    RiskAlertsExample.main(new String[] {dir.toString()});

    assertThat(linesUnder(dir)).hasSize(2) // published twice: logged twice
        .allSatisfy(line -> assertThat(line).contains("\"alert_id\":\"security_alert_001\""));
  }

  @Test
  void sendingWebhooks_logsTheDeliveredAttempt(@TempDir Path dir) throws Exception {
    SendingWebhooks.main(new String[] {dir.toString()});

    assertThat(Files.readAllLines(dir.resolve("webhooks/webhook_attempts.jsonl")))
        .singleElement().asString()
        .contains("\"event_type\":\"deployment\"", "\"outcome\":\"delivered\"");
  }
}
