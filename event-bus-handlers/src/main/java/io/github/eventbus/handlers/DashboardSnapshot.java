package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable view of the {@link RiskDashboard} at one moment.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param takenAt when, by the dashboard's clock
 * @param activeBySeverity active (not resolved) alerts per severity, every severity present, low
 *     to critical
 * @param activeByRiskType active alerts per risk type, every type present, in declared order
 * @param highestScore the active alert with the highest score, or null if none is active
 * @param alertsPerHour alerts first seen per hour (start of the hour, UTC), for the last 48 hours,
 *     oldest first
 * @param alerts every alert seen within the last 48 hours, most recently seen first
 */
public record DashboardSnapshot(
    @JsonProperty("taken_at") Instant takenAt,
    @JsonProperty("active_by_severity") Map<Severity, Long> activeBySeverity,
    @JsonProperty("active_by_risk_type") Map<RiskType, Long> activeByRiskType,
    @JsonProperty("highest_score") AlertSummary highestScore,
    @JsonProperty("alerts_per_hour") Map<Instant, Long> alertsPerHour,
    @JsonProperty("alerts") List<AlertSummary> alerts) {

  /**
   * Copies the collections.
   *
   * @param takenAt when, by the dashboard's clock
   * @param activeBySeverity active (not resolved) alerts per severity, every severity present
   * @param activeByRiskType active alerts per risk type, every type present
   * @param highestScore the active alert with the highest score, or null if none is active
   * @param alertsPerHour alerts first seen per hour (start of the hour, UTC), for the last 48 hours
   * @param alerts every alert seen within the last 48 hours, most recently seen first
   */
  public DashboardSnapshot {
    // Ordered copies: a page reading the JSON shows severities low to critical and hours in
    // order, which hash order would not give.
    activeBySeverity = Collections.unmodifiableMap(ordered(Severity.class, activeBySeverity));
    activeByRiskType = Collections.unmodifiableMap(ordered(RiskType.class, activeByRiskType));
    alertsPerHour = Collections.unmodifiableSortedMap(new TreeMap<>(Map.copyOf(alertsPerHour)));
    alerts = List.copyOf(alerts);
  }

  private static <K extends Enum<K>> EnumMap<K, Long> ordered(Class<K> type, Map<K, Long> map) {
    EnumMap<K, Long> copy = new EnumMap<>(type);
    copy.putAll(Map.copyOf(map)); // which refuses null keys and values
    return copy;
  }

  /**
   * Counts the active alerts.
   *
   * @return alerts not resolved
   */
  @JsonProperty("active")
  public long active() {
    return activeBySeverity.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Returns the active alert with the highest score.
   *
   * @return it, if any alert is active
   */
  public Optional<AlertSummary> highest() {
    return Optional.ofNullable(highestScore);
  }
}
