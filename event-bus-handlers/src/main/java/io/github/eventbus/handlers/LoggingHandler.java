package io.github.eventbus.handlers;

import java.nio.file.Path;

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

  /** Waits until every log line so far is in the file; does nothing if the log is off. */
  public void flushLog() {
    log.flush();
  }

  /** Closes the handler's log; close its subscriptions (or the bus) first. */
  @Override
  public void close() {
    log.close();
  }
}
