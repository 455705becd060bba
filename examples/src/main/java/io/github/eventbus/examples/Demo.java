package io.github.eventbus.examples;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DeliveryStats;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventBusMetrics;
import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.handlers.ChangeType;
import io.github.eventbus.handlers.DashboardSnapshot;
import io.github.eventbus.handlers.FileChange;
import io.github.eventbus.handlers.FileChangeHandler;
import io.github.eventbus.handlers.FileChangeNotification;
import io.github.eventbus.handlers.FileWatcher;
import io.github.eventbus.handlers.Handlers;
import io.github.eventbus.handlers.ReportDistributor;
import io.github.eventbus.handlers.ReportFormat;
import io.github.eventbus.handlers.ReportReady;
import io.github.eventbus.handlers.ReportReadyHandler;
import io.github.eventbus.handlers.ReportType;
import io.github.eventbus.handlers.RiskAlert;
import io.github.eventbus.handlers.RiskAlertHandler;
import io.github.eventbus.handlers.RiskEscalated;
import io.github.eventbus.handlers.RiskType;
import io.github.eventbus.handlers.Severity;
import io.github.eventbus.webhooks.WebhookClient;
import io.github.eventbus.webhooks.WebhookForwarder;
import io.github.eventbus.webhooks.WebhookReceiver;
import io.github.eventbus.webhooks.WebhookVerifier;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The project's demo: all three event types and the webhook round trip, end to end, in a few
 * seconds. Logs go under {@code demo-logs/} (emptied at the start), and the files it watches
 * and reports on under {@code demo-logs/files/}, where the logs' paths still find them.
 */
public final class Demo {

  private static final String SECRET = "whsec_ZGVtby1zZWNyZXQtb2YtYXQtbGVhc3QtMjQtYnl0ZXM=";
  private static final int WEBHOOKS = 8; // 3 file changes, 1 report recipient, 4 risk alerts
  private static final double[] RISK_SCORES = {0.2, 0.4, 0.6, 0.95}; // by severity, low first

  private Demo() {}

  /**
   * Runs the demo in {@code demo-logs/}.
   *
   * @param args ignored
   * @throws Exception if the demo cannot run
   */
  public static void main(String[] args) throws Exception {
    run(System.out, Path.of("demo-logs"));
  }

  /**
   * Runs the demo.
   *
   * @param out where to print
   * @param logs the directory for every log file and the files the demo makes; emptied first
   * @return the main bus's final metrics
   * @throws Exception if the demo cannot run
   */
  @SuppressWarnings("try") // the forwarder works by staying open; the bus closes early to drain
  public static EventBusMetrics run(PrintStream out, Path logs) throws Exception {
    deleteTree(logs);
    Files.createDirectories(logs);
    // Under the logs, and kept: the logs name the report and its metadata file, so both stay.
    Path work = Files.createDirectories(logs.toAbsolutePath().resolve("files"));
    AtomicInteger received = new AtomicInteger();
    CountDownLatch webhooksIn = new CountDownLatch(WEBHOOKS);
    CountDownLatch fileEvents = new CountDownLatch(3);
    EventBusMetrics metrics;

    out.println("1. Bus with a JSON Lines audit log in " + logs.resolve("events").toAbsolutePath());
    try (EventBus inbox = EventBus.builder().name("inbox").build();
        WebhookReceiver receiver = WebhookReceiver.builder(inbox)
            .verifier(WebhookVerifier.builder().secret(SECRET).build()).build();
        AuditLog audit = AuditLog.open(logs.resolve("events"));
        EventBus bus = EventBus.builder().name("demo").source("personal-manager").auditLog(audit)
            .exceptionHandler((e, where) -> out.println("   handler " + where.subscriber()
                + " failed: " + e.getMessage()))
            .build();
        WebhookClient client = WebhookClient.builder().secret(SECRET)
            .attemptLog(logs.resolve("webhooks/webhook_attempts.jsonl")).deadLetters(bus).build();
        FileChangeHandler files = FileChangeHandler.builder().logRoot(logs).build();
        ReportReadyHandler reports = ReportReadyHandler.builder().logRoot(logs)
            .distributor(ReportDistributor.publishing(bus)).build();
        RiskAlertHandler risks = RiskAlertHandler.builder().logRoot(logs)
            .mitigation("isolate_host", alert -> out.println("   mitigation: isolated "
                + String.join(", ", alert.affectedResources()) + " for " + alert.alertId()))
            .build()) {

      Map<String, Integer> receivedByType = new java.util.concurrent.ConcurrentSkipListMap<>();
      inbox.subscribe("*", (Event<?> e) -> {
        receivedByType.merge(e.type(), 1, Integer::sum);
        received.incrementAndGet();
        webhooksIn.countDown();
      });
      receiver.start();
      String base = receiver.uri().toString();
      out.println("2. Webhook receiver on " + base + "; forwarder routes from these variables"
          + " (routesFromEnvironment, given a map, not the process's environment):");
      Map<String, String> env = new TreeMap<>(Map.of(
          "FILE_CHANGE_WEBHOOK_URL", base + "/files",
          "REPORT_READY_WEBHOOK_URL", base + "/reports",
          "CRITICAL_ALERT_WEBHOOK_URL", base + "/critical",
          "HIGH_ALERT_WEBHOOK_URL", base + "/high",
          "DEFAULT_RISK_WEBHOOK_URL", base + "/risk"));
      env.forEach((k, v) -> out.println("   " + k + "=" + v));
      try (WebhookForwarder forwarder =
          WebhookForwarder.builder(bus, client).routesFromEnvironment(env).build()) {
        Handlers.register(bus, files, reports, risks);
        bus.subscribe(FileChange.class, change -> {
          out.println("   file_change: " + change.changeType().json() + " "
              + work.relativize(Path.of(change.filePath())) + (change.size() == null ? ""
              : " (" + change.size() + " bytes, " + change.checksum().substring(0, 19) + "...)"));
          fileEvents.countDown();
        });
        CountDownLatch escalations = new CountDownLatch(2);
        bus.subscribe(RiskEscalated.class, e -> {
          out.println("   escalated " + e.alertId() + ": " + e.reason());
          escalations.countDown();
        });
        bus.subscribe(DeadLetter.class, l -> out.println("   dead letter: " + l.event().type()
            + " for " + l.subscriber() + ": " + l.cause().getMessage()));

        out.println("3. File watcher on " + work + ": create, modify, delete notes.txt");
        // A debounce long enough that a write paused between creating the file and filling it
        // (a loaded machine) is still one change, not created and then modified.
        try (FileWatcher watcher = FileWatcher.builder(bus).watch(work).name("demo")
            .debounce(Duration.ofMillis(500)).build()) {
          watcher.start();
          Path notes = work.resolve("notes.txt");
          awaitHandled(bus, notes, ChangeType.CREATED, () -> Files.writeString(notes, "first draft"));
          awaitHandled(bus, notes, ChangeType.MODIFIED,
              () -> Files.writeString(notes, "second draft, longer"));
          awaitHandled(bus, notes, ChangeType.DELETED, () -> Files.delete(notes));
          fileEvents.await(10, TimeUnit.SECONDS);
        }

        out.println("4. A PDF report, then report_ready for it");
        Path pdf = Files.writeString(work.resolve("daily_report.pdf"),
            "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        String reportId = "daily_report_"
            + java.time.LocalDate.now(java.time.ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
        bus.publishSync(new ReportReady(reportId, ReportType.DAILY, pdf.toString(),
            ReportFormat.PDF, Instant.now(), Files.size(pdf), List.of("team@example.com"),
            Map.of("author", "pm_system")));
        out.println("   validated, metadata in " + logs.toAbsolutePath().relativize(
            work.resolve("daily_report.pdf.meta.json")) + ", distributed to team@example.com");

        out.println("5. Risk alerts of each severity (high and critical escalate; critical is mitigated)");
        for (Severity severity : Severity.values()) {
          bus.publishSync(new RiskAlert("alert_" + severity.json(), RiskType.SECURITY, severity,
              severity.json() + " finding", "found by the demo scanner", List.of("db-1"),
              RISK_SCORES[severity.ordinal()], Instant.now(),
              "demo_scanner", severity == Severity.CRITICAL ? List.of("isolate_host") : List.of(),
              Map.of()));
        }

        escalations.await(10, TimeUnit.SECONDS); // escalations arrive on a worker thread

        out.println("6. Webhook round trip: each notification is signed, sent, verified, republished");
        if (!webhooksIn.await(15, TimeUnit.SECONDS)) {
          out.println("   (only " + received.get() + " of " + WEBHOOKS + " webhooks arrived in time)");
        }
        receivedByType.forEach((type, n) -> out.println("   received, verified and republished on"
            + " the inbox bus: " + n + " x " + type));
      }
      bus.close();
      metrics = bus.metrics();
      client.close(); // drains: every answer is in the attempt log before the summary lists it
      files.flushLog();
      reports.flushLog();
      risks.flushLog();
      audit.flush().get(10, TimeUnit.SECONDS);
      summary(out, metrics, risks.dashboard().snapshot(), received.get(), logs);
    }
    return metrics;
  }

  @SuppressWarnings("try") // the subscription works by staying open until the change is seen
  /** A change to the file system, made once the demo listens for its handling. */
  private interface Change {
    void make() throws IOException;
  }

  /**
   * Makes a change and waits until the file-change handler has logged it (its notification), so
   * the next change to the same file cannot overtake it and the log shows the file as it was.
   */
  private static void awaitHandled(EventBus bus, Path file, ChangeType type, Change change)
      throws IOException, InterruptedException {
    CountDownLatch handled = new CountDownLatch(1);
    try (var s = bus.on(FileChangeNotification.class)
        .filter(n -> n.change().filePath().equals(file.toString()) && n.change().changeType() == type)
        .subscribe(n -> handled.countDown())) {
      change.make();
      handled.await(10, TimeUnit.SECONDS);
    }
  }

  private static void summary(PrintStream out, EventBusMetrics metrics, DashboardSnapshot dashboard,
      int webhooks, Path logs) throws IOException {
    DeliveryStats t = metrics.totals();
    out.println("7. Summary");
    metrics.byType().forEach((type, s) -> out.println("   published " + type + ": " + s.published()));
    out.println("   deliveries " + t.delivered() + ", failed " + t.failed() + ", retries "
        + t.retried() + ", dead letters " + t.deadLettered() + ", webhooks received and verified "
        + webhooks);
    out.println("   dashboard: active " + dashboard.active() + " by severity "
        + new TreeMap<>(dashboard.activeBySeverity()) + ", highest "
        + dashboard.highest().map(a -> a.alertId() + " (risk score "
            + String.format(java.util.Locale.ROOT, "%.2f", a.riskScore()) + ")").orElse("none"));
    out.println("   JSON Lines files:");
    try (Stream<Path> walk = Files.walk(logs)) {
      walk.filter(p -> p.toString().endsWith(".jsonl")).sorted()
          .forEach(p -> out.println("     " + p.toAbsolutePath()));
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }
}
