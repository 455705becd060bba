package io.github.eventbus.jsonl;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.github.eventbus.internal.RateLimitedLog;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends records to a JSON Lines file from one background thread: one JSON object per line,
 * UTF-8, {@code \n}-terminated, with newlines and control characters inside values escaped, so
 * that a record is always exactly one line and {@code tail -f file | jq} works.
 *
 * <pre>{@code
 * try (JsonLinesWriter<Object> log = JsonLinesWriter.daily(dir, "events", JsonLinesWriter.jackson())
 *     .durability(Durability.FSYNC).build()) {
 *   log.append(Map.of("event", "started"));
 * }
 * }</pre>
 *
 * <p><b>Writing.</b> {@link #append} puts a record in a bounded buffer and returns; the writer
 * thread (named {@code jsonl-writer-<file name>}, a daemon) encodes records, gathers them into
 * batches and writes each batch with whole lines only, so a reader never sees half a line unless
 * the process dies mid-write. How far a batch is pushed is the {@link Durability}.
 * {@link #appendAcknowledged} returns a future completed once the record is written to that degree.
 *
 * <p><b>Files.</b> A fixed file, or daily files {@code <prefix>_YYYYMMDD.jsonl} by the writer's
 * clock (in the clock's zone), rolling over to {@code <prefix>_YYYYMMDD.1.jsonl}, {@code .2}, ...
 * when {@code maxFileBytes} is set and reached. Directories are created as needed. On opening a
 * file that ends in a torn line (a crash mid-write), the torn bytes are moved to
 * {@code <file>.corrupt} and cut off, so new lines never append to them.
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
 * the file, or if the file was moved away rather than deleted. A record that cannot be encoded is
 * reported and skipped. {@link JsonLinesWriterBuilder#build()} fails at once if the directory, or one above it,
 * exists and is not a directory.
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

  private static final Logger log = LoggerFactory.getLogger(JsonLinesWriter.class);
  private static final int MAX_BATCH = 4096;
  /**
   * Under NONE, what collects in memory before a write. Under FLUSH, also the size of the pieces
   * a large batch is written in: a piece that stays in the CPU cache costs the kernel's copy into
   * the page cache far less than a batch of megabytes, and the syscalls it adds are few. (Under
   * FSYNC a batch is written whole, so that it is forced once.)
   */
  private static final int WRITE_CHUNK_BYTES = 64 * 1024;
  private static final long CLOSE_GRACE_MILLIS = 1000;

  private final FileTarget target;
  private final RateLimitedLog warnings; // for reports without an error handler
  private final Encoder<? super T> encoder;
  private final ObjectMapper mapper;
  private final Durability durability;
  private final WriteErrorHandler errorHandler;
  private final Duration offerTimeout;
  private final Duration retryDelay;
  private final Duration flushInterval;
  private final Duration closeTimeout;
  private final ArrayBlockingQueue<Object> queue;
  private final Thread thread;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final CountDownLatch givingUp = new CountDownLatch(1);
  private volatile boolean closed;

  private final AtomicLong appended = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong unencodable = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong unwritten = new AtomicLong();

  // Writer-thread state.
  private final LineBuffer lines = new LineBuffer(2 * WRITE_CHUNK_BYTES);
  private JsonGenerator generator; // writes into `lines`; reused from record to record
  private int linesCount;
  private boolean failing; // the last write failed: retry before taking more records
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
  private long lastWriteNanos = System.nanoTime();

  /** Put in the queue by close() to end the writer's wait; not a record. */
  private static final Object WAKE_UP = new Object();

  /** A record whose writer wants to know when it is written, or a flush barrier (record null). */
  private record Ack(Object record, CompletableFuture<Void> done) {}

  JsonLinesWriter(JsonLinesWriterBuilder<T> b, LogFiles files) {
    this.target = new FileTarget(files, b.maxFileBytes, b.clock, b.durability == Durability.FSYNC);
    this.warnings = new RateLimitedLog(log, b.clock, RateLimitedLog.INTERVAL);
    this.encoder = b.encoder;
    this.mapper = b.mapper;
    this.durability = b.durability;
    this.errorHandler = b.errorHandler;
    this.offerTimeout = b.offerTimeout;
    this.retryDelay = b.retryDelay;
    this.flushInterval = b.flushInterval;
    this.closeTimeout = b.closeTimeout;
    this.queue = new ArrayBlockingQueue<>(b.bufferCapacity);
    this.thread = new Thread(this::run, "jsonl-writer-" + target.current().getFileName());
    this.thread.setDaemon(true);
    this.thread.start();
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
   * @throws IllegalStateException if the writer is closed
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
   * @throws IllegalStateException if the writer is closed
   */
  public CompletableFuture<Void> appendAcknowledged(T record) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (!enqueue(new Ack(requireNonNull(record, "record"), done))) {
      done.completeExceptionally(new IllegalStateException("buffer full: record dropped"));
    }
    return done;
  }

  /**
   * Returns a future completed when every record appended before this call is written.
   *
   * @return the future
   * @throws IllegalStateException if the writer is closed
   */
  public CompletableFuture<Void> flush() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    enqueueBarrier(new Ack(null, done));
    return done;
  }

  private boolean enqueue(Object entry) {
    if (closed) {
      throw new IllegalStateException("writer of " + target.current() + " is closed");
    }
    try {
      boolean accepted;
      if (offerTimeout == null) {
        queue.put(entry);
        accepted = true;
      } else {
        accepted = queue.offer(entry, offerTimeout.toNanos(), TimeUnit.NANOSECONDS);
      }
      if (accepted) {
        appended.incrementAndGet();
      } else {
        dropped.incrementAndGet();
        reportError(target.current(), "buffer-full", "buffer stayed full for " + offerTimeout
            + "; a record was dropped", new IllegalStateException("buffer full"));
      }
      return accepted;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for room in the writer's buffer", e);
    }
  }

  private void enqueueBarrier(Ack barrier) {
    if (closed) {
      throw new IllegalStateException("writer of " + target.current() + " is closed");
    }
    try {
      queue.put(barrier);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      barrier.done().completeExceptionally(e);
    }
  }

  /**
   * Returns the file being written now (for daily files: today's, by the writer's clock).
   *
   * @return the current file
   */
  public Path currentFile() {
    return target.current();
  }

  /**
   * Returns the counters.
   *
   * @return a snapshot
   */
  public WriterStats stats() {
    long a = appended.get();
    long w = written.get();
    long settled = w + unencodable.get() + unwritten.get();
    return new WriterStats(a, w, Math.max(0, a - settled), failedWrites.get(), unencodable.get(),
        dropped.get(), unwritten.get());
  }

  /**
   * Writes everything appended so far and stops the writer thread. Waits at most the
   * {@linkplain JsonLinesWriterBuilder#closeTimeout close timeout} (default 10 seconds) while writes keep
   * failing or a backlog is still being written; then the writer stops, and what is still
   * unwritten is counted in {@link WriterStats#unwritten()} and reported. Idempotent.
   */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      closing.countDown();
      queue.offer(WAKE_UP); // a writer waiting in poll() looks again now; if full, it is busy anyway
    }
    if (!joinQuietly(closeTimeout.toMillis())) {
      givingUp.countDown();
      joinQuietly(CLOSE_GRACE_MILLIS); // the writer only counts and reports now
    }
  }

  private boolean joinQuietly(long millis) {
    try {
      thread.join(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }

  // ------------------------------------------------------------------ writer thread

  private void run() {
    List<Object> batch = new ArrayList<>(MAX_BATCH);
    try {
      while (givingUp.getCount() > 0) {
        if (failing) {
          // The last write failed: wait, then retry, without taking more records.
          if (givingUp.await(retryDelay.toNanos(), TimeUnit.NANOSECONDS)) {
            break;
          }
          writeOut();
          continue;
        }
        Object first = queue.poll(pollNanos(), TimeUnit.NANOSECONDS);
        if (first == null) {
          if (pendingBytes() > 0 || !waiting.isEmpty()) {
            writeOut();
          }
          if (closed && !failing && queue.isEmpty()) {
            break;
          }
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        boolean urgent = false;
        for (Object entry : batch) {
          urgent |= encode(entry);
          if (durability != Durability.FSYNC && pendingBytes() >= WRITE_CHUNK_BYTES && !failing) {
            writeOut();
          }
        }
        batch.clear();
        if (durability != Durability.NONE || urgent || pendingBytes() >= WRITE_CHUNK_BYTES
            || System.nanoTime() - lastWriteNanos >= flushInterval.toNanos()) {
          writeOut();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      abandon();
    }
  }

  private long pollNanos() {
    if (closed) {
      return TimeUnit.MILLISECONDS.toNanos(10);
    }
    return durability == Durability.NONE ? flushInterval.toNanos() : TimeUnit.MILLISECONDS.toNanos(200);
  }

  private int pendingBytes() {
    return lines.size() + (generator == null ? 0 : generator.getOutputBuffered());
  }

  /** Encodes one entry into the pending lines; returns true if someone waits for it. */
  @SuppressWarnings("unchecked")
  private boolean encode(Object entry) {
    if (entry == WAKE_UP) {
      return false;
    }
    Object record = entry;
    CompletableFuture<Void> done = null;
    if (entry instanceof Ack ack) {
      record = ack.record();
      done = ack.done();
      if (record == null) { // flush barrier
        waiting.add(done);
        return true;
      }
    }
    int mark = pendingBytes();
    try {
      if (generator == null) {
        generator = mapper.getFactory().createGenerator(lines);
        generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        generator.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
        generator.setRootValueSeparator(null);
      }
      encoder.encode((T) record, generator);
      generator.writeRaw('\n');
    } catch (IOException | RuntimeException e) {
      dropPartialLine(mark);
      unencodable.incrementAndGet();
      reportError(target.current(), "unencodable", "a record of " + record.getClass().getName()
          + " could not be encoded as JSON and was skipped", e);
      if (done != null) {
        done.completeExceptionally(e);
      }
      return done != null;
    }
    linesCount++;
    if (done != null) {
      waiting.add(done);
      return true;
    }
    return false;
  }

  /** After a failed record: keeps the whole lines before it and starts a fresh generator. */
  private void dropPartialLine(int mark) {
    try {
      generator.flush(); // the buffered bytes of earlier records, and of the failed one
    } catch (IOException | RuntimeException e) {
      log.debug("Flushing the generator after a failed record failed", e);
    }
    lines.truncate(mark);
    generator = null; // its state is unknown after a failure
  }

  /** Writes the pending lines; on failure keeps them, sets {@code failing} and reports. */
  private void writeOut() {
    if (linesCount == 0) {
      lines.clear();
      failing = false;
      completeWaiting();
      return;
    }
    try {
      if (generator != null) {
        generator.flush();
      }
      writeAgainIfVanished();
    } catch (IOException | RuntimeException e) {
      failedWrites.incrementAndGet();
      if (!failing) { // one report per failed attempt: the first now, then one every retryDelay
        reportError(target.current(), "write", "could not write " + linesCount + " line(s): "
            + e.getMessage() + "; will retry every " + retryDelay, e);
      } else {
        reportError(target.current(), "write", "still cannot write " + linesCount + " line(s): "
            + e.getMessage() + "; retrying every " + retryDelay, e);
      }
      failing = true;
      return;
    }
    failing = false;
    written.addAndGet(linesCount);
    lines.clear();
    linesCount = 0;
    lastWriteNanos = System.nanoTime();
    completeWaiting();
  }

  /**
   * Writes the lines; if the file had gone or been replaced, reports that once (to the handler
   * and as one WARN) and writes them again into a new file at the path.
   */
  private void writeAgainIfVanished() throws IOException {
    try {
      target.write(lines);
    } catch (FileTarget.Vanished e) {
      failedWrites.incrementAndGet();
      String problem = e.getMessage() + "; writing them to a new " + target.current();
      log.warn("JSON Lines writer: {}", problem);
      if (errorHandler != null) {
        reportError(target.current(), "vanished", problem, e);
      }
      target.write(lines);
    }
  }

  private void completeWaiting() {
    for (CompletableFuture<Void> done : waiting) {
      done.complete(null);
    }
    waiting.clear();
  }

  /** At the end of the writer thread: count and report what could not be written. */
  private void abandon() {
    target.close();
    long left = linesCount;
    List<Object> rest = new ArrayList<>();
    queue.drainTo(rest);
    rest.remove(WAKE_UP);
    for (Object entry : rest) {
      if (!(entry instanceof Ack ack) || ack.record() != null) {
        left++;
      }
      if (entry instanceof Ack ack) {
        ack.done().completeExceptionally(new IllegalStateException("writer closed before writing"));
      }
    }
    for (CompletableFuture<Void> done : waiting) {
      done.completeExceptionally(new IllegalStateException("writer closed before writing"));
    }
    waiting.clear();
    if (left > 0) {
      unwritten.addAndGet(left);
      reportError(target.current(), "unwritten",
          left + " record(s) could not be written before the writer closed",
          new IOException("unwritten at close"));
    }
  }

  private void reportError(Path file, String condition, String problem, Throwable cause) {
    if (errorHandler == null) {
      // One line per interval per kind of problem: an unencodable payload or a full buffer can
      // repeat once per record. The stats count every one.
      warnings.warn(condition, "JSON Lines writer of {}: {}: {}", file, problem,
          String.valueOf(cause));
      return;
    }
    try {
      errorHandler.onError(file, problem, cause);
    } catch (RuntimeException e) {
      warnings.warn("error-handler", "The WriteErrorHandler of {} threw; ignoring it", file, e);
    }
  }

  @Override
  public String toString() {
    return "JsonLinesWriter{" + target.current() + ", " + durability + "}";
  }
}
