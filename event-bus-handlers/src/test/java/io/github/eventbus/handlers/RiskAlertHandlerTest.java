package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DeadLetter;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RiskAlertHandlerTest {

  @TempDir Path logs;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
  private final List<String> ran = new CopyOnWriteArrayList<>();
  private final List<RiskEscalated> escalations = new CopyOnWriteArrayList<>();
  private final List<RiskNotification> notifications = new CopyOnWriteArrayList<>();
  private EventBus bus;
  private RiskAlertHandler handler;

  private void start(RiskAlertHandler.Builder builder) {
    // Direct executor: async publishes by the handler run inline, so tests need no waiting.
    bus = EventBus.builder().name("risk").executor(Runnable::run).exceptionHandler((e, c) -> {}).build();
    handler = builder.logRoot(logs).clock(clock)
        .mitigation("isolate_host", a -> ran.add("isolate_host:" + a.alertId()))
        .mitigation("page_oncall", a -> {
          ran.add("page_oncall:" + a.alertId());
          throw new IllegalStateException("pager down");
        })
        .mitigation("rotate_keys", a -> ran.add("rotate_keys:" + a.alertId()))
        .build();
    handler.register(bus);
    bus.subscribe(RiskEscalated.class, escalations::add);
    bus.subscribe(RiskNotification.class, notifications::add);
  }

  @AfterEach
  void tearDown() {
    bus.close();
    handler.close();
  }

  static RiskAlert alert(String id, Severity severity, double score, String... steps) {
    return new RiskAlert(id, RiskType.SECURITY, severity, "title " + id, "", List.of("db-1"), score,
        null, "scanner", List.of(steps), Map.of());
  }

  private List<JsonNode> logLines() throws Exception {
    handler.flushLog();
    return LogLines.read(logs.resolve("risk_alerts/risk_alerts.jsonl"));
  }

  @Test
  void criticalAlert_escalates_runsMitigationInOrder_notifiesWithSeverity_andLogs() throws Exception {
    start(RiskAlertHandler.builder());

    bus.publishSync(alert("a1", Severity.CRITICAL, 0.95, "isolate_host", "no_such_step",
        "page_oncall", "rotate_keys"));

    assertThat(ran).containsExactly("isolate_host:a1", "page_oncall:a1", "rotate_keys:a1");
    assertThat(escalations).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo("severity critical"));
    assertThat(notifications).singleElement().satisfies(n -> {
      assertThat(n.severity()).isEqualTo(Severity.CRITICAL);
      assertThat(n.escalated()).isTrue();
      assertThat(n.mitigation()).extracting(MitigationResult::status)
          .containsExactly("done", "unknown", "failed", "done");
      assertThat(n.mitigation().get(2).error()).isEqualTo("pager down");
    });
    JsonNode line = logLines().get(0);
    assertThat(line.get("action").asText()).isEqualTo("created");
    assertThat(line.get("data").get("alert_id").asText()).isEqualTo("a1");
    assertThat(line.get("escalation_reason").asText()).isEqualTo("severity critical");
    assertThat(line.get("mitigation")).hasSize(4);
    assertThat(handler.dashboard().snapshot().activeBySeverity()).containsEntry(Severity.CRITICAL, 1L);
  }

  @Test
  void escalation_byScoreThreshold_orNotAtAll() {
    start(RiskAlertHandler.builder().escalationThreshold(0.7));

    bus.publishSync(alert("m1", Severity.MEDIUM, 0.7));
    bus.publishSync(alert("l1", Severity.LOW, 0.2));

    assertThat(escalations).singleElement().satisfies(e -> {
      assertThat(e.alertId()).isEqualTo("m1");
      assertThat(e.reason()).isEqualTo("risk score 0.7 >= threshold 0.7");
    });
  }

  @Test
  void escalationDisabled_neverEscalates() {
    start(RiskAlertHandler.builder().escalationEnabled(false));

    bus.publishSync(alert("c1", Severity.CRITICAL, 1.0));

    assertThat(escalations).isEmpty();
    assertThat(notifications).singleElement().satisfies(n -> assertThat(n.escalated()).isFalse());
  }

  @Test
  void duplicateIdWithinWindow_updatesTheAlert_stepsRunOnce_escalatesOnce() throws Exception {
    start(RiskAlertHandler.builder().dedupeWindow(Duration.ofMinutes(10)));

    bus.publishSync(alert("d1", Severity.HIGH, 0.5, "isolate_host"));
    clock.advance(Duration.ofMinutes(5));
    bus.publishSync(alert("d1", Severity.CRITICAL, 0.9, "isolate_host", "rotate_keys"));

    assertThat(ran).containsExactly("isolate_host:d1", "rotate_keys:d1");
    assertThat(escalations).hasSize(1);
    DashboardSnapshot snapshot = handler.dashboard().snapshot();
    assertThat(snapshot.alerts()).singleElement().satisfies(a -> {
      assertThat(a.updates()).isEqualTo(1);
      assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
    });
    assertThat(notifications.get(1).update()).isTrue();
    assertThat(notifications.get(1).mitigation()).extracting(MitigationResult::status)
        .containsExactly("skipped", "done");
    assertThat(logLines()).extracting(l -> l.get("action").asText()).containsExactly("created", "updated");

    clock.advance(Duration.ofMinutes(11)); // past the window: a new alert
    bus.publishSync(alert("d1", Severity.LOW, 0.1));
    assertThat(notifications.get(2).update()).isFalse();
  }

  /** "No limit" written as the largest Duration: a repeat a year later is still the same alert. */
  @Test
  void hugeDedupeWindow_keepsDedupingWithNoOverflow() throws Exception {
    start(RiskAlertHandler.builder().dedupeWindow(Duration.ofSeconds(Long.MAX_VALUE)));

    bus.publishSync(alert("h1", Severity.HIGH, 0.5, "isolate_host"));
    clock.advance(Duration.ofDays(365));
    bus.publishSync(alert("h1", Severity.HIGH, 0.5, "isolate_host"));

    assertThat(notifications).extracting(RiskNotification::update).containsExactly(false, true);
    assertThat(logLines()).extracting(l -> l.get("action").asText())
        .containsExactly("created", "updated");
  }

  @Test
  void idSeenAgainAfterTheWindow_isANewOccurrence_thatEscalatesAndMitigatesAgain() throws Exception {
    start(RiskAlertHandler.builder().dedupeWindow(Duration.ofMinutes(10)));

    bus.publishSync(alert("r1", Severity.HIGH, 0.5, "isolate_host"));
    clock.advance(Duration.ofMinutes(10)); // exactly the window: still the same occurrence
    bus.publishSync(alert("r1", Severity.HIGH, 0.5, "isolate_host"));
    clock.advance(Duration.ofMinutes(10).plusNanos(1)); // just past it: a new occurrence
    bus.publishSync(alert("r1", Severity.MEDIUM, 0.9, "isolate_host"));
    clock.advance(Duration.ofMinutes(1));
    bus.publishSync(alert("r1", Severity.CRITICAL, 1.0, "isolate_host"));

    assertThat(escalations).extracting(RiskEscalated::reason)
        .containsExactly("severity high", "risk score 0.9 >= threshold 0.8");
    assertThat(ran).containsExactly("isolate_host:r1", "isolate_host:r1");
    assertThat(notifications).extracting(RiskNotification::update)
        .containsExactly(false, true, false, true);
    assertThat(logLines()).extracting(l -> l.get("action").asText() + " " + l.get("escalated"))
        .containsExactly("created true", "updated false", "created true", "updated false");
    assertThat(handler.dashboard().snapshot().alerts()).singleElement().satisfies(a -> {
      assertThat(a.firstSeen()).isEqualTo(clock.instant().minus(Duration.ofMinutes(1)));
      assertThat(a.updates()).isEqualTo(1);
    });
  }

  @Test
  void logLine_isTheEnvelope_withEveryFieldAsReceived_andTheOutcomeBesideIt() throws Exception {
    start(RiskAlertHandler.builder());
    List<Event<?>> envelopes = new CopyOnWriteArrayList<>();
    bus.subscribe("risk_alert", envelopes::add);
    Map<String, Object> design = DesignExamples.riskAlert();

    bus.publishSync(DynamicEvent.of("risk_alert", design));
    clock.advance(Duration.ofHours(1));
    bus.publishSync(RiskAlert.from(DynamicEvent.of("risk_alert", design)));

    List<JsonNode> lines = logLines();
    for (int i = 0; i < 2; i++) {
      JsonNode line = lines.get(i);
      assertThat(LogLines.fieldNames(line)).containsExactly("timestamp", "event_id", "type", "source",
          "data", "handled_at", "action", "escalated", "escalation_reason", "mitigation");
      assertThat(line.get("event_id").asText()).isEqualTo(envelopes.get(i).id());
      assertThat(line.get("timestamp").asText())
          .isEqualTo(envelopes.get(i).timestamp().toString());
      assertThat(line.get("handled_at").asText()).isEqualTo(i == 0 ? "2026-11-23T10:00:00Z"
          : "2026-11-23T11:00:00Z");
      assertThat(line.get("type").asText()).isEqualTo("risk_alert");
      assertThat(LogLines.fieldNames(line.get("data"))).containsExactlyInAnyOrderElementsOf(design.keySet());
      for (String field : design.keySet()) {
        assertThat(line.get("data").get(field)).as("line %s, %s", i, field)
            .isEqualTo(LogLines.asRead(design.get(field)));
      }
      assertThat(line.get("action").asText()).isEqualTo("created");
      assertThat(line.get("escalation_reason").asText()).isEqualTo("severity critical");
      assertThat(line.get("mitigation").findValuesAsText("status"))
          .containsExactly("unknown", "unknown");
    }
  }

  @Test
  void followUpsRefusedByAClosingBus_theLineIsWrittenFirst_andTheRefusalIsReported()
      throws Exception {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    bus = EventBus.builder().name("closing").workers(1).exceptionHandler((e, c) -> failures.add(e))
        .build();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    handler = RiskAlertHandler.builder().logRoot(logs).clock(clock)
        .mitigation("hold", a -> {
          holding.countDown();
          release.await(30, TimeUnit.SECONDS);
        })
        .build();
    handler.register(bus);
    bus.subscribe(RiskNotification.class, notifications::add);
    bus.publish(alert("late", Severity.CRITICAL, 0.99, "hold"));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();

    Thread closer = new Thread(bus::close, "closer");
    closer.start();
    Closing.awaitClosing(bus);
    release.countDown(); // the handler goes on: logs, then publishes the escalation and notice
    closer.join(TimeUnit.SECONDS.toMillis(30));

    assertThat(logLines()).singleElement().satisfies(l -> {
      assertThat(l.get("action").asText()).isEqualTo("created");
      assertThat(l.get("escalated").asBoolean()).isTrue();
      assertThat(l.get("mitigation").get(0).get("status").asText()).isEqualTo("done");
    });
    Closing.assertDeliveredOrReported(notifications, failures);
  }

  @Test
  void dynamicEvent_isHandledExactlyLikeTheTypedOne() {
    start(RiskAlertHandler.builder());

    bus.publishSync(DynamicEvent.of("risk_alert", DesignExamples.riskAlert()));
    bus.publishSync(RiskAlert.from(DynamicEvent.of("risk_alert", DesignExamples.riskAlert())));

    assertThat(notifications).hasSize(2);
    assertThat(notifications.get(0).alert()).isEqualTo(notifications.get(1).alert());
    assertThat(notifications.get(1).update()).isTrue(); // same id, so the second updates the first
    assertThat(escalations).hasSize(1);
  }

  @Test
  void invalidDynamicEvent_isLoggedRejected_andBecomesADeadLetterWithTheReason() throws Exception {
    start(RiskAlertHandler.builder());
    List<DeadLetter> letters = new CopyOnWriteArrayList<>();
    bus.subscribe(DeadLetter.class, letters::add);
    Map<String, Object> data = new HashMap<>(DesignExamples.riskAlert());
    data.put("risk_score", 7);

    bus.publishSync(DynamicEvent.of("risk_alert", data));

    assertThat(letters).singleElement().satisfies(l -> {
      assertThat(l.cause()).isInstanceOf(InvalidEventException.class)
          .hasMessageContaining("risk_score must be between 0.0 and 1.0, but was 7");
      assertThat(l.subscriber()).isEqualTo("risk-alerts-critical-json");
    });
    JsonNode line = logLines().get(0);
    assertThat(line.get("action").asText()).isEqualTo("rejected");
    assertThat(line.get("problems").get(0).asText()).startsWith("risk_score");
    assertThat(notifications).isEmpty();
  }

  /**
   * Data nested deeper than the log writes (the writer would refuse the whole line): the alert is
   * handled and its line written, with the data left out and said so.
   */
  @Test
  void alertWithDataNestedPastTheWritersLimit_isLogged_withoutItsData() throws Exception {
    start(RiskAlertHandler.builder());
    Map<String, Object> data = new HashMap<>(DesignExamples.riskAlert());
    Map<String, Object> level = new HashMap<>();
    data.put("metadata", level);
    for (int i = 0; i < 998; i++) {
      Map<String, Object> next = new HashMap<>();
      level.put("in", next);
      level = next;
    }

    bus.publishSync(DynamicEvent.of("risk_alert", data));

    assertThat(notifications).hasSize(1);
    JsonNode line = logLines().get(0);
    assertThat(line.get("action").asText()).isEqualTo("created");
    assertThat(line.get("data").isNull()).isTrue();
    assertThat(line.get("data_error").asText()).contains("nests deeper than the 999 levels");
    assertThat(handler.logStats().orElseThrow().unencodable()).isZero();
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void alertWithANumberJsonCannotWrite_isLogged_withoutItsData_sayingWhy(double odd)
      throws Exception {
    // Regression: the writer wrote NaN and the infinities as the strings "NaN", "Infinity".
    start(RiskAlertHandler.builder());
    Map<String, Object> data = new HashMap<>(DesignExamples.riskAlert());
    data.put("metadata", Map.of("ratio", odd));

    bus.publishSync(DynamicEvent.of("risk_alert", data));

    JsonNode line = logLines().get(0);
    assertThat(line.get("action").asText()).isEqualTo("created");
    assertThat(line.get("data").isNull()).isTrue();
    assertThat(line.get("data_error").asText())
        .isEqualTo("the data holds a number JSON cannot write: " + odd);
  }

  @Test
  void alertWithADecimalBeyondADouble_isLoggedAsItIs() throws Exception {
    start(RiskAlertHandler.builder());
    Map<String, Object> data = new HashMap<>(DesignExamples.riskAlert());
    data.put("metadata", Map.of("big", new java.math.BigDecimal("1E400")));

    bus.publishSync(DynamicEvent.of("risk_alert", data));

    assertThat(logLines().get(0).get("data_error")).isNull();
    // As written (a reader's default double would make it Infinity): the number itself.
    assertThat(Files.readString(logs.resolve("risk_alerts/risk_alerts.jsonl")))
        .contains("\"big\":1E+400");
  }

  @Test
  void sameIdsFromManyThreads_eachIsOneOccurrence_createdOnce_escalatedOnce() throws Exception {
    start(RiskAlertHandler.builder());
    int threads = 8;
    int rounds = 200;
    int ids = 10;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        go.await();
        for (int i = 0; i < rounds; i++) {
          bus.publishSync(alert("same-" + (i % ids), Severity.HIGH, 0.5, "isolate_host"));
        }
        return null;
      }));
    }
    go.countDown();
    for (Future<?> f : futures) {
      f.get(1, TimeUnit.MINUTES);
    }
    pool.shutdown();

    assertThat(escalations).hasSize(ids);
    assertThat(ran).hasSize(ids).doesNotHaveDuplicates();
    List<JsonNode> lines = logLines();
    assertThat(lines).hasSize(threads * rounds);
    assertThat(lines).filteredOn(l -> l.get("action").asText().equals("created")).hasSize(ids);
    // Per id, the created line comes first: lines of one id are written in handling order.
    for (int id = 0; id < ids; id++) {
      String alertId = "same-" + id;
      assertThat(lines).filteredOn(l -> l.get("data").get("alert_id").asText().equals(alertId))
          .first().satisfies(l -> assertThat(l.get("action").asText()).isEqualTo("created"));
    }
    assertThat(handler.dashboard().snapshot().alerts()).hasSize(ids)
        .allSatisfy(a -> assertThat(a.updates()).isEqualTo(threads * rounds / ids - 1));
  }

  @Test
  void critical_isHandledAheadOfQueuedLowerSeverityWork() throws Exception {
    bus = EventBus.builder().name("risk-async").workers(2).build();
    CountDownLatch lowStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch criticalDone = new CountDownLatch(1);
    handler = RiskAlertHandler.builder().logRoot(logs)
        .mitigation("slow", a -> {
          lowStarted.countDown();
          release.await(30, TimeUnit.SECONDS);
        })
        .mitigation("fast", a -> criticalDone.countDown())
        .build();
    handler.register(bus);
    for (int i = 0; i < 5; i++) {
      bus.publish(alert("low" + i, Severity.LOW, 0.1, "slow"));
    }
    assertThat(lowStarted.await(10, TimeUnit.SECONDS)).isTrue();

    bus.publish(alert("crit", Severity.CRITICAL, 0.99, "fast"));

    // Four low alerts still wait behind the stuck one; the critical alert does not.
    assertThat(criticalDone.await(10, TimeUnit.SECONDS)).isTrue();
    release.countDown();
  }

  @Test
  void aCriticalSightingThatOvertakesAnEarlierOne_staysTheOneTheDashboardShows()
      throws Exception {
    bus = EventBus.builder().name("risk-order").workers(2).build();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    handler = RiskAlertHandler.builder().logRoot(logs)
        .mitigation("hold", a -> {
          holding.countDown();
          release.await(30, TimeUnit.SECONDS);
        })
        .build();
    handler.register(bus);
    bus.publish(alert("busy", Severity.LOW, 0.1, "hold"));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    Instant t0 = Instant.parse("2026-11-23T10:00:00Z");
    try {
      // The medium sighting waits behind "busy"; the later critical one is handled first.
      bus.publish(io.github.eventbus.Event.builder(alert("a", Severity.MEDIUM, 0.5))
          .id("sighting-1").timestamp(t0).build());
      bus.publish(io.github.eventbus.Event.builder(alert("a", Severity.CRITICAL, 0.95))
          .id("sighting-2").timestamp(t0.plusSeconds(1)).build());
      assertThat(ProbeSupport.await(() -> shown("a") != null, 10_000)).isTrue();
    } finally {
      release.countDown();
    }
    assertThat(ProbeSupport.await(() -> shown("a").updates() == 1, 10_000)).isTrue();
    assertThat(shown("a").severity()).isEqualTo(Severity.CRITICAL);
    assertThat(shown("a").riskScore()).isEqualTo(0.95);
    assertThat(handler.dashboard().snapshot().activeBySeverity())
        .containsEntry(Severity.CRITICAL, 1L).containsEntry(Severity.MEDIUM, 0L);
  }

  /**
   * A sighting after the dedupe window starts a new occurrence of the id while the first is still
   * in its mitigation step: it waits for it rather than run beside it.
   */
  @Test
  void aNewOccurrenceWhileTheFirstIsStillHandled_waitsForIt() throws Exception {
    bus = EventBus.builder().name("risk-occurrences").workers(2).build();
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger inStep = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    handler = RiskAlertHandler.builder().logRoot(logs).clock(clock)
        .mitigation("isolate", a -> {
          most.accumulateAndGet(inStep.incrementAndGet(), Math::max);
          if (a.severity() == Severity.LOW) {
            holding.countDown();
            release.await(30, TimeUnit.SECONDS);
          }
          inStep.decrementAndGet();
        })
        .build();
    handler.register(bus);
    bus.subscribe(RiskNotification.class, notifications::add);
    bus.publish(alert("host-7", Severity.LOW, 0.1, "isolate"));
    assertThat(holding.await(10, TimeUnit.SECONDS)).isTrue();
    try {
      clock.advance(Duration.ofMinutes(11));
      bus.publish(alert("host-7", Severity.CRITICAL, 0.95, "isolate"));
      // Either the second runs its step beside the first, or it waits for the id's lock.
      assertThat(ProbeSupport.await(() -> most.get() > 1 || waitsInHandle(), 10_000)).isTrue();
    } finally {
      release.countDown();
    }
    assertThat(ProbeSupport.await(() -> notifications.size() == 2, 10_000)).isTrue();
    assertThat(most).hasValue(1);
    assertThat(notifications).extracting(RiskNotification::escalated)
        .containsExactlyInAnyOrder(false, true);
  }

  /** Whether a thread is blocked entering a lock in the handler's handling of an alert. */
  private static boolean waitsInHandle() {
    return Thread.getAllStackTraces().entrySet().stream().anyMatch(e ->
        e.getKey().getState() == Thread.State.BLOCKED && e.getValue().length > 0
            && e.getValue()[0].getClassName().equals(RiskAlertHandler.class.getName()));
  }

  private AlertSummary shown(String id) {
    return handler.dashboard().snapshot().alerts().stream()
        .filter(a -> a.alertId().equals(id)).findFirst().orElse(null);
  }

  @Test
  void dashboard_staysConsistentUnderConcurrentAlerts() throws Exception {
    start(RiskAlertHandler.builder());
    int threads = 8;
    int perThread = 250;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        for (int i = 0; i < perThread; i++) {
          Severity severity = Severity.values()[(thread + i) % 4];
          bus.publishSync(alert("t" + thread + "-" + i, severity, (i % 100) / 100.0));
        }
      }));
    }
    for (Future<?> f : futures) {
      f.get(1, TimeUnit.MINUTES);
    }
    pool.shutdown();

    DashboardSnapshot snapshot = handler.dashboard().snapshot();
    assertThat(snapshot.active()).isEqualTo(threads * perThread);
    assertThat(snapshot.activeBySeverity().values()).containsOnly((long) threads * perThread / 4);
    assertThat(snapshot.highest()).get().extracting(AlertSummary::riskScore).isEqualTo(0.99);
    assertThat(snapshot.alertsPerHour()).containsEntry(Instant.parse("2026-11-23T10:00:00Z"),
        (long) threads * perThread);

    assertThat(handler.dashboard().acknowledge("t0-0")).isTrue();
    assertThat(handler.dashboard().resolve("t0-1")).isTrue();
    assertThat(handler.dashboard().resolve("t0-1")).isFalse();
    assertThat(handler.dashboard().snapshot().active()).isEqualTo(threads * perThread - 1);
    JsonNode json = new ObjectMapper().readTree(handler.dashboard().toJson());
    assertThat(json.get("active").asLong()).isEqualTo(threads * perThread - 1);
    assertThat(json.get("active_by_severity").get("critical").asLong()).isPositive();
  }

  @Test
  void aMitigationError_isThrownToTheBus_evenWhenTheFollowUpPublishIsRefused() throws Exception {
    bus = EventBus.builder().name("risk").executor(Runnable::run).exceptionHandler((e, c) -> {})
        .build();
    EventBus refusingFollowUps = (EventBus) java.lang.reflect.Proxy.newProxyInstance(
        EventBus.class.getClassLoader(), new Class<?>[] {EventBus.class}, (proxy, method, args) -> {
          if (method.getName().startsWith("publish")) {
            throw new IllegalStateException("bus closed");
          }
          try {
            return method.invoke(bus, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
    handler = RiskAlertHandler.builder().logRoot(logs).clock(clock)
        .mitigation("boom", a -> {
          throw new AssertionError("step broke");
        }).build();
    handler.register(refusingFollowUps);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> bus.publishSync(alert("a-err", Severity.HIGH, 0.9, "boom")))
        .isInstanceOf(AssertionError.class).hasMessage("step broke")
        .satisfies(e -> assertThat(e.getSuppressed()).singleElement().asString()
            .contains("bus closed"));
    assertThat(logLines()).singleElement().satisfies(l ->
        assertThat(l.get("mitigation").get(0).get("status").asText()).isEqualTo("failed"));
  }

  /** A failure whose message cannot be read. */
  static RuntimeException unreadableMessage() {
    return new RuntimeException() {
      @Override
      public String getMessage() {
        throw new IllegalStateException("getMessage failed");
      }
    };
  }

  @Test
  void aStepWhoseFailureCannotSayItsMessage_isLoggedFailed_andTheOtherStepsRun() throws Exception {
    // Regression: reading the message threw out of the handler: no log line, later steps skipped.
    start(RiskAlertHandler.builder().mitigation("mute", a -> {
      throw unreadableMessage();
    }));

    bus.publishSync(alert("m1", Severity.LOW, 0.1, "mute", "rotate_keys"));

    assertThat(ran).containsExactly("rotate_keys:m1");
    JsonNode line = logLines().get(0);
    assertThat(line.get("action").asText()).isEqualTo("created");
    assertThat(line.get("mitigation").get(0).get("status").asText()).isEqualTo("failed");
    assertThat(line.get("mitigation").get(0).get("error").asText())
        .contains("its message could not be read");
    assertThat(line.get("mitigation").get(1).get("status").asText()).isEqualTo("done");
  }

  @Test
  void severitySpelledWithNonAsciiLetters_isRejected_notReadAsCritical() throws Exception {
    // Regression: upper-casing read the Turkish dotless i as I, so "cr\u0131t\u0131cal" was
    // handled as critical while its text did not say "critical".
    start(RiskAlertHandler.builder());
    Map<String, Object> data = new java.util.HashMap<>(DesignExamples.riskAlert());
    data.put("alert_id", "t1");
    data.put("severity", "cr\u0131t\u0131cal");
    bus.publishSync(DynamicEvent.of("risk_alert", DesignExamples.riskAlert())); // accepted

    bus.publishSync(DynamicEvent.of("risk_alert", data));

    assertThat(logLines()).extracting(l -> l.get("action").asText())
        .containsExactly("created", "rejected");
    assertThatThrownBy(() -> Severity.of("cr\u0131t\u0131cal"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Severity.of("CRITICAL")).isEqualTo(Severity.CRITICAL);
  }
}
