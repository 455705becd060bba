package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A detected security, performance, compliance or financial risk: the {@code risk_alert} event.
 * Its JSON form uses snake_case field names.
 *
 * <p><b>Thread-safety:</b> immutable (lists and metadata are copied).
 *
 * @param alertId the alert's id, such as {@code security_alert_001}; required
 * @param riskType what kind of risk; required
 * @param severity how serious; required
 * @param title a brief description; required
 * @param description details; may be empty
 * @param affectedResources the resources at risk
 * @param riskScore from 0 to 1; required
 * @param detectedAt when it was detected; null if unknown
 * @param sourceSystem which system detected it; may be empty
 * @param mitigationSteps names of {@link MitigationAction}s to run
 * @param metadata free-form data such as tags and related incidents
 */
@EventType("risk_alert")
public record RiskAlert(
    @JsonProperty("alert_id") String alertId,
    @JsonProperty("risk_type") RiskType riskType,
    @JsonProperty("severity") Severity severity,
    @JsonProperty("title") String title,
    @JsonProperty("description") String description,
    @JsonProperty("affected_resources") List<String> affectedResources,
    @JsonProperty(value = "risk_score", required = true) @JsonSetter(nulls = Nulls.FAIL)
    double riskScore,
    @JsonProperty("detected_at") Instant detectedAt,
    @JsonProperty("source_system") String sourceSystem,
    @JsonProperty("mitigation_steps") List<String> mitigationSteps,
    @JsonProperty("metadata") Map<String, Object> metadata) {

  /** The type name. */
  static final String TYPE = "risk_alert";

  /**
   * Validates and copies the components.
   *
   * @param alertId the alert's id, such as {@code security_alert_001}; required
   * @param riskType what kind of risk; required
   * @param severity how serious; required
   * @param title a brief description; required
   * @param description details; may be empty
   * @param affectedResources the resources at risk
   * @param riskScore from 0 to 1; required
   * @param detectedAt when it was detected; null if unknown
   * @param sourceSystem which system detected it; may be empty
   * @param mitigationSteps names of {@link MitigationAction}s to run
   * @param metadata free-form data such as tags and related incidents
   * @throws InvalidEventException naming each invalid field
   */
  public RiskAlert {
    List<String> problems = new ArrayList<>();
    Fields.require(problems, alertId != null && !alertId.isBlank(), "alert_id is required");
    Fields.require(problems, riskType != null, "risk_type is required");
    Fields.require(problems, severity != null, "severity is required");
    Fields.require(problems, title != null && !title.isBlank(), "title is required");
    Fields.require(problems, riskScore >= 0.0 && riskScore <= 1.0,
        "risk_score must be between 0.0 and 1.0, but was " + riskScore);
    Fields.requireNoNulls(problems, "affected_resources", affectedResources);
    Fields.requireNoNulls(problems, "mitigation_steps", mitigationSteps);
    if (!problems.isEmpty()) {
      throw new InvalidEventException(TYPE, problems);
    }
    description = description == null ? "" : description;
    sourceSystem = sourceSystem == null ? "" : sourceSystem;
    affectedResources = affectedResources == null ? List.of() : List.copyOf(affectedResources);
    mitigationSteps = mitigationSteps == null ? List.of() : List.copyOf(mitigationSteps);
    metadata = metadata == null
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /**
   * Converts the data of a dynamic {@code risk_alert} event (as from a webhook or a JSON replay).
   *
   * @param event the dynamic event
   * @return the alert
   * @throws InvalidEventException naming every invalid field
   */
  public static RiskAlert from(DynamicEvent event) {
    Fields f = new Fields(TYPE, event.data());
    String alertId = f.string("alert_id", true);
    RiskType riskType = f.enumValue("risk_type", RiskType.class, true);
    Severity severity = f.enumValue("severity", Severity.class, true);
    String title = f.string("title", true);
    String description = f.string("description", false);
    List<String> affected = f.strings("affected_resources");
    Double score = f.number("risk_score", true, 0.0, 1.0);
    Instant detectedAt = f.instant("detected_at", false);
    String source = f.string("source_system", false);
    List<String> steps = f.strings("mitigation_steps");
    Map<String, Object> metadata = f.map("metadata");
    f.check();
    return new RiskAlert(alertId, riskType, severity, title, description, affected, score,
        detectedAt, source, steps, metadata);
  }
}
