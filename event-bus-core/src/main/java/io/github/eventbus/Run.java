package io.github.eventbus;

/**
 * One run of queued deliveries on one thread (a mailbox's batch, or one concurrent delivery): the
 * thread's in-flight slot, and counts flushed to the shared counters once at the end.
 */
final class Run {

  final InFlight.Slot slot;
  private final int holdBack; // the capacity's, copied: read before every delivery
  private int finished; // deliveries whose queue place can be released
  private TypeStats stats; // of the deliveries counted in `delivered`
  private int delivered;
  /**
   * The undo action after which the previous delivery left the thread's context empty, if no
   * other code has run since, else null: see {@link Guard#leftEmpty}.
   */
  Object emptiedBy;

  Run(InFlight.Slot slot, Capacity capacity) {
    this.slot = slot;
    this.holdBack = capacity.holdBack;
  }

  /** Counts a successful delivery of an event with these counters. */
  void delivered(TypeStats of) {
    if (stats != of) {
      flush();
      stats = of;
    }
    delivered++;
  }

  /** Counts a delivery that is over (delivered, skipped or given up): its queue place is free. */
  void finished() {
    finished++;
  }

  /**
   * Before the next delivery of the run: flushes and frees places as {@link #end} does once
   * {@link Capacity#holdBack} finished deliveries have gathered.
   */
  void endIfHolding(Capacity capacity) {
    if (finished >= holdBack) {
      end(capacity);
    }
  }

  /** Flushes the counts and frees the queue places of the finished deliveries. */
  void end(Capacity capacity) {
    slot.flushTimed();
    flush();
    capacity.release(finished);
    finished = 0;
  }

  private void flush() {
    if (delivered > 0) {
      stats.delivered.add(delivered);
      delivered = 0;
    }
  }
}
