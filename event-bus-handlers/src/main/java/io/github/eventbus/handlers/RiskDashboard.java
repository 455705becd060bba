package io.github.eventbus.handlers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.internal.LogText;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The live state of risk alerts kept by a {@link RiskAlertHandler}: every alert seen within the
 * last 48 hours, its status, and counts over time. An alert not seen for 48 hours leaves the
 * dashboard, so its memory is bounded by the alerts of two days. Read it as an immutable
 * {@link #snapshot()} or as JSON ({@link #toJson()}); acknowledge and resolve alerts by id. An
 * alert seen again after it was resolved is active again, as is an acknowledged one seen again
 * at a higher severity.
 *
 * <p><b>Thread-safety:</b> thread-safe; updates and snapshots are serialised by one lock, so a
 * snapshot is consistent.
 */
public final class RiskDashboard {

  private static final Duration HISTORY = Duration.ofHours(48);

  private final Clock clock;
  private final ObjectMapper mapper = JsonLinesWriter.defaultMapper();
  // Insertion order is last-seen order (record() re-inserts), so expiry looks only at the head.
  private final LinkedHashMap<String, AlertSummary> alerts = new LinkedHashMap<>();
  private final TreeMap<Instant, Long> perHour = new TreeMap<>();
  // When the alert whose severity, score and title are shown was published, per id: an older
  // sighting handled later (a critical one overtakes those queued before it) counts, not shows.
  private final Map<String, Instant> shownPublishedAt = new HashMap<>();

  RiskDashboard(Clock clock) {
    this.clock = clock;
  }

  /**
   * Records a new alert, or an update of one with the same id; forgets alerts older than 48 h.
   * An update published before the sighting shown is counted but does not replace it; a time
   * ahead of the dashboard's clock counts as now. An update makes a resolved alert active again,
   * and an acknowledged one too if it is more severe than the one shown.
   */
  synchronized void record(RiskAlert alert, boolean update, Instant published) {
    Instant now = clock.instant();
    Instant cutoff = forgetOld(now);
    // The sender's clock: one ahead of ours would otherwise hide every later sighting.
    published = published.isAfter(now) ? now : published;
    AlertSummary previous = alerts.remove(alert.alertId());
    if (update && previous != null) {
      Instant shown = shownPublishedAt.get(alert.alertId());
      if (shown != null && published.isBefore(shown)) {
        alerts.put(alert.alertId(), new AlertSummary(alert.alertId(), previous.severity(),
            previous.riskType(), previous.riskScore(), previous.title(),
            statusAfter(previous, alert), previous.firstSeen(), now, previous.updates() + 1));
        return;
      }
      shownPublishedAt.put(alert.alertId(), published);
      alerts.put(alert.alertId(), new AlertSummary(alert.alertId(), alert.severity(),
          alert.riskType(), alert.riskScore(), alert.title(), statusAfter(previous, alert),
          previous.firstSeen(), now, previous.updates() + 1));
      return;
    }
    shownPublishedAt.put(alert.alertId(), published);
    alerts.put(alert.alertId(), new AlertSummary(alert.alertId(), alert.severity(), alert.riskType(),
        alert.riskScore(), alert.title(), AlertStatus.ACTIVE, now, now, 0));
    perHour.merge(now.truncatedTo(ChronoUnit.HOURS), 1L, Long::sum);
    perHour.headMap(cutoff).clear();
  }

  /**
   * The status after an update: a resolved alert seen again is back, and an acknowledged one
   * that grew more severe needs someone's eyes again; otherwise the status stays.
   */
  private static AlertStatus statusAfter(AlertSummary previous, RiskAlert update) {
    return switch (previous.status()) {
      case RESOLVED -> AlertStatus.ACTIVE;
      case ACKNOWLEDGED -> update.severity().compareTo(previous.severity()) > 0
          ? AlertStatus.ACTIVE : AlertStatus.ACKNOWLEDGED;
      case ACTIVE -> AlertStatus.ACTIVE;
    };
  }

  /**
   * Forgets alerts not seen for 48 hours and older hourly counts, by the clock now; returns the
   * cutoff. Runs on reads too, so a quiet dashboard does not keep showing old alerts.
   */
  private Instant forgetOld(Instant now) {
    Instant cutoff = now.minus(HISTORY);
    Iterator<AlertSummary> oldest = alerts.values().iterator();
    while (oldest.hasNext()) {
      AlertSummary a = oldest.next();
      if (!a.lastSeen().isBefore(cutoff)) {
        break;
      }
      oldest.remove();
      shownPublishedAt.remove(a.alertId());
    }
    perHour.headMap(cutoff).clear();
    return cutoff;
  }

  /**
   * Marks an alert acknowledged.
   *
   * @param alertId the alert's id
   * @return {@code false} if no unresolved alert has that id
   */
  public synchronized boolean acknowledge(String alertId) {
    return setStatus(alertId, AlertStatus.ACKNOWLEDGED);
  }

  /**
   * Marks an alert resolved; it is no longer counted as active.
   *
   * @param alertId the alert's id
   * @return {@code false} if no unresolved alert has that id
   */
  public synchronized boolean resolve(String alertId) {
    return setStatus(alertId, AlertStatus.RESOLVED);
  }

  private boolean setStatus(String alertId, AlertStatus status) {
    forgetOld(clock.instant());
    AlertSummary a = alerts.get(alertId);
    if (a == null || a.status() == AlertStatus.RESOLVED) {
      return false;
    }
    alerts.put(alertId, new AlertSummary(a.alertId(), a.severity(), a.riskType(), a.riskScore(),
        a.title(), status, a.firstSeen(), a.lastSeen(), a.updates()));
    return true;
  }

  /**
   * Takes a consistent snapshot.
   *
   * @return the snapshot
   */
  public synchronized DashboardSnapshot snapshot() {
    forgetOld(clock.instant());
    Map<Severity, Long> bySeverity = new EnumMap<>(Severity.class);
    Map<RiskType, Long> byType = new EnumMap<>(RiskType.class);
    for (Severity s : Severity.values()) {
      bySeverity.put(s, 0L);
    }
    for (RiskType t : RiskType.values()) {
      byType.put(t, 0L);
    }
    AlertSummary highest = null;
    for (AlertSummary a : alerts.values()) {
      if (a.status() != AlertStatus.RESOLVED) {
        bySeverity.merge(a.severity(), 1L, Long::sum);
        byType.merge(a.riskType(), 1L, Long::sum);
        if (highest == null || a.riskScore() > highest.riskScore()) {
          highest = a;
        }
      }
    }
    List<AlertSummary> all = new ArrayList<>(alerts.values());
    all.sort(Comparator.comparing(AlertSummary::lastSeen).reversed()
        .thenComparing(AlertSummary::alertId));
    return new DashboardSnapshot(clock.instant(), bySeverity, byType, highest, perHour, all);
  }

  /**
   * Serialises a snapshot to JSON.
   *
   * @return the JSON text
   */
  public String toJson() {
    try {
      // An alert's text may hold half a surrogate pair; written as it is, the JSON could not be
      // encoded as UTF-8. The handler's log writes U+FFFD in its place, and so does this.
      return LogText.withoutLoneSurrogates(mapper.writeValueAsString(snapshot()));
    } catch (JsonProcessingException e) {
      throw new HandlerException("the dashboard could not be serialised", e);
    }
  }

  @Override
  public String toString() {
    return "RiskDashboard" + snapshot().activeBySeverity();
  }
}
