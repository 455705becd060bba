package io.github.eventbus.internal;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs a component's close action once: a second {@code close()} returns at once if the first
 * has finished, or waits for it. If the action throws, the first caller gets the exception and
 * closing still counts as done, as for {@code Closeable.close()}: the action is not run twice.
 * Not part of the API.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class CloseOnce {

  // A lock rather than a monitor: closeIfFree must tell, without waiting, whether another thread
  // is in the action.
  private final ReentrantLock lock = new ReentrantLock();
  private volatile boolean closed;

  /**
   * Runs {@code action} unless a call ran it before; waits while another thread runs it.
   *
   * @param action what closing does
   */
  public void close(Runnable action) {
    lock.lock();
    try {
      runOnce(action);
    } finally {
      lock.unlock();
    }
  }

  /**
   * As {@link #close}, but returns at once, without running {@code action}, if another thread
   * is running it: for a component's own thread, which the closing thread may be waiting for.
   *
   * @param action what closing does
   */
  public void closeIfFree(Runnable action) {
    if (!lock.tryLock()) {
      return;
    }
    try {
      runOnce(action);
    } finally {
      lock.unlock();
    }
  }

  private void runOnce(Runnable action) {
    if (closed) {
      return;
    }
    closed = true;
    action.run();
  }

  /**
   * Tells whether closing has begun.
   *
   * @return {@code true} once {@link #close} was called
   */
  public boolean isClosed() {
    return closed;
  }
}
