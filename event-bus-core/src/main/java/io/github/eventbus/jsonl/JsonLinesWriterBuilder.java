package io.github.eventbus.jsonl;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.internal.Settings;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * Configures a {@link JsonLinesWriter}; start with {@link JsonLinesWriter#daily} or
 * {@link JsonLinesWriter#toFile}. Not thread-safe; each option may be set once.
 *
 * @param <T> the type of records
 */
public final class JsonLinesWriterBuilder<T> {
  final LogFiles files;
  final JsonLinesWriter.Encoder<? super T> encoder;
  ObjectMapper mapper;
  Durability durability;
  Long maxFileBytes;
  Clock clock;
  WriteErrorHandler errorHandler;
  Integer bufferCapacity;
  Duration offerTimeout;
  Duration retryDelay;
  Duration flushInterval;
  Duration closeTimeout;
  Supplier<? extends Collection<? extends T>> restoreOnVanish;
  Duration idleWake;
  Long compactAbove;

  JsonLinesWriterBuilder(LogFiles files, JsonLinesWriter.Encoder<? super T> encoder) {
    this.files = files;
    this.encoder = requireNonNull(encoder, "encoder");
  }

  /**
   * Sets the durability; default {@link Durability#FLUSH}.
   *
   * @param durability the durability
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> durability(Durability durability) {
    this.durability = Settings.setOnce(this.durability, durability, "durability");
    return this;
  }

  /**
   * Rolls over to a numbered file when the current one would pass this size: the number goes
   * before the extension ({@code events_20261123.1.jsonl}, or {@code state.1.jsonl} for a fixed
   * {@code state.jsonl}). The size is checked per written batch, not per line: a batch that
   * would pass it goes whole to the next file, and a batch larger than the limit fills a file
   * alone, so a file can pass it by up to one batch (64 KiB of lines; under
   * {@link Durability#FSYNC}, up to 4,096 records). Set it well above that.
   *
   * @param bytes a positive size
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> maxFileBytes(long bytes) {
    this.maxFileBytes = Settings.setOnce(this.maxFileBytes,
        Settings.positive(bytes, "maxFileBytes"), "maxFileBytes");
    return this;
  }

  /**
   * Sets the clock that picks the day of daily files; default {@link Clock#systemUTC()}. The
   * day is the clock's date in the clock's zone ({@link Clock#getZone()}), so
   * {@code Clock.system(ZoneId.of("Europe/Berlin"))} starts a new file at Berlin midnight.
   *
   * @param clock the clock
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> clock(Clock clock) {
    this.clock = Settings.setOnce(this.clock, clock, "clock");
    return this;
  }

  /**
   * Sets the Jackson mapper whose factory makes the generators; default {@link JsonLinesWriter#defaultMapper()}.
   *
   * @param mapper the mapper
   * @return this builder
   * @throws IllegalArgumentException if the mapper is not a JSON mapper (YAML, say)
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> mapper(ObjectMapper mapper) {
    this.mapper = Settings.jsonMapper(Settings.setOnce(this.mapper, mapper, "mapper"), "mapper");
    return this;
  }

  /**
   * Receives write failures; default: WARN log.
   *
   * @param handler the handler
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> errorHandler(WriteErrorHandler handler) {
    this.errorHandler = Settings.setOnce(this.errorHandler, handler, "errorHandler");
    return this;
  }

  /**
   * Bounds the buffer between appenders and the writer thread; default 65,536 records.
   *
   * @param records at least 1
   * @return this builder
   * @throws IllegalArgumentException if less than 1
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> bufferCapacity(int records) {
    this.bufferCapacity = Settings.setOnce(this.bufferCapacity,
        Settings.positive(records, "bufferCapacity"), "bufferCapacity");
    return this;
  }

  /**
   * Limits how long {@code append} waits for room; past it the record is dropped, counted and
   * reported. Without it (the default) appenders wait as long as it takes: no record is lost.
   *
   * @param timeout zero or more
   * @return this builder
   * @throws IllegalArgumentException if negative
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> offerTimeout(Duration timeout) {
    this.offerTimeout = Settings.setOnce(this.offerTimeout, Settings.nonNegative(timeout, "offerTimeout"),
        "offerTimeout");
    return this;
  }

  /**
   * Sets how long the writer waits before retrying a failed write; default 1 second.
   *
   * @param delay a positive duration
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> retryDelay(Duration delay) {
    this.retryDelay = Settings.setOnce(this.retryDelay, Settings.positive(delay, "retryDelay"), "retryDelay");
    return this;
  }

  /**
   * Under {@link Durability#NONE}, the longest time lines stay in memory; default 1 second.
   *
   * @param interval a positive duration
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> flushInterval(Duration interval) {
    this.flushInterval = Settings.setOnce(this.flushInterval, Settings.positive(interval, "flushInterval"),
        "flushInterval");
    return this;
  }

  /**
   * Limits how long {@code close()} waits for failing writes to succeed and a backlog to be
   * written; default 10 seconds. Past it, what is still unwritten is counted and reported.
   *
   * @param timeout zero or more
   * @return this builder
   * @throws IllegalArgumentException if negative
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> closeTimeout(Duration timeout) {
    this.closeTimeout = Settings.setOnce(this.closeTimeout, Settings.nonNegative(timeout, "closeTimeout"),
        "closeTimeout");
    return this;
  }

  /**
   * Sets the records to write again when the writer's file vanishes: it is deleted or replaced
   * while open, found gone when the writer rolls over to the next file, or (the file that was
   * there when the writer was built) gone before the first write. Such a writer also looks for
   * its file each time it wakes without records (every 200 ms or so, or each flush interval
   * under {@link Durability#NONE}), so a loss is repaired without waiting for the next record.
   * The writer reports the loss once, starts a new file, and writes these records into it after
   * the lines that found the old file gone, so that a log which holds state, such as an outbox of
   * unfinished work, is whole again without a restart. They count neither as appended nor as written in
   * {@link WriterStats}; one that cannot be encoded is reported and skipped. If the file vanishes
   * again before they are written, a fresh set replaces them. Default: none; the new file holds
   * only the lines written from then on.
   *
   * @param records called on the writer's thread, once per vanished file and per compaction (see
   *     {@link #compactAbove}); must be quick and must not call this writer. If it throws, that is
   *     reported (to the error handler, or as a WARN): a new file goes without the records it
   *     did not give, a compaction is not done.
   * @return this builder
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> restoreOnVanish(
      Supplier<? extends Collection<? extends T>> records) {
    this.restoreOnVanish = Settings.setOnce(this.restoreOnVanish, records, "restoreOnVanish");
    return this;
  }

  /**
   * Keeps a fixed file that holds state bounded by that state rather than by its history: when
   * a write leaves the file at {@code bytes} or more, and at twice its size after the last
   * compaction or more, the writer's thread replaces it by the records of
   * {@link #restoreOnVanish}, written to {@code <file>.tmp} (with the file's permissions), forced
   * to the device and moved over the file, and the directory forced: a crash leaves the old file
   * or the whole new one. It does so between writes, with every line before it written and
   * acknowledged, and what is appended meanwhile follows in the new file; appenders do not wait
   * for it unless the buffer fills. It skips a compaction once {@code close()} has begun, or when
   * the file has gone or been replaced (restored as for any lost file).
   *
   * <p>The lines themselves are not kept, so the records must restate everything the file's
   * lines say, including what was written before this writer started: update the state before
   * appending the record that says so, make each record's effect idempotent (it may follow a
   * snapshot that already holds it), and give a consistent copy of the state, not a live view of
   * a collection other threads change.
   *
   * <p>A compaction that fails (the supplier throws, a record cannot be encoded, the temporary
   * file cannot be written or moved) leaves the file as it was; one whose directory cannot be
   * forced has replaced it but may not survive a power cut. Either is counted in
   * {@link WriterStats#failedWrites()} and reported; the writer goes on appending, and tries again
   * once the file has grown by as much again (at most 64 MiB more). Default: never compacts.
   *
   * @param bytes the least size that starts a compaction, positive
   * @return this builder
   * @throws IllegalArgumentException if not positive
   * @throws IllegalStateException if already set
   */
  public JsonLinesWriterBuilder<T> compactAbove(long bytes) {
    this.compactAbove = Settings.setOnce(this.compactAbove,
        Settings.positive(bytes, "compactAbove"), "compactAbove");
    return this;
  }

  /**
   * How long a writer with {@link Durability#FLUSH} or {@link Durability#FSYNC} waits for records
   * before it wakes to look at its file (a lost file is restored then); default 200 ms.
   * Package-private: users get the fixed period. Set long, a lost file is found only by the next
   * append, so its lines come before the restored records, never after them.
   */
  JsonLinesWriterBuilder<T> idleWake(Duration every) {
    this.idleWake = Settings.setOnce(this.idleWake, Settings.positive(every, "idleWake"),
        "idleWake");
    return this;
  }

  /**
   * Builds the writer and starts its thread. The file is opened at the first write.
   *
   * @return the writer
   * @throws IllegalArgumentException if the directory (or a directory above it) exists and is
   *     not a directory, or the fixed file is a directory
   * @throws IllegalStateException if {@code compactAbove} is set without {@code restoreOnVanish},
   *     for daily files, or with {@code maxFileBytes}; or if {@code maxFileBytes} is set for a
   *     fixed file whose name has no extension ({@code state}, whose roll-over {@code state.1}
   *     would be logrotate's name) or ends in a number before it ({@code shard.2.jsonl}, whose
   *     roll-overs could be taken for another file's); or if a writer in this process whose
   *     thread has not ended writes the same file (through links or hard links, as they are
   *     now), the same daily files (directory and prefix), or files named as these (a fixed file
   *     named like a daily file or like a roll-over of a writer with {@code maxFileBytes})
   */
  public JsonLinesWriter<T> build() {
    if (compactAbove != null && (restoreOnVanish == null || !files.isFixed()
        || maxFileBytes != null)) {
      throw new IllegalStateException("compactAbove needs a fixed file (toFile) without "
          + "maxFileBytes, and restoreOnVanish to give the records that replace its lines");
    }
    if (maxFileBytes != null) {
      files.checkRollOverNames();
    }
    JsonLinesWriterBuilder<T> b = new JsonLinesWriterBuilder<>(files, encoder);
    b.mapper = mapper != null ? mapper : JsonLinesWriter.defaultMapper();
    b.durability = durability != null ? durability : Durability.FLUSH;
    b.maxFileBytes = maxFileBytes != null ? maxFileBytes : 0;
    b.clock = clock != null ? clock : Clock.systemUTC();
    b.errorHandler = errorHandler;
    b.bufferCapacity = bufferCapacity != null ? bufferCapacity : 65_536;
    b.offerTimeout = offerTimeout;
    b.retryDelay = retryDelay != null ? retryDelay : Duration.ofSeconds(1);
    b.flushInterval = flushInterval != null ? flushInterval : Duration.ofSeconds(1);
    b.closeTimeout = closeTimeout != null ? closeTimeout : Duration.ofSeconds(10);
    b.restoreOnVanish = restoreOnVanish;
    b.idleWake = idleWake != null ? idleWake : Duration.ofMillis(200);
    b.compactAbove = compactAbove != null ? compactAbove : 0;
    LogFiles zoned = files.inZone(b.clock.getZone());
    zoned.checkPaths();
    return new JsonLinesWriter<>(b, zoned);
  }
}
