package io.github.eventbus.examples;

import io.github.eventbus.EventBus;
import io.github.eventbus.handlers.RiskAlert;
import io.github.eventbus.handlers.RiskAlertHandler;
import io.github.eventbus.handlers.RiskEscalated;
import io.github.eventbus.handlers.RiskType;
import io.github.eventbus.handlers.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Risk alerts: escalation, a mitigation step, duplicates and the dashboard. */
public final class RiskAlertsExample {

  private RiskAlertsExample() {}

  /**
   * Runs the example.
   *
   * @param args optionally, the directory to log in; a new temporary directory without it
   * @throws Exception if the log directory cannot be made
   */
  public static void main(String[] args) throws Exception {
    Path logs = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("risk-example");
    try (EventBus bus = EventBus.builder().build();
        RiskAlertHandler risks = RiskAlertHandler.builder().logRoot(logs)
            .mitigation("rotate_keys", alert -> System.out.println("rotating keys for "
                + alert.alertId()))
            .build()) {
      risks.register(bus);
      bus.subscribe(RiskEscalated.class, e -> System.out.println("escalated: " + e.reason()));
      RiskAlert leak = new RiskAlert("security_alert_001", RiskType.SECURITY, Severity.CRITICAL,
          "API key leaked", "found in a public repository", List.of("billing-api"), 0.97, null,
          "secret_scanner", List.of("rotate_keys"), Map.of());
      bus.publishSync(leak);
      bus.publishSync(leak);  // the same id again: updates the alert, the step does not run twice
      risks.dashboard().acknowledge("security_alert_001");
      System.out.println(risks.dashboard().toJson());
      System.out.println("logged to " + risks.logFile());
    }
  }
}
