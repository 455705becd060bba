package io.github.eventbus.examples;

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
    assertThat(metrics.totals().deadLettered()).isZero();
    for (String log : new String[] {"file_changes/file_changes.jsonl",
        "reports/report_generations.jsonl", "risk_alerts/risk_alerts.jsonl",
        "webhooks/webhook_attempts.jsonl"}) {
      assertThat(logs.resolve(log)).as(log).isNotEmptyFile();
    }
    try (var events = Files.list(logs.resolve("events"))) {
      assertThat(events).singleElement().satisfies(f -> assertThat(f).isNotEmptyFile());
    }
  }

  @Test
  void quickStart_runs() {
    QuickStart.main(new String[0]);
  }

  @Test
  void everyOtherExample_runsToCompletion() throws Exception {
    AsyncWithAuditLog.main(new String[0]);
    GuavaMigration.main(new String[0]);
    AuditReplay.main(new String[0]);
    Tracking.main(new String[0]);
    SendingWebhooks.main(new String[0]);
    ReceivingWebhooks.main(new String[0]);
    HandlersExample.main(new String[0]);
    FileChangesExample.main(new String[0]);
    ReportsExample.main(new String[0]);
    RiskAlertsExample.main(new String[0]);
  }
}
