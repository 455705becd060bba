package io.github.eventbus.handlers.outside;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import io.github.eventbus.handlers.AlertStatus;
import io.github.eventbus.handlers.AlertSummary;
import io.github.eventbus.handlers.DashboardSnapshot;
import io.github.eventbus.handlers.RiskAlert;
import io.github.eventbus.handlers.RiskAlertHandler;
import io.github.eventbus.handlers.RiskDashboard;
import io.github.eventbus.handlers.RiskType;
import io.github.eventbus.handlers.Severity;
import io.github.eventbus.outside.BuilderPromises;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of {@link RiskAlertHandler}'s builder, {@link RiskAlert} and the dashboard. */
class RiskAlertPromisesTest {

  @TempDir Path dir;

  private static RiskAlert alert(String id, Severity severity, double score) {
    return new RiskAlert(id, RiskType.SECURITY, severity, "title " + id, null, null, score, null,
        null, null, null);
  }

  @Test
  void builder_badValues_andOptionsSetTwice_failFast_namingTheParameter() {
    for (double bad : new double[] {-0.01, 1.01, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> RiskAlertHandler.builder().escalationThreshold(bad))
          .as("threshold %s", bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("escalationThreshold");
    }
    RiskAlertHandler.builder().escalationThreshold(0.0);
    RiskAlertHandler.builder().escalationThreshold(1.0);
    for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1))) {
      assertThatThrownBy(() -> RiskAlertHandler.builder().dedupeWindow(bad))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dedupeWindow");
    }
    assertThatThrownBy(() -> RiskAlertHandler.builder().mitigation("block_ip", a -> { })
        .mitigation("block_ip", a -> { })).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("block_ip");

    BuilderPromises.eachOptionOnce(() -> RiskAlertHandler.builder(),
        Map.<String, Consumer<RiskAlertHandler.Builder>>of(
        "logRoot", b -> b.logRoot(dir),
        "escalationEnabled", b -> b.escalationEnabled(false),
        "escalationThreshold", b -> b.escalationThreshold(0.5),
        "dedupeWindow", b -> b.dedupeWindow(Duration.ofMinutes(1)),
        "clock", b -> b.clock(Clock.systemUTC()),
        "writeErrorHandler", b -> b.writeErrorHandler((file, problem, cause) -> { })));
  }

  @Test
  void riskAlert_copiesItsListsAndMetadata_andDefaultsTheOptionalText() {
    List<String> resources = new ArrayList<>(List.of("db-1"));
    List<String> steps = new ArrayList<>(List.of("block_ip"));
    Map<String, Object> metadata = new HashMap<>(Map.of("tag", "x"));
    RiskAlert alert = new RiskAlert("a", RiskType.FINANCIAL, Severity.LOW, "t", null, resources,
        0.5, null, null, steps, metadata);
    resources.add("db-2");
    steps.add("isolate_host");
    metadata.put("tag", "changed");
    assertThat(alert.affectedResources()).containsExactly("db-1");
    assertThat(alert.mitigationSteps()).containsExactly("block_ip");
    assertThat(alert.metadata()).containsExactly(Map.entry("tag", "x"));
    assertThat(alert.description()).isEmpty();
    assertThat(alert.sourceSystem()).isEmpty();
    assertThatThrownBy(() -> alert.affectedResources().add("z"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> alert.metadata().put("z", 1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void dashboard_resolvedIsNotActive_resolveTwiceAndAcknowledgeResolvedAreRefused_newestFirst() {
    ManualClock clock = new ManualClock(Instant.parse("2031-02-03T04:05:06Z"));
    EventBus bus = EventBus.builder().exceptionHandler((e, c) -> { }).build();
    try (RiskAlertHandler handler = RiskAlertHandler.builder().logRoot(dir).clock(clock)
        .escalationEnabled(false).build()) {
      handler.register(bus);
      bus.publishSync(alert("old", Severity.HIGH, 0.9));
      clock.advance(Duration.ofHours(1));
      bus.publishSync(alert("new", Severity.LOW, 0.2));
      RiskDashboard dashboard = handler.dashboard();

      assertThat(dashboard.acknowledge("missing")).isFalse();
      assertThat(dashboard.acknowledge("new")).isTrue();
      assertThat(dashboard.resolve("old")).isTrue();
      assertThat(dashboard.resolve("old")).isFalse();
      assertThat(dashboard.acknowledge("old")).isFalse();

      DashboardSnapshot snapshot = dashboard.snapshot();
      assertThat(snapshot.takenAt()).isEqualTo(clock.instant());
      assertThat(snapshot.alerts()).extracting(AlertSummary::alertId)
          .containsExactly("new", "old");
      assertThat(snapshot.alerts()).extracting(AlertSummary::status)
          .containsExactly(AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED);
      assertThat(snapshot.active()).as("acknowledged counts, resolved does not").isEqualTo(1);
      assertThat(snapshot.activeBySeverity()).containsOnlyKeys(Severity.values())
          .containsEntry(Severity.HIGH, 0L).containsEntry(Severity.LOW, 1L);
      assertThat(snapshot.activeByRiskType()).containsOnlyKeys(RiskType.values());
      assertThat(snapshot.highest())
          .hasValueSatisfying(h -> assertThat(h.alertId()).isEqualTo("new"));
      assertThat(snapshot.alertsPerHour()).containsOnly(
          Map.entry(Instant.parse("2031-02-03T04:00:00Z"), 1L),
          Map.entry(Instant.parse("2031-02-03T05:00:00Z"), 1L));
    } finally {
      bus.close();
    }
  }

  @Test
  void handler_runsOnlyItsLogWritersThread_namedAfterTheLog_andCloseStopsIt() throws Exception {
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    RiskAlertHandler handler = RiskAlertHandler.builder().logRoot(dir).build();
    List<Thread> started = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t))
        .filter(t -> !t.getName().startsWith("ForkJoinPool")) // the JDK's, lent to other tests
        .toList();
    assertThat(started).singleElement()
        .satisfies(t -> assertThat(t.getName()).isEqualTo("jsonl-writer-risk_alerts.jsonl"));
    assertThat(handler.logFile()).isEqualTo(dir.resolve("risk_alerts/risk_alerts.jsonl"));
    handler.close();
    started.get(0).join(20_000);
    assertThat(started.get(0).isAlive()).isFalse();
  }

  @Test
  void logBlocked_tellsTheWriteErrorHandler_countsTheFailure_andWritesOnceItClears()
      throws Exception {
    Path blocker = dir.resolve("risk_alerts");
    BlockingQueue<Path> failures = new LinkedBlockingQueue<>();
    EventBus bus = EventBus.builder().build();
    try (RiskAlertHandler handler = RiskAlertHandler.builder().logRoot(dir)
        .escalationEnabled(false)
        .writeErrorHandler((file, problem, cause) -> failures.add(file)).build()) {
      handler.register(bus);
      if (Files.isDirectory(blocker)) {
        Files.delete(blocker); // created empty at build; the first line creates it again
      }
      Files.writeString(blocker, "a file where the log's directory should be");
      bus.publishSync(alert("a1", Severity.LOW, 0.1));

      Path failed = failures.poll(20, TimeUnit.SECONDS);
      assertThat(failed).as("the handler is told").isNotNull();
      assertThat(failed.startsWith(dir)).as("%s names the log's place", failed).isTrue();
      assertThat(handler.logStats()).hasValueSatisfying(stats -> {
        assertThat(stats.failedWrites()).isPositive();
        assertThat(stats.pending()).isEqualTo(1);
      });
      assertThat(handler.flushLog(Duration.ofMillis(200))).isFalse();

      Files.delete(blocker);
      assertThat(handler.flushLog(Duration.ofSeconds(20))).isTrue();
      assertThat(Files.readAllLines(handler.logFile())).singleElement()
          .satisfies(line -> assertThat(line).contains("\"a1\""));
      assertThat(handler.logStats()).hasValueSatisfying(stats -> {
        assertThat(stats.written()).isEqualTo(1);
        assertThat(stats.pending()).isZero();
      });
    } finally {
      bus.close();
    }
  }
}
