package io.github.eventbus.handlers;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.EventBus;
import io.github.eventbus.Subscription;
import java.util.ArrayList;
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
   * @throws NullPointerException naming the argument that is null; nothing is registered
   * @throws IllegalStateException if the bus is closed; nothing is left registered
   */
  public static Subscription register(
      EventBus bus, FileChangeHandler files, ReportReadyHandler reports, RiskAlertHandler risks) {
    requireNonNull(bus, "bus");
    requireNonNull(files, "files");
    requireNonNull(reports, "reports");
    requireNonNull(risks, "risks");
    List<Subscription> made = new ArrayList<>(3);
    try {
      made.add(files.register(bus));
      made.add(reports.register(bus));
      made.add(risks.register(bus));
    } catch (RuntimeException | Error e) {
      // The caller gets no subscription to close: none made so far is left behind.
      made.forEach(Subscription::close);
      throw e;
    }
    return new Registration("handlers", made);
  }
}
