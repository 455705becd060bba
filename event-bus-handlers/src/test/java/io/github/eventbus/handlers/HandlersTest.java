package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandlersTest {

  @TempDir Path logs;

  @Test
  void register_allThreeInOneCall_andOneCloseEndsThem() {
    try (EventBus bus = EventBus.builder().build();
        FileChangeHandler files = FileChangeHandler.builder().logRoot(logs).build();
        ReportReadyHandler reports = ReportReadyHandler.builder().logRoot(logs).build();
        RiskAlertHandler risks = RiskAlertHandler.builder().logRoot(logs).build()) {
      Subscription all = Handlers.register(bus, files, reports, risks);

      assertThat(bus.subscribers()).containsKeys("file_change", "report_ready", "risk_alert");
      assertThat(all.isActive()).isTrue();

      all.close();

      assertThat(all.isActive()).isFalse();
      assertThat(bus.subscribers()).isEmpty();
    }
  }

  @Test
  void register_withANullHandler_namesIt_andLeavesNothingSubscribed() {
    try (EventBus bus = EventBus.builder().build();
        FileChangeHandler files = FileChangeHandler.builder().logRoot(logs).build();
        RiskAlertHandler risks = RiskAlertHandler.builder().logRoot(logs).build()) {
      assertThatThrownBy(() -> Handlers.register(bus, files, null, risks))
          .isInstanceOf(NullPointerException.class).hasMessage("reports");

      assertThat(bus.subscribers()).isEmpty();
    }
  }
}
