package io.github.eventbus.audit;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.DynamicEvent;
import io.github.eventbus.Event;
import io.github.eventbus.TypePattern;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.jsonl.Durability;
import io.github.eventbus.jsonl.JsonLinesWriter;
import io.github.eventbus.jsonl.JsonLinesWriterBuilder;
import io.github.eventbus.jsonl.WriteErrorHandler;
import io.github.eventbus.jsonl.WriterStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The bus's audit log: every published event (or those matching a type pattern) as one JSON line
 * in daily files {@code events_YYYYMMDD.jsonl}, written off the publisher's thread by a
 * {@link JsonLinesWriter}.
 *
 * <pre>{@code
 * EventBus bus = EventBus.builder().auditLog(Path.of("logs/events")).build();
 * // tail -f logs/events/events_$(date -u +%Y%m%d).jsonl | jq 'select(.type == "risk_alert") | .data'
 * }</pre>
 *
 * <p><b>Line format</b> (version 1), keys in this order:
 *
 * <pre>{@code
 * {"format_version":1,"timestamp":"2026-11-23T10:00:00.123Z","event_id":"01a2...","type":"file_change",
 *  "source":"personal-manager","correlation_id":"req-7","headers":{"tenant":"acme"},"data":{...}}
 * }</pre>
 *
 * {@code correlation_id} and {@code headers} are left out when empty. {@code data} is the payload
 * serialised by the log's Jackson mapper ({@link Builder#mapper}; default
 * {@link JsonLinesWriter#defaultMapper()}, Java time types as ISO-8601 strings), so the mapper's
 * naming strategy and the payload class's annotations decide its field names; for a
 * {@link DynamicEvent}, its data map. A payload the mapper cannot serialise is reported to the
 * error handler and its line skipped.
 *
 * <p><b>Failures.</b> A failed write is counted, reported to the error handler and retried every
 * {@link Builder#retryDelay retry delay}; a file deleted or replaced under the log (alone or with
 * its directory) is re-created at the next write and reported once (see {@link JsonLinesWriter}).
 * {@link #close()} waits at most the {@link Builder#closeTimeout close timeout}.
 *
 * <p>Events republished by {@link AuditReader#replay} carry the header {@code replay=true} and are
 * not logged again; the header alone, set by any other publisher, does not keep an event out.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class AuditLog implements AutoCloseable {

  static final String REPLAY_HEADER = "replay";

  private final JsonLinesWriter<Event<?>> writer;
  private volatile boolean closed;
  private final TypePattern include;
  private final Duration acknowledgeTimeout; // null: do not wait

  private AuditLog(Builder b) {
    ObjectMapper mapper = b.mapper != null ? b.mapper : JsonLinesWriter.defaultMapper();
    AuditFormat format = AuditFormat.builder().mapper(mapper).build();
    LineCache cache = new LineCache(); // used by the writer thread only
    JsonLinesWriterBuilder<Event<?>> w =
        JsonLinesWriter.daily(b.directory, "events",
                (Event<?> e, JsonGenerator g) -> format.write(e, g, cache))
            .mapper(mapper)
            .durability(b.durability != null ? b.durability : Durability.FLUSH);
    if (b.maxFileBytes > 0) {
      w.maxFileBytes(b.maxFileBytes);
    }
    if (b.clock != null) {
      w.clock(b.clock);
    }
    if (b.errorHandler != null) {
      w.errorHandler(b.errorHandler);
    }
    if (b.retryDelay != null) {
      w.retryDelay(b.retryDelay);
    }
    if (b.closeTimeout != null) {
      w.closeTimeout(b.closeTimeout);
    }
    this.writer = w.build();
    this.include = b.include != null ? b.include : TypePattern.all();
    this.acknowledgeTimeout = b.acknowledgeTimeout;
  }

  /**
   * Opens an audit log of every event in a directory with the defaults.
   *
   * @param directory where the daily files go; created if needed
   * @return the log
   * @throws IllegalArgumentException if the directory, or a directory above it, exists and is
   *     not a directory
   * @throws IllegalStateException if another writer in this process writes the directory's
   *     {@code events_} files, until its thread has ended (its {@code close()} waits for that)
   */
  public static AuditLog open(Path directory) {
    return builder(directory).build();
  }

  /**
   * Starts configuring an audit log.
   *
   * @param directory where the daily files go; created if needed
   * @return a builder
   */
  public static Builder builder(Path directory) {
    return new Builder(requireNonNull(directory, "directory"));
  }

  /**
   * Tells whether an event carries the header {@code replay=true} that {@link AuditReader#replay}
   * gives the events it republishes. Any publisher can set that header: it does not by itself
   * keep an event out of the log (see {@link #record}).
   *
   * @param event an envelope
   * @return {@code true} if it carries the replay header
   */
  public static boolean isReplay(Event<?> event) {
    return "true".equals(event.metadata().headers().get(REPLAY_HEADER));
  }

  /**
   * Logs an event if its type is included and it is not a replay. A replay is the event that
   * {@link AuditReader#replay} is publishing, seen on the thread it publishes on (where the bus
   * hands its events to its audit log); an event that only carries the {@code replay=true}
   * header (set by another publisher, arriving from elsewhere, or carried on by a handler that
   * publishes a new event with a replayed event's metadata) is logged like any other.
   * Returns once the line is buffered, or, with {@link Builder#acknowledge(Duration)}, once it
   * is written to the log's durability.
   *
   * @param event the envelope
   * @throws IllegalStateException if the log is closed
   * @throws AuditLogException if an acknowledged write fails or times out
   */
  public void record(Event<?> event) {
    if (closed) {
      // Before the filters: a call after close is refused whatever the event's type.
      throw new IllegalStateException("audit log " + writer.currentFile() + " is closed");
    }
    if (!include.matches(event.type()) || (isReplay(event) && ReplayingThread.replaying(event))) {
      return;
    }
    if (acknowledgeTimeout == null) {
      writer.append(event);
      return;
    }
    try {
      writer.appendAcknowledged(event)
          .get(Settings.nanos(acknowledgeTimeout), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new AuditLogException("event " + event.id() + " could not be logged", e.getCause());
    } catch (TimeoutException e) {
      throw new AuditLogException("event " + event.id() + " was not logged within "
          + acknowledgeTimeout + " (is the disk failing? see the error handler)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AuditLogException("interrupted while waiting for event " + event.id()
          + " to be logged", e);
    }
  }

  /**
   * Returns the file being written today.
   *
   * @return today's file, by the log's clock
   */
  public Path currentFile() {
    return writer.currentFile();
  }

  /**
   * Returns the writer's counters.
   *
   * @return a snapshot
   */
  public WriterStats stats() {
    return writer.stats();
  }

  /**
   * Returns a future completed once every event recorded so far is written.
   *
   * @return the future
   * @throws IllegalStateException if the log is closed
   */
  public java.util.concurrent.CompletableFuture<Void> flush() {
    return writer.flush();
  }

  /**
   * Writes every recorded event and stops the writer thread, waiting at most the
   * {@linkplain Builder#closeTimeout close timeout} (default 10 seconds). Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    writer.close();
  }

  @Override
  public String toString() {
    return "AuditLog{" + writer.currentFile() + ", include=" + include + "}";
  }

  /** Configures an {@link AuditLog}. Not thread-safe; each option may be set once. */
  public static final class Builder {
    private final Path directory;
    private TypePattern include;
    private Durability durability;
    private long maxFileBytes;
    private Clock clock;
    private WriteErrorHandler errorHandler;
    private Duration acknowledgeTimeout;
    private ObjectMapper mapper;
    private Duration retryDelay;
    private Duration closeTimeout;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /**
     * Logs only events whose type matches a pattern; default {@code *}.
     *
     * @param pattern a {@link TypePattern}
     * @return this builder
     * @throws IllegalArgumentException if the pattern is malformed
     * @throws IllegalStateException if already set
     */
    public Builder include(String pattern) {
      this.include = Settings.setOnce(this.include, TypePattern.compile(pattern), "include");
      return this;
    }

    /**
     * Sets the durability; default {@link Durability#FLUSH}.
     *
     * @param durability the durability
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder durability(Durability durability) {
      this.durability = Settings.setOnce(this.durability, durability, "durability");
      return this;
    }

    /**
     * Rolls over to {@code events_YYYYMMDD.1.jsonl}, {@code .2}, ... past this size. The size
     * is checked per written batch (see {@link JsonLinesWriterBuilder#maxFileBytes}), so a file
     * can pass it by up to one batch: set it well above 64 KiB.
     *
     * @param bytes a positive size
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder maxFileBytes(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxFileBytes must be positive, but was " + bytes);
      }
      Settings.setOnce(this.maxFileBytes == 0 ? null : this.maxFileBytes, bytes, "maxFileBytes");
      this.maxFileBytes = bytes;
      return this;
    }

    /**
     * Sets the clock that picks each day's file: the day is this clock's date in its zone;
     * default {@link Clock#systemUTC()}. A log given to {@code EventBusBuilder.auditLog(AuditLog)}
     * keeps this clock; a log the bus builds from a directory uses the bus's clock.
     *
     * @param clock the clock
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder clock(Clock clock) {
      this.clock = Settings.setOnce(this.clock, clock, "clock");
      return this;
    }

    /**
     * Receives write failures; default: WARN log.
     *
     * @param handler the handler
     * @return this builder
     * @throws IllegalStateException if already set
     */
    public Builder errorHandler(WriteErrorHandler handler) {
      this.errorHandler = Settings.setOnce(this.errorHandler, handler, "errorHandler");
      return this;
    }

    /**
     * Makes {@link #record} (and so the bus's {@code publish}) wait until the event's line is
     * written to the log's durability: with {@link Durability#FSYNC}, on disk when
     * {@code publish} returns. Slower; for audits that must not lose an acknowledged event.
     *
     * @param timeout how long to wait before failing the publish with {@link AuditLogException};
     *     the event is then not delivered, but its line stays queued and is written later
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder acknowledge(Duration timeout) {
      this.acknowledgeTimeout = Settings.setOnce(this.acknowledgeTimeout,
          Settings.positive(timeout, "acknowledge timeout"), "acknowledge");
      return this;
    }

    /**
     * Sets the Jackson mapper that serialises payloads; default
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
     * Sets how long the writer waits before retrying a failed write, and so how often a failure
     * that lasts is reported; default 1 second.
     *
     * @param delay a positive duration
     * @return this builder
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if already set
     */
    public Builder retryDelay(Duration delay) {
      this.retryDelay = Settings.setOnce(this.retryDelay, Settings.positive(delay, "retryDelay"),
          "retryDelay");
      return this;
    }

    /**
     * Limits how long {@link AuditLog#close()} waits for failing writes to succeed and for a
     * backlog to be written; default 10 seconds. Past it, the events still unwritten are counted
     * in {@link WriterStats#unwritten()} and reported.
     *
     * @param timeout zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     * @throws IllegalStateException if already set
     */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = Settings.setOnce(this.closeTimeout,
          Settings.nonNegative(timeout, "closeTimeout"), "closeTimeout");
      return this;
    }

    /**
     * Opens the log; its writer thread starts now, its file at the first event.
     *
     * @return the log
     * @throws IllegalArgumentException if the directory, or a directory above it, exists and is
     *     not a directory
     * @throws IllegalStateException if another writer in this process writes the directory's
     *     {@code events_} files, until its thread has ended (its {@code close()} waits for that)
     */
    public AuditLog build() {
      return new AuditLog(this);
    }
  }
}
