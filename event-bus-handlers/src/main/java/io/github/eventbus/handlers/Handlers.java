package io.github.eventbus.handlers;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import java.util.List;

/**
 * Registers the three ready handlers on a bus in one call.
 *
 * <pre>{@code
 * Subscription all = Handlers.register(bus, fileChanges, reports, risks);
 * }</pre>
 *
 * <p><b>Thread-safety:</b> stateless and thread-safe.
 */
public final class Handlers {

  private Handlers() {}

  /**
   * Registers a file-change, a report-ready and a risk-alert handler.
   *
   * @param bus the bus
   * @param files the file-change handler
   * @param reports the report-ready handler
   * @param risks the risk-alert handler
   * @return one subscription that ends all of them
   */
  public static Subscription register(
      EventBus bus, FileChangeHandler files, ReportReadyHandler reports, RiskAlertHandler risks) {
    requireNonNull(bus, "bus");
    return new Registration("handlers", List.of(
        requireNonNull(files, "files").register(bus),
        requireNonNull(reports, "reports").register(bus),
        requireNonNull(risks, "risks").register(bus)));
  }
}
