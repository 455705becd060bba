package io.github.eventbus.jsonl;

import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Uncaught;
import io.github.eventbus.internal.Settings;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work of a {@link JsonLinesWriter}'s thread: takes records from the buffer in batches,
 * encodes them into whole lines, writes them to the {@link FileTarget} to the writer's
 * {@link Durability}, completes acknowledgements, retries failed writes and, at the end, counts
 * and reports what it could not write. Not thread-safe: its state belongs to the writer thread,
 * except the counters, {@link #stop()} and {@link #giveUp()}.
 *
 * @param <T> the type of records
 */
final class WriterLoop<T> implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(JsonLinesWriter.class);
  private static final int MAX_BATCH = 4096;
  /**
   * Under NONE, what collects in memory before a write. Under FLUSH, also the size of the pieces
   * a large batch is written in: a piece that stays in the CPU cache costs the kernel's copy into
   * the page cache far less than a batch of megabytes, and the syscalls it adds are few. (Under
   * FSYNC a batch is written whole, so that it is forced once.)
   */
  private static final int WRITE_CHUNK_BYTES = 64 * 1024;
  /** The most a file grows after a failed compaction before the next try. */
  private static final long RETRY_COMPACTION_AFTER = 64L << 20;

  /** Put in the queue by close() to end the writer's wait; not a record. */
  static final Object WAKE_UP = new Object();

  /** A record whose writer wants to know when it is written, or a flush barrier (record null). */
  record Ack(Object record, CompletableFuture<Void> done) {}

  final FileTarget target;
  private final RateLimitedLog warnings; // for reports without an error handler
  private final JsonLinesWriter.Encoder<? super T> encoder;
  private final ObjectMapper mapper;
  private final Durability durability;
  private final WriteErrorHandler errorHandler;
  private final Duration retryDelay;
  private final Supplier<? extends Collection<? extends T>> restoreOnVanish; // null: none
  private final long flushIntervalNanos; // read for every batch: converted once
  private final long idleWakeNanos;
  private final long compactAbove; // 0: never
  private final ArrayBlockingQueue<Object> queue;
  private final CountDownLatch givingUp = new CountDownLatch(1);
  private volatile boolean closed;
  private volatile boolean finished; // the thread is done with the queue
  private volatile Thread runner; // the writer thread, once it runs
  private volatile boolean runnerInHandler; // the writer thread is in the error handler

  final AtomicLong written = new AtomicLong();
  final AtomicLong failedWrites = new AtomicLong();
  final AtomicLong unencodable = new AtomicLong();
  final AtomicLong unwritten = new AtomicLong();

  // Writer-thread state.
  private final LineBuffer lines = new LineBuffer(2 * WRITE_CHUNK_BYTES);
  private JsonGenerator generator; // writes into `lines`; reused from record to record
  private int linesCount;
  private boolean failing; // the last write failed: retry before taking more records
  private int restoredAt = -1; // where restored records start in `lines`, until written; else -1
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
  private long lastWriteNanos = System.nanoTime();
  private long nextCompaction; // the file size that starts the next compaction

  WriterLoop(JsonLinesWriterBuilder<T> b, LogFiles files, ArrayBlockingQueue<Object> queue) {
    this.target = new FileTarget(files, b.maxFileBytes, b.clock, b.durability == Durability.FSYNC,
        b.restoreOnVanish != null);
    this.warnings = new RateLimitedLog(log, b.clock, RateLimitedLog.INTERVAL);
    this.encoder = b.encoder;
    this.mapper = b.mapper;
    this.durability = b.durability;
    this.errorHandler = b.errorHandler;
    this.retryDelay = b.retryDelay;
    this.restoreOnVanish = b.restoreOnVanish;
    this.flushIntervalNanos = Settings.nanos(b.flushInterval);
    this.idleWakeNanos = Settings.nanos(b.idleWake);
    this.compactAbove = b.compactAbove;
    this.nextCompaction = b.compactAbove;
    this.queue = queue;
  }

  /** Tells whether {@link #stop()} was called. Thread-safe. */
  boolean isClosed() {
    return closed;
  }

  /** Writes what is buffered, then ends; wakes the thread if it waits. Thread-safe. */
  void stop() {
    closed = true;
    queue.offer(WAKE_UP); // a writer waiting in poll() looks again now; if full, it is busy anyway
  }

  /** Ends at once: stops retrying and reports what is left. Thread-safe. */
  void giveUp() {
    givingUp.countDown();
  }

  /** Tells whether {@link #giveUp()} was called. Thread-safe. */
  boolean hasGivenUp() {
    return givingUp.getCount() == 0;
  }

  @Override
  public void run() {
    runner = Thread.currentThread();
    // Entries leave the batch as they are encoded, so that if the thread ends abruptly (an Error
    // while writing) abandon() can report the rest.
    ArrayDeque<Object> batch = new ArrayDeque<>(MAX_BATCH);
    try {
      while (givingUp.getCount() > 0) {
        if (failing) {
          // The last write failed: wait, then retry, without taking more records.
          if (givingUp.await(Settings.nanos(retryDelay), TimeUnit.NANOSECONDS)) {
            break;
          }
          writeOut();
          continue;
        }
        Object first = queue.poll(pollNanos(), TimeUnit.NANOSECONDS);
        if (first == null) {
          lines.shrink(); // idle: a burst's memory is not kept for good
          if (pendingBytes() == 0 && restoreOnVanish != null) {
            restoreIfLostWhileIdle();
          }
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
        for (Object entry; (entry = batch.poll()) != null; ) {
          urgent |= encode(entry);
          if (durability != Durability.FSYNC && pendingBytes() >= WRITE_CHUNK_BYTES && !failing) {
            writeOut();
          }
        }
        // Not if a write of this batch just failed: the retry waits its delay, as for any failure.
        if (!failing && (durability != Durability.NONE || urgent
            || pendingBytes() >= WRITE_CHUNK_BYTES
            || System.nanoTime() - lastWriteNanos >= flushIntervalNanos)) {
          writeOut();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      abandon(batch);
    }
  }

  private long pollNanos() {
    if (closed) {
      return TimeUnit.MILLISECONDS.toNanos(10);
    }
    return durability == Durability.NONE ? flushIntervalNanos : idleWakeNanos;
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
      encodeLine((T) record, mark);
    } catch (IOException | RuntimeException | Error e) {
      // An Error too (a payload's accessor failing an assertion, a recursive payload overflowing
      // the stack): reportError hands it on.
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

  /**
   * Encodes a record as one line after the pending ones, which end at {@code mark}; the caller
   * handles a failure.
   */
  private void encodeLine(T record, int mark) throws IOException {
    if (generator == null) {
      generator = mapper.getFactory().createGenerator(lines);
      generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      generator.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
      generator.setRootValueSeparator(null);
      // A pretty printer of no whitespace, set before the encoder runs: a mapper with
      // INDENT_OUTPUT gives the generator its own indenting one only if it has none, which
      // would split every record from then on over several lines.
      generator.setPrettyPrinter(new MinimalPrettyPrinter(""));
    }
    try {
      encoder.encode(record, generator);
    } finally {
      // An interrupt the encoder left (restoring one it caught, say) is not this thread's to act
      // on: it stops only through giveUp(), and the next file write would fail on it for good.
      Thread.interrupted();
    }
    generator.flush();
    // The generator escapes line breaks in strings, but raw values (@JsonRawValue, writeRaw)
    // pass as given: one would split the record over lines that no reader takes for a record.
    if (lines.checkLine(mark)) {
      throw new JsonGenerationException("a record's JSON holds a line break outside its strings"
          + " (a raw value?)", generator);
    }
    lines.write('\n');
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
    if (linesCount == 0 && restoredAt < 0) {
      lines.clear();
      restoredAt = -1;
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
      String what = linesCount + " line(s)"
          + (restoredAt >= 0 ? " and the records to restore" : "");
      if (!failing) { // one report per failed attempt: the first now, then one every retryDelay
        reportError(target.current(), "write", "could not write " + what + ": "
            + e.getMessage() + "; will retry every " + retryDelay, e);
      } else {
        reportError(target.current(), "write", "still cannot write " + what + ": "
            + e.getMessage() + "; retrying every " + retryDelay, e);
      }
      failing = true;
      return;
    }
    failing = false;
    written.addAndGet(linesCount);
    lines.clear();
    restoredAt = -1;
    linesCount = 0;
    lastWriteNanos = System.nanoTime();
    completeWaiting();
    if (compactAbove > 0 && target.size() >= nextCompaction) {
      compact();
    }
  }

  /**
   * Replaces the file, all of whose lines are written, by the records to restore: the records
   * appended since follow in the new file, so it holds the same state. Not once close() has
   * begun (the next writer compacts), nor when the file has gone or been replaced (the next write
   * or idle look reports that and restores it). A failure leaves the file as it is, is counted
   * and reported; the next try waits until the file has grown by as much again, at most
   * {@link #RETRY_COMPACTION_AFTER} more.
   */
  private void compact() {
    long size = target.size();
    if (closed || !target.isStillThere()) {
      return;
    }
    nextCompaction = Math.max(compactAbove, size + Math.min(size, RETRY_COMPACTION_AFTER));
    try {
      Collection<? extends T> records = recordsToRestore();
      long compacted = target.replace(channel -> writeCompacted(records, channel));
      nextCompaction = Math.max(compactAbove, 2 * compacted);
    } catch (FileTarget.NotForced e) {
      failedWrites.incrementAndGet();
      reportError(target.current(), "compact", e.getMessage(), e);
    } catch (IOException | RuntimeException | Error e) { // an Error too: see encode()
      failedWrites.incrementAndGet();
      reportError(target.current(), "compact", "could not compact the file; it stays as it was "
          + "and the writer appends to it", e);
    } finally {
      generator = null; // it may hold part of a record that failed
      lines.clear();
      lines.shrink();
    }
  }

  /**
   * The records of {@code restoreOnVanish}. An interrupt the supplier leaves is cleared, as one an
   * encoder leaves: it would fail the next file operation and end this thread.
   */
  private Collection<? extends T> recordsToRestore() {
    try {
      return restoreOnVanish.get();
    } finally {
      Thread.interrupted();
    }
  }

  /**
   * Writes the records to the new file in pieces of {@link #WRITE_CHUNK_BYTES}, so that a large
   * state does not pass through memory whole; gives up if close() gave up on this thread.
   */
  private void writeCompacted(Collection<? extends T> records, FileChannel channel)
      throws IOException {
    for (T record : records) {
      if (record != null) {
        // One record that cannot be encoded ends the compaction: the old file still holds it.
        encodeLine(record, pendingBytes());
        if (lines.size() >= WRITE_CHUNK_BYTES) {
          lines.writeTo(channel);
          lines.clear();
        }
      }
      if (hasGivenUp()) {
        throw new IOException("the writer was closed during the compaction");
      }
    }
    lines.writeTo(channel);
  }

  /**
   * Writes the lines; if the file had gone or been replaced, reports that once (to the handler
   * and as one WARN) and writes them again into a new file at the path.
   */
  private void writeAgainIfVanished() throws IOException {
    try {
      target.write(lines);
    } catch (FileTarget.Vanished e) {
      lost(e.getMessage() + "; writing them to a new " + target.current(), e);
      target.write(lines);
    }
  }

  /**
   * Counts a lost file and reports it once (to the handler and as one WARN), then adds the
   * records to restore, if any, to the pending lines.
   */
  private void lost(String problem, Throwable cause) throws IOException {
    failedWrites.incrementAndGet();
    log.warn("JSON Lines writer: {}", problem);
    if (errorHandler != null) {
      reportError(target.current(), "vanished", problem, cause);
    }
    appendRestored();
  }

  /**
   * With nothing to write, looks whether the file has gone since the last write (checked each
   * time the writer wakes without records, every 200 ms or so): a log that holds state should not
   * wait for its next record, which may never come before a crash, to be whole again.
   */
  private void restoreIfLostWhileIdle() {
    String problem = target.lostWhileIdle();
    if (problem == null) {
      return;
    }
    try {
      // Written by the caller's writeOut, and retried with it if that fails.
      lost(problem + "; writing the records to restore to a new " + target.current(), null);
    } catch (IOException e) {
      reportError(target.current(), "restore", "the records to restore could not be encoded: "
          + e, e);
    }
  }

  /**
   * Adds the records given to {@link JsonLinesWriterBuilder#restoreOnVanish} after the pending
   * lines, uncounted: if writing fails, they are kept with the lines and retried with them.
   */
  private void appendRestored() throws IOException {
    if (restoreOnVanish == null) {
      return;
    }
    if (restoredAt >= 0) {
      // Vanished again before the last restore was written: a fresh copy replaces it, so that
      // the retained lines do not grow by a copy per loss.
      lines.truncate(restoredAt);
    } else {
      restoredAt = pendingBytes();
    }
    try {
      for (T record : recordsToRestore()) {
        if (record != null) {
          encodeRestored(record);
        }
      }
    } catch (RuntimeException | Error e) {
      // An Error too, as from an encoder: reportError hands it on.
      reportError(target.current(), "restore", "the records to restore could not all be had: "
          + e + "; the new file holds the lines written from now on and those restored before it",
          e);
    }
    if (generator != null) {
      generator.flush();
    }
  }

  /**
   * Encodes a record to restore after the pending lines, counted nowhere; one it cannot encode
   * is reported and skipped.
   */
  private void encodeRestored(T record) {
    int mark = pendingBytes();
    try {
      encodeLine(record, mark);
    } catch (IOException | RuntimeException | Error e) {
      dropPartialLine(mark);
      reportError(target.current(), "restore", "a record to restore of "
          + record.getClass().getName() + " could not be encoded as JSON and was skipped", e);
    }
  }

  private void completeWaiting() {
    for (CompletableFuture<Void> done : waiting) {
      done.complete(null);
    }
    waiting.clear();
  }

  /**
   * At the end of the writer thread: count and report what could not be written, including the
   * entries of the batch under way that were not encoded.
   */
  private void abandon(ArrayDeque<Object> unencoded) {
    finished = true; // before the queue is emptied: an appender that still saw false is drained
    target.close();
    List<Object> rest = new ArrayList<>(unencoded);
    queue.drainTo(rest);
    for (CompletableFuture<Void> done : waiting) {
      done.completeExceptionally(new IllegalStateException("writer closed before writing"));
    }
    waiting.clear();
    settleUnwritten(rest, linesCount);
  }

  /**
   * Tells whether the writer thread has ended, so that an entry put in the queue now is never
   * taken. Thread-safe.
   */
  boolean isFinished() {
    return finished;
  }

  /**
   * Accounts for an entry an appender put in the queue after the writer thread had ended (it
   * waited for room while the writer gave up), and took back out. Thread-safe.
   */
  void stranded(Object entry) {
    settleUnwritten(List.of(entry), 0);
  }

  /** Counts and reports entries as unwritten, failing their acknowledgements. */
  private void settleUnwritten(List<Object> entries, long alreadyLeft) {
    long left = alreadyLeft;
    for (Object entry : entries) {
      if (entry == WAKE_UP) {
        continue; // one per close() call
      }
      if (!(entry instanceof Ack ack) || ack.record() != null) {
        left++;
      }
      if (entry instanceof Ack ack) {
        ack.done().completeExceptionally(new IllegalStateException("writer closed before writing"));
      }
    }
    if (left > 0) {
      unwritten.addAndGet(left);
      reportError(target.current(), "unwritten",
          left + " record(s) could not be written before the writer closed",
          new IOException("unwritten at close"));
    }
  }

  /**
   * Reports a problem to the error handler, or in a rate-limited WARN. On the writer's thread, an
   * {@code Error} from user code (the cause, or the handler's own) then goes to the thread's
   * uncaught-exception handler, and the thread goes on: it has no caller to throw it to, and
   * ending it would stop the log. Thread-safe.
   */
  void reportError(Path file, String condition, String problem, Throwable cause) {
    boolean onRunner = Thread.currentThread() == runner;
    if (errorHandler == null) {
      // One line per interval per kind of problem: an unencodable payload or a full buffer can
      // repeat once per record. The stats count every one.
      warnings.warn(condition, "JSON Lines writer of {}: {}: {}", file, problem,
          String.valueOf(cause));
    } else {
      if (onRunner) {
        runnerInHandler = true;
      }
      try {
        errorHandler.onError(file, problem, cause);
      } catch (RuntimeException | Error e) {
        warnings.warn("error-handler", "The WriteErrorHandler of {} threw; ignoring it", file, e);
        if (e != cause) { // a handler rethrowing the Error it was told of: handed on below
          handOnIfError(e, onRunner);
        }
      } finally {
        if (onRunner) {
          runnerInHandler = false;
        }
      }
    }
    handOnIfError(cause, onRunner);
  }

  private void handOnIfError(Throwable t, boolean onRunner) {
    if (onRunner && t instanceof Error error) {
      Uncaught.handOn(error, warnings);
    }
  }

  /**
   * Reports, from close(), a writer thread that close() gave up on. Logged rather than told to
   * the error handler if the thread is held up in the handler: a handler that serialises its
   * calls would hold close() up too. Thread-safe.
   */
  void reportStuck(Path file, String problem) {
    if (runnerInHandler) {
      log.warn("JSON Lines writer of {}: {} (not told to the error handler, which holds the writer"
          + " thread)", file, problem);
    } else {
      reportError(file, "stuck", problem, new IOException("writer thread held up at close"));
    }
  }

}
