package io.github.eventbus.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.TypeNames;
import io.github.eventbus.TypePattern;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.internal.Utf8;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.jsonl.LogFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
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
 * <p>The files are listed when {@link #read} is called, and each is read up to the size it has
 * when the stream reaches it, so a file being written is read as a consistent prefix. A last line
 * without its newline (a write interrupted by a crash) is skipped silently; any other line that is not a valid entry is skipped and reported, with file and line
 * number, to the {@linkplain Builder#onCorrupt corrupt-line handler} (default: WARN log), and
 * reading goes on. Lines end at {@code \n} only (a {@code \r} before it is dropped), as the
 * writer ends them and as grep, sed and jq count them; a line that is not strict UTF-8 is such an
 * invalid line, never read with substitute characters. A file truncated or rewritten in place
 * while it is read (logrotate's copytruncate) never yields a line joined from old and new
 * content: once that is seen, the rest of the file is skipped and reported the same way.
 *
 * <p><b>Thread-safety:</b> immutable and thread-safe; each stream it returns is for one thread.
 */
public final class AuditReader {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AuditReader.class);

  private final TypePattern types;
  private final Instant from;
  private final Instant until;
  private final String source;
  private final AuditFormat format;
  private final Consumer<CorruptLine> onCorrupt;

  private AuditReader(Builder b) {
    this.types = b.types != null ? b.types : TypePattern.all();
    this.from = b.from;
    this.until = b.until;
    this.source = b.source;
    this.onCorrupt = b.onCorrupt != null
        ? b.onCorrupt
        : c -> log.warn("Skipped corrupt line {} of {}: {}", c.line(), c.file(), c.reason());
    AuditFormat.Builder format = AuditFormat.builder().register(b.registry.toArray(new Class<?>[0]));
    if (b.mapper != null) {
      format.mapper(b.mapper);
    }
    this.format = format.build();
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
   * in order of day and roll-over number; symbolic links among them are skipped.
   *
   * @param fileOrDirectory an audit log file or a directory of them
   * @return a lazy stream; close it to release the open file (its iterator then throws
   *     {@code IllegalStateException} if used on). A file that cannot be read once
   *     the stream has begun is thrown by the stream as an {@code UncheckedIOException}.
   * @throws IOException if the path cannot be listed or does not exist, or is neither a regular
   *     file nor a directory (a named pipe, a device)
   */
  public Stream<AuditEntry> read(Path fileOrDirectory) throws IOException {
    List<Path> files = LogFiles.inWriteOrder(requireNonNull(fileOrDirectory, "fileOrDirectory"));
    EntryIterator iterator = new EntryIterator(files);
    return StreamSupport.stream(
            Spliterators.spliteratorUnknownSize(iterator, Spliterator.ORDERED | Spliterator.NONNULL),
            false)
        .onClose(iterator::end);
  }

  /**
   * Decodes an entry into an envelope with its original id, timestamp, source and metadata. The
   * payload is an instance of the class {@linkplain Builder#register registered} for its type, or
   * a {@link DynamicEvent} for unknown types.
   *
   * @param entry the entry
   * @return the envelope
   * @throws IllegalArgumentException if the data does not fit the registered class, or if no
   *     class is registered for a type no {@code DynamicEvent} can have (a class's binary name
   *     outside the type-name grammar, or a {@linkplain io.github.eventbus.TypeNames#isReserved
   *     reserved} name)
   */
  public Event<?> toEvent(AuditEntry entry) {
    return format.toEvent(entry);
  }

  /**
   * Republishes the selected entries onto a bus, in log order, each with its original id and
   * timestamp and the metadata header {@code replay=true}, so that the bus's audit log does not
   * record it again. Publishing uses {@link EventBus#publish(Object)}, so it is asynchronous:
   * when this returns, the events are accepted by the bus, not necessarily handled (close the
   * bus, or track deliveries, to wait for them), and the bus's backpressure policy applies to
   * each; an exception from {@code publish} ends the replay there. An entry whose data does
   * not decode into the class registered for its type, or whose type is a class's binary name
   * outside the type-name grammar (an array, a lambda, a class named with a non-ASCII letter)
   * with no class registered for it, is reported to the corrupt-line handler, not republished,
   * and the replay goes on.
   *
   * @param fileOrDirectory an audit log file or a directory of them
   * @param bus the bus
   * @return how many events were republished
   * @throws IOException if the path cannot be read
   * @throws io.github.eventbus.RejectedEventException if the bus's queue is full and its
   *     backpressure policy rejects an event; the events before it were republished
   * @throws IllegalStateException if the bus is closed
   */
  public long replay(Path fileOrDirectory, EventBus bus) throws IOException {
    requireNonNull(bus, "bus");
    long count = 0;
    try (Stream<AuditEntry> entries = read(fileOrDirectory)) {
      for (Iterator<AuditEntry> it = entries.iterator(); it.hasNext(); ) {
        AuditEntry entry = it.next();
        Map<String, String> headers = new LinkedHashMap<>(entry.headers());
        headers.put(AuditLog.REPLAY_HEADER, "true");
        Event<?> event;
        try {
          event = format.toEvent(entry, headers);
        } catch (IllegalArgumentException e) {
          // Reported like a corrupt line, and the rest is replayed.
          onCorrupt.accept(new CorruptLine(entry.file(), entry.line(),
              format.registers(entry.type())
                  ? "the entry's data does not decode into the class registered for its type"
                  : TypeNames.isReserved(entry.type())
                      ? "the entry's type is reserved for the bus's own DeadLetter and DeadEvent"
                      : "the entry's type is a class's name that no DynamicEvent can have:"
                          + " register that class to replay it"));
          continue;
        }
        Event<?> replayed = event;
        ReplayingThread.publishing(replayed, () -> bus.publish(replayed));
        count++;
      }
    }
    return count;
  }

  private boolean selected(AuditEntry e) {
    return types.matches(e.type())
        && (from == null || !e.timestamp().isBefore(from))
        && (until == null || e.timestamp().isBefore(until))
        && (source == null || source.equals(e.source()));
  }

  /** Parses a line; reports and returns null if it is not a valid entry. */
  private AuditEntry parse(String text, Path file, long number) {
    try {
      return format.decode(text, file, number);
    } catch (IllegalArgumentException e) {
      onCorrupt.accept(new CorruptLine(file, number, e.getMessage()));
      return null;
    }
  }

  /** Walks the files and their lines lazily. */
  private final class EntryIterator implements Iterator<AuditEntry> {
    private final Iterator<Path> files;
    private Path file;
    private FileLines reader;
    private boolean endsWithNewline;
    private long number;
    private byte[] pendingLine;
    private AuditEntry next;
    private boolean ended; // the stream was closed

    EntryIterator(List<Path> files) {
      this.files = files.iterator();
    }

    @Override
    public boolean hasNext() {
      if (ended) {
        // Reading on would open the next file, which nobody would close.
        throw new IllegalStateException("the stream of audit entries is closed");
      }
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
            if (ended) { // a corrupt-line handler closed the stream
              throw new IllegalStateException("the stream of audit entries is closed");
            }
            open(files.next());
          }
          byte[] line = pendingLine != null ? pendingLine : readLine();
          pendingLine = null;
          if (line == null) {
            close();
            continue;
          }
          number++;
          byte[] after = readLine();
          if (after == null && reader != null && !endsWithNewline) {
            close(); // a torn last line: skipped
            continue;
          }
          pendingLine = after;
          if (after == null) {
            close();
          }
          String text = Utf8.strict(line); // null: reported, never read with substitutes
          if (text == null) {
            onCorrupt.accept(new CorruptLine(file, number, "not UTF-8"));
            continue;
          }
          return text;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + file + " failed", e);
      }
    }

    /**
     * The next line of the open file, or null at its end. If the file changed under the reader,
     * that is reported as the next line's problem and the file is closed; the line read before
     * it, which was whole, is still returned by the caller.
     */
    private byte[] readLine() throws IOException {
      try {
        return reader.readLine();
      } catch (FileLines.Changed e) {
        close(); // first: a handler that throws must not leave the new content to be read
        onCorrupt.accept(new CorruptLine(file, number + 1, e.getMessage()
            + "; the rest of the file was not read"));
        return null;
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
      reader = new FileLines(file, size);
    }

    /** Ends the stream: no file is opened from now on. */
    void end() {
      ended = true;
      close();
    }

    private void close() {
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

  /** Configures an {@link AuditReader}. Not thread-safe; each option may be set once. */
  public static final class Builder {
    private TypePattern types;
    private Instant from;
    private Instant until;
    private String source;
    private final java.util.Set<Class<?>> registry = new java.util.LinkedHashSet<>();
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
      this.types = Settings.setOnce(this.types, TypePattern.compile(pattern), "types");
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
      this.from = Settings.setOnce(this.from, from, "from");
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
      this.until = Settings.setOnce(this.until, until, "until");
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
      this.source = Settings.setOnce(this.source, source, "source");
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
      AuditFormat.builder().register(registry.toArray(new Class<?>[0])).register(eventClasses);
      registry.addAll(java.util.List.of(eventClasses));
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
      this.onCorrupt = Settings.setOnce(this.onCorrupt, handler, "onCorrupt");
      return this;
    }

    /**
     * Sets the Jackson mapper that decodes payloads; default {@link JsonLinesWriter#defaultMapper()}.
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
     * Builds the reader.
     *
     * @return the reader
     * @throws IllegalStateException if {@code until} is not after {@code from}: no entry could be
     *     read
     */
    public AuditReader build() {
      if (from != null && until != null && !until.isAfter(from)) {
        throw new IllegalStateException("until (" + until + ") must be after from (" + from
            + "): no entry could be read");
      }
      return new AuditReader(this);
    }
  }
}
