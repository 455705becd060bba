package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.internal.LogText;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Problems name what an event or a file held, escaped: their text ends up in exception messages,
 * which the bus's failure log prints in full with the stack trace.
 */
class ProblemTextTest {

  private static final String FORGED = "x\n2026-11-23 10:00:00 ERROR forged \u202Eline";

  @TempDir Path dir;

  @Test
  void aBadEnumOrInstant_isQuotedEscaped() {
    Map<String, Object> data = new HashMap<>();
    data.put("alert_id", "a-1");
    data.put("risk_type", "security");
    data.put("severity", FORGED);
    data.put("title", "t");
    data.put("risk_score", 0.5);
    data.put("detected_at", FORGED);
    assertThatThrownBy(() -> RiskAlert.from(DynamicEvent.of("risk_alert", data)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> {
          assertThat(e.getMessage()).doesNotContain("\n", "\u202E")
              .contains("severity", "detected_at", LogText.escape(FORGED));
          assertThat(e.problems()).hasSize(2);
        });
  }

  @Test
  void aJsonReportThatDoesNotParse_isDescribedEscaped() throws Exception {
    Path json = dir.resolve("report.json");
    Files.writeString(json, "{\"a\": tru\u202Ee}", StandardCharsets.UTF_8);
    assertThat(JsonDocument.problem(json, io.github.eventbus.jsonl.JsonLinesWriter.defaultMapper()
        .getFactory())).isNotNull().doesNotContain("\u202E").contains("line 1");
  }
}
