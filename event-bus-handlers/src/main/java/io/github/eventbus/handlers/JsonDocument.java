package io.github.eventbus.handlers;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.github.eventbus.internal.LogText;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Checks that a file holds exactly one JSON document, with only whitespace around it. Streams the
 * tokens instead of building a tree, so memory stays small whatever the file's size. A JSON
 * parser on its own reads the first document and ignores what follows, and accepts documents run
 * together as a sequence; neither is a JSON file.
 */
final class JsonDocument {

  private JsonDocument() {}

  /**
   * Returns what is wrong with the file as a JSON report, or null if it is one JSON document.
   *
   * @throws IOException if the file cannot be read
   */
  static String problem(Path file, JsonFactory factory) throws IOException {
    try (JsonParser parser = admitting(factory).createParser(file.toFile())) {
      JsonToken first;
      try {
        first = parser.nextToken();
        if (first == null) {
          return "report_format is json but the file holds no JSON document";
        }
        int depth = first.isStructStart() ? 1 : 0;
        while (depth > 0) {
          JsonToken token = parser.nextToken();
          if (token == null) {
            return "report_format is json but the file ends inside its JSON document";
          }
          if (token.isStructStart()) {
            depth++;
          } else if (token.isStructEnd()) {
            depth--;
          }
        }
      } catch (JsonProcessingException e) {
        return "report_format is json but the file does not parse: " + describe(e);
      }
      JsonLocation end = parser.currentLocation();
      try {
        JsonToken next = parser.nextToken();
        if (next != null) {
          return "report_format is json but a second JSON document follows the first, at "
              + at(parser.currentTokenLocation());
        }
      } catch (JsonProcessingException e) {
        return "report_format is json but the file has content after its JSON document (which"
            + " ends at " + at(end) + "): " + describe(e);
      }
      return null;
    }
  }

  /**
   * The factory with no limit on the length of numbers, names and strings: valid JSON, and cheap
   * here, where tokens are skipped, not turned into values (the size of the file bounds them).
   * Nesting keeps its limit (1,000 levels by default): each level costs the parser memory.
   */
  private static JsonFactory admitting(JsonFactory factory) {
    StreamReadConstraints limits = factory.streamReadConstraints().rebuild()
        .maxNumberLength(Integer.MAX_VALUE).maxNameLength(Integer.MAX_VALUE)
        .maxStringLength(Integer.MAX_VALUE).build();
    return new JsonFactoryBuilder(factory).streamReadConstraints(limits).build();
  }

  private static String describe(JsonProcessingException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    message = message.lines().findFirst().orElse("");
    // The parser quotes the file's text (a token, say): escaped, it cannot forge a log line.
    return LogText.escape(message) + (e.getLocation() != null ? " at " + at(e.getLocation()) : "");
  }

  private static String at(JsonLocation location) {
    return "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
