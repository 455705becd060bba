package io.github.eventbus.handlers;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.jsonl.WriteErrorHandler;
import io.github.eventbus.jsonl.WriterStats;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A handler's own JSON Lines log (for example {@code logs/risk_alerts/risk_alerts.jsonl}), written
 * through the core's {@link JsonLinesWriter}. Every line describes one event as the bus delivered
 * it: {@code timestamp}, {@code event_id}, {@code type}, {@code source} and {@code data} (every
 * field as received), then {@code handled_at}, {@code action} and the handler's outcome fields.
 *
 * <p>A log may be {@linkplain #off off}: it writes nothing, {@link #file()} says why there is no
 * file, and flushing and closing do nothing; so {@link LoggingHandler} serves every handler,
 * whether or not it can turn its log off.
 */
final class HandlerLog implements AutoCloseable {

  private final JsonLinesWriter<Object> writer; // null: off
  private final String off; // why the log is off; null if on
  private final Clock clock;
  private final ObjectMapper mapper = JsonLinesWriter.defaultMapper();

  private HandlerLog(JsonLinesWriter<Object> writer, String off, Clock clock) {
    this.writer = writer;
    this.off = off;
    this.clock = clock;
  }

  /**
   * Opens the log {@code <root>/<directory>/<name>}.
   *
   * @param root the log root; null for {@code logs}
   * @param errors told when a line cannot be written; null: the writer's rate-limited WARN only
   * @throws HandlerException if the log's directory, or one above it, exists and is not a
   *     directory, or the log file's path is a directory, or another writer in this process
   *     writes the file
   */
  static HandlerLog open(Path root, String directory, String name, Clock clock,
      WriteErrorHandler errors) {
    Path file = (root != null ? root : Path.of("logs")).resolve(directory).resolve(name);
    var builder = JsonLinesWriter.toFile(file, JsonLinesWriter.jackson());
    if (errors != null) {
      builder.errorHandler(errors);
    }
    try {
      return new HandlerLog(builder.build(), null, clock);
    } catch (IllegalArgumentException | IllegalStateException e) {
      // A path the log can never be written at (a file where its directory goes), or one another
      // writer has: refused now, as the module's exception; one blocked later is retried instead.
      // The writer's message names the path in the way.
      throw new HandlerException("cannot open the log: " + e.getMessage(), e);
    }
  }

  /** A log that is off, for the reason given (which {@link #file()} reports). */
  static HandlerLog off(String why) {
    return new HandlerLog(null, why, null);
  }

  /** The clock of the lines' {@code handled_at}; null if the log is off. */
  Clock clock() {
    return clock;
  }

  /** Whether lines are written; starting a line of a log that is off is a mistake. */
  boolean enabled() {
    return writer != null;
  }

  /**
   * Starts the line of an event; the caller adds its outcome fields and passes it to
   * {@link #write}.
   */
  Map<String, Object> line(Event<?> envelope, String action) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("timestamp", envelope.timestamp().toString());
    line.put("event_id", envelope.id());
    line.put("type", envelope.type());
    line.put("source", envelope.source());
    try {
      JsonNode data = data(envelope.payload());
      int most = mapper.getFactory().streamWriteConstraints().getMaxNestingDepth() - 1;
      String problem = problemWith(data, most);
      if (problem != null) {
        // Too deep, the writer would refuse the whole line (counted unencodable); NaN or an
        // infinity it would write as a string, which is not the value. The line stays without.
        line.put("data", null);
        line.put("data_error", problem);
      } else {
        line.put("data", data);
      }
    } catch (IllegalArgumentException e) {
      // Values a dynamic event got from code rather than JSON may not serialise; the line stays.
      line.put("data", null);
      line.put("data_error", "the data could not be written as JSON: " + FailureText.of(e));
    }
    line.put("handled_at", clock.instant().toString());
    line.put("action", action);
    return line;
  }

  /**
   * The event's data as a JSON tree, taken now, so that later changes to mutable values cannot
   * alter the line: a dynamic event's data exactly as received, a record's JSON form with every
   * field (those its JSON form omits when null are written as null).
   */
  private JsonNode data(Object payload) {
    if (payload instanceof DynamicEvent dynamic) {
      return mapper.valueToTree(dynamic.data());
    }
    JsonNode tree = mapper.valueToTree(payload);
    if (tree instanceof ObjectNode object && payload.getClass().isRecord()) {
      for (RecordComponent component : payload.getClass().getRecordComponents()) {
        JsonProperty name = component.getAccessor().getAnnotation(JsonProperty.class);
        if (name != null && !object.has(name.value())) {
          object.putNull(name.value());
        }
      }
    }
    return tree;
  }

  /**
   * What keeps the tree from being logged as it is, or null: arrays and objects nesting more
   * than {@code most} levels deep, or a number JSON has no form for (NaN, an infinity).
   */
  private static String problemWith(JsonNode tree, int most) {
    java.util.ArrayDeque<JsonNode> nodes = new java.util.ArrayDeque<>();
    java.util.ArrayDeque<Integer> depths = new java.util.ArrayDeque<>();
    nodes.push(tree);
    depths.push(1);
    while (!nodes.isEmpty()) {
      JsonNode node = nodes.pop();
      int depth = depths.pop();
      if (depth > most) {
        return "the data nests deeper than the " + most + " levels the log writes";
      }
      for (JsonNode child : node) {
        if (child.isContainerNode()) {
          nodes.push(child);
          depths.push(depth + 1);
        } else if (unwritable(child)) {
          return "the data holds a number JSON cannot write: " + child.doubleValue();
        }
      }
    }
    return unwritable(tree) ? "the data holds a number JSON cannot write: " + tree.doubleValue()
        : null;
  }

  /**
   * A double or float that is NaN or infinite, which the writer would write as a string. Not a
   * decimal: {@code 1E400} is beyond a double but written as it is.
   */
  private static boolean unwritable(JsonNode node) {
    return (node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue());
  }

  void write(Map<String, Object> line) {
    writer.append(line);
  }

  /** The current file; throws IllegalStateException naming the reason if the log is off. */
  Path file() {
    if (writer == null) {
      throw new IllegalStateException(off);
    }
    return writer.currentFile();
  }

  /** The writer's counts (failed writes among them); empty if the log is off. */
  Optional<WriterStats> stats() {
    return writer == null ? Optional.empty() : Optional.of(writer.stats());
  }

  /** Waits at most {@code timeout} until every line written so far is in the file. */
  boolean flush(Duration timeout) {
    if (writer == null || writer.stats().pending() == 0) {
      return true; // nothing outstanding: whatever the timeout, even zero
    }
    try {
      writer.flush().get(Settings.nanos(timeout), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false; // the writer reports why (a WARN, or its error handler)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    if (writer != null) {
      writer.close();
    }
  }
}
