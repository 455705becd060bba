package io.github.eventbus;

/**
 * The run state of one bus, shared by its parts: running, closing (draining) or closed, and
 * whether the drain gave up on what was left.
 */
final class Lifecycle {

  private static final int RUNNING = 0;
  private static final int CLOSING = 1;
  private static final int CLOSED = 2;

  private final String bus;
  private volatile int state = RUNNING;
  private volatile boolean abandoned;
  private volatile boolean drainOver;
  private volatile String abandonedBecause;

  Lifecycle(String bus) {
    this.bus = bus;
  }

  String bus() {
    return bus;
  }

  boolean isRunning() {
    return state == RUNNING;
  }

  boolean isClosed() {
    return state == CLOSED;
  }

  void closing() {
    state = CLOSING;
  }

  void closed() {
    state = CLOSED;
  }

  /** Tells whether the drain timed out: whatever is still queued is reported, not delivered. */
  boolean isAbandoned() {
    return abandoned;
  }

  /** Marks the drain over, delivered or given up: close() waits for no retry made from now on. */
  void drainOver() {
    drainOver = true;
  }

  /**
   * Tells whether a failed delivery may still be tried again: not once the drain is over (a
   * {@code publishSync} on another thread may fail after close() returned) or gave up.
   */
  boolean acceptsRetries() {
    return !drainOver && !abandoned;
  }

  /**
   * Gives up on what is still queued; {@code why} (the first one given) ends up in each
   * undelivered dead letter.
   */
  synchronized void abandon(String why) {
    if (!abandoned) {
      abandonedBecause = why;
      abandoned = true;
    }
  }

  /**
   * Why deliveries were given up, for the dead letters that report them: the reason the drain
   * gave up; else, once a drain has ended, that it had (a retry planned before it ended and
   * scheduled after); else, the executor's refusal.
   */
  String abandonedBecause() {
    String why = abandonedBecause;
    if (why != null) {
      return why;
    }
    return drainOver ? "its drain had ended when this delivery came due"
        : "its executor refused the delivery";
  }

  void ensureOpen() {
    if (state != RUNNING) {
      throw refusal();
    }
  }

  /**
   * Refuses a publish unless the bus runs, or it drains and the publisher is a handler of this bus
   * (on {@code inFlight}'s threads): what handlers publish while the bus drains is part of the
   * work the drain finishes.
   */
  void ensureAccepting(InFlight inFlight) {
    if (state != RUNNING && !acceptsFromHandler(inFlight)) {
      throw refusal();
    }
  }

  /** Tells whether a publish by the current thread is accepted while the bus drains. */
  boolean acceptsFromHandler(InFlight inFlight) {
    return state == CLOSING && !abandoned && inFlight.isDelivering();
  }

  IllegalStateException refusal() {
    return new IllegalStateException("bus '" + bus + "' is closed; it accepts no more events or"
        + " subscriptions");
  }

  @Override
  public String toString() {
    int s = state;
    return s == RUNNING ? "running" : s == CLOSING ? "closing" : "closed";
  }
}
