package io.github.eventbus.handlers;

import io.github.eventbus.jsonl.JsonLinesWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A handler's own JSON Lines log (for example {@code logs/risk_alerts/risk_alerts.jsonl}), written
 * through the core's {@link JsonLinesWriter}: one object per action, starting with its timestamp.
 */
final class HandlerLog implements AutoCloseable {

  private final JsonLinesWriter<Object> writer;
  private final Clock clock;

  HandlerLog(Path file, Clock clock) {
    this.writer = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson()).build();
    this.clock = clock;
  }

  /** Starts a line with the timestamp; the caller adds fields and passes it to {@link #write}. */
  Map<String, Object> line(String action, String eventId) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("timestamp", clock.instant().toString());
    line.put("event_id", eventId);
    line.put("action", action);
    return line;
  }

  void write(Map<String, Object> line) {
    writer.append(line);
  }

  Path file() {
    return writer.currentFile();
  }

  /** Waits until every line written so far is in the file. */
  void flush() {
    writer.flush().join();
  }

  @Override
  public void close() {
    writer.close();
  }
}
