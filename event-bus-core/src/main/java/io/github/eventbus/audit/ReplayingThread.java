package io.github.eventbus.audit;

/**
 * Marks the thread on which {@link AuditReader#replay} is publishing, so that the audit log skips
 * the events it republishes and only those: the {@code replay=true} header alone can be set by
 * any publisher, and would keep an ordinary event out of the log. The bus hands an event to its
 * audit log on the publishing thread, before it returns. Thread-safe: each thread has its own
 * mark.
 */
final class ReplayingThread {

  // One per class loader, not per bus: the mark belongs to a call on a thread, set and cleared
  // around it, and holds nothing between calls.
  private static final ThreadLocal<Boolean> MARK = new ThreadLocal<>();

  private ReplayingThread() {}

  /** Runs {@code publish} with this thread marked, restoring the mark it had (replays nest). */
  static void publishing(Runnable publish) {
    Boolean before = MARK.get();
    MARK.set(Boolean.TRUE);
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

  /** Tells whether this thread is publishing a replay now. */
  static boolean now() {
    return MARK.get() != null;
  }
}
