package io.github.eventbus.audit;

import io.github.eventbus.Event;

/**
 * Marks the thread on which {@link AuditReader#replay} is publishing with the id of the event it
 * republishes, so that the audit log skips that event and only it: the {@code replay=true}
 * header alone can be set by any publisher, or carried on by a handler that publishes a new
 * event with the metadata of the one it received, and would keep an event never logged out of
 * the log. The bus hands an event to its audit log on the publishing thread, before it returns.
 * Thread-safe: each thread has its own mark.
 */
final class ReplayingThread {

  // Static: the reader and the bus's log share no object. The mark belongs to one call on one
  // thread, set and restored around it, and holds nothing between calls.
  private static final ThreadLocal<String> MARK = new ThreadLocal<>();

  private ReplayingThread() {}

  /** Runs {@code publish} with this thread marked by the event's id (replays may nest). */
  static void publishing(Event<?> event, Runnable publish) {
    String before = MARK.get();
    MARK.set(event.id());
    try {
      publish.run();
    } finally {
      if (before == null) {
        MARK.remove();
      } else {
        MARK.set(before);
      }
    }
  }

  /** Tells whether this thread is publishing that event as a replay now. */
  static boolean replaying(Event<?> event) {
    String id = MARK.get();
    return id != null && id.equals(event.id());
  }
}
