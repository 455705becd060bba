package io.github.eventbus.handlers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The design's example event data, field for field and in the design's order. */
final class DesignExamples {

  private DesignExamples() {}

  /** The design's {@code file_change} example, for a real file (which must exist). */
  static Map<String, Object> fileChange(Path file) throws IOException {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("file_path", file.toString());
    data.put("change_type", "modified");
    data.put("size", Files.size(file));
    data.put("modified_time", "2025-01-15T10:00:00Z");
    data.put("checksum", "sha256:" + Digests.hex(file, "SHA-256"));
    return Collections.unmodifiableMap(data);
  }

  /** The design's {@code report_ready} example, for a real report file (which must exist). */
  static Map<String, Object> reportReady(Path report, String format) throws IOException {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("report_id", "daily_report_20250115");
    data.put("report_type", "daily");
    data.put("report_path", report.toString());
    data.put("report_format", format);
    data.put("generated_at", "2025-01-15T10:00:00Z");
    data.put("size_bytes", Files.size(report));
    data.put("recipients", List.of("user1@example.com", "user2@example.com"));
    data.put("metadata", Map.of("author", "pm_system", "tags", List.of("daily", "summary")));
    return Collections.unmodifiableMap(data);
  }

  /** The design's {@code risk_alert} example. */
  static Map<String, Object> riskAlert() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("alert_id", "security_alert_001");
    data.put("risk_type", "security");
    data.put("severity", "critical");
    data.put("title", "Brief alert description");
    data.put("description", "Detailed alert information");
    data.put("affected_resources", List.of("resource1", "resource2"));
    data.put("risk_score", 0.85);
    data.put("detected_at", "2025-01-15T10:00:00Z");
    data.put("source_system", "security_scanner");
    data.put("mitigation_steps", List.of("action1", "action2"));
    data.put("metadata", Map.of("tags", List.of("security", "automated"),
        "related_incidents", List.of("inc123")));
    return Collections.unmodifiableMap(data);
  }
}
