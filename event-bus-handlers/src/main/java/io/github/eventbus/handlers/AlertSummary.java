package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * One alert as the {@link RiskDashboard} shows it.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param alertId the alert's id
 * @param severity its latest severity: of the sighting with the latest event timestamp, which
 *     may have been handled before an earlier one (a critical sighting overtakes queued ones)
 * @param riskType its risk type
 * @param riskScore its latest score
 * @param title its latest title
 * @param status where it stands
 * @param firstSeen when the dashboard first saw it
 * @param lastSeen when it last saw it (an update within the dedupe window moves this)
 * @param updates how many times it was updated after the first
 */
public record AlertSummary(
    @JsonProperty("alert_id") String alertId,
    @JsonProperty("severity") Severity severity,
    @JsonProperty("risk_type") RiskType riskType,
    @JsonProperty("risk_score") double riskScore,
    @JsonProperty("title") String title,
    @JsonProperty("status") AlertStatus status,
    @JsonProperty("first_seen") Instant firstSeen,
    @JsonProperty("last_seen") Instant lastSeen,
    @JsonProperty("updates") int updates) {}
