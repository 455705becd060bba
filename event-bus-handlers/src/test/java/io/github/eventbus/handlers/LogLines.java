package io.github.eventbus.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a handler's JSON Lines log in tests. */
final class LogLines {

  private static final ObjectMapper JSON = new ObjectMapper();

  private LogLines() {}

  /** Parses every line of the file; each must be one JSON object. */
  static List<JsonNode> read(Path file) throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  /**
   * A value as a log line holds it once read back: written as JSON and parsed, so that numbers
   * compare by their JSON form (a long 14 and an int 14 are the same line).
   */
  static JsonNode asRead(Object value) throws IOException {
    return JSON.readTree(JSON.writeValueAsString(value));
  }

  /** The field names of an object, in the order of the line. */
  static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
