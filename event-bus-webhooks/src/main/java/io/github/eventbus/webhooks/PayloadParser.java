package io.github.eventbus.webhooks;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.Metadata;
import io.github.eventbus.TypeNames;
import io.github.eventbus.internal.ExactDecimals;
import io.github.eventbus.internal.LogText;
import io.github.eventbus.internal.Utf8;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.io.IOException;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the library's webhook payload strictly: one JSON object in UTF-8 and nothing
 * after it, no repeated keys, {@code event_type} a valid type name, {@code data} an object, and
 * optional {@code event_id}, {@code timestamp} (Unix seconds, or an ISO-8601 instant with
 * {@code Z} or an offset; years 1970 to 9999)
 * and {@code source} of the right types and bounded lengths. Every violation is a
 * {@link Malformed} whose message is safe to send back (it quotes no request text). Thread-safe.
 */
final class PayloadParser {

  /** The longest id or source accepted. */
  static final int MAX_ID_LENGTH = 256;

  /** What an id may hold, for the messages of a 400. */
  static final String ID_RULE = "at most " + MAX_ID_LENGTH + " characters without control,"
      + " line-separator, bidirectional or invisible format characters or lone surrogates";

  private static final long MAX_SECONDS = 253_402_300_799L; // 9999-12-31T23:59:59Z

  /** A payload that does not follow the format; the message says which rule it broke. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private final ObjectMapper mapper = JsonLinesWriter.defaultMapper();
  // Decimals keep their digits and scale where a double would change them (ExactDecimals).
  private final ObjectReader reader = ExactDecimals.configure(mapper.reader()
      .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));
  private final Map<String, Class<?>> types;
  private final Clock clock;

  PayloadParser(Map<String, Class<?>> types, Clock clock) {
    this.types = Map.copyOf(types);
    this.clock = clock;
  }

  /**
   * Maps event classes by their type names.
   *
   * @throws IllegalArgumentException if two classes have the same type name
   */
  static Map<String, Class<?>> byTypeName(Class<?>... eventClasses) {
    Map<String, Class<?>> byName = new HashMap<>();
    for (Class<?> c : eventClasses) {
      Class<?> previous = byName.put(TypeNames.of(c), requireNonNull(c));
      if (previous != null && previous != c) {
        throw new IllegalArgumentException(c.getName() + " and " + previous.getName()
            + " have the same type name");
      }
    }
    return Map.copyOf(byName);
  }

  /**
   * Decodes bytes that must be strict UTF-8 (no overlong forms, encoded surrogates, stray bytes).
   * The JSON parser reads the decoded text, not the bytes: given bytes it would guess their
   * encoding, and read a body in UTF-16 or UTF-32 (valid UTF-8 too, with NULs) as JSON.
   */
  private static String utf8(byte[] body) throws Malformed {
    String text = Utf8.strict(body);
    if (text == null) {
      throw new Malformed("the body is not valid UTF-8");
    }
    return text;
  }

  /**
   * Parses a body into an event.
   *
   * @param webhookId the signed webhook id, used as the event id when the body has none; null if
   *     the scheme signs no id
   * @param timestampRequired whether the body must carry its {@code timestamp}: the only time a
   *     scheme that signs just the body covers
   */
  Event<?> parse(byte[] body, String webhookId, boolean timestampRequired) throws Malformed {
    JsonNode root;
    try {
      if (body.length == 0 || !(body[0] == '{' || body[0] == ' ' || body[0] == '\t'
          || body[0] == '\r' || body[0] == '\n')) {
        throw new Malformed("the body must be a JSON object in UTF-8");
      }
      try (JsonParser parser = reader.createParser(utf8(body))) {
        root = ExactDecimals.readTree(reader, parser);
        if (root != null && parser.nextToken() != null) {
          throw new JsonParseException(parser, "data after the JSON document");
        }
      }
    } catch (JsonProcessingException e) {
      // Where, not what: the parser's message quotes the request's text back to its sender.
      JsonLocation at = e.getLocation();
      throw new Malformed("the body is not one well-formed JSON document"
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw new Malformed("the body cannot be read as JSON");
    }
    if (root == null || !root.isObject()) {
      throw new Malformed("the body is not a JSON object");
    }
    JsonNode typeNode = root.get("event_type");
    if (typeNode == null || !typeNode.isTextual() || !TypeNames.isValid(typeNode.asText())) {
      throw new Malformed("event_type is missing or not a valid type name");
    }
    String type = typeNode.asText();
    if (TypeNames.isReserved(type)) {
      throw new Malformed("event_type " + type + " is the bus's own; no received event has it");
    }
    JsonNode data = root.get("data");
    if (data == null || !data.isObject()) {
      throw new Malformed("data is missing or not an object");
    }
    String id = text(root, "event_id");
    if (id == null) {
      id = webhookId;
    }
    if (id == null) {
      throw new Malformed("event_id is missing, and the signature covers no webhook id to use");
    }
    JsonNode timestamp = root.get("timestamp");
    if (timestampRequired && (timestamp == null || timestamp.isNull())) {
      throw new Malformed("timestamp is required: the signature covers no other time");
    }
    // An envelope built without a source has an empty one, and WebhookClient sends it as "":
    // that is no source, not a malformed one.
    JsonNode sourceNode = root.get("source");
    String source = sourceNode != null && sourceNode.isTextual() && sourceNode.asText().isEmpty()
        ? null : text(root, "source");
    Object payload = payload(type, data);
    return Event.builder(payload).id(id).timestamp(timestamp(timestamp))
        .source(source != null ? source : "webhook")
        .metadata(webhookId == null ? Metadata.empty()
            : Metadata.builder().header("webhook_id", webhookId).build())
        .build();
  }

  /**
   * Returns an id or source if it is valid, else null; never throws. Valid means non-blank, at
   * most {@link #MAX_ID_LENGTH} chars, and no character {@link LogText#unsafe} would escape:
   * ids reach log lines (the bus's own among them) that do not escape them.
   */
  static String checkedId(String id) {
    return id != null && !id.isBlank() && id.length() <= MAX_ID_LENGTH && LogText.safe(id)
        ? id : null;
  }

  private Object payload(String type, JsonNode data) throws Malformed {
    Class<?> registered = types.get(type);
    try {
      if (registered != null) {
        Object typed = mapper.treeToValue(data, registered);
        if (typed == null) {
          throw new Malformed("data does not make a " + type);
        }
        return typed;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = mapper.convertValue(data, HashMap.class);
      return DynamicEvent.of(type, map);
    } catch (JsonProcessingException | RuntimeException e) {
      throw new Malformed("data does not fit the type " + type);
    }
  }

  private Instant timestamp(JsonNode node) throws Malformed {
    if (node == null || node.isNull()) {
      return clock.instant();
    }
    try {
      Instant at;
      if (node.isIntegralNumber()) {
        if (!node.canConvertToLong()) {
          throw new Malformed("timestamp is outside 1970 to 9999");
        }
        at = Instant.ofEpochSecond(node.asLong());
      } else if (node.isFloatingPointNumber()) {
        double seconds = node.asDouble();
        if (!Double.isFinite(seconds) || Math.abs(seconds) > MAX_SECONDS + 1) {
          throw new Malformed("timestamp is outside 1970 to 9999");
        }
        at = Instant.ofEpochMilli(Math.round(seconds * 1000));
      } else if (node.isTextual()) {
        at = Instant.parse(node.asText());
      } else {
        throw new Malformed("timestamp must be Unix seconds or ISO-8601");
      }
      if (at.isBefore(Instant.EPOCH) || at.getEpochSecond() > MAX_SECONDS) {
        throw new Malformed("timestamp is outside 1970 to 9999");
      }
      return at;
    } catch (DateTimeException | ArithmeticException e) {
      throw new Malformed("timestamp must be Unix seconds or ISO-8601 within 1970 to 9999");
    }
  }

  private static String text(JsonNode root, String field) throws Malformed {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    String value = node.isTextual() ? checkedId(node.asText()) : null;
    if (value == null) {
      throw new Malformed(field + " must be a non-blank string of " + ID_RULE);
    }
    return value;
  }
}
