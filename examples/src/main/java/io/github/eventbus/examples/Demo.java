package io.github.eventbus.examples;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.DeliveryStats;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventBus;
import io.github.eventbus.EventBusMetrics;
import io.github.eventbus.EventType;
import io.github.eventbus.Metadata;
import io.github.eventbus.RetryPolicy;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The project's demo: typed and wildcard subscriptions, asynchronous delivery, a retry that
 * succeeds, one that ends as a dead letter, and the metrics. Prints one line per step.
 */
public final class Demo {

  @EventType("file_change")
  record FileChange(String filePath, String changeType, long size) {}

  @EventType("risk_alert")
  record RiskAlert(String alertId, String severity, double riskScore) {}

  private Demo() {}

  /**
   * Runs the demo.
   *
   * @param args ignored
   * @throws InterruptedException if interrupted while waiting for deliveries
   */
  public static void main(String[] args) throws InterruptedException {
    run(System.out);
  }

  /**
   * Runs the demo, printing to {@code out}.
   *
   * @param out where to print
   * @return the final metrics
   * @throws InterruptedException if interrupted while waiting for deliveries
   */
  public static EventBusMetrics run(PrintStream out) throws InterruptedException {
    EventBus bus = EventBus.builder()
        .name("demo")
        .source("personal-manager")
        // One readable line per failed attempt instead of the default WARN log with a stack trace.
        .exceptionHandler((error, where) -> out.println("  handler failed: '" + where.subscriber()
            + "' attempt " + where.attempt() + (where.willRetry() ? ", will retry: " : ", giving up: ")
            + error.getMessage()))
        .build();
    CountDownLatch handled = new CountDownLatch(4);
    AtomicInteger flakyCalls = new AtomicInteger();

    bus.subscribe(FileChange.class, change -> {
      out.println("  file handler: " + change.changeType() + " " + change.filePath());
      handled.countDown();
    });
    bus.subscribe("*", event -> out.println("  audit: " + event.type() + " id=" + event.id()
        + (event.metadata().correlationId().map(c -> " correlation=" + c).orElse(""))));
    bus.subscribe("deployment", event -> {
      out.println("  deployment handler: " + ((DynamicEvent) event.payload()).data());
      handled.countDown();
    });
    RetryPolicy retry = RetryPolicy.builder()
        .maxAttempts(3).initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(50)).build();
    bus.on(RiskAlert.class).name("risk-escalation").retry(retry).subscribe(alert -> {
      if (alert.severity().equals("critical") && flakyCalls.incrementAndGet() == 1) {
        throw new IllegalStateException("paging service unavailable (first attempt)");
      }
      if (alert.severity().equals("broken")) {
        throw new IllegalStateException("no handler for severity 'broken'");
      }
      out.println("  risk handler: escalated " + alert.alertId() + " (" + alert.severity() + ")");
      handled.countDown();
    });
    bus.subscribe(DeadLetter.class, letter -> {
      out.println("  dead letter: " + letter.event().type() + " for '" + letter.subscriber()
          + "' after " + letter.attempts() + " attempts: " + letter.cause().getMessage());
      handled.countDown();
    });

    out.println("1. publishSync a typed file_change event");
    bus.publishSync(new FileChange("/tmp/demo/report.txt", "created", 1234));
    out.println("2. publish (async) a dynamic 'deployment' event with a correlation id");
    bus.publish(DynamicEvent.of("deployment", Map.of("service", "api-gateway", "status", "success")),
        Metadata.builder().correlationId("deploy-42").build());
    out.println("3. publish a critical risk alert whose handler fails once, then succeeds on retry");
    bus.publish(new RiskAlert("security_alert_001", "critical", 0.92));
    out.println("4. publish an alert whose handler always fails: retried, then dead-lettered");
    bus.publish(new RiskAlert("bad_alert_002", "broken", 0.10));
    if (!handled.await(10, TimeUnit.SECONDS)) {
      out.println("   (timed out waiting for deliveries)");
    }
    bus.close();
    EventBusMetrics metrics = bus.metrics();
    DeliveryStats t = metrics.totals();
    out.println("5. summary: published=" + t.published() + " delivered=" + t.delivered()
        + " failed=" + t.failed() + " retried=" + t.retried() + " deadLettered="
        + t.deadLettered() + " queueHighWaterMark=" + metrics.queueHighWaterMark());
    metrics.byType().forEach((type, s) -> out.println("   " + type + ": published="
        + s.published() + " delivered=" + s.delivered()));
    return metrics;
  }
}
