package io.github.eventbus.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.EventBusMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ExamplesTest {

  @Test
  void demo_runsEveryStep_andReportsRetryAndDeadLetter() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    EventBusMetrics metrics;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      metrics = Demo.run(out);
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);

    assertThat(printed).contains("file handler: created /tmp/demo/report.txt",
        "correlation=deploy-42", "escalated security_alert_001",
        "dead letter: risk_alert for 'risk-escalation' after 3 attempts", "5. summary");
    assertThat(metrics.totals().retried()).isEqualTo(3); // one for the flaky alert, two for the broken one
    assertThat(metrics.totals().deadLettered()).isEqualTo(1);
    assertThat(metrics.queueDepth()).isZero();
  }

  @Test
  void quickStart_runs() {
    QuickStart.main(new String[0]);
  }
}
