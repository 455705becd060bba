package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.eventbus.EventType;

/**
 * A request to send a report to one recipient, published by
 * {@link ReportDistributor#publishing(io.github.eventbus.EventBus)} for webhooks.
 *
 * <p><b>Thread-safety:</b> immutable.
 *
 * @param reportId the report's id
 * @param reportPath the file
 * @param reportFormat its format
 * @param recipient the recipient
 */
@EventType("report_ready.distribution")
public record ReportDistribution(
    @JsonProperty("report_id") String reportId,
    @JsonProperty("report_path") String reportPath,
    @JsonProperty("report_format") ReportFormat reportFormat,
    @JsonProperty("recipient") String recipient) {}
