package io.github.eventbus;

import io.github.eventbus.audit.AuditLog;
import io.github.eventbus.internal.Settings;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a bus: refuses new work, waits up to the drain timeout for queued deliveries, reports
 * whatever is left as undelivered, and stops the threads and the audit log the bus owns.
 */
final class Drain {

  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  private final Lifecycle lifecycle;
  private final Capacity capacity;
  private final InFlight inFlight;
  private final Duration timeout;
  private final Subscriptions subscriptions;
  private final QueuedDispatch queued;
  private final Retries retries;
  private final Workers workers;
  private final AuditLog ownedAudit; // null unless the bus created it
  private final Object closeLock = new Object();
  private Thread shutdownHook; // under closeLock
  private Thread closer; // under closeLock: the thread closing the bus, while it does

  Drain(Lifecycle lifecycle, Capacity capacity, InFlight inFlight, Duration timeout,
      Subscriptions subscriptions, QueuedDispatch queued, Retries retries, Workers workers,
      AuditLog ownedAudit) {
    this.lifecycle = lifecycle;
    this.capacity = capacity;
    this.inFlight = inFlight;
    this.timeout = timeout;
    this.subscriptions = subscriptions;
    this.queued = queued;
    this.retries = retries;
    this.workers = workers;
    this.ownedAudit = ownedAudit;
  }

  void close() {
    if (inFlight.isDelivering()) {
      throw new IllegalStateException("close() was called from inside a handler of bus '"
          + lifecycle.bus() + "'; it would wait for that handler to finish. Close the bus from"
          + " another thread");
    }
    boolean interrupted;
    synchronized (closeLock) {
      // A callback the close runs outside any delivery (a report's) may call close() again on
      // this thread: the close under way finishes the job, a second drain would wait for it.
      if (lifecycle.isClosed() || closer == Thread.currentThread()) {
        return;
      }
      closer = Thread.currentThread();
      try {
        interrupted = closeNow();
      } finally {
        closer = null;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    inFlight.slot().rethrowPending(); // an Error from a dead-letter handler or callback
  }

  /** Closes the bus; returns whether the calling thread was interrupted meanwhile. */
  private boolean closeNow() {
    boolean interrupted = false;
    lifecycle.closing();
    capacity.close();
    long deadline = System.nanoTime() + Settings.nanos(timeout);
    boolean drained;
    try {
      drained = capacity.awaitEmpty(Settings.nanos(timeout));
    } catch (InterruptedException e) {
      // As ExecutorService.close(): stop waiting for the queues, but still end the threads
      // and account for every event, then keep the interrupt for the caller.
      interrupted = true;
      drained = false;
      deadline = System.nanoTime();
    }
    if (!drained) {
      abandonLeftovers(interrupted ? "close() was interrupted"
          : "the drain timeout of " + timeout + " elapsed");
    }
    lifecycle.drainOver();
    interrupted |= workers.shutDown(deadline, queued::refused);
    // A retry scheduled while abandonLeftovers ran, or planned before the drain ended and
    // scheduled after it, would never run (the bus's scheduler stopped) or find the bus closed.
    retries.abandon();
    if (ownedAudit != null) {
      ownedAudit.close();
    }
    lifecycle.closed();
    removeShutdownHook();
    return interrupted;
  }

  /** Closes the bus when the JVM shuts down, unless it was closed before. */
  void closeOnShutdown(Runnable close) {
    synchronized (closeLock) {
      shutdownHook = new Thread(close, lifecycle.bus() + "-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
  }

  private void removeShutdownHook() {
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting; the hook runs, finds the bus closed and returns
      }
      shutdownHook = null;
    }
  }

  private void abandonLeftovers(String why) {
    lifecycle.abandon(why);
    int count = retries.abandon() + queued.abandonUnstarted();
    for (Subscriber s : subscriptions.withClosing()) {
      if (s.mailbox != null) {
        List<Delivery> left = s.mailbox.takeAll();
        queued.abandon(s, left);
        count += left.size();
      }
    }
    log.warn("Bus '{}' closed with deliveries left ({}): {} reported as undelivered dead letters"
        + " (or discarded, for subscriptions closed meanwhile), others still running are reported"
        + " as they end", lifecycle.bus(), why, count);
  }
}
