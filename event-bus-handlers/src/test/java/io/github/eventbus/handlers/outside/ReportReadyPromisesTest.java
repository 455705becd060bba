package io.github.eventbus.handlers.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.ReportFormat;
import io.github.eventbus.handlers.ReportReady;
import io.github.eventbus.handlers.ReportReadyHandler;
import io.github.eventbus.handlers.ReportType;
import io.github.eventbus.outside.BuilderPromises;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of {@link ReportReadyHandler}'s builder and validation, from outside. */
class ReportReadyPromisesTest {

  @TempDir Path dir;

  /** Publishes each report to a handler of its own, closes all, and returns the log's lines. */
  private List<JsonNode> handle(ReportReadyHandler.Builder builder, ReportReady... reports)
      throws Exception {
    EventBus bus = EventBus.builder().exceptionHandler((e, c) -> { }).build();
    ReportReadyHandler handler = builder.logRoot(dir.resolve("logs")).build();
    handler.register(bus);
    for (ReportReady report : reports) {
      bus.publish(report);
    }
    bus.close(); // delivers everything queued
    handler.close();
    List<JsonNode> lines = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line : Files.readAllLines(handler.logFile(), StandardCharsets.UTF_8)) {
      lines.add(json.readTree(line));
    }
    return lines;
  }

  private ReportReady report(String name, ReportFormat format, String content) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return new ReportReady(name, ReportType.DAILY, file.toString(), format,
        Instant.parse("2031-02-03T04:05:06Z"), null, List.of(), Map.of());
  }

  private static List<String> actions(List<JsonNode> lines) {
    return lines.stream().map(l -> l.get("data").get("report_id").asText() + "="
        + l.get("action").asText()).toList();
  }

  @Test
  void builder_badValues_andOptionsSetTwice_failFast_namingTheParameter() {
    assertThatThrownBy(() -> ReportReadyHandler.builder().maxJsonBytes(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxJsonBytes");
    assertThatThrownBy(() -> ReportReadyHandler.builder().reportRoots())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reportRoots");
    BuilderPromises.eachOptionOnce(() -> ReportReadyHandler.builder(),
        Map.<String, Consumer<ReportReadyHandler.Builder>>of(
        "logRoot", b -> b.logRoot(dir),
        "autoDistribute", b -> b.autoDistribute(false),
        "maxJsonBytes", b -> b.maxJsonBytes(10),
        "reportRoots", b -> b.reportRoots(dir),
        "clock", b -> b.clock(Clock.systemUTC()),
        "writeErrorHandler", b -> b.writeErrorHandler((file, problem, cause) -> { })));
  }

  @Test
  void maxJsonBytes_aReportOfExactlyTheBoundIsChecked_oneByteMoreIsInvalid() throws Exception {
    String document = "{\"rows\":[1,2,3]}"; // 16 bytes
    List<JsonNode> lines = handle(ReportReadyHandler.builder().maxJsonBytes(16),
        report("at-bound", ReportFormat.JSON, document),
        report("over-bound", ReportFormat.JSON, document + " "),
        report("broken-at-bound", ReportFormat.JSON, "{\"rows\":[1,2,3}}"));
    assertThat(actions(lines)).containsExactlyInAnyOrder(
        "at-bound=processed", "over-bound=invalid", "broken-at-bound=invalid");
    JsonNode over = lines.stream()
        .filter(l -> l.get("data").get("report_id").asText().equals("over-bound"))
        .findFirst().orElseThrow();
    assertThat(over.get("problems").toString()).contains("17 bytes").contains("16");
  }

  @Test
  void htmlPrologue_countsWithinTheFirstKibibyte_inAnyCase() throws Exception {
    List<JsonNode> lines = handle(ReportReadyHandler.builder(),
        report("upper", ReportFormat.HTML, "<!DOCTYPE HTML>\n<p>x</p>"),
        report("html-ending-at-1024", ReportFormat.HTML, " ".repeat(1019) + "<html>"),
        report("html-ending-at-1025", ReportFormat.HTML, " ".repeat(1020) + "<html>"),
        report("no-prologue", ReportFormat.HTML, "<p>just a paragraph</p>"));
    assertThat(actions(lines)).containsExactlyInAnyOrder("upper=processed",
        "html-ending-at-1024=processed", "html-ending-at-1025=invalid", "no-prologue=invalid");
  }

  @Test
  void processedReport_sidecarHoldsTheDocumentedFields_andNoTemporaryFileIsLeft()
      throws Exception {
    ReportReady pdf = report("r.pdf", ReportFormat.PDF, "%PDF-1.7\nbody");
    List<JsonNode> lines = handle(ReportReadyHandler.builder(), pdf);
    assertThat(actions(lines)).containsExactly("r.pdf=processed");
    JsonNode meta = new ObjectMapper().readTree(dir.resolve("r.pdf.meta.json").toFile());
    assertThat(meta.get("report_id").asText()).isEqualTo("r.pdf");
    assertThat(meta.get("report_type").asText()).isEqualTo("daily");
    assertThat(meta.get("report_format").asText()).isEqualTo("pdf");
    assertThat(meta.get("size_bytes").asLong()).isEqualTo(13);
    assertThat(meta.get("sha256").asText()).isEqualTo(lines.get(0).get("sha256").asText())
        .hasSize(64);
    assertThat(meta.get("generated_at").asText()).isEqualTo("2031-02-03T04:05:06Z");
    assertThat(meta.get("event_id").asText()).isEqualTo(lines.get(0).get("event_id").asText());
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("r.pdf", "r.pdf.meta.json", "logs");
    }
  }
}
