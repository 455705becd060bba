package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReportReadyHandlerTest {

  @TempDir Path dir;
  private final ObjectMapper json = new ObjectMapper();
  private final List<String> sent = new CopyOnWriteArrayList<>();
  private final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  private final EventBus bus = EventBus.builder().name("reports").exceptionHandler((e, c) -> {})
      .build();
  private ReportReadyHandler handler;

  private void start(ReportReadyHandler.Builder builder) {
    handler = builder.logRoot(dir.resolve("logs")).build();
    handler.register(bus);
    bus.subscribe(DeadLetter.class, letters::add);
  }

  @AfterEach
  void tearDown() {
    bus.close();
    handler.close();
  }

  private Path write(String name, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  private List<JsonNode> logLines() throws Exception {
    handler.flushLog();
    return LogLines.read(dir.resolve("logs/reports/report_generations.jsonl"));
  }

  private static ReportReady report(Path file, ReportFormat format, Long size, String... to) {
    return new ReportReady("daily_report_20250115", ReportType.DAILY, file.toString(), format,
        java.time.Instant.parse("2025-01-15T10:00:00Z"), size, List.of(to),
        Map.of("author", "pm_system"));
  }

  @Test
  void aMissingReportWhosePathHoldsALineBreak_isDescribedEscaped() throws Exception {
    start(ReportReadyHandler.builder().autoDistribute(false));
    Path missing = dir.resolve("x\n2026-11-23 10:00:00 ERROR forged.pdf");
    bus.publishSync(report(missing, ReportFormat.PDF, null));
    // The problem is the exception's message, which a failure log prints with its stack trace.
    assertThat(letters).singleElement().satisfies(l -> assertThat(l.cause().getMessage())
        .contains("no such file", "x\\u000a2026").doesNotContain("\n"));
  }

  @Test
  void validPdf_writesSidecar_distributesPerRecipient_isolatingFailures_andLogs() throws Exception {
    start(ReportReadyHandler.builder()
        .distributor((r, f, to) -> sent.add("mail:" + to))
        .distributor((r, f, to) -> {
          if (to.startsWith("bad")) {
            throw new IllegalStateException("mailbox full");
          }
          sent.add("chat:" + to);
        }));
    Path pdf = write("daily.pdf", "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n");

    bus.publishSync(report(pdf, ReportFormat.PDF, Files.size(pdf), "a@example.com", "bad@example.com"));

    assertThat(sent).containsExactly("mail:a@example.com", "chat:a@example.com", "mail:bad@example.com");
    JsonNode meta = json.readTree(dir.resolve("daily.pdf.meta.json").toFile());
    assertThat(meta.get("report_id").asText()).isEqualTo("daily_report_20250115");
    assertThat(meta.get("size_bytes").asLong()).isEqualTo(Files.size(pdf));
    assertThat(meta.get("sha256").asText()).isEqualTo(HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(pdf))));
    assertThat(meta.get("metadata").get("author").asText()).isEqualTo("pm_system");
    JsonNode line = logLines().get(0);
    assertThat(line.get("action").asText()).isEqualTo("processed");
    assertThat(line.get("distribution")).hasSize(4);
    assertThat(line.get("distribution").get(3).get("status").asText()).isEqualTo("failed");
    assertThat(line.get("distribution").get(3).get("error").asText()).isEqualTo("mailbox full");
    assertThat(letters).isEmpty();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
    "report.pdf|%PDF-1.4 minimal|PDF|",
    "report.pdf|<html>not a pdf</html>|PDF|does not start with %PDF-",
    "report.html|  <!DOCTYPE html><html><body>ok</body></html>|HTML|",
    "report.html|<HTML><body>upper case</body></HTML>|HTML|",
    "report.html|%PDF-1.4 not html|HTML|no <html or <!doctype html prologue",
  })
  void formatValidation_acceptsMatchingContent_rejectsCorruptedFiles(
      String name, String content, ReportFormat format, String problem) throws Exception {
    start(ReportReadyHandler.builder().autoDistribute(false));
    Path file = write(name, content);

    bus.publishSync(report(file, format, null));

    if (problem == null) {
      assertThat(letters).isEmpty();
      assertThat(logLines().get(0).get("action").asText()).isEqualTo("processed");
      assertThat(logLines().get(0).get("distribution").asText()).isEqualTo("disabled");
    } else {
      assertThat(letters).singleElement().satisfies(l ->
          assertThat(l.cause()).isInstanceOf(InvalidEventException.class).hasMessageContaining(problem));
      assertThat(logLines().get(0).get("action").asText()).isEqualTo("invalid");
      assertThat(Files.exists(dir.resolve(name + ".meta.json"))).isFalse();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"UTF-16LE", "UTF-16BE", "UTF-8"})
  void htmlWithAByteOrderMark_isValid_inEachUnicodeEncoding(String encoding) throws Exception {
    start(ReportReadyHandler.builder().autoDistribute(false));
    Path file = dir.resolve("report.html");
    Files.write(file, ("\uFEFF<!DOCTYPE html><html><body>ok</body></html>")
        .getBytes(java.nio.charset.Charset.forName(encoding)));

    bus.publishSync(report(file, ReportFormat.HTML, null));

    assertThat(letters).isEmpty();
    assertThat(logLines().get(0).get("action").asText()).isEqualTo("processed");
  }

  static Stream<Arguments> jsonDocuments() {
    return Stream.of(
        Arguments.of("one document", "{\"rows\": [1, 2]}", null),
        Arguments.of("whitespace around it", " \n\t{\"rows\": [1, 2]}\r\n\n  ", null),
        Arguments.of("a scalar document", "42", null),
        Arguments.of("trailing garbage", "{\"rows\": [1, 2]} trailing garbage",
            "content after its JSON document"),
        Arguments.of("two documents run together", "{\"a\": 1}{\"b\": 2}",
            "a second JSON document follows the first, at line 1, column 9"),
        Arguments.of("two documents on two lines", "[1, 2]\n[3]\n",
            "a second JSON document follows the first, at line 2, column 1"),
        Arguments.of("two scalars", "1 2", "a second JSON document follows the first"),
        Arguments.of("a stray closing bracket", "{\"a\": 1}}", "content after its JSON document"),
        Arguments.of("only whitespace", "  \n ", "holds no JSON document"),
        Arguments.of("an empty file", "", "holds no JSON document"),
        Arguments.of("cut short", "{\"rows\": [1, 2", "does not parse"),
        Arguments.of("a comment", "// rows\n{\"rows\": []}", "does not parse"),
        Arguments.of("nested 100000 deep", "[".repeat(100_000) + "]".repeat(100_000),
            "does not parse"),
        Arguments.of("a number of 5000 digits", "[" + "7".repeat(5_000) + "]", null),
        Arguments.of("a name of 60000 characters", "{\"" + "k".repeat(60_000) + "\": 1}", null),
        Arguments.of("a string of 21 million characters",
            "[\"" + "s".repeat(21_000_000) + "\"]", null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jsonDocuments")
  void jsonReport_mustBeExactlyOneJsonDocument(String name, String content, String problem)
      throws Exception {
    start(ReportReadyHandler.builder().autoDistribute(false));
    Path file = write("report.json", content);

    bus.publishSync(report(file, ReportFormat.JSON, null));

    JsonNode line = logLines().get(0);
    if (problem == null) {
      assertThat(letters).isEmpty();
      assertThat(line.get("action").asText()).isEqualTo("processed");
      assertThat(line.get("valid").asBoolean()).isTrue();
    } else {
      assertThat(letters).singleElement().satisfies(l -> assertThat(l.cause())
          .isInstanceOf(InvalidEventException.class).hasMessageContaining(problem));
      assertThat(line.get("action").asText()).isEqualTo("invalid");
      assertThat(line.get("valid").asBoolean()).isFalse();
      assertThat(line.get("problems").get(0).asText()).contains(problem);
      assertThat(Files.exists(dir.resolve("report.json.meta.json"))).isFalse();
    }
  }

  @Test
  void logLine_isTheEnvelope_withEveryFieldOfTheDesignsForm_andTheOutcomeBesideIt()
      throws Exception {
    start(ReportReadyHandler.builder().distributor((r, f, to) -> sent.add(to)));
    List<Event<?>> envelopes = new CopyOnWriteArrayList<>();
    bus.subscribe("report_ready", envelopes::add);
    Path pdf = write("daily.pdf", "%PDF-1.7 daily");
    Map<String, Object> design = DesignExamples.reportReady(pdf, "pdf");

    bus.publishSync(DynamicEvent.of("report_ready", design));
    bus.publishSync(ReportReady.from(DynamicEvent.of("report_ready", design)));

    List<JsonNode> lines = logLines();
    for (int i = 0; i < 2; i++) {
      JsonNode line = lines.get(i);
      assertThat(LogLines.fieldNames(line)).containsExactly("timestamp", "event_id", "type", "source", "data",
          "handled_at", "action", "valid", "actual_size_bytes", "sha256", "metadata_file",
          "distribution");
      assertThat(line.get("event_id").asText()).isEqualTo(envelopes.get(i).id());
      assertThat(line.get("timestamp").asText())
          .isEqualTo(envelopes.get(i).timestamp().toString());
      assertThat(line.get("type").asText()).isEqualTo("report_ready");
      assertThat(line.get("data")).as("line %s", i).isEqualTo(LogLines.asRead(design));
      assertThat(line.get("action").asText()).isEqualTo("processed");
      assertThat(line.get("actual_size_bytes").asLong()).isEqualTo(14);
      assertThat(line.get("metadata_file").asText()).isEqualTo(pdf + ".meta.json");
      assertThat(line.get("distribution").findValuesAsText("status")).containsExactly("sent", "sent");
    }
  }

  @Test
  void typedReportWithoutOptionalFields_logsEveryFieldOfTheDesignsForm_asNull() throws Exception {
    start(ReportReadyHandler.builder().autoDistribute(false));

    bus.publishSync(new ReportReady("r", ReportType.CUSTOM, write("r.pdf", "%PDF-1.4").toString(),
        ReportFormat.PDF, null, null, null, null));

    JsonNode data = logLines().get(0).get("data");
    assertThat(LogLines.fieldNames(data)).containsExactly("report_id", "report_type", "report_path",
        "report_format", "generated_at", "size_bytes", "recipients", "metadata");
    assertThat(data.get("generated_at").isNull()).isTrue();
    assertThat(data.get("recipients")).isEmpty();
  }

  @Test
  void reportRoots_acceptOnlyFilesInside_linksResolved_andTouchNothingOutside() throws Exception {
    Path reports = Files.createDirectories(dir.resolve("reports"));
    Path secret = write("secret.pdf", "%PDF-1.4 not a report");
    Path inside = Files.writeString(reports.resolve("daily.pdf"), "%PDF-1.4");
    Path link = Files.createSymbolicLink(reports.resolve("escape.pdf"), secret);
    start(ReportReadyHandler.builder().reportRoots(reports)
        .distributor((r, f, to) -> sent.add(f.getFileName().toString())));

    for (Path file : new Path[] {secret, link,
        reports.resolve("../secret.pdf"), inside}) {
      try {
        bus.publishSync(report(file, ReportFormat.PDF, null, "a@example.com"));
      } catch (RuntimeException refused) {
        // invalid: the bus makes it a dead letter
      }
    }

    List<JsonNode> lines = logLines();
    assertThat(lines).extracting(l -> l.get("action").asText())
        .containsExactly("invalid", "invalid", "invalid", "processed");
    assertThat(lines.subList(0, 3)).allSatisfy(l -> assertThat(l.get("problems").toString())
        .contains("outside the report directories"));
    assertThat(sent).containsExactly("daily.pdf");
    assertThat(dir.resolve("secret.pdf.meta.json")).doesNotExist();
    assertThat(reports.resolve("escape.pdf.meta.json")).doesNotExist();
    assertThat(letters).hasSize(3);
    assertThatThrownBy(() -> ReportReadyHandler.builder().reportRoots())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reportRoots");
  }

  /**
   * A link inside a root, re-pointed outside it once the check has passed (here by the first
   * distribution): what is read and sent afterwards is still the file the check accepted.
   */
  @Test
  void reportRoots_aLinkRePointedAfterTheCheck_changesNothingReadOrSent() throws Exception {
    Path reports = Files.createDirectories(dir.resolve("reports"));
    Path secret = write("secret.pdf", "%PDF-1.4 outside the report directories");
    Path inside = Files.writeString(reports.resolve("daily.pdf"), "%PDF-1.4 the report");
    Path link = Files.createSymbolicLink(reports.resolve("latest.pdf"), inside);
    List<Path> given = new CopyOnWriteArrayList<>();
    start(ReportReadyHandler.builder().reportRoots(reports).distributor((r, f, to) -> {
      given.add(f);
      sent.add(to + ": " + Files.readString(f));
      if (given.size() == 1) {
        Path next = reports.resolve("next.pdf");
        Files.createSymbolicLink(next, secret);
        Files.move(next, link, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }));

    bus.publishSync(report(link, ReportFormat.PDF, null, "a@example.com", "b@example.com"));

    assertThat(sent).containsExactly("a@example.com: %PDF-1.4 the report",
        "b@example.com: %PDF-1.4 the report");
    assertThat(given).containsOnly(inside.toRealPath());
    assertThat(logLines()).singleElement().satisfies(l -> assertThat(
        l.get("metadata_file").asText()).isEqualTo(inside.toRealPath() + ".meta.json"));
  }

  @Test
  void distributionRefusedByAClosedBus_isRecordedForItsRecipient_andTheLineIsWritten()
      throws Exception {
    EventBus closed = EventBus.builder().name("closed").build();
    closed.close();
    start(ReportReadyHandler.builder().distributor(ReportDistributor.publishing(closed)));

    bus.publishSync(report(write("r.pdf", "%PDF-1.4"), ReportFormat.PDF, null, "a@example.com"));

    JsonNode line = logLines().get(0);
    assertThat(line.get("action").asText()).isEqualTo("processed");
    assertThat(line.get("distribution").get(0).get("recipient").asText()).isEqualTo("a@example.com");
    assertThat(line.get("distribution").get(0).get("status").asText()).isEqualTo("failed");
    assertThat(line.get("distribution").get(0).get("error").asText()).contains("closed");
  }

  @Test
  void metadataFileCannotBeWritten_isLoggedAsFailed_thenReported() throws Exception {
    start(ReportReadyHandler.builder());
    Path pdf = write("r.pdf", "%PDF-1.4");
    // A non-empty directory where the sidecar must go: no rename can replace it, even as root.
    Files.createDirectories(dir.resolve("r.pdf.meta.json").resolve("occupied"));

    bus.publishSync(report(pdf, ReportFormat.PDF, null, "a@example.com"));

    JsonNode line = logLines().get(0);
    assertThat(line.get("action").asText()).isEqualTo("failed");
    assertThat(line.get("valid").asBoolean()).isTrue();
    assertThat(line.get("error").asText()).contains("metadata file could not be written");
    assertThat(letters).singleElement().satisfies(l -> assertThat(l.cause())
        .isInstanceOf(HandlerException.class).hasMessageContaining("metadata file"));
    assertThat(sent).isEmpty();
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left).noneMatch(p -> p.getFileName().toString().endsWith(".tmp"));
    }
  }

  @Test
  void metadataFileCannotBeWritten_inADirectoryWithALineBreak_theCauseIsEscapedToo()
      throws Exception {
    start(ReportReadyHandler.builder());
    Path forging = Files.createDirectories(dir.resolve("x\n[main] ERROR FORGED LINE"));
    Path pdf = Files.writeString(forging.resolve("r.pdf"), "%PDF-1.4");
    Files.createDirectories(forging.resolve("r.pdf.meta.json").resolve("occupied"));

    bus.publishSync(report(pdf, ReportFormat.PDF, null));

    assertThat(letters).singleElement().satisfies(l -> {
      for (Throwable t = l.cause(); t != null; t = t.getCause()) {
        assertThat(t.getMessage()).doesNotContain("\n");
      }
      assertThat(l.cause().getCause()).hasMessageContaining("x\\u000a[main] ERROR FORGED LINE");
    });
  }

  @Test
  void sizeMismatch_andMissingFile_areValidationFailures() throws Exception {
    start(ReportReadyHandler.builder());
    Path pdf = write("r.pdf", "%PDF-1.4");

    bus.publishSync(report(pdf, ReportFormat.PDF, 999L));
    bus.publishSync(report(dir.resolve("gone.pdf"), ReportFormat.PDF, null));

    assertThat(letters).extracting(l -> l.cause().getMessage()).satisfiesExactly(
        m -> assertThat(m).contains("size_bytes is 999 but the file has 8 bytes"),
        m -> assertThat(m).contains("report_path: no such file"));
  }

  @Test
  void autoDistributeOff_sendsNothing() throws Exception {
    start(ReportReadyHandler.builder().autoDistribute(false).distributor((r, f, to) -> sent.add(to)));

    bus.publishSync(report(write("r.pdf", "%PDF-1.4"), ReportFormat.PDF, null, "a@example.com"));

    assertThat(sent).isEmpty();
  }

  @Test
  void dynamicEvent_isHandledLikeTheTypedOne_andPublishingDistributorNotifies() throws Exception {
    List<ReportDistribution> notices = new CopyOnWriteArrayList<>();
    bus.subscribe(ReportDistribution.class, notices::add);
    start(ReportReadyHandler.builder().distributor(ReportDistributor.publishing(bus)));
    Path html = write("weekly.html", "<!doctype html><html></html>");

    bus.publishSync(DynamicEvent.of("report_ready", Map.of(
        "report_id", "weekly_1", "report_type", "weekly", "report_path", html.toString(),
        "report_format", "html", "size_bytes", (int) Files.size(html),
        "recipients", List.of("a@example.com"))));
    bus.publishSync(DynamicEvent.of("report_ready", Map.of(
        "report_id", "bad", "report_type", "yearly", "report_path", html.toString(),
        "report_format", "html", "size_bytes", -1)));
    bus.close(); // drain the async notification

    assertThat(notices).singleElement().satisfies(n -> {
      assertThat(n.reportId()).isEqualTo("weekly_1");
      assertThat(n.recipient()).isEqualTo("a@example.com");
    });
    assertThat(json.readTree(dir.resolve("weekly.html.meta.json").toFile()).get("report_type").asText())
        .isEqualTo("weekly");
    assertThat(letters).singleElement().satisfies(l -> assertThat(
        ((InvalidEventException) l.cause()).problems()).containsExactly(
            "report_type must be one of daily|weekly|monthly|custom, but was \"yearly\"",
            "size_bytes must be at least 0, but was -1"));
    assertThat(logLines()).extracting(l -> l.get("action").asText()).containsExactly("processed", "rejected");
  }

  @Test
  void aDistributorWhoseFailureCannotSayItsMessage_isLoggedFailed_andTheNextOneRuns()
      throws Exception {
    // Regression: reading the message threw out of the handler: no log line, nothing else sent.
    start(ReportReadyHandler.builder()
        .distributor((r, f, to) -> {
          throw RiskAlertHandlerTest.unreadableMessage();
        })
        .distributor((r, f, to) -> sent.add("chat:" + to)));
    Path pdf = write("odd.pdf", "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n");

    bus.publishSync(report(pdf, ReportFormat.PDF, Files.size(pdf), "a@example.com"));

    assertThat(sent).containsExactly("chat:a@example.com");
    JsonNode line = logLines().get(0);
    assertThat(line.get("distribution")).extracting(d -> d.get("status").asText())
        .containsExactly("failed", "sent");
    assertThat(line.get("distribution").get(0).get("error").asText())
        .contains("its message could not be read");
  }
}
