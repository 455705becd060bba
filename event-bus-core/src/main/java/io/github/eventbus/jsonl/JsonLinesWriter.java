package io.github.eventbus.jsonl;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.internal.WrittenFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends records to a JSON Lines file from one background thread: one JSON object per line,
 * UTF-8, {@code \n}-terminated, with newlines and the other control characters below U+0020
 * inside values escaped, so that a record is always exactly one line for anything that splits
 * lines at {@code \n} or {@code \r}, and {@code tail -f file | jq} works (U+0085, U+2028 and
 * U+2029 are written as they are). The encoder's
 * generator is compact even if its mapper has {@code INDENT_OUTPUT}; an encoder that installs a
 * pretty printer of its own or writes raw line breaks breaks this, and is not supported.
 *
 * <pre>{@code
 * try (JsonLinesWriter<Object> log = JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
 *     .durability(Durability.FSYNC).build()) {
 *   log.append(Map.of("event", "started"));
 * }
 * }</pre>
 *
 * <p><b>Writing.</b> {@link #append} puts a record in a bounded buffer and returns; the writer
 * thread (named {@code jsonl-writer-<file name>}, such as {@code jsonl-writer-state.jsonl} or,
 * for daily files, {@code jsonl-writer-events_YYYYMMDD.jsonl}; a daemon) encodes records,
 * gathers them into batches and writes each batch with whole lines only, so a reader never sees
 * half a line unless the process dies mid-write. How far a batch is pushed is the
 * {@link Durability}.
 * {@link #appendAcknowledged} returns a future completed once the record is written to that degree.
 * Text holding half of a surrogate pair without the other half (not text in any encoding; a JSON
 * reader such as jq 1.6 stops at it) is written with U+FFFD in its place.
 *
 * <p><b>Files.</b> A fixed file, or daily files {@code <prefix>_YYYYMMDD.jsonl} by the writer's
 * clock (in the clock's zone), rolling over to {@code <prefix>_YYYYMMDD.1.jsonl}, {@code .2}, ...
 * (a fixed {@code state.jsonl} to {@code state.1.jsonl}, ...; {@link LogFiles#inWriteOrder} lists
 * them in that order) when {@code maxFileBytes} is set and reached (checked per written batch, so a
 * file can pass it by one batch). A line goes to the file of the day on which its batch is written,
 * which under {@link Durability#NONE} or with a backlog can be just after midnight for a record
 * made just before it. Directories are created as needed. On opening a file that ends in a torn
 * line (a crash mid-write), the torn bytes are moved to {@code <file>.corrupt} and cut off, so new
 * lines never append to them (that path must be a regular file or nothing: a link there is not
 * written through, and the open fails, reported like any other failure, until it is gone). A file
 * has one writer at a time: that repair cannot tell a line another live writer is writing from a
 * torn one. The writer never writes a {@code <file>.1}: that is another tool's, such as
 * logrotate's; a file truncated in place counts from its new size. A fixed file of state can be
 * compacted as it runs ({@link JsonLinesWriterBuilder#compactAbove}).
 *
 * <p><b>Failures.</b> A failed open, write or fsync (disk full, a path component that is a
 * file, permissions) is counted in {@link WriterStats#failedWrites()} and reported to the
 * {@link WriteErrorHandler} (default: a WARN log); the writer keeps the lines and retries every
 * {@code retryDelay}, reporting each failed retry, while appenders fill the buffer and then wait.
 * After each write the writer checks that the file it has open is still the one at its path
 * (same file identity): a file deleted, moved away or replaced, alone or with its directory, is
 * noticed at the next write, reported once to the handler and in one WARN, counted as a failed
 * write, and the lines are written again into a new file at the path, re-creating directories.
 * Lines count as {@link WriterStats#written() written}, and acknowledgements complete, only once
 * that check passed. A line may appear twice if a write failed after part of a batch had reached
 * the file, or if the file was moved away rather than deleted. A record that cannot be encoded
 * (the encoder throws an exception or an {@code Error}, or writes a line break outside a JSON
 * string, as a {@code @JsonRawValue} can) is counted, reported and skipped, and the
 * writer goes on; an exception from the error handler is logged and ignored. An {@code Error}
 * from either, on the writer's thread, is then handed to that thread's uncaught-exception handler
 * (by default, the JVM's, which prints it), and the thread goes on: it has no caller to throw it
 * to, and ending it would stop the log. {@link JsonLinesWriterBuilder#build()}
 * fails at once if the directory, or one above it, exists and is not a directory.
 *
 * <p><b>Closing.</b> {@link #close()} writes everything appended before it, waiting at most
 * {@code closeTimeout} (default 10 seconds); past it, what stays unwritten is counted and reported.
 *
 * <p><b>Thread-safety:</b> thread-safe; any number of threads may append.
 *
 * @param <T> the type of records
 */
public final class JsonLinesWriter<T> implements AutoCloseable {

  /**
   * Writes one record as one JSON value with a Jackson generator.
   *
   * <p><b>Thread-safety:</b> called only from the writer's own thread, one record at a time.
   *
   * @param <T> the type of records
   */
  @FunctionalInterface
  public interface Encoder<T> {

    /**
     * Writes the record.
     *
     * @param record the record
     * @param generator the generator of its line; do not write a line separator
     * @throws IOException if the record cannot be encoded
     */
    void encode(T record, JsonGenerator generator) throws IOException;
  }

  private static final long CLOSE_GRACE_MILLIS = 1000;
  private static final long WAIT_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private final WriterLoop<T> loop;
  private final FileTarget target;
  private final Duration offerTimeout;
  private final Duration closeTimeout;
  private final Durability durability;
  private final ArrayBlockingQueue<Object> queue;
  private final Thread thread;

  private final AtomicLong appended = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean reportedStuck = new AtomicBoolean(); // by close(), once

  JsonLinesWriter(JsonLinesWriterBuilder<T> b, LogFiles files) {
    Object claimed = WrittenFiles.claim(files.names(b.maxFileBytes), files.namePath());
    try {
      this.queue = new ArrayBlockingQueue<>(b.bufferCapacity);
      this.loop = new WriterLoop<>(b, files, queue);
      this.target = loop.target;
      this.offerTimeout = b.offerTimeout;
      this.closeTimeout = b.closeTimeout;
      this.durability = b.durability;
      // Released when the thread ends, not at close(): a close that gives up on a stuck thread
      // leaves it able to write.
      this.thread = new Thread(() -> {
        try {
          loop.run();
        } finally {
          WrittenFiles.release(claimed);
        }
      }, "jsonl-writer-" + files.namePattern());
      this.thread.setDaemon(true);
      this.thread.start();
    } catch (RuntimeException | Error e) {
      WrittenFiles.release(claimed);
      throw e;
    }
  }

  /**
   * Starts a writer of one fixed file.
   *
   * @param file the file
   * @param encoder writes one record as JSON
   * @param <T> the type of records
   * @return a builder
   */
  public static <T> JsonLinesWriterBuilder<T> toFile(Path file, Encoder<? super T> encoder) {
    return new JsonLinesWriterBuilder<>(LogFiles.fixed(requireNonNull(file, "file")), encoder);
  }

  /**
   * Starts a writer of daily files {@code <prefix>_YYYYMMDD.jsonl} in a directory.
   *
   * @param directory the directory, created if needed
   * @param prefix the file name prefix, such as {@code events}
   * @param encoder writes one record as JSON
   * @param <T> the type of records
   * @return a builder
   * @throws IllegalArgumentException if the prefix is blank or contains a path separator
   */
  public static <T> JsonLinesWriterBuilder<T> daily(
      Path directory, String prefix, Encoder<? super T> encoder) {
    requireNonNull(directory, "directory");
    requireNonNull(prefix, "prefix");
    if (prefix.isBlank() || prefix.contains("/") || prefix.contains("\\")) {
      throw new IllegalArgumentException("prefix must be a non-blank file name part, but was \""
          + prefix + "\"");
    }
    return new JsonLinesWriterBuilder<>(LogFiles.daily(directory, prefix), encoder);
  }

  /**
   * Returns an encoder that writes any object with {@link #defaultMapper()}.
   *
   * @return the encoder
   */
  public static Encoder<Object> jackson() {
    ObjectMapper mapper = defaultMapper();
    return (record, generator) -> mapper.writeValue(generator, record);
  }

  /**
   * Returns a new Jackson mapper as the writers use it: Java time types as ISO-8601 strings.
   *
   * @return a new mapper
   */
  public static ObjectMapper defaultMapper() {
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);
  }

  /**
   * Appends a record. Waits if the buffer is full (at most {@code offerTimeout}, if set).
   *
   * @param record the record, which must not change afterwards
   * @return {@code false} if the buffer stayed full past {@code offerTimeout}: the record was not
   *     accepted (counted as dropped)
   * @throws IllegalStateException if the writer is closed, or {@link #close()} gave up on the
   *     writer thread while this call waited for room (the record was not appended)
   */
  public boolean append(T record) {
    return enqueue(requireNonNull(record, "record"));
  }

  /**
   * Appends a record and returns a future completed when it is written to the writer's
   * {@link Durability} (under {@link Durability#FSYNC}: on the storage device) in the file that
   * is at the file's path after the write, or completed exceptionally if it cannot be encoded or
   * is still unwritten at close.
   *
   * @param record the record, which must not change afterwards
   * @return the acknowledgement
   * @throws IllegalStateException if the writer is closed, or {@link #close()} gave up on the
   *     writer thread while this call waited for room (the record was not appended)
   */
  public CompletableFuture<Void> appendAcknowledged(T record) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!enqueue(new WriterLoop.Ack(requireNonNull(record, "record"), done))) {
      done.completeExceptionally(new IllegalStateException("buffer full: record dropped"));
    }
    return done;
  }

  /**
   * Returns a future completed when every record appended before this call is written; completed
   * exceptionally if the buffer stays full past {@code offerTimeout}, if set.
   *
   * @return the future
   * @throws IllegalStateException if the writer is closed, or {@link #close()} gave up on the
   *     writer thread while this call waited for room
   */
  public CompletableFuture<Void> flush() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    enqueueBarrier(new WriterLoop.Ack(null, done));
    return done;
  }

  private boolean enqueue(Object entry) {
    if (loop.isClosed()) {
      throw new IllegalStateException("writer of " + target.current() + " is closed");
    }
    // Counted before it is in the queue, so that the writer can never count it written first:
    // then pending() could read zero while another line appended before it is still unwritten.
    appended.incrementAndGet();
    boolean accepted;
    try {
      accepted = put(entry);
    } catch (InterruptedException e) {
      appended.decrementAndGet();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for room in the writer's buffer", e);
    } catch (RuntimeException | Error e) {
      appended.decrementAndGet();
      throw e;
    }
    if (accepted) {
      settleIfStranded(entry);
    } else {
      appended.decrementAndGet(); // before it counts as dropped: never both at once
      dropped.incrementAndGet();
      loop.reportError(target.current(), "buffer-full", "buffer stayed full for " + offerTimeout
          + "; a record was dropped", new IllegalStateException("buffer full"));
    }
    return accepted;
  }

  private void enqueueBarrier(WriterLoop.Ack barrier) {
    if (loop.isClosed()) {
      throw new IllegalStateException("writer of " + target.current() + " is closed");
    }
    try {
      if (put(barrier)) {
        settleIfStranded(barrier);
      } else {
        barrier.done().completeExceptionally(new IllegalStateException("buffer stayed full for "
            + offerTimeout + "; the flush was not queued"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      barrier.done().completeExceptionally(e);
    }
  }

  /**
   * Puts an entry in the buffer, waiting for room at most {@code offerTimeout} if set; returns
   * false if the time ran out. Waits in short steps, so that an appender is released, with an
   * {@link IllegalStateException}, once {@link #close()} has given up on a writer thread that no
   * longer takes entries (one stuck in an encoder, say). Only a wait for room can be interrupted:
   * an entry that fits is taken even from a thread whose interrupt flag is set.
   */
  private boolean put(Object entry) throws InterruptedException {
    if (queue.offer(entry)) {
      return true;
    }
    if (offerTimeout != null && offerTimeout.isZero()) {
      return false; // not even the lock is waited for, so an interrupt cannot make it throw
    }
    long deadline = offerTimeout == null ? 0 : System.nanoTime() + Settings.nanos(offerTimeout);
    while (true) {
      long step = WAIT_STEP_NANOS;
      if (offerTimeout != null) {
        step = Math.min(step, Math.max(0, deadline - System.nanoTime()));
      }
      if (queue.offer(entry, step, TimeUnit.NANOSECONDS)) {
        return true;
      }
      if (loop.hasGivenUp() || loop.isFinished()) {
        throw new IllegalStateException("writer of " + target.current() + " closed while this"
            + " record waited for room in its buffer; it was not appended");
      }
      if (offerTimeout != null && deadline - System.nanoTime() <= 0) {
        return false;
      }
    }
  }

  /**
   * An appender that waited for room may put its entry in the queue after the writer thread has
   * emptied it for the last time; nobody would take it. Taking it back out settles it as
   * unwritten, and makes room for the next such appender.
   */
  private void settleIfStranded(Object entry) {
    if (loop.isFinished() && queue.remove(entry)) {
      loop.stranded(entry);
    }
  }

  /**
   * Returns the file being written now (for daily files: today's, by the writer's clock, also
   * when the writer has written nothing since midnight and so has not opened it yet).
   *
   * @return the current file
   */
  public Path currentFile() {
    return target.fileNow();
  }

  /**
   * Returns the counters.
   *
   * @return a snapshot
   */
  public WriterStats stats() {
    long a = appended.get();
    long w = loop.written.get();
    long unencodable = loop.unencodable.get();
    long unwritten = loop.unwritten.get();
    long settled = w + unencodable + unwritten;
    return new WriterStats(a, w, Math.max(0, a - settled), loop.failedWrites.get(), unencodable,
        dropped.get(), unwritten);
  }

  /**
   * Writes everything appended so far and stops the writer thread. Waits at most the {@linkplain
   * JsonLinesWriterBuilder#closeTimeout close timeout} (default 10 seconds) while writes keep
   * failing or a backlog is still being written; then the writer stops, and what is still unwritten
   * is counted in {@link WriterStats#unwritten()} and reported. A writer thread still busy then
   * (held up in the file system by a stalled disk, in an encoder, or in the error handler) gets a
   * second more; if it is still busy with records {@linkplain WriterStats#pending() pending}, that
   * is reported once to the error handler (or logged; logged in any case when the writer thread is
   * held up in the error handler itself, which close() does not call again then): it writes or
   * reports them if it comes back. Idempotent: once close gave up on the thread, a later call
   * returns at once.
   */
  @Override
  public void close() {
    if (loop.hasGivenUp()) {
      return;
    }
    if (!loop.isClosed()) {
      loop.stop();
    }
    if (!joinQuietly(Settings.millis(closeTimeout))) {
      loop.giveUp();
      // The writer only counts and reports now, unless something holds it up.
      long pending;
      if (!joinQuietly(CLOSE_GRACE_MILLIS) && (pending = stats().pending()) > 0
          && reportedStuck.compareAndSet(false, true)) {
        String problem = "close() gave up on a writer thread still busy (in the file system, an"
            + " encoder or the error handler); " + pending + " record(s) are not written yet, and"
            + " are written or reported if it comes back";
        loop.reportStuck(target.current(), problem);
      }
    }
  }

  /**
   * Tells whether the writer's thread has ended. After {@link #close()} it has, unless close gave
   * up on a thread held up in the file system (a stalled disk): that thread may still end the
   * write or compaction under way, and a second writer of the file should wait for it.
   *
   * @return whether the thread has ended
   */
  public boolean isTerminated() {
    return !thread.isAlive();
  }

  /**
   * Waits for the writer thread at most {@code millis}, the whole time even if the caller is
   * interrupted (close() is often called from a cancelled task); the flag is kept.
   */
  private boolean joinQuietly(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, millis));
    boolean interrupted = false;
    try {
      for (long left = deadline - System.nanoTime(); left > 0 && thread.isAlive();
          left = deadline - System.nanoTime()) {
        try {
          thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return !thread.isAlive();
  }

  @Override
  public String toString() {
    return "JsonLinesWriter{" + target.current() + ", " + durability + "}";
  }
}
