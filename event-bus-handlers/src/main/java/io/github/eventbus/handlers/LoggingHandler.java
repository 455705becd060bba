package io.github.eventbus.handlers;

import static java.util.Objects.requireNonNull;

import io.github.eventbus.jsonl.WriterStats;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What every handler with its own JSON Lines log offers its users: where the log is, a flush, and
 * close. The public handlers inherit these methods from this package-private class (as
 * {@code StringBuilder} does from {@code AbstractStringBuilder}), so they are written once.
 */
abstract class LoggingHandler implements AutoCloseable {

  /** The handler's log; possibly {@linkplain HandlerLog#off off}. */
  final HandlerLog log;

  LoggingHandler(HandlerLog log) {
    this.log = log;
  }

  /**
   * Returns the handler's JSON Lines log file, the one its class comment names.
   *
   * @return the file the log writes to now
   * @throws IllegalStateException if the handler's log is turned off
   */
  public Path logFile() {
    return log.file();
  }

  /**
   * Waits until every log line so far is in the file, at most 10 seconds; does nothing if the log
   * is off.
   *
   * @throws HandlerException if lines are still unwritten after 10 seconds (the log cannot be
   *     written: its WARN, or the failure it reports, says why)
   */
  public void flushLog() {
    if (!flushLog(Duration.ofSeconds(10))) {
      throw new HandlerException("the handler's log lines were not all written within 10 s: "
          + log.file());
    }
  }

  /**
   * Waits until every log line so far is in the file, at most {@code timeout}.
   *
   * @param timeout how long to wait at most
   * @return {@code true} if they are (or the log is off), {@code false} if some are still
   *     unwritten (the log cannot be written, or is slow)
   */
  public boolean flushLog(Duration timeout) {
    return log.flush(requireNonNull(timeout, "timeout"));
  }

  /**
   * Returns the counts of the handler's log writer: lines appended, written and pending, and
   * failed writes ({@link WriterStats#failedWrites()}), which the builder's
   * {@code writeErrorHandler} is told of one by one.
   *
   * @return the counts now; empty if the handler's log is turned off
   */
  public Optional<WriterStats> logStats() {
    return log.stats();
  }

  /**
   * Closes the handler's log; close its subscriptions (or the bus) first. While the log cannot
   * be written and its buffer is full, a delivery waits for room, and closing a subscription
   * waits for that delivery: then close the handler, which after its close timeout gives up
   * the unwritten lines (counted as unwritten in {@link #logStats()}), and the delivery and the
   * subscription's close go on.
   */
  @Override
  public void close() {
    log.close();
  }
}
