package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.EventType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generated report ready for distribution: the {@code report_ready} event, with snake_case
 * field names in JSON.
 *
 * <p><b>Thread-safety:</b> immutable (lists and metadata are copied).
 *
 * @param reportId the report's id, such as {@code daily_report_20250115}; required
 * @param reportType the period it covers; required
 * @param reportPath where the file is; required
 * @param reportFormat its format; required
 * @param generatedAt when it was generated; null if unknown
 * @param sizeBytes its size in bytes, checked against the file when given; null if not given
 * @param recipients addresses to distribute it to
 * @param metadata free-form data such as author and tags
 */
@EventType("report_ready")
public record ReportReady(
    @JsonProperty("report_id") String reportId,
    @JsonProperty("report_type") ReportType reportType,
    @JsonProperty("report_path") String reportPath,
    @JsonProperty("report_format") ReportFormat reportFormat,
    @JsonProperty("generated_at") Instant generatedAt,
    @JsonProperty("size_bytes") Long sizeBytes,
    @JsonProperty("recipients") List<String> recipients,
    @JsonProperty("metadata") Map<String, Object> metadata) {

  /** The type name. */
  static final String TYPE = "report_ready";

  /**
   * Validates and copies the components.
   *
   * @param reportId the report's id, such as {@code daily_report_20250115}; required
   * @param reportType the period it covers; required
   * @param reportPath where the file is; required
   * @param reportFormat its format; required
   * @param generatedAt when it was generated; null if unknown
   * @param sizeBytes its size in bytes, checked against the file when given; null if not given
   * @param recipients addresses to distribute it to
   * @param metadata free-form data such as author and tags
   * @throws InvalidEventException naming each invalid field
   */
  public ReportReady {
    List<String> problems = new ArrayList<>();
    Fields.require(problems, reportId != null && !reportId.isBlank(), "report_id is required");
    Fields.require(problems, reportType != null, "report_type is required");
    Fields.require(problems, reportPath != null && !reportPath.isBlank(), "report_path is required");
    Fields.require(problems, reportPath == null || reportPath.isBlank() || Fields.isPath(reportPath),
        "report_path is not a valid path");
    Fields.require(problems, reportFormat != null, "report_format is required");
    Fields.require(problems, sizeBytes == null || sizeBytes >= 0,
        "size_bytes must not be negative, but was " + sizeBytes);
    Fields.requireNoNulls(problems, "recipients", recipients);
    if (!problems.isEmpty()) {
      throw new InvalidEventException(TYPE, problems);
    }
    recipients = recipients == null ? List.of() : List.copyOf(recipients);
    metadata = metadata == null
        ? Map.of()
        : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /**
   * Converts the data of a dynamic {@code report_ready} event.
   *
   * @param event the dynamic event
   * @return the report event
   * @throws InvalidEventException naming every invalid field
   */
  public static ReportReady from(DynamicEvent event) {
    Fields f = new Fields(TYPE, event.data());
    String id = f.string("report_id", true);
    ReportType type = f.enumValue("report_type", ReportType.class, true);
    String path = f.string("report_path", true);
    ReportFormat format = f.enumValue("report_format", ReportFormat.class, true);
    Instant generatedAt = f.instant("generated_at", false);
    Long size = f.wholeNumber("size_bytes", false, 0);
    List<String> recipients = f.strings("recipients");
    Map<String, Object> metadata = f.map("metadata");
    f.check();
    return new ReportReady(id, type, path, format, generatedAt, size, recipients, metadata);
  }
}
