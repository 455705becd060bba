package io.github.eventbus.handlers;

import io.github.eventbus.EventBus;
import java.nio.file.Path;

/**
 * Sends a validated report to one recipient. {@link ReportReadyHandler} calls it once per
 * recipient, so a failure for one recipient does not stop the others and is reported per
 * recipient.
 *
 * <p><b>Thread-safety:</b> may be called from several threads for different reports; must be
 * thread-safe.
 */
@FunctionalInterface
public interface ReportDistributor {

  /**
   * Sends the report to a recipient.
   *
   * @param report the event
   * @param file the report file, validated
   * @param recipient the recipient
   * @throws Exception if it could not be sent to this recipient
   */
  void distribute(ReportReady report, Path file, String recipient) throws Exception;

  /**
   * Returns a distributor that publishes a {@link ReportDistribution} event per recipient on a bus,
   * for a webhook forwarder to deliver.
   *
   * @param bus the bus
   * @return the distributor
   * @throws NullPointerException if {@code bus} is null
   */
  static ReportDistributor publishing(EventBus bus) {
    java.util.Objects.requireNonNull(bus, "bus");
    return (report, file, recipient) ->
        bus.publish(new ReportDistribution(report.reportId(), file.toString(), report.reportFormat(),
            recipient));
  }
}
