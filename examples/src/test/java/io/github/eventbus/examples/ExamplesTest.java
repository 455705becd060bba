package io.github.eventbus.examples;

import static io.github.eventbus.examples.Logs.linesUnder;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.EventBusMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    // The report log names files that are still there once the demo is over.
    JsonNode report = new ObjectMapper().readTree(
        Files.readAllLines(logs.resolve("reports/report_generations.jsonl")).get(0));
    assertThat(Path.of(report.get("data").get("report_path").asText())).isNotEmptyFile();
    assertThat(Path.of(report.get("metadata_file").asText())).isNotEmptyFile()
        .startsWith(logs.toAbsolutePath());
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
    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("logged hello.txt", "logs under " + logs);
    assertThat(Files.readAllLines(logs.resolve("file_changes/file_changes.jsonl")))
        .anySatisfy(line -> assertThat(line).contains("hello.txt", "\"exists\":true"));
  }

  @Test
  void guavaMigration_deliversToBothListenerMethods() throws Exception {
    String printed = Printed.by(() -> GuavaMigration.main(new String[0]));

    assertThat(printed.lines()).containsExactlyInAnyOrder("welcome mail to ada@example.com",
        "saw UserSignedUp[email=ada@example.com]");
  }

  @Test
  void tracking_reportsTheSubscriberThatFailed_afterItsRetry() throws Exception {
    String printed = Printed.by(() -> Tracking.main(new String[0]));

    assertThat(printed.lines()).containsExactlyInAnyOrder(
        "dead letter from invoicing: ledger offline",
        "invoicing: DEAD_LETTERED after 2 attempts: ledger offline");
  }

  @Test
  void receivingWebhooks_acceptsGitHubsExample_refusesAForgery_andPublishesASignedRequest()
      throws Exception {
    List<String> lines =
        Printed.by(() -> ReceivingWebhooks.main(new String[0])).lines().toList();

    assertThat(lines).hasSize(5);
    assertThat(lines.subList(0, 3)).satisfiesExactly(
        line -> assertThat(line).isEqualTo("GitHub request valid: true"),
        line -> assertThat(line).matches(
            "Standard Webhooks receiver listening on http://127\\.0\\.0\\.1:[0-9]+/webhooks"),
        line -> assertThat(line).isEqualTo("a forged request gets 401"));
    // The client's thread and the bus's worker print these in either order.
    assertThat(lines.subList(3, 5)).containsExactlyInAnyOrder("a signed request gets 202",
        "published: DynamicEvent[type=deployment, data={service=api}]");
  }

  @Test
  void asyncWithAuditLog_logsEveryEvent_inTheDirectoryGiven(@TempDir Path dir) throws Exception {
    String printed = Printed.by(() -> AsyncWithAuditLog.main(new String[] {dir.toString()}));

    assertThat(printed).startsWith("handled 10000, logged to " + dir);
    List<String> lines = linesUnder(dir);
    assertThat(lines.size()).as("lines logged").isEqualTo(10_000);
    assertThat(lines.stream().filter(l -> l.contains("\"type\":\"metric.sample\"")).count())
        .as("metric.sample lines").isEqualTo(10_000);
  }

  @Test
  void auditReplay_replaysTheFailedJob_withoutLoggingItTwice(@TempDir Path dir) throws Exception {
    String printed = Printed.by(() -> AuditReplay.main(new String[] {dir.toString()}));

    // Read back typed; then replayed, the handler running on a worker while replay counts.
    assertThat(printed.lines()).startsWith("ReportReady[id=r-1] from pm")
        .endsWith("audit log in " + dir).hasSize(4).contains(
            "retrying DynamicEvent[type=job.failed, data={job=nightly-export}]",
            "replayed 1 (marked replay=true, not logged twice)");
    assertThat(linesUnder(dir)).satisfiesExactlyInAnyOrder(
        line -> assertThat(line).contains("\"type\":\"report.ready\""),
        line -> assertThat(line).contains("\"type\":\"job.failed\""));
  }

  @Test
  void reportsExample_sendsToEachRecipient_writesTheSidecar_andLogsTheReport(@TempDir Path dir)
      throws Exception {
    Path reports = dir.resolve("not-yet-made");
    String printed = Printed.by(() -> ReportsExample.main(new String[] {reports.toString()}));

    assertThat(printed).contains("sending weekly.json to a@example.com",
        "sending weekly.json to b@example.com");
    assertThat(reports.resolve("weekly.json.meta.json")).content().contains("weekly_2026_47");
    assertThat(linesUnder(reports.resolve("logs"))).singleElement().asString()
        .contains("\"report_id\":\"weekly_2026_47\"", "\"action\":\"processed\"")
        .contains("{\"recipient\":\"a@example.com\",\"status\":\"sent\"}",
            "{\"recipient\":\"b@example.com\",\"status\":\"sent\"}");
  }

  @Test
  void riskAlertsExample_runsTheMitigationOnce_andLogsTheUpdate(@TempDir Path dir)
      throws Exception {
    String printed = Printed.by(() -> RiskAlertsExample.main(new String[] {dir.toString()}));

    assertThat(printed).containsOnlyOnce("rotating keys for security_alert_001");
    assertThat(linesUnder(dir)).satisfiesExactly(
        line -> assertThat(line).contains("\"alert_id\":\"security_alert_001\"",
            "\"action\":\"created\"", "{\"step\":\"rotate_keys\",\"status\":\"done\"}"),
        line -> assertThat(line).contains("\"alert_id\":\"security_alert_001\"",
            "\"action\":\"updated\"", "{\"step\":\"rotate_keys\",\"status\":\"skipped\"}"));
  }

  @Test
  void sendingWebhooks_retriesTheRefusedAttempt_andLogsBoth(@TempDir Path dir) throws Exception {
    String printed = Printed.by(() -> SendingWebhooks.main(new String[] {dir.toString()}));

    assertThat(printed.lines()).satisfiesExactly(
        l -> assertThat(l).isEqualTo("attempt 1 failed: java.net.ConnectException"),
        l -> assertThat(l).isEqualTo("retried: delivered, signed and verified"),
        l -> assertThat(l).isEqualTo("attempts logged to " + dir.resolve("webhooks")));
    assertThat(Files.readAllLines(dir.resolve("webhooks/webhook_attempts.jsonl"))).satisfiesExactly(
        l -> assertThat(l).contains("\"event_type\":\"deployment\"", "\"attempt\":1",
            "\"error\":\"java.net.ConnectException\"", "\"outcome\":\"retrying\""),
        l -> assertThat(l).contains("\"event_type\":\"deployment\"", "\"attempt\":2",
            "\"status\":202", "\"outcome\":\"delivered\""));
  }
}
