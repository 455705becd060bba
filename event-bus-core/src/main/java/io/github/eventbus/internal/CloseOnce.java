package io.github.eventbus.internal;

/**
 * Runs a component's close action once: a second {@code close()} returns at once if the first
 * has finished, or waits for it. If the action throws, the first caller gets the exception and
 * closing still counts as done, as for {@code Closeable.close()}: the action is not run twice.
 * Not part of the API.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class CloseOnce {

  private volatile boolean closed;

  /**
   * Runs {@code action} unless a call ran it before; waits while another thread runs it.
   *
   * @param action what closing does
   */
  public synchronized void close(Runnable action) {
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
