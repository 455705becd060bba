package io.github.eventbus.handlers;

import static io.github.eventbus.handlers.ProbeSupport.await;
import static io.github.eventbus.handlers.ProbeSupport.linesOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.ProbeSupport.CapturedLog;
import io.github.eventbus.handlers.ProbeSupport.DrippingSmtpServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Adversarial probes of the handlers from outside: hostile input (NUL in paths), an unwritable
 * log, hostile SMTP servers, failing mitigations and distributors, expiry by an injected clock,
 * and a bus closed with events queued. A probe commented "Regression (fixed since)" failed
 * before the fix it describes.
 */
class HandlersProbeTest extends HandlersProbes {

  // ---------------------------------------------------------------- FileChangeHandler

  // Regression (fixed since): FileChangeHandler.handle calls Path.of(file_path) before writing its line; a NUL in
  // file_path (valid JSON from a webhook) throws InvalidPathException, and the event leaves no line
  // at all (docs: invalid data is logged as rejected before it becomes a dead letter).
  // Fix: reject such paths in FileChange.from/constructor (Fields), or catch InvalidPathException.
  @Test
  void fileChange_nulInPath_isLoggedBeforeItBecomesADeadLetter() throws Exception {
    EventBus bus = inlineBus();
    FileChangeHandler handler = closing(FileChangeHandler.builder().logRoot(tmp.resolve("logs"))
        .clock(clock).build());
    closing(handler.register(bus));
    try {
      bus.publishSync(DynamicEvent.of("file_change",
          Map.of("file_path", "/tmp/evil\u0000.txt", "change_type", "created")));
    } catch (RuntimeException refused) {
      failures.add(refused);
    }
    handler.flushLog();
    assertThat(letters).as("dead letters").isNotEmpty();
    assertThat(linesOf(tmp.resolve("logs/file_changes/file_changes.jsonl")))
        .as("log lines (failures: %s)", failures).singleElement()
        .satisfies(l -> assertThat(l.get("action").asText()).isIn("rejected", "missing"));
  }

  // Regression: with the log directory replaced by a regular file, flushLog() used to wait with no
  // bound for the disk to be repaired; flushLog(timeout) now says false in time, and flushLog()
  // gives up after 10 s with a HandlerException.
  @Test
  void fileChange_logDirectoryReplacedByAFile_failureIsReported_andFlushReturns() throws Exception {
    EventBus bus = inlineBus();
    Path logs = tmp.resolve("logs");
    FileChangeHandler handler = closing(FileChangeHandler.builder().logRoot(logs).clock(clock)
        .build());
    closing(handler.register(bus));
    bus.publishSync(new FileChange(tmp.resolve("a").toString(), ChangeType.DELETED, null, null,
        null));
    handler.flushLog();
    Path dir = logs.resolve("file_changes");
    try (CapturedLog log = new CapturedLog("io.github.eventbus")) {
      Files.delete(dir.resolve("file_changes.jsonl"));
      Files.delete(dir);
      Files.writeString(dir, "a file where the log directory was");
      bus.publishSync(new FileChange(tmp.resolve("b").toString(), ChangeType.DELETED, null, null,
          null));
      Future<Boolean> flushed = side.submit(() -> handler.flushLog(Duration.ofSeconds(1)));
      boolean warned = await(() -> !log.warnings().isEmpty(), 10_000);
      Boolean written;
      try {
        written = flushed.get(5, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException e) {
        written = null;
      }
      boolean returned = written != null;
      assertThat(written).as("flushLog(1 s) says the lines are not written").isNotEqualTo(true);
      Files.delete(dir); // repair, so that the writer recovers and closes
      Files.createDirectories(dir);
      assertThat(warned).as("the write failure is logged").isTrue();
      assertThat(returned).as("flushLog() returns while the log cannot be written").isTrue();
    }
  }

  // ---------------------------------------------------------------- ReportReadyHandler

  private ReportReady report(Path file, ReportFormat format, String... recipients) {
    return new ReportReady("r1", ReportType.DAILY, file.toString(), format, null, null,
        List.of(recipients), Map.of());
  }

  // Regression (fixed since): same as file changes: ReportReadyHandler.handle calls Path.of(report_path) before any
  // line; a NUL in report_path throws InvalidPathException and no line is written (class Javadoc:
  // "Each failure is logged before it is thrown"). Fix: validate in ReportReady/Fields, or catch
  // InvalidPathException in handle() and log it as invalid.
  @Test
  void report_nulInPath_isLoggedInvalid_beforeItBecomesADeadLetter() throws Exception {
    EventBus bus = inlineBus();
    ReportReadyHandler handler = closing(ReportReadyHandler.builder()
        .logRoot(tmp.resolve("logs")).clock(clock).build());
    closing(handler.register(bus));
    Map<String, Object> data = new HashMap<>(DesignExamples.reportReady(
        Files.writeString(tmp.resolve("r.pdf"), "%PDF-1.7"), "pdf"));
    data.put("report_path", tmp.resolve("r.pdf") + "\u0000../../etc/passwd");
    try {
      bus.publishSync(DynamicEvent.of("report_ready", data));
    } catch (RuntimeException refused) {
      failures.add(refused);
    }
    handler.flushLog();
    assertThat(letters).as("dead letters").isNotEmpty();
    assertThat(linesOf(tmp.resolve("logs/reports/report_generations.jsonl")))
        .as("log lines (failures: %s)", failures).singleElement()
        .satisfies(l -> assertThat(l.get("action").asText()).isIn("invalid", "rejected"));
  }

  // Regression (fixed since): distribute() catches Exception only; a distributor throwing an Error (here the
  // NoClassDefFoundError of a missing mail library) escapes handle() before the "processed" line is
  // written, so a valid report with a written sidecar leaves no line. Fix: in
  // ReportReadyHandler.distribute, record any Throwable from a distributor as failed (rethrowing
  // only after the line is written if it must).
  @Test
  void report_distributorThrowsAnError_theReportIsStillLogged() throws Exception {
    EventBus bus = inlineBus();
    ReportReadyHandler handler = closing(ReportReadyHandler.builder()
        .logRoot(tmp.resolve("logs")).clock(clock)
        .distributor((r, f, to) -> {
          throw new NoClassDefFoundError("jakarta/mail/Transport");
        }).build());
    closing(handler.register(bus));
    Path pdf = Files.writeString(tmp.resolve("r.pdf"), "%PDF-1.7\n");
    try {
      bus.publishSync(report(pdf, ReportFormat.PDF, "a@example.com"));
    } catch (Error thrown) {
      failures.add(thrown);
    }
    handler.flushLog();
    assertThat(Files.exists(tmp.resolve("r.pdf.meta.json"))).isTrue();
    assertThat(linesOf(tmp.resolve("logs/reports/report_generations.jsonl")))
        .as("log lines (failures: %s)", failures).hasSize(1);
  }

  @Test
  void report_contentNotExtension_decides_truncatedPdfPasses_emptyFileIsInvalid() throws Exception {
    EventBus bus = inlineBus();
    ReportReadyHandler handler = closing(ReportReadyHandler.builder()
        .logRoot(tmp.resolve("logs")).clock(clock).autoDistribute(false).build());
    closing(handler.register(bus));
    // Documented: a PDF is checked by its %PDF- prefix only, whatever its extension or tail.
    bus.publishSync(report(Files.writeString(tmp.resolve("cut.txt"), "%PDF-1.7\n1 0 obj <<"),
        ReportFormat.PDF));
    bus.publishSync(report(Files.writeString(tmp.resolve("empty.pdf"), ""), ReportFormat.PDF));
    bus.publishSync(report(Files.writeString(tmp.resolve("page.pdf"), "<html></html>"),
        ReportFormat.PDF));
    handler.flushLog();
    assertThat(linesOf(handler.logFile())).extracting(l -> l.get("action").asText())
        .containsExactly("processed", "invalid", "invalid");
    assertThat(letters).hasSize(2).allSatisfy(l -> assertThat(l.cause().getMessage())
        .contains("does not start with %PDF-"));
  }

  // Regression: a server that drips an endless "220-" greeting, a line every 200 ms, used to hold
  // distribute() (and the bus worker) for ever, as only each read was bounded; one message's
  // exchange now ends within the connect timeout plus five read timeouts.
  @Test
  void smtp_serverDrippingAnEndlessGreeting_distributeEndsWithinADeadline() throws Exception {
    Path pdf = Files.writeString(tmp.resolve("r.pdf"), "%PDF-1.7\n");
    try (DrippingSmtpServer server = new DrippingSmtpServer()) {
      SmtpReportDistributor mail = SmtpReportDistributor.builder("127.0.0.1", server.port())
          .from("reports@example.com").timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1))
          .build();
      Future<?> sent = side.submit(() -> {
        mail.distribute(report(pdf, ReportFormat.PDF), pdf, "a@example.com");
        return null;
      });
      boolean ended = true;
      try {
        // The deadline is 6 s (connect + 5 reads); the drip alone would last for minutes. The
        // margin is for a loaded CI machine, not for the code.
        sent.get(12, TimeUnit.SECONDS);
      } catch (ExecutionException expected) {
        // failing is fine; hanging is not
      } catch (TimeoutException e) {
        ended = false;
      }
      server.close();
      assertThat(ended).as("distribute() ends within 8 s with 1 s timeouts").isTrue();
    }
  }

  @Test
  void smtp_serverRefusingOrSilent_eachRecipientIsFailed_andTheReportProcessed() throws Exception {
    int refusedPort;
    try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refusedPort = gone.getLocalPort();
    }
    ServerSocket silent = closing(new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
    EventBus bus = inlineBus();
    ReportReadyHandler handler = closing(ReportReadyHandler.builder()
        .logRoot(tmp.resolve("logs")).clock(clock)
        .distributor(SmtpReportDistributor.builder("127.0.0.1", refusedPort)
            .from("reports@example.com").timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1))
            .build())
        .distributor(SmtpReportDistributor.builder("127.0.0.1", silent.getLocalPort())
            .from("reports@example.com").timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1))
            .build())
        .build());
    closing(handler.register(bus));
    Path pdf = Files.writeString(tmp.resolve("r.pdf"), "%PDF-1.7\n");
    bus.publishSync(report(pdf, ReportFormat.PDF, "a@example.com", "not an address"));
    handler.flushLog();
    JsonNode line = linesOf(handler.logFile()).get(0);
    assertThat(line.get("action").asText()).isEqualTo("processed");
    assertThat(line.get("distribution")).hasSize(4).allSatisfy(d -> {
      assertThat(d.get("status").asText()).isEqualTo("failed");
      assertThat(d.get("error").asText()).isNotBlank();
    });
  }

  // ---------------------------------------------------------------- RiskAlertHandler

  private RiskAlertHandler risks(EventBus bus, RiskAlertHandler.Builder builder) {
    RiskAlertHandler handler = closing(builder.logRoot(tmp.resolve("logs")).clock(clock).build());
    closing(handler.register(bus));
    return handler;
  }

  // Regression (fixed since): RiskDashboard forgets old alerts only inside record(); snapshot() taken 49 h after the
  // last alert still lists it as active, though the Javadoc says the dashboard holds "every alert
  // seen within the last 48 hours" and an alert not seen for 48 hours "leaves the dashboard".
  // Fix: expire (or filter by the cutoff) in RiskDashboard.snapshot() too.
  @Test
  void dashboard_snapshot49HoursLater_noLongerShowsTheAlert() throws Exception {
    EventBus bus = inlineBus();
    RiskAlertHandler handler = risks(bus, RiskAlertHandler.builder());
    bus.publishSync(RiskAlertHandlerTest.alert("old", Severity.LOW, 0.1));
    clock.advance(Duration.ofHours(49));
    DashboardSnapshot snapshot = handler.dashboard().snapshot();
    assertThat(snapshot.alerts()).extracting(AlertSummary::alertId).doesNotContain("old");
    assertThat(snapshot.activeBySeverity().get(Severity.LOW)).isZero();
  }

  // Regression (fixed since): runStep catches Exception only; a mitigation throwing an Error escapes handle() after
  // occurrence.escalated was set but before the line is written and RiskEscalated published: the
  // alert leaves no line, and its escalation is lost for the whole occurrence (an update does not
  // escalate). Fix: RiskAlertHandler.runStep records any Throwable as failed.
  @Test
  void mitigationThrowingAnError_theAlertIsLogged_andStillEscalatesOnce() throws Exception {
    EventBus bus = inlineBus();
    List<RiskEscalated> escalated = new CopyOnWriteArrayList<>();
    bus.subscribe(RiskEscalated.class, escalated::add);
    RiskAlertHandler handler = risks(bus, RiskAlertHandler.builder()
        .mitigation("block_ip", a -> {
          throw new NoClassDefFoundError("com/vendor/Firewall");
        }));
    for (int i = 0; i < 2; i++) {
      try {
        bus.publishSync(RiskAlertHandlerTest.alert("e1", Severity.CRITICAL, 0.9, "block_ip"));
      } catch (Error thrown) {
        failures.add(thrown);
      }
    }
    handler.flushLog();
    assertThat(escalated).as("escalations (failures: %s)", failures).hasSize(1);
    assertThat(linesOf(handler.logFile())).extracting(l -> l.get("action").asText())
        .containsExactly("created", "updated");
  }

  @Test
  void dedupeWindow_exactlyAtTheWindowIsAnUpdate_oneNanosecondLaterANewOccurrence()
      throws Exception {
    EventBus bus = inlineBus();
    List<RiskEscalated> escalated = new CopyOnWriteArrayList<>();
    bus.subscribe(RiskEscalated.class, escalated::add);
    RiskAlertHandler handler = risks(bus, RiskAlertHandler.builder()
        .dedupeWindow(Duration.ofMinutes(10)));
    bus.publishSync(RiskAlertHandlerTest.alert("w", Severity.HIGH, 0.5));
    clock.advance(Duration.ofMinutes(10));
    bus.publishSync(RiskAlertHandlerTest.alert("w", Severity.HIGH, 0.5));
    clock.advance(Duration.ofMinutes(10).plusNanos(1));
    bus.publishSync(RiskAlertHandlerTest.alert("w", Severity.HIGH, 0.5));
    handler.flushLog();
    assertThat(linesOf(handler.logFile())).extracting(l -> l.get("action").asText())
        .containsExactly("created", "updated", "created");
    assertThat(escalated).hasSize(2);
  }

  @Test
  void scoreEdges_thresholdIsInclusive_zeroAndOneAccepted_nanRejected() throws Exception {
    EventBus bus = inlineBus();
    List<RiskEscalated> escalated = new CopyOnWriteArrayList<>();
    bus.subscribe(RiskEscalated.class, escalated::add);
    risks(bus, RiskAlertHandler.builder().escalationThreshold(0.8));
    bus.publishSync(RiskAlertHandlerTest.alert("at", Severity.LOW, 0.8));
    bus.publishSync(RiskAlertHandlerTest.alert("below", Severity.MEDIUM, Math.nextDown(0.8)));
    bus.publishSync(RiskAlertHandlerTest.alert("zero", Severity.LOW, 0.0));
    bus.publishSync(RiskAlertHandlerTest.alert("one", Severity.LOW, 1.0));
    assertThat(escalated).extracting(RiskEscalated::alertId).containsExactly("at", "one");
    assertThat(org.assertj.core.api.Assertions.catchThrowable(
        () -> RiskAlertHandlerTest.alert("nan", Severity.LOW, Double.NaN)))
        .isInstanceOf(InvalidEventException.class).hasMessageContaining("risk_score");
  }

  // The class Javadoc used to say "alerts with different ids are handled in parallel"; each
  // subscription is delivered one event at a time, so a hanging step holds up the alerts behind
  // it. What holds, and is now documented: a critical alert, on its own subscription, is not
  // held up by a non-critical one whose mitigation hangs.
  @Test
  void hangingMitigation_doesNotHoldUpACriticalAlert() throws Exception {
    EventBus bus = closing(EventBus.builder().name("probe-risk").clock(clock).workers(2)
        .exceptionHandler((e, c) -> failures.add(e)).build());
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> notified = new CopyOnWriteArrayList<>();
    bus.subscribe(RiskNotification.class, n -> notified.add(n.alert().alertId()));
    risks(bus, RiskAlertHandler.builder().mitigation("hang", a -> {
      entered.countDown();
      release.await(30, TimeUnit.SECONDS);
    }));
    bus.publish(RiskAlertHandlerTest.alert("stuck", Severity.LOW, 0.1, "hang"));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    bus.publish(RiskAlertHandlerTest.alert("urgent", Severity.CRITICAL, 0.9));
    boolean urgentHandled = await(() -> notified.contains("urgent"), 10_000);
    release.countDown();
    assertThat(urgentHandled).as("a critical alert is handled meanwhile").isTrue();
    assertThat(await(() -> notified.contains("stuck"), 10_000)).isTrue();
  }

  // ---------------------------------------------------------------- Handlers.register / close

  @Test
  void busClosedWithEventsQueued_everyEventIsLogged() throws Exception {
    EventBus bus = EventBus.builder().name("probe-close").clock(clock).workers(1)
        .exceptionHandler((e, c) -> failures.add(e)).build();
    FileChangeHandler files = closing(FileChangeHandler.builder().logRoot(tmp.resolve("logs"))
        .clock(clock).build());
    ReportReadyHandler reports = closing(ReportReadyHandler.builder()
        .logRoot(tmp.resolve("logs")).clock(clock).build());
    RiskAlertHandler riskHandler = closing(RiskAlertHandler.builder()
        .logRoot(tmp.resolve("logs")).clock(clock).build());
    Handlers.register(bus, files, reports, riskHandler);
    for (int i = 0; i < 300; i++) {
      bus.publish(new FileChange(tmp.resolve("f" + i).toString(), ChangeType.DELETED, null, null,
          null));
      bus.publish(RiskAlertHandlerTest.alert("a" + i, Severity.LOW, 0.1));
    }
    bus.close();
    files.flushLog();
    riskHandler.flushLog();
    assertThat(linesOf(files.logFile())).hasSize(300);
    assertThat(linesOf(riskHandler.logFile())).hasSize(300);
  }
}
