package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RiskAlertTest {

  @Test
  void from_designExample_givesTheTypedRecord() {
    RiskAlert alert = RiskAlert.from(DynamicEvent.of("risk_alert", DesignExamples.riskAlert()));

    assertThat(alert).isEqualTo(new RiskAlert("security_alert_001", RiskType.SECURITY,
        Severity.CRITICAL, "Brief alert description", "Detailed alert information",
        List.of("resource1", "resource2"), 0.85, Instant.parse("2025-01-15T10:00:00Z"),
        "security_scanner", List.of("action1", "action2"),
        Map.of("tags", List.of("security", "automated"), "related_incidents", List.of("inc123"))));
  }

  @Test
  void from_invalidData_namesEveryBadField() {
    Map<String, Object> data = new java.util.HashMap<>(DesignExamples.riskAlert());
    data.remove("alert_id");
    data.put("severity", "catastrophic");
    data.put("risk_score", 1.5);
    data.put("detected_at", "yesterday");
    data.put("affected_resources", List.of("ok", 7));

    assertThatThrownBy(() -> RiskAlert.from(DynamicEvent.of("risk_alert", data)))
        .isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).problems()).containsExactly(
            "alert_id is required",
            "severity must be one of low|medium|high|critical, but was \"catastrophic\"",
            "affected_resources[1] must be a string, but was Integer",
            "risk_score must be between 0.0 and 1.0, but was 1.5",
            "detected_at must be an ISO-8601 instant such as 2025-01-15T10:00:00Z, but was \"yesterday\""));
  }

  @Test
  void constructor_rejectsOutOfRangeScore_namingTheField() {
    assertThatThrownBy(() -> new RiskAlert("a", RiskType.FINANCIAL, Severity.LOW, "t", null, null,
            -0.1, null, null, null, null))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("risk_score must be between 0.0 and 1.0");
  }

  @Test
  void json_usesTheDesignsSnakeCaseNames_andRoundTrips() throws Exception {
    ObjectMapper mapper = JsonLinesWriter.defaultMapper();
    RiskAlert alert = RiskAlert.from(DynamicEvent.of("risk_alert", DesignExamples.riskAlert()));

    JsonNode json = mapper.valueToTree(alert);

    assertThat(json.get("alert_id").asText()).isEqualTo("security_alert_001");
    assertThat(json.get("severity").asText()).isEqualTo("critical");
    assertThat(json.get("detected_at").asText()).isEqualTo("2025-01-15T10:00:00Z");
    assertThat(mapper.treeToValue(json, RiskAlert.class)).isEqualTo(alert);
  }

  @Test
  void from_nullElementsInLists_areProblemsNamingTheField_notANullPointerException() {
    Map<String, Object> data = new java.util.HashMap<>(DesignExamples.riskAlert());
    data.put("affected_resources", java.util.Arrays.asList("ok", null));
    data.put("mitigation_steps", java.util.Arrays.asList((Object) null));

    assertThatThrownBy(() -> RiskAlert.from(DynamicEvent.of("risk_alert", data)))
        .isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).problems()).containsExactly(
            "affected_resources[1] must be a string, but was null",
            "mitigation_steps[0] must be a string, but was null"));
  }

  @Test
  void constructor_nullElementsInLists_areProblemsNamingTheField() {
    assertThatThrownBy(() -> new RiskAlert("a", RiskType.SECURITY, Severity.LOW, "t", null,
            java.util.Arrays.asList("r", null), 0.1, null, null,
            java.util.Arrays.asList((String) null), null))
        .isInstanceOf(InvalidEventException.class)
        .satisfies(e -> assertThat(((InvalidEventException) e).problems()).containsExactly(
            "affected_resources[1] must be a string, but was null",
            "mitigation_steps[0] must be a string, but was null"));
    assertThatThrownBy(() -> new ReportReady("r", ReportType.DAILY, "/tmp/r.pdf",
            ReportFormat.PDF, null, null, java.util.Arrays.asList("a@example.com", null), null))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("recipients[1] must be a string, but was null");
  }

  @Test
  void from_aHugeListOfNonStrings_namesTheFirstFew_andCountsTheRest() {
    Map<String, Object> data = new java.util.HashMap<>(DesignExamples.riskAlert());
    data.put("affected_resources", java.util.Collections.nCopies(100_000, 0));

    assertThatThrownBy(() -> RiskAlert.from(DynamicEvent.of("risk_alert", data)))
        .isInstanceOf(InvalidEventException.class)
        .satisfies(e -> {
          List<String> problems = ((InvalidEventException) e).problems();
          assertThat(problems).hasSize(Fields.MAX_NAMED_ELEMENTS + 1)
              .endsWith("affected_resources has " + (100_000 - Fields.MAX_NAMED_ELEMENTS)
                  + " more elements that are not strings");
          assertThat(e.getMessage()).hasSizeLessThan(2_000);
        });
  }

  @Test
  void json_withoutARiskScore_orWithANullOne_isRefused_notReadAsZero() throws Exception {
    ObjectMapper mapper = JsonLinesWriter.defaultMapper();
    var json = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.valueToTree(
        RiskAlert.from(DynamicEvent.of("risk_alert", DesignExamples.riskAlert())));

    json.remove("risk_score");
    assertThatThrownBy(() -> mapper.treeToValue(json, RiskAlert.class))
        .hasMessageContaining("risk_score");
    json.putNull("risk_score");
    assertThatThrownBy(() -> mapper.treeToValue(json, RiskAlert.class))
        .hasMessageContaining("risk_score");
  }
}
