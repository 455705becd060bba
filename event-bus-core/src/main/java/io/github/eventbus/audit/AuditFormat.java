package io.github.eventbus.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.Metadata;
import io.github.eventbus.TypeNames;
import io.github.eventbus.internal.ExactDecimals;
import io.github.eventbus.internal.LogText;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.jsonl.JsonLinesWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The versioned JSON form of one event: the line format of the audit log, and the one format the
 * library uses wherever an envelope leaves the process. Writing and reading both go through here,
 * so the two cannot drift apart.
 *
 * <pre>{@code
 * {"format_version":1,"timestamp":"2026-11-23T10:00:00.123Z","event_id":"01a2...","type":"file_change",
 *  "source":"watcher","correlation_id":"c-1","headers":{"tenant":"acme"},"data":{...}}
 * }</pre>
 *
 * <p>{@code correlation_id} and {@code headers} are left out when empty. {@code data} is the
 * payload as the format's {@link ObjectMapper} writes it, so the mapper (its naming strategy,
 * modules and annotations on the payload class) decides the field names inside {@code data}; a
 * {@link DynamicEvent} writes its map. The mapper's {@code INDENT_OUTPUT} is ignored: a line is
 * always one line. Decoding turns {@code data} back into the class
 * {@linkplain Builder#register registered} for the type name, or a {@code DynamicEvent}.
 * Decoding reads strings and names of any length and nesting up to the mapper's write limit, as
 * encoding writes them (Jackson's default read limits are below its write limits; limits the
 * mapper sets itself stand). Numbers keep Jackson's read limit of 1,000 digits: a longer one
 * makes the line unreadable (reported as corrupt by {@link AuditReader}). A decimal reads as a
 * {@code double} if a {@code double} holds it as written (every {@code double} the writer wrote
 * does), and as a {@link java.math.BigDecimal}, with its scale, if not ({@code 1.10},
 * {@code 12345678901234567.89}, {@code 1E400}): in {@link AuditEntry#data()}, in a
 * {@code DynamicEvent}'s map and in a registered class's untyped fields.
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe.
 */
public final class AuditFormat {

  /** The longest name a class can have (the class file's limit on a name's encoded bytes). */
  private static final int MAX_CLASS_NAME = 65_535;

  /** The value of {@code format_version} this library writes. */
  public static final int VERSION = 1;

  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final ObjectMapper mapper;
  private final JsonFactory lineParsers;
  private final ObjectReader lineReader;
  private final ObjectWriter payloadWriter;
  private final Map<String, Class<?>> registry;

  private AuditFormat(ObjectMapper mapper, Map<String, Class<?>> registry) {
    this.mapper = mapper;
    // The mapper's own settings, except two that do not fit one line among many: indentation
    // would split the line, and a flush after each payload only costs time.
    this.payloadWriter = mapper.writer()
        .without(SerializationFeature.INDENT_OUTPUT)
        .without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
    this.registry = Map.copyOf(registry);
    this.lineParsers = lineParsers(mapper);
    this.lineReader = ExactDecimals.configure(mapper.reader());
  }

  /**
   * A parser factory with the mapper's settings, and read limits that admit what its writing side
   * writes: Jackson's default limits for strings (20 million characters) and names (50,000) are
   * below what it writes, so a large payload would be logged and then read back as corrupt. The
   * line is whole in memory before it is parsed, so its own length bounds them. Nesting goes up
   * to the writing side's limit. Only limits left at Jackson's defaults are raised (a mapper's
   * own stricter limits stand), and never the one for numbers: reading a long number (and
   * turning it back into text) takes time that grows with the square of its length, and a record
   * may come from anyone who can write to a Kafka topic.
   */
  private static JsonFactory lineParsers(ObjectMapper mapper) {
    StreamReadConstraints given = mapper.getFactory().streamReadConstraints();
    StreamReadConstraints defaults = StreamReadConstraints.defaults();
    StreamReadConstraints.Builder admitting = given.rebuild();
    if (given.getMaxStringLength() == defaults.getMaxStringLength()) {
      admitting.maxStringLength(Integer.MAX_VALUE);
    }
    if (given.getMaxNameLength() == defaults.getMaxNameLength()) {
      admitting.maxNameLength(Integer.MAX_VALUE);
    }
    if (given.getMaxNestingDepth() == defaults.getMaxNestingDepth()) {
      admitting.maxNestingDepth(Math.max(given.getMaxNestingDepth(),
          mapper.getFactory().streamWriteConstraints().getMaxNestingDepth()));
    }
    // Not copy() or rebuild(): a subclass of JsonFactory need not override copy(), nor name its
    // format, which rebuild() requires. The builder takes the factory's settings either way.
    // A key given twice is refused: readers disagree on which one counts, so a payload written
    // raw (@JsonRawValue) that repeats "type" or "event_id" could make a line say two things.
    return new JsonFactoryBuilder(mapper.getFactory()).streamReadConstraints(admitting.build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  }

  /**
   * Returns the format with {@link JsonLinesWriter#defaultMapper()} and no registered classes.
   *
   * @return the format
   */
  public static AuditFormat standard() {
    return new AuditFormat(JsonLinesWriter.defaultMapper(), Map.of());
  }

  /**
   * Starts configuring a format.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Encodes an event as one line of UTF-8 JSON, without the line break.
   *
   * @param event the event
   * @return the bytes
   * @throws IllegalArgumentException if the mapper cannot write the payload
   */
  public byte[] encode(Event<?> event) {
    requireNonNull(event, "event");
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
      write(event, g, null);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode event " + event.id() + " of type "
          + event.type() + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  private static final SerializedString FORMAT_VERSION = new SerializedString("format_version");
  private static final SerializedString TIMESTAMP = new SerializedString("timestamp");
  private static final SerializedString EVENT_ID = new SerializedString("event_id");
  private static final SerializedString TYPE = new SerializedString("type");
  private static final SerializedString SOURCE = new SerializedString("source");
  private static final SerializedString CORRELATION_ID = new SerializedString("correlation_id");
  private static final SerializedString HEADERS = new SerializedString("headers");
  private static final SerializedString DATA = new SerializedString("data");

  /** Writes a type or source name, pre-encoded by the cache where it can be. */
  private static void writeName(JsonGenerator g, LineCache cache, String name)
      throws IOException {
    SerializedString encoded = cache == null ? null : cache.name(name);
    if (encoded != null) {
      g.writeString(encoded);
    } else {
      g.writeString(name);
    }
  }

  /** Writes one event; {@code cache} is one writer thread's, or null. */
  void write(Event<?> e, JsonGenerator g, LineCache cache) throws IOException {
    g.writeStartObject();
    g.writeFieldName(FORMAT_VERSION);
    g.writeNumber(VERSION);
    g.writeFieldName(TIMESTAMP);
    if (cache != null) {
      g.writeRawUTF8String(cache.instants.bytes(), 0, cache.instants.formatTo(e.timestamp()));
    } else {
      g.writeString(e.timestamp().toString());
    }
    g.writeFieldName(EVENT_ID);
    g.writeString(e.id());
    g.writeFieldName(TYPE);
    writeName(g, cache, e.type());
    g.writeFieldName(SOURCE);
    writeName(g, cache, e.source());
    if (e.metadata().correlationId().isPresent()) {
      g.writeFieldName(CORRELATION_ID);
      g.writeString(e.metadata().correlationId().get());
    }
    Map<String, String> headers = e.metadata().headers();
    if (!headers.isEmpty()) {
      g.writeFieldName(HEADERS);
      g.writeStartObject();
      for (Map.Entry<String, String> h : headers.entrySet()) {
        g.writeStringField(h.getKey(), h.getValue());
      }
      g.writeEndObject();
    }
    g.writeFieldName(DATA);
    Object payload = e.payload();
    payloadWriter.writeValue(g, payload instanceof DynamicEvent d ? d.data() : payload);
    g.writeEndObject();
  }

  /**
   * Decodes one line. The entry's {@link AuditEntry#file() file} is {@code null} and its line
   * number 0, since the text did not come from a file. A {@code format_version} other than
   * {@link #VERSION} is rejected; a line without one is read as this version.
   *
   * @param line the JSON text of one event
   * @return the entry
   * @throws IllegalArgumentException if the text is not an entry of this format; the message says
   *     why (it never repeats the text)
   */
  public AuditEntry decode(String line) {
    return decode(requireNonNull(line, "line"), null, 0);
  }

  /** Decodes a line read from {@code file} at line {@code number}. */
  AuditEntry decode(String text, Path file, long number) {
    JsonNode node;
    try (JsonParser parser = lineParsers.createParser(text)) {
      node = ExactDecimals.readTree(lineReader, parser);
      // Two entries joined on one line (or split by a lone CR) must not read as the first alone.
      if (node != null && parser.nextToken() != null) {
        throw new IllegalArgumentException("more than one JSON value on the line");
      }
    } catch (JsonProcessingException e) {
      // The parser's own message can quote the text; say only where it broke.
      throw new IllegalArgumentException("not JSON" + where(e));
    } catch (IOException e) { // not from a String's reader; a parser's close cannot fail here
      throw new IllegalArgumentException("not JSON (" + e.getClass().getSimpleName() + ")");
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonNode version = node.get("format_version");
    if (version != null && !(version.isIntegralNumber() && version.canConvertToLong()
        && version.asLong() == VERSION)) {
      throw new IllegalArgumentException(
          "unsupported format_version (this library reads " + VERSION + ")");
    }
    String id = text(node, "event_id");
    String type = text(node, "type");
    String stamp = text(node, "timestamp");
    if (id == null || type == null || stamp == null) {
      throw new IllegalArgumentException(
          "missing event_id, type or timestamp (not an audit entry)");
    }
    Instant timestamp;
    try {
      timestamp = Instant.parse(stamp);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("timestamp is not ISO-8601");
    }
    String correlation = text(node, "correlation_id");
    checkEnvelope(id, type, correlation);
    Map<String, String> headers = new HashMap<>();
    JsonNode h = node.get("headers");
    if (h != null && !h.isNull()) {
      if (!h.isObject()) {
        throw new IllegalArgumentException("headers is not a JSON object");
      }
      for (Map.Entry<String, JsonNode> f : h.properties()) {
        if (f.getKey().isBlank() || !f.getValue().isTextual()) {
          throw new IllegalArgumentException("a header has a blank name or a value not a string");
        }
        headers.put(f.getKey(), f.getValue().textValue());
      }
    }
    // Required: an entry read without it would replay as an event with an empty payload.
    JsonNode data = node.get("data");
    if (data == null) {
      throw new IllegalArgumentException("missing data (the payload; null if it is null)");
    }
    String src = text(node, "source");
    return new AuditEntry(id, type, timestamp, src == null ? "" : src, correlation, headers, data,
        file, number);
  }

  private static String where(JsonProcessingException e) {
    return e.getLocation() == null ? ""
        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
  }

  /** The field's text; null if absent or null. */
  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) { // asText() would make an object "" and a number its digits
      throw new IllegalArgumentException(field + " is not a string");
    }
    return value.textValue();
  }

  /** What {@link #toEvent} would refuse in the envelope, refused here with the field's name. */
  private static void checkEnvelope(String id, String type, String correlation) {
    if (id.isBlank()) {
      throw new IllegalArgumentException("event_id is blank");
    }
    if (correlation != null && correlation.isBlank()) {
      throw new IllegalArgumentException("correlation_id is blank");
    }
    if (!TypeNames.isValid(type) && !classNameShaped(type)) {
      throw new IllegalArgumentException("type is not a valid event type name");
    }
  }

  /**
   * Whether a type outside the type-name grammar is a class's binary name as the bus names events
   * of such a class (an array, a lambda, a class named with a non-ASCII letter): written by the
   * log, so read back, though only the class registered for it can decode it.
   */
  private static boolean classNameShaped(String type) {
    if (type.length() > MAX_CLASS_NAME || !LogText.safe(type)
        || type.chars().anyMatch(Character::isWhitespace)) {
      return false;
    }
    int dimensions = 0;
    while (dimensions < type.length() && type.charAt(dimensions) == '[') {
      dimensions++;
    }
    String name = type.substring(dimensions);
    if (dimensions > 0) { // [I, [[J, [Lcom.acme.Order;
      if (name.length() == 1) {
        return "ZBCSIJFD".contains(name);
      }
      if (!name.startsWith("L") || !name.endsWith(";")) {
        return false;
      }
      name = name.substring(1, name.length() - 1);
    }
    // Dot-separated, no segment empty; a hidden class (a lambda) adds "/suffix" to the last.
    String[] segments = name.split("\\.", -1);
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      int slash = segment.indexOf('/');
      if (segment.isEmpty() || slash == 0 || segment.indexOf(';') >= 0 || segment.indexOf('[') >= 0
          || (slash > 0 && (i < segments.length - 1 || slash == segment.length() - 1
              || segment.indexOf('/', slash + 1) >= 0))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Turns an entry back into an envelope with its original id, timestamp, source and metadata.
   * The payload is an instance of the class registered for its type, or a {@link DynamicEvent}.
   *
   * @param entry the entry
   * @return the envelope
   * @throws IllegalArgumentException if the data does not fit the registered class, or if no
   *     class is registered for a type outside the type-name grammar (a class's binary name)
   */
  public Event<?> toEvent(AuditEntry entry) {
    return toEvent(entry, entry.headers());
  }

  /** As {@link #toEvent(AuditEntry)}, with other headers. */
  Event<?> toEvent(AuditEntry entry, Map<String, String> headers) {
    Object payload = payloadOf(entry);
    Metadata.Builder meta = Metadata.builder();
    entry.correlation().ifPresent(meta::correlationId);
    headers.forEach(meta::header);
    return Event.builder(payload).id(entry.eventId()).timestamp(entry.timestamp())
        .source(entry.source()).metadata(meta.build()).build();
  }

  /** Whether a class is registered for a type name. */
  boolean registers(String type) {
    return registry.containsKey(type);
  }

  private Object payloadOf(AuditEntry entry) {
    Class<?> type = registry.get(entry.type());
    if (type == null && !TypeNames.isValid(entry.type())) {
      throw new IllegalArgumentException("entry " + entry.eventId() + " has the type of a class"
          + " whose name no DynamicEvent can have (\"" + LogText.escape(entry.type())
          + "\"): register that class to read it back");
    }
    if (type == null) {
      Map<String, Object> data = entry.data().isObject()
          ? mapper.convertValue(entry.data(), MAP)
          // "data": null is a value too (Map.of refuses it)
          : Collections.singletonMap("value",
              mapper.convertValue(entry.data(), Object.class));
      return DynamicEvent.of(entry.type(), data);
    }
    String where = entry.file() == null ? ""
        : " (line " + entry.line() + " of " + entry.file() + ")";
    Object payload;
    try {
      payload = mapper.treeToValue(entry.data(), type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException("entry " + entry.eventId() + where
          + " does not decode into " + type.getName() + " (" + e.getClass().getSimpleName()
          + (e instanceof JsonProcessingException j ? where(j) : "") + ")", e);
    }
    if (payload == null) { // "data": null, which no event of a class is
      throw new IllegalArgumentException("entry " + entry.eventId() + where
          + " does not decode into " + type.getName() + " (its data is null)");
    }
    return payload;
  }

  @Override
  public String toString() {
    return "AuditFormat{version=" + VERSION + ", registered=" + registry.keySet() + "}";
  }

  /** Configures an {@link AuditFormat}. Not thread-safe; the mapper may be set once. */
  public static final class Builder {
    private final Map<String, Class<?>> registry = new HashMap<>();
    private ObjectMapper mapper;

    private Builder() {}

    /**
     * Sets the mapper that writes and reads {@code data}; default
     * {@link JsonLinesWriter#defaultMapper()}.
     *
     * @param mapper the mapper
     * @return this builder
     * @throws IllegalArgumentException if the mapper is not a JSON mapper (YAML, say)
     * @throws IllegalStateException if already set
     */
    public Builder mapper(ObjectMapper mapper) {
      this.mapper = Settings.jsonMapper(Settings.setOnce(this.mapper, mapper, "mapper"), "mapper");
      return this;
    }

    /**
     * Registers event classes for typed decoding, under their {@linkplain TypeNames type names}.
     *
     * @param eventClasses the classes
     * @return this builder
     * @throws IllegalArgumentException if two classes share a type name
     */
    public Builder register(Class<?>... eventClasses) {
      for (Class<?> c : eventClasses) {
        Class<?> previous = registry.putIfAbsent(TypeNames.of(c), c);
        if (previous != null && previous != c) {
          throw new IllegalArgumentException("type name " + TypeNames.of(c) + " is registered for "
              + previous.getName() + " already; cannot register " + c.getName());
        }
      }
      return this;
    }

    /**
     * Builds the format.
     *
     * @return the format
     */
    public AuditFormat build() {
      return new AuditFormat(mapper != null ? mapper : JsonLinesWriter.defaultMapper(), registry);
    }
  }
}
