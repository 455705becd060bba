package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RiskDashboardTest {

  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));

  @Test
  void aSightingStampedInTheFuture_doesNotHideTheOnesThatFollow() {
    RiskDashboard dashboard = new RiskDashboard(clock);
    dashboard.record(sighting(Severity.LOW, 0.1), false, clock.instant().plusSeconds(86_400));
    clock.advance(java.time.Duration.ofMinutes(1));
    dashboard.record(sighting(Severity.CRITICAL, 0.9), true, clock.instant());
    assertThat(dashboard.snapshot().alerts()).singleElement().satisfies(a -> {
      assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
      assertThat(a.updates()).isEqualTo(1);
    });
  }

  @Test
  void aResolvedAlertSeenAgain_isActiveAgain_andCounted() {
    RiskDashboard dashboard = new RiskDashboard(clock);
    dashboard.record(sighting(Severity.LOW, 0.1), false, clock.instant());
    assertThat(dashboard.resolve("a-1")).isTrue();
    assertThat(dashboard.snapshot().activeBySeverity()).containsEntry(Severity.LOW, 0L);

    clock.advance(Duration.ofMinutes(1));
    dashboard.record(sighting(Severity.CRITICAL, 0.99), true, clock.instant());

    assertThat(dashboard.snapshot().alerts()).singleElement()
        .satisfies(a -> assertThat(a.status()).isEqualTo(AlertStatus.ACTIVE));
    assertThat(dashboard.snapshot().activeBySeverity()).containsEntry(Severity.CRITICAL, 1L);
    assertThat(dashboard.acknowledge("a-1")).isTrue();
  }

  @Test
  void aResolvedAlertSeenAgain_byASightingPublishedBeforeTheOneShown_isActiveAgainToo() {
    RiskDashboard dashboard = new RiskDashboard(clock);
    dashboard.record(sighting(Severity.HIGH, 0.7), false, clock.instant().minusSeconds(10));
    assertThat(dashboard.resolve("a-1")).isTrue();

    dashboard.record(sighting(Severity.HIGH, 0.7), true, clock.instant().minusSeconds(20));

    assertThat(dashboard.snapshot().alerts()).singleElement()
        .satisfies(a -> assertThat(a.status()).isEqualTo(AlertStatus.ACTIVE));
  }

  @Test
  void anAcknowledgedAlert_staysAcknowledgedWhenSeenAgain_untilItGrowsMoreSevere() {
    RiskDashboard dashboard = new RiskDashboard(clock);
    dashboard.record(sighting(Severity.MEDIUM, 0.4), false, clock.instant());
    assertThat(dashboard.acknowledge("a-1")).isTrue();

    dashboard.record(sighting(Severity.LOW, 0.2), true, clock.instant().plusSeconds(1));
    assertThat(dashboard.snapshot().alerts()).singleElement()
        .satisfies(a -> assertThat(a.status()).isEqualTo(AlertStatus.ACKNOWLEDGED));

    dashboard.record(sighting(Severity.HIGH, 0.8), true, clock.instant().plusSeconds(2));
    assertThat(dashboard.snapshot().alerts()).singleElement()
        .satisfies(a -> assertThat(a.status()).isEqualTo(AlertStatus.ACTIVE));
  }

  /**
   * The JSON a dashboard page reads: severities low to critical, risk types in declared order,
   * hours oldest first, whatever the hash order of the names; statuses in lower case, as every
   * other enum in the handlers' JSON.
   */
  @Test
  void toJson_ordersSeveritiesTypesAndHours_andWritesStatusesInLowerCase() throws Exception {
    RiskDashboard dashboard = new RiskDashboard(clock);
    for (int hour = 0; hour < 30; hour++) {
      RiskType type = RiskType.values()[hour % RiskType.values().length];
      dashboard.record(new RiskAlert("h-" + hour, type, Severity.values()[hour % 4], "t", null,
          null, 0.5, null, null, null, null), false, clock.instant());
      clock.advance(Duration.ofHours(1));
    }
    dashboard.acknowledge("h-1");
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dashboard.toJson());

    assertThat(json.get("active_by_severity").fieldNames()).toIterable()
        .containsExactly("low", "medium", "high", "critical");
    assertThat(json.get("active_by_risk_type").fieldNames()).toIterable()
        .containsExactlyElementsOf(java.util.Arrays.stream(RiskType.values())
            .map(RiskType::json).toList());
    java.util.List<String> hours = new java.util.ArrayList<>();
    json.get("alerts_per_hour").fieldNames().forEachRemaining(hours::add);
    assertThat(hours).hasSize(30).isSortedAccordingTo(
        java.util.Comparator.comparing(Instant::parse));
    assertThat(json.get("alerts")).extracting(a -> a.get("status").asText()).containsOnly(
        "active", "acknowledged").contains("acknowledged");
  }

  private static RiskAlert sighting(Severity severity, double score) {
    return new RiskAlert("a-1", RiskType.PERFORMANCE, severity, "t", null, null, score, null, null,
        null, null);
  }

  @Test
  void dashboard_forgetsAlertsNotSeenFor48Hours_soItStaysBoundedWhateverTheNumberOfIds() {
    RiskDashboard dashboard = new RiskDashboard(clock);

    for (int i = 0; i < 100_000; i++) {
      dashboard.record(new RiskAlert("alert-" + i, RiskType.PERFORMANCE, Severity.LOW, "t", null,
          null, 0.1, null, null, null, null), false, clock.instant());
      clock.advance(Duration.ofMinutes(1));
    }

    DashboardSnapshot snapshot = dashboard.snapshot();
    // One alert per minute for 69 days, kept for 48 hours (inclusive) before the snapshot, which
    // is taken a minute after the last one.
    assertThat(snapshot.alerts()).hasSize(48 * 60);
    assertThat(snapshot.alerts().get(snapshot.alerts().size() - 1).alertId())
        .isEqualTo("alert-" + (100_000 - 48 * 60));
    assertThat(snapshot.alertsPerHour()).hasSizeLessThanOrEqualTo(49);
    assertThat(snapshot.alertsPerHour().values().stream().mapToLong(Long::longValue).sum())
        .isLessThanOrEqualTo(49 * 60);
    Map<Severity, Long> active = snapshot.activeBySeverity();
    assertThat(active).containsEntry(Severity.LOW, (long) 48 * 60);
    assertThat(dashboard.acknowledge("alert-0")).isFalse();
  }

  @Test
  void toJson_withHalfASurrogatePairInATitle_isEncodableUtf8_withUfffdInItsPlace()
      throws Exception {
    RiskDashboard dashboard = new RiskDashboard(clock);
    dashboard.record(new RiskAlert("a-2", RiskType.PERFORMANCE, Severity.LOW, "t\ud800x", null,
        null, 0.1, null, null, null, null), false, clock.instant());

    String json = dashboard.toJson();

    java.nio.charset.StandardCharsets.UTF_8.newEncoder()
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .encode(java.nio.CharBuffer.wrap(json)); // throws on a lone half
    assertThat(json).contains("t\ufffdx");
  }
}
