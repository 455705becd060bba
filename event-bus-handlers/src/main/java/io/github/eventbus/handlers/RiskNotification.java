package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.eventbus.EventType;
import java.util.List;

/**
 * Published by {@link RiskAlertHandler} after handling an alert, for outgoing webhooks: it carries
 * the severity, so that routes for critical, high, medium and low alerts (environment variables
 * {@code CRITICAL_ALERT_WEBHOOK_URL} ... {@code LOW_ALERT_WEBHOOK_URL}) can select on it.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param alert the alert
 * @param severity its severity, for routing
 * @param escalated whether it escalated
 * @param update whether it updated the occurrence of an alert with the same id last seen within
 *     the dedupe window
 * @param mitigation the mitigation steps' results
 */
@EventType("risk_alert.notification")
public record RiskNotification(
    @JsonProperty("alert") RiskAlert alert,
    @JsonProperty("severity") Severity severity,
    @JsonProperty("escalated") boolean escalated,
    @JsonProperty("update") boolean update,
    @JsonProperty("mitigation") List<MitigationResult> mitigation) {

  /**
   * Copies the list.
   *
   * @param alert the alert
   * @param severity its severity, for routing
   * @param escalated whether it escalated
   * @param update whether it updated the occurrence of an alert with the same id last seen within
   *     the dedupe window
   * @param mitigation the mitigation steps' results
   */
  public RiskNotification {
    mitigation = List.copyOf(mitigation);
  }
}
