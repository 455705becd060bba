package io.github.eventbus.handlers;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.jsonl.WriteErrorHandler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Handles {@code risk_alert} events: keeps the {@link RiskDashboard}, escalates serious alerts,
 * runs mitigation steps, publishes a {@link RiskNotification} for webhooks and logs each action to
 * {@code <log root>/risk_alerts/risk_alerts.jsonl}.
 *
 * <pre>{@code
 * RiskAlertHandler risks = RiskAlertHandler.builder()
 *     .logRoot(Path.of("logs"))
 *     .mitigation("block_ip", alert -> firewall.block(alert.affectedResources()))
 *     .build();
 * Subscription s = risks.register(bus);
 * }</pre>
 *
 * <p><b>Severity.</b> Critical alerts are handled by their own subscription (priority 10), so with
 * more than one worker they do not wait behind queued lower-severity alerts. An alert of severity
 * high or critical, or with a score at or above the {@linkplain Builder#escalationThreshold
 * threshold} (default 0.8), escalates: a {@link RiskEscalated} event is published with the reason,
 * once per occurrence of an alert id, unless escalation is disabled.
 *
 * <p><b>Mitigation.</b> Each name in {@code mitigation_steps} runs the {@link MitigationAction}
 * registered under it, in order; an unknown name is reported as {@code unknown}, a failing step as
 * {@code failed} with its message, and the other steps still run. A step runs at most once per
 * occurrence of an alert id (later updates report it as {@code skipped}).
 *
 * <p><b>Occurrences.</b> An alert whose id was last seen within the dedupe window (default 10
 * minutes) is an update of the same occurrence: it updates the existing dashboard entry, does not
 * escalate again and skips steps already run. An id seen again after the window is a new
 * occurrence: a new dashboard entry, and it escalates and runs its steps again under the same
 * rules. What the handler remembers of an id expires with the window, so its memory is bounded by
 * the ids seen within one window.
 *
 * <p><b>Log.</b> One line per alert: {@code timestamp}, {@code event_id}, {@code type},
 * {@code source} and {@code data} (every field as received), then {@code handled_at},
 * {@code action} ({@code created}, {@code updated}, or {@code rejected} with {@code problems}),
 * {@code escalated}, {@code escalation_reason} (when escalated) and {@code mitigation} (each
 * step's result). The line is written before the escalation and the notification are published,
 * so a refused publish never loses it; the refusal is thrown as a {@link HandlerException}.
 *
 * <p><b>Input.</b> Typed {@link RiskAlert} events and dynamic {@code risk_alert} events with the
 * snake_case data are handled alike. Invalid dynamic data is logged as
 * {@code rejected} and thrown as {@link InvalidEventException}, so the bus makes it a
 * {@link io.github.eventbus.DeadLetter} with the reason.
 *
 * <p><b>Thread-safety:</b> thread-safe. The bus delivers the alerts of each of the handler's
 * subscriptions one at a time and in order (critical alerts have subscriptions of their own, ahead
 * of the rest); alerts with the same id are also handled one at a time across subscriptions. So
 * a mitigation step that hangs holds up the later non-critical (or critical) alerts behind it,
 * but not the other kind: keep steps short, or hand long work to a thread of your own. A step
 * that publishes an alert of the same id with {@code publishSync} has it handled at once, on its
 * own thread, inside the first (the lock is re-entrant): the nested alert's log line comes
 * before the first's, and a step the first already ran shows {@code skipped}. Publish such
 * alerts with {@code publish} to have them handled after.
 */
public final class RiskAlertHandler extends LoggingHandler {

  private final Clock clock;
  private final boolean escalationEnabled;
  private final double escalationThreshold;
  private final Duration dedupeWindow;
  private final Map<String, MitigationAction> mitigations;
  private final RiskDashboard dashboard;
  private final AlertOccurrences occurrences;

  private RiskAlertHandler(Builder b) {
    super(HandlerLog.open(b.logRoot, "risk_alerts", "risk_alerts.jsonl",
        b.clock != null ? b.clock : Clock.systemUTC(), b.writeErrors));
    this.clock = log.clock();
    this.escalationEnabled = b.escalationEnabled == null || b.escalationEnabled;
    this.escalationThreshold = b.escalationThreshold != null ? b.escalationThreshold : 0.8;
    this.dedupeWindow = b.dedupeWindow != null ? b.dedupeWindow : Duration.ofMinutes(10);
    this.mitigations = Map.copyOf(b.mitigations);
    this.dashboard = new RiskDashboard(clock);
    this.occurrences = new AlertOccurrences(clock, dedupeWindow);
  }

  /**
   * Starts configuring a handler.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Subscribes this handler to typed and dynamic risk alerts on a bus.
   *
   * @param bus the bus; escalations and notifications are published on it too
   * @return one subscription that ends all of them
   */
  public Subscription register(EventBus bus) {
    requireNonNull(bus, "bus");
    List<Subscription> parts = new ArrayList<>();
    parts.add(bus.on(RiskAlert.class).name("risk-alerts-critical").priority(10)
        .filter(a -> a.severity() == Severity.CRITICAL)
        .subscribeEnvelope(e -> handle(bus, e.payload(), e)));
    parts.add(bus.on(RiskAlert.class).name("risk-alerts")
        .filter(a -> a.severity() != Severity.CRITICAL)
        .subscribeEnvelope(e -> handle(bus, e.payload(), e)));
    parts.add(bus.onType(RiskAlert.TYPE).name("risk-alerts-critical-json").priority(10)
        .filter(p -> p instanceof DynamicEvent d && isCritical(d))
        .subscribeEnvelope(e -> handleDynamic(bus, e)));
    parts.add(bus.onType(RiskAlert.TYPE).name("risk-alerts-json")
        .filter(p -> p instanceof DynamicEvent d && !isCritical(d))
        .subscribeEnvelope(e -> handleDynamic(bus, e)));
    return new Registration("risk-alerts", parts);
  }

  private static boolean isCritical(DynamicEvent event) {
    return EnumNames.sameName(String.valueOf(event.get("severity")), "critical");
  }

  private void handleDynamic(EventBus bus, Event<?> envelope) {
    RiskAlert alert;
    try {
      alert = RiskAlert.from((DynamicEvent) envelope.payload());
    } catch (InvalidEventException e) {
      Map<String, Object> line = log.line(envelope, "rejected");
      line.put("problems", e.problems());
      log.write(line);
      throw e;
    }
    handle(bus, alert, envelope);
  }

  private void handle(EventBus bus, RiskAlert alert, Event<?> envelope) {
    AlertOccurrences.IdLock idLock = occurrences.enter(alert.alertId());
    try {
      handle(bus, alert, envelope, idLock);
    } finally {
      occurrences.leave(alert.alertId(), idLock);
    }
  }

  private void handle(EventBus bus, RiskAlert alert, Event<?> envelope,
      AlertOccurrences.IdLock idLock) {
    AlertOccurrences.Occurrence occurrence = occurrences.sighting(alert.alertId());
    boolean update;
    String escalation = null;
    List<MitigationResult> mitigation = new ArrayList<>();
    List<Error> errors = new ArrayList<>(1);
    synchronized (idLock) {
      update = occurrence.sighted();
      dashboard.record(alert, update, envelope.timestamp());
      if (escalationEnabled && !occurrence.escalated) {
        escalation = escalationReason(alert);
        occurrence.escalated = escalation != null;
      }
      for (String step : alert.mitigationSteps()) {
        mitigation.add(runStep(step, alert, occurrence, errors));
      }
      // Logged in the id's lock, so the lines of one id are in the order it was handled.
      Map<String, Object> line = log.line(envelope, update ? "updated" : "created");
      line.put("escalated", escalation != null);
      if (escalation != null) {
        line.put("escalation_reason", escalation);
      }
      line.put("mitigation", mitigation);
      log.write(line);
    }
    List<Object> followUps = new ArrayList<>(2);
    if (escalation != null) {
      followUps.add(
          new RiskEscalated(alert.alertId(), alert.severity(), alert.riskScore(), escalation));
    }
    followUps.add(
        new RiskNotification(alert, alert.severity(), escalation != null, update, mitigation));
    try {
      FollowUps.publish(bus, envelope, followUps);
    } catch (RuntimeException refused) {
      if (errors.isEmpty()) {
        throw refused;
      }
      errors.get(0).addSuppressed(refused); // the Error outranks it, as the failure rule says
    }
    if (!errors.isEmpty()) {
      throw errors.get(0); // an Error is the bus's to handle (its failure rule), once reported
    }
  }

  private String escalationReason(RiskAlert alert) {
    if (alert.severity().compareTo(Severity.HIGH) >= 0) {
      return "severity " + alert.severity().json();
    }
    if (alert.riskScore() >= escalationThreshold) {
      return "risk score " + alert.riskScore() + " >= threshold " + escalationThreshold;
    }
    return null;
  }

  /**
   * Runs a step once per occurrence. An Error from it is a failed step too, kept in
   * {@code errors} so that the alert is still logged and escalated before it is thrown.
   */
  private MitigationResult runStep(
      String step, RiskAlert alert, AlertOccurrences.Occurrence state, List<Error> errors) {
    if (state.stepsRun.contains(step)) {
      return new MitigationResult(step, "skipped", null);
    }
    MitigationAction action = mitigations.get(step);
    if (action == null) {
      return new MitigationResult(step, "unknown", null);
    }
    state.stepsRun.add(step);
    try {
      action.run(alert);
      return new MitigationResult(step, "done", null);
    } catch (Exception | Error e) {
      if (e instanceof Error error) {
        errors.add(error);
      }
      return new MitigationResult(step, "failed", FailureText.of(e));
    }
  }

  /**
   * Returns the live dashboard.
   *
   * @return the dashboard
   */
  public RiskDashboard dashboard() {
    return dashboard;
  }

  /**
   * Configures a {@link RiskAlertHandler}. Not thread-safe; each option may be set once (each
   * mitigation name once).
   */
  public static final class Builder {
    private Path logRoot;
    private WriteErrorHandler writeErrors;
    private Boolean escalationEnabled;
    private Double escalationThreshold;
    private Duration dedupeWindow;
    private Clock clock;
    private final Map<String, MitigationAction> mitigations = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Sets the log root; the log is {@code <root>/risk_alerts/risk_alerts.jsonl}. Default
     * {@code logs}.
     *
     * @param root the directory
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder logRoot(Path root) {
      this.logRoot = Settings.setOnce(this.logRoot, root, "logRoot");
      return this;
    }

    /**
     * Sets who is told when a line of the handler's log cannot be written (the directory cannot
     * be created, a write or fsync fails), in place of the default rate-limited WARN. The log
     * keeps such lines and retries; each failure is also counted in
     * {@link RiskAlertHandler#logStats()}. Default: none, the count and the WARN.
     *
     * @param handler the handler; called as {@link io.github.eventbus.jsonl.WriteErrorHandler} says
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder writeErrorHandler(WriteErrorHandler handler) {
      this.writeErrors = Settings.setOnce(this.writeErrors, handler, "writeErrorHandler");
      return this;
    }

    /**
     * Turns escalation on or off; default on.
     *
     * @param enabled whether alerts escalate
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder escalationEnabled(boolean enabled) {
      this.escalationEnabled = Settings.setOnce(this.escalationEnabled, enabled, "escalationEnabled");
      return this;
    }

    /**
     * Sets the score at or above which an alert escalates whatever its severity; default 0.8.
     *
     * @param threshold from 0 to 1
     * @return this builder
     * @throws IllegalArgumentException if outside 0..1
     * @throws IllegalStateException if already set
     */
    public Builder escalationThreshold(double threshold) {
      if (!(threshold >= 0.0 && threshold <= 1.0)) {
        throw new IllegalArgumentException(
            "escalationThreshold must be between 0 and 1, but was " + threshold);
      }
      this.escalationThreshold = Settings.setOnce(this.escalationThreshold, threshold, "escalationThreshold");
      return this;
    }

    /**
     * Sets how long after its last sighting an alert id is remembered: seen again within it, the
     * alert updates its occurrence; later, it is a new occurrence. Default 10 minutes.
     *
     * @param window a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder dedupeWindow(Duration window) {
      this.dedupeWindow = Settings.setOnce(this.dedupeWindow,
          Settings.positive(window, "dedupeWindow"), "dedupeWindow");
      return this;
    }

    /**
     * Sets the clock of log timestamps, the dashboard and the dedupe window.
     *
     * @param clock the clock
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder clock(Clock clock) {
      this.clock = Settings.setOnce(this.clock, clock, "clock");
      return this;
    }

    /**
     * Registers a mitigation step.
     *
     * @param name the name used in {@code mitigation_steps}
     * @param action what to do
     * @return this builder
     * @throws IllegalStateException if a step of that name is registered already
     */
    public Builder mitigation(String name, MitigationAction action) {
      requireNonNull(name, "name");
      requireNonNull(action, "action");
      if (mitigations.putIfAbsent(name, action) != null) {
        throw new IllegalStateException("mitigation '" + name + "' is registered already");
      }
      return this;
    }

    /**
     * Builds the handler and opens its log.
     *
     * @return the handler
     * @throws HandlerException if the log's directory, or one above it, exists and is not a
     *     directory, or the log file's path is a directory (a log blocked later keeps its
     *     lines and retries), or another writer in this process writes the file, until its
     *     thread has ended (its {@code close()} waits for that)
     */
    public RiskAlertHandler build() {
      return new RiskAlertHandler(this);
    }
  }
}
