package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.eventbus.EventType;

/**
 * Published by {@link RiskAlertHandler} when an alert escalates: its severity is high or critical,
 * or its score reaches the escalation threshold. Once per occurrence of an alert id (an id seen
 * again after the dedupe window is a new occurrence and escalates again).
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param alertId the alert's id
 * @param severity its severity
 * @param riskScore its score
 * @param reason why it escalated
 */
@EventType("risk_alert.escalated")
public record RiskEscalated(
    @JsonProperty("alert_id") String alertId,
    @JsonProperty("severity") Severity severity,
    @JsonProperty("risk_score") double riskScore,
    @JsonProperty("reason") String reason) {}
