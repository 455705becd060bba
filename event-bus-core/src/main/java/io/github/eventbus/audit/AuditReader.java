package io.github.eventbus.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.Metadata;
import io.github.eventbus.TypeNames;
import io.github.eventbus.TypePattern;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads audit logs back: streams the entries of one file, or of a directory of daily files in
 * order, with filters by type pattern, time range and source; decodes them into events; and
 * replays them onto a bus.
 *
 * <pre>{@code
 * AuditReader reader = AuditReader.builder().types("risk_alert").register(RiskAlert.class).build();
 * try (Stream<AuditEntry> entries = reader.read(Path.of("logs/events"))) {
 *   entries.map(reader::toEvent).forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p>A file is read up to the size it had when reading began, so a file being written is read as
 * a consistent prefix. A last line without its newline (a write interrupted by a crash) is skipped
 * silently; any other line that is not a valid entry is skipped and reported, with file and line
 * number, to the {@linkplain Builder#onCorrupt corrupt-line handler} (default: WARN log), and
 * reading goes on.
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe; each stream it returns is for one thread.
 */
public final class AuditReader {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AuditReader.class);
  private static final com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>> MAP =
      new com.fasterxml.jackson.core.type.TypeReference<>() {};
  private static final Pattern DAILY = Pattern.compile("(.*)_(\\d{8})(?:\\.(\\d+))?\\.jsonl");

  private final TypePattern types;
  private final Instant from;
  private final Instant until;
  private final String source;
  private final Map<String, Class<?>> registry;
  private final Consumer<CorruptLine> onCorrupt;
  private final ObjectMapper mapper;

  private AuditReader(Builder b) {
    this.types = b.types != null ? b.types : TypePattern.all();
    this.from = b.from;
    this.until = b.until;
    this.source = b.source;
    this.registry = Map.copyOf(b.registry);
    this.onCorrupt = b.onCorrupt != null
        ? b.onCorrupt
        : c -> log.warn("Skipped corrupt line {} of {}: {}", c.line(), c.file(), c.reason());
    this.mapper = b.mapper != null ? b.mapper : JsonLinesWriter.defaultMapper();
  }

  /**
   * Starts configuring a reader.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Streams the entries that pass the filters. For a directory, its {@code .jsonl} files are read
   * in order of day and roll-over number.
   *
   * @param fileOrDirectory an audit log file or a directory of them
   * @return a lazy stream; close it to release the open file
   * @throws IOException if the path cannot be listed or does not exist
   */
  public Stream<AuditEntry> read(Path fileOrDirectory) throws IOException {
    List<Path> files = filesOf(requireNonNull(fileOrDirectory, "fileOrDirectory"));
    EntryIterator iterator = new EntryIterator(files);
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(iterator::close);
  }

  /**
   * Decodes an entry into an envelope with its original id, timestamp, source and metadata. The
   * payload is an instance of the class {@linkplain Builder#register registered} for its type, or
   * a {@link DynamicEvent} for unknown types.
   *
   * @param entry the entry
   * @return the envelope
   * @throws IllegalArgumentException if the data does not fit the registered class
   */
  public Event<?> toEvent(AuditEntry entry) {
    return toEvent(entry, entry.headers());
  }

  private Event<?> toEvent(AuditEntry entry, Map<String, String> headers) {
    Object payload = payloadOf(entry);
    Metadata.Builder meta = Metadata.builder();
    entry.correlation().ifPresent(meta::correlationId);
    headers.forEach(meta::header);
    return Event.builder(payload).id(entry.eventId()).timestamp(entry.timestamp())
        .source(entry.source()).metadata(meta.build()).build();
  }

  private Object payloadOf(AuditEntry entry) {
    Class<?> type = registry.get(entry.type());
    if (type == null) {
      Map<String, Object> data = entry.data().isObject()
          ? mapper.convertValue(entry.data(), MAP)
          : Map.of("value", mapper.convertValue(entry.data(), Object.class));
      return DynamicEvent.of(entry.type(), data);
    }
    try {
      return mapper.treeToValue(entry.data(), type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException("entry " + entry.eventId() + " (line " + entry.line()
          + " of " + entry.file() + ") does not decode into " + type.getName() + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Republishes the selected entries onto a bus, in log order, each with its original id and
   * timestamp and the metadata header {@code replay=true}, so that the bus's audit log does not
   * record it again. Publishing uses {@link EventBus#publish(Object)}.
   *
   * @param fileOrDirectory an audit log file or a directory of them
   * @param bus the bus
   * @return how many events were republished
   * @throws IOException if the path cannot be read
   */
  public long replay(Path fileOrDirectory, EventBus bus) throws IOException {
    requireNonNull(bus, "bus");
    long count = 0;
    try (Stream<AuditEntry> entries = read(fileOrDirectory)) {
      for (Iterator<AuditEntry> it = entries.iterator(); it.hasNext(); ) {
        AuditEntry entry = it.next();
        Map<String, String> headers = new LinkedHashMap<>(entry.headers());
        headers.put(AuditLog.REPLAY_HEADER, "true");
        bus.publish(toEvent(entry, headers));
        count++;
      }
    }
    return count;
  }

  private static List<Path> filesOf(Path path) throws IOException {
    if (!Files.isDirectory(path)) {
      if (!Files.exists(path)) {
        throw new java.nio.file.NoSuchFileException(path.toString());
      }
      return List.of(path);
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> listing = Files.list(path)) {
      listing.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p))
          .forEach(files::add);
    }
    files.sort(Comparator.comparing(AuditReader::orderKey));
    return files;
  }

  /** Orders daily files by prefix, day and roll-over number; other names by name. */
  private static String orderKey(Path file) {
    String name = file.getFileName().toString();
    Matcher m = DAILY.matcher(name);
    if (!m.matches()) {
      return "~" + name;
    }
    int index = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
    return m.group(1) + "_" + m.group(2) + String.format(java.util.Locale.ROOT, "%010d", index);
  }

  private boolean selected(AuditEntry e) {
    return types.matches(e.type())
        && (from == null || !e.timestamp().isBefore(from))
        && (until == null || e.timestamp().isBefore(until))
        && (source == null || source.equals(e.source()));
  }

  /** Parses a line; reports and returns null if it is not a valid entry. */
  private AuditEntry parse(String text, Path file, long number) {
    JsonNode node;
    try {
      node = mapper.readTree(text);
    } catch (JsonProcessingException e) {
      onCorrupt.accept(new CorruptLine(file, number, "not JSON: " + e.getOriginalMessage()));
      return null;
    }
    if (node == null || !node.isObject()) {
      onCorrupt.accept(new CorruptLine(file, number, "not a JSON object"));
      return null;
    }
    String id = text(node, "event_id");
    String type = text(node, "type");
    String stamp = text(node, "timestamp");
    if (id == null || type == null || stamp == null) {
      onCorrupt.accept(new CorruptLine(file, number,
          "missing event_id, type or timestamp (not an audit entry)"));
      return null;
    }
    Instant timestamp;
    try {
      timestamp = Instant.parse(stamp);
    } catch (DateTimeParseException e) {
      onCorrupt.accept(new CorruptLine(file, number, "timestamp is not ISO-8601: " + stamp));
      return null;
    }
    Map<String, String> headers = new HashMap<>();
    JsonNode h = node.get("headers");
    if (h != null && h.isObject()) {
      h.properties().forEach(f -> headers.put(f.getKey(), f.getValue().asText()));
    }
    JsonNode data = node.has("data") ? node.get("data") : mapper.createObjectNode();
    String src = text(node, "source");
    return new AuditEntry(id, type, timestamp, src == null ? "" : src, text(node, "correlation_id"),
        headers, data, file, number);
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** Walks the files and their lines lazily. */
  private final class EntryIterator implements Iterator<AuditEntry> {
    private final Iterator<Path> files;
    private Path file;
    private BufferedReader reader;
    private boolean endsWithNewline;
    private long number;
    private String pendingLine;
    private AuditEntry next;

    EntryIterator(List<Path> files) {
      this.files = files.iterator();
    }

    @Override
    public boolean hasNext() {
      while (next == null) {
        String line = nextLine();
        if (line == null) {
          return false;
        }
        if (!line.isBlank()) {
          AuditEntry entry = parse(line, file, number);
          if (entry != null && selected(entry)) {
            next = entry;
          }
        }
      }
      return true;
    }

    @Override
    public AuditEntry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      AuditEntry result = next;
      next = null;
      return result;
    }

    /** The next complete line of any file, or null at the end of the last. */
    private String nextLine() {
      try {
        while (true) {
          if (reader == null) {
            if (!files.hasNext()) {
              return null;
            }
            open(files.next());
          }
          String line = pendingLine != null ? pendingLine : reader.readLine();
          pendingLine = null;
          if (line == null) {
            close();
            continue;
          }
          number++;
          String after = reader.readLine();
          if (after == null && !endsWithNewline) {
            close(); // a torn last line: skipped
            continue;
          }
          pendingLine = after;
          if (after == null) {
            close();
          }
          return line;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + file + " failed", e);
      }
    }

    private void open(Path next) throws IOException {
      file = next;
      number = 0;
      long size;
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
        size = channel.size();
        ByteBuffer last = ByteBuffer.allocate(1);
        endsWithNewline = size == 0 || (channel.read(last, size - 1) == 1 && last.get(0) == '\n');
      }
      InputStream in = new BoundedInputStream(Files.newInputStream(file), size);
      reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    void close() {
      if (reader != null) {
        try {
          reader.close();
        } catch (IOException e) {
          log.debug("closing {} failed", file, e);
        }
        reader = null;
      }
    }
  }

  /** Reads at most a fixed number of bytes: the file's size when reading began. */
  private static final class BoundedInputStream extends java.io.FilterInputStream {
    private long left;

    BoundedInputStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(buffer, offset, (int) Math.min(length, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }

  /** Configures an {@link AuditReader}. Not thread-safe; each option may be set once. */
  public static final class Builder {
    private TypePattern types;
    private Instant from;
    private Instant until;
    private String source;
    private final Map<String, Class<?>> registry = new HashMap<>();
    private Consumer<CorruptLine> onCorrupt;
    private ObjectMapper mapper;

    private Builder() {}

    /**
     * Reads only entries whose type matches a pattern.
     *
     * @param pattern a {@link TypePattern}
     * @return this builder
     * @throws IllegalArgumentException if malformed
     * @throws IllegalStateException if already set
     */
    public Builder types(String pattern) {
      this.types = Options.once(this.types, TypePattern.compile(pattern), "types");
      return this;
    }

    /**
     * Reads only entries stamped at or after an instant.
     *
     * @param from the start, inclusive
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder from(Instant from) {
      this.from = Options.once(this.from, from, "from");
      return this;
    }

    /**
     * Reads only entries stamped before an instant.
     *
     * @param until the end, exclusive
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder until(Instant until) {
      this.until = Options.once(this.until, until, "until");
      return this;
    }

    /**
     * Reads only entries from one source.
     *
     * @param source the source
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder source(String source) {
      this.source = Options.once(this.source, source, "source");
      return this;
    }

    /**
     * Registers event classes for typed read-back, under their {@linkplain TypeNames type names}.
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
     * Receives the lines that could not be read; default: WARN log.
     *
     * @param handler the handler
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder onCorrupt(Consumer<CorruptLine> handler) {
      this.onCorrupt = Options.once(this.onCorrupt, handler, "onCorrupt");
      return this;
    }

    /**
     * Sets the Jackson mapper that decodes payloads; default {@link JsonLinesWriter#defaultMapper()}.
     *
     * @param mapper the mapper
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder mapper(ObjectMapper mapper) {
      this.mapper = Options.once(this.mapper, mapper, "mapper");
      return this;
    }

    /**
     * Builds the reader.
     *
     * @return the reader
     */
    public AuditReader build() {
      return new AuditReader(this);
    }
  }
}
