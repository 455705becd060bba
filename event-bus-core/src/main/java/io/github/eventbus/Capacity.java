package io.github.eventbus;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bound of the asynchronous queue: a count of pending deliveries, with a closed flag in its
 * top bit so that closing and reserving are ordered by one atomic variable (a publish either
 * reserves before the close, and is drained, or sees the close and is refused).
 */
final class Capacity {

  enum Reservation { OK, FULL, CLOSED }

  private static final long CLOSED_BIT = 1L << 62;
  // How long a publisher facing a full queue tries again, yielding, before it parks.
  private static final long SPIN_NANOS = 50_000;
  private static final int BUSY_TRIES = 32;

  private final PaddedCounter state = new PaddedCounter(); // changed by every publish
  private final long capacity;
  /**
   * How many finished deliveries a worker's run may hold before it gives their places back: a
   * sixteenth of the capacity, at most 256 (one run), at least 1. Freeing places once per run
   * keeps the shared count off the hot path; the bound keeps a small queue's places from being
   * held by finished deliveries while a later handler of the same run is slow.
   */
  final int holdBack;
  private final MetricsRegistry metrics;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private volatile int waiters;

  Capacity(long capacity, MetricsRegistry metrics) {
    this.capacity = capacity;
    this.metrics = metrics;
    this.holdBack = (int) Math.max(1, Math.min(256, capacity / 16));
  }

  long depth() {
    return state.get() & ~CLOSED_BIT;
  }

  boolean isClosed() {
    return (state.get() & CLOSED_BIT) != 0;
  }

  /** Reserves room for {@code n} deliveries; an empty queue admits any {@code n}. */
  Reservation tryReserve(int n) {
    while (true) {
      long s = state.get();
      if ((s & CLOSED_BIT) != 0) {
        return Reservation.CLOSED;
      }
      if (s > 0 && s + n > capacity) {
        return Reservation.FULL;
      }
      if (state.compareAndSet(s, s + n)) {
        metrics.observeDepth(s + n);
        return Reservation.OK;
      }
    }
  }

  /** Reserves beyond the bound (for publishes from inside handlers, and retries); fails only once closed. */
  boolean forceReserve(int n) {
    while (true) {
      long s = state.get();
      if ((s & CLOSED_BIT) != 0) {
        return false;
      }
      if (state.compareAndSet(s, s + n)) {
        metrics.observeDepth((s + n) & ~CLOSED_BIT);
        return true;
      }
    }
  }

  /** Waits for room; returns CLOSED if the bus closes, FULL if the timeout elapses. */
  Reservation awaitReserve(int n, long timeoutNanos) throws InterruptedException {
    long start = System.nanoTime();
    Reservation spun = spinReserve(n, Math.min(timeoutNanos, SPIN_NANOS), start);
    if (spun != Reservation.FULL) {
      return spun;
    }
    long remaining = timeoutNanos - (System.nanoTime() - start);
    lock.lock();
    try {
      waiters++;
      try {
        while (true) {
          Reservation r = tryReserve(n);
          if (r != Reservation.FULL) {
            return r;
          }
          if (remaining <= 0) {
            return Reservation.FULL;
          }
          remaining = changed.awaitNanos(remaining);
        }
      } finally {
        waiters--;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Tries to reserve for up to {@code spinNanos}, yielding the CPU between tries. A consumer frees
   * places in batches a few microseconds apart under load; catching the next batch this way is far
   * cheaper than parking and being woken for each one (a futex wait and wake per batch), which is
   * what made a full queue's throughput swing several-fold from one run to the next.
   */
  private Reservation spinReserve(int n, long spinNanos, long start) {
    for (int tries = 0; ; tries++) {
      Reservation r = tryReserve(n);
      if (r != Reservation.FULL) {
        return r;
      }
      if (tries < BUSY_TRIES) {
        Thread.onSpinWait();
      } else if (System.nanoTime() - start >= spinNanos) {
        return Reservation.FULL;
      } else {
        Thread.yield();
      }
    }
  }

  /** Reserves places even though the capacity is closed: for handlers publishing during a drain. */
  void reserveWhileDraining(int n) {
    long s = state.addAndGet(n);
    metrics.observeDepth(s & ~CLOSED_BIT);
  }

  void release(int n) {
    if (n == 0) {
      return;
    }
    long s = state.addAndGet(-n);
    if (waiters > 0 || (s & CLOSED_BIT) != 0) {
      signal();
    }
  }

  void close() {
    long s;
    do {
      s = state.get();
    } while (!state.compareAndSet(s, s | CLOSED_BIT));
    signal();
  }

  /** After {@link #close()}: waits until every reserved delivery was released. */
  boolean awaitEmpty(long timeoutNanos) throws InterruptedException {
    long remaining = timeoutNanos;
    lock.lock();
    try {
      waiters++;
      try {
        while (depth() > 0) {
          if (remaining <= 0) {
            return false;
          }
          remaining = changed.awaitNanos(remaining);
        }
        return true;
      } finally {
        waiters--;
      }
    } finally {
      lock.unlock();
    }
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
