package io.github.eventbus.jsonl;

import java.nio.file.Path;

/**
 * Told when a {@link JsonLinesWriter} cannot write: the file or directory cannot be opened, a
 * write or fsync fails, or a record cannot be encoded as JSON. The writer keeps the lines it could
 * not write and retries; the handler is for alerting.
 *
 * <p><b>Thread-safety:</b> called from the writer's own thread, from {@code close()} (unless the
 * writer thread is held up in this handler: then close() logs instead of waiting on it), and from
 * an appending thread whose record was dropped (buffer full past an {@code offerTimeout}) or
 * left unwritten by a writer that had ended, so it may be called from several threads at once;
 * an exception it throws is logged and ignored. An {@code Error} it throws is logged too, and on
 * the writer's thread then handed to that thread's uncaught-exception handler; the writer goes on.
 */
@FunctionalInterface
public interface WriteErrorHandler {

  /**
   * Handles a write failure.
   *
   * @param file the file being written, or the directory it was to be created in
   * @param problem what went wrong; never includes record contents
   * @param cause the underlying exception
   */
  void onError(Path file, String problem, Throwable cause);
}
