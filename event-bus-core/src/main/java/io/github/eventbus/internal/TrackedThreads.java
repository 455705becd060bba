package io.github.eventbus.internal;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thread factory that remembers the threads it made, so that their owner can wait until they
 * have ended. {@code ThreadPoolExecutor.awaitTermination} returns once the pool is terminated,
 * which is a moment before its last worker thread has finished: a {@code close()} that promises
 * that no thread of its own outlives it must also wait for the threads. Not part of the API.
 *
 * <p><b>Thread-safety:</b> thread-safe.
 */
public final class TrackedThreads implements ThreadFactory {

  private final ThreadFactory delegate;
  private final List<Thread> threads = new ArrayList<>(); // guarded by this

  private TrackedThreads(ThreadFactory delegate) {
    this.delegate = delegate;
  }

  /**
   * Tracks the threads another factory makes.
   *
   * @param delegate the factory that makes them
   * @return the tracking factory
   */
  public static TrackedThreads of(ThreadFactory delegate) {
    return new TrackedThreads(requireNonNull(delegate, "delegate"));
  }

  /**
   * Makes daemon threads named {@code <prefix>1}, {@code <prefix>2}, ...
   *
   * @param prefix the start of each name
   * @return the tracking factory
   */
  public static TrackedThreads named(String prefix) {
    requireNonNull(prefix, "prefix");
    AtomicInteger count = new AtomicInteger();
    return new TrackedThreads(runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  @Override
  public Thread newThread(Runnable task) {
    Thread thread = delegate.newThread(task);
    if (thread != null) {
      synchronized (this) {
        threads.removeIf(t -> t.getState() == Thread.State.TERMINATED); // pools replace threads
        threads.add(thread);
      }
    }
    return thread;
  }

  /**
   * Tells whether the calling thread is one of those made here: a close() called from it must
   * not wait for its own end.
   *
   * @return {@code true} if this factory made the calling thread
   */
  public synchronized boolean madeCurrentThread() {
    return threads.contains(Thread.currentThread());
  }

  /**
   * Waits until every thread made so far has ended, at most {@code timeout}.
   *
   * @param timeout how long to wait at most
   * @param unit its unit
   * @return {@code true} if none is alive any more
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitExit(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    List<Thread> made;
    synchronized (this) {
      made = new ArrayList<>(threads);
    }
    for (Thread thread : made) {
      if (thread == Thread.currentThread()) {
        continue; // closed from one of its own threads: that one ends after the caller returns
      }
      long left = deadline - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(thread, left);
      }
      if (thread.isAlive()) {
        return false;
      }
    }
    return true;
  }

  /**
   * As {@link #awaitExit}, but an interrupt does not end the wait: it is kept, and the calling
   * thread's interrupt status is set again before this returns. For a {@code close()} that must
   * not leave its threads behind because its caller was interrupted.
   *
   * @param timeout how long to wait at most
   * @param unit its unit
   * @return {@code true} if none is alive any more
   */
  public boolean awaitExitUninterruptibly(long timeout, TimeUnit unit) {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return awaitExit(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
