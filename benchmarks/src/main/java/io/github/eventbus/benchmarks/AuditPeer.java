package io.github.eventbus.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The trial of a logging library that writes the audit log's events as JSON lines: it logs to
 * {@code logs/events.jsonl} in a temporary directory, counts what each thread logged, and at the
 * end of the trial stops the library (which drains its queue), fails the trial unless every
 * event is a line in the file, and deletes the directory.
 */
public abstract class AuditPeer extends AuditRun {

  private Path directory;

  /**
   * Starts the library.
   *
   * @param directory the trial's temporary directory
   * @param file where the lines go: {@code logs/events.jsonl} in it
   * @throws IOException if the configuration cannot be written
   */
  abstract void start(Path directory, Path file) throws IOException;

  /** Logs the audit event once. */
  abstract void logOne();

  /** Stops the library once every event logged so far is in the file. */
  abstract void stop();

  /**
   * Names the trial in a failure.
   *
   * @return such as {@code logback IMMEDIATE}
   */
  abstract String trial();

  /**
   * Starts the library on a new temporary directory.
   *
   * @throws IOException if the directory cannot be made
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    directory = newDirectory(getClass().getSimpleName());
    start(directory, directory.resolve("logs/events.jsonl"));
  }

  /**
   * Stops the library, checks that nothing was dropped and deletes the directory.
   *
   * @param counts what every thread logged
   * @throws IOException if the files cannot be read or deleted
   */
  @TearDown(Level.Trial)
  public void tearDown(AuditEvents.Counts counts) throws IOException {
    stop();
    AuditEvents.checkNothingDropped(trial(), directory.resolve("logs"), counts.total());
    AuditEvents.deleteTree(directory);
  }

  /** Logs the event once and counts it for this thread. */
  final void log(AuditEvents.Publisher publisher) {
    logOne();
    publisher.published++;
  }
}
