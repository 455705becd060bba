package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the README's example log lines true: each handler, fed the design's example event (the
 * report mailed through a real SMTP server), writes a line with the same fields, in the same
 * order, as the README shows.
 */
class ReadmeLogLinesTest {

  @RegisterExtension
  static final GreenMailExtension smtp =
      new GreenMailExtension(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));

  @TempDir Path root;

  /** The ```json blocks of the README's "Handler log lines" part, in order. */
  private static List<JsonNode> readmeLines() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    String part = readme.substring(readme.indexOf("### Handler log lines"));
    part = part.substring(0, part.indexOf("\n## "));
    List<JsonNode> lines = new ArrayList<>();
    String[] blocks = part.split("```json\n");
    for (int i = 1; i < blocks.length; i++) {
      lines.add(new ObjectMapper().readTree(blocks[i].substring(0, blocks[i].indexOf("```"))));
    }
    return lines;
  }

  @Test
  void everyReadmeLine_hasTheFieldsAndActionOfARealLine() throws Exception {
    Path notes = Files.writeString(Files.createDirectories(root.resolve("data"))
        .resolve("notes.txt"), "meeting notes\n");
    Path pdf = Files.writeString(Files.createDirectories(root.resolve("reports"))
        .resolve("daily_report_20250115.pdf"), "%PDF-1.7\n% daily summary\n%%EOF\n");
    Path logs = root.resolve("logs");
    List<JsonNode> real = new ArrayList<>();
    try (EventBus bus = EventBus.builder().name("pm").source("personal-manager").build();
        FileChangeHandler files = FileChangeHandler.builder().logRoot(logs).build();
        ReportReadyHandler reports = ReportReadyHandler.builder().logRoot(logs)
            .distributor(SmtpReportDistributor.builder("127.0.0.1", smtp.getSmtp().getPort())
                .from("reports@example.com").build())
            .build();
        RiskAlertHandler risks = RiskAlertHandler.builder().logRoot(logs)
            .mitigation("action1", alert -> { })
            .build()) {
      Handlers.register(bus, files, reports, risks);
      bus.publishSync(DynamicEvent.of("file_change", DesignExamples.fileChange(notes)));
      bus.publishSync(DynamicEvent.of("report_ready", DesignExamples.reportReady(pdf, "pdf")));
      bus.publishSync(DynamicEvent.of("risk_alert", DesignExamples.riskAlert()));
      files.flushLog();
      reports.flushLog();
      risks.flushLog();
      real.addAll(LogLines.read(files.logFile()));
      real.addAll(LogLines.read(reports.logFile()));
      real.addAll(LogLines.read(risks.logFile()));
    }

    List<JsonNode> documented = readmeLines();
    assertThat(documented).hasSize(3);
    assertThat(smtp.getReceivedMessages()).hasSize(2);
    for (int i = 0; i < 3; i++) {
      JsonNode doc = documented.get(i);
      JsonNode line = real.get(i);
      assertThat(LogLines.fieldNames(doc)).as("fields of README line %s", i)
          .isEqualTo(LogLines.fieldNames(line));
      assertThat(LogLines.fieldNames(doc.get("data"))).as("data fields of README line %s", i)
          .isEqualTo(LogLines.fieldNames(line.get("data")));
      assertThat(doc.get("type")).isEqualTo(line.get("type"));
      assertThat(doc.get("action")).isEqualTo(line.get("action"));
    }
    assertThat(real.get(1).get("distribution").findValuesAsText("status"))
        .containsExactly("sent", "sent");
    assertThat(documented.get(1).get("distribution"))
        .isEqualTo(real.get(1).get("distribution"));
    assertThat(documented.get(2).get("mitigation")).isEqualTo(real.get(2).get("mitigation"));
  }
}
