package io.github.eventbus;

import io.github.eventbus.internal.TrackedThreads;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads a bus delivers and retries on: the user's executor and scheduler if given, else
 * daemon threads the bus creates on first use ({@code <bus>-worker-<n>}, {@code <bus>-retry-1})
 * and alone shuts down.
 */
final class Workers {

  private static final Logger log = LoggerFactory.getLogger(EventBus.class);

  private final Lifecycle lifecycle;
  private final int workers;
  private final Executor userExecutor;
  private final Object lock = new Object();
  private volatile Executor executor;
  private ThreadPoolExecutor ownedExecutor; // under lock
  private volatile ScheduledExecutorService scheduler;
  private ScheduledThreadPoolExecutor ownedScheduler; // under lock
  private boolean shut; // under lock: shutDown began, so no more threads may start
  private final TrackedThreads workerThreads;
  private final TrackedThreads retryThreads;

  Workers(Lifecycle lifecycle, int workers, Executor userExecutor,
      ScheduledExecutorService userScheduler) {
    this.lifecycle = lifecycle;
    this.workers = workers;
    this.userExecutor = userExecutor;
    this.scheduler = userScheduler;
    this.workerThreads = threads("worker");
    this.retryThreads = threads("retry");
  }

  /** Tells whether deliveries run on the bus's own threads rather than a user's executor. */
  boolean ownsExecutor() {
    return userExecutor == null;
  }

  /** The delivery executor, started on first use. */
  Executor executor() {
    Executor current = executor;
    if (current != null) {
      return current;
    }
    synchronized (lock) {
      if (executor == null) {
        refuseIfClosed();
        if (userExecutor != null) {
          executor = userExecutor;
        } else {
          ownedExecutor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
              new LinkedBlockingQueue<>(), workerThreads);
          ownedExecutor.prestartAllCoreThreads();
          executor = ownedExecutor;
        }
      }
      return executor;
    }
  }

  /** The retry scheduler, started on first use. */
  ScheduledExecutorService scheduler() {
    ScheduledExecutorService current = scheduler;
    if (current != null) {
      return current;
    }
    synchronized (lock) {
      if (scheduler == null) {
        refuseIfClosed();
        ownedScheduler = new ScheduledThreadPoolExecutor(1, retryThreads);
        ownedScheduler.setRemoveOnCancelPolicy(true);
        scheduler = ownedScheduler;
      }
      return scheduler;
    }
  }

  private void refuseIfClosed() {
    if (shut || lifecycle.isClosed()) {
      throw new RejectedExecutionException("bus '" + lifecycle.bus() + "' is closed");
    }
  }

  private TrackedThreads threads(String role) {
    return TrackedThreads.named(lifecycle.bus() + "-" + role + "-");
  }

  /**
   * Stops the threads the bus created, waiting for running handlers until {@code deadline}; then
   * interrupts them and hands every task that never ran to {@code refused}, and waits a bounded
   * time for the threads to end. Returns whether the calling thread was interrupted meanwhile
   * (its flag is then clear, for the caller to set again once it is done).
   */
  boolean shutDown(long deadline, Consumer<Runnable> refused) {
    ThreadPoolExecutor pool;
    ScheduledThreadPoolExecutor timer;
    synchronized (lock) {
      // From here on executor() and scheduler() refuse to start threads: one started after this
      // read, say a retry scheduled while the drain ends, would never be shut down.
      shut = true;
      pool = ownedExecutor;
      timer = ownedScheduler;
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    boolean[] interrupted = {false};
    if (pool != null) {
      pool.shutdown();
      boolean ended;
      try {
        long wait = Math.max(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100));
        ended = pool.awaitTermination(wait, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted[0] = true;
        ended = false;
      }
      if (!ended) {
        lifecycle.abandon(interrupted[0] ? "close() was interrupted"
            : "handlers were still running at the drain deadline");
        pool.shutdownNow().forEach(refused);
        // Handlers that answer the interrupt end now, and report their event as a dead letter.
        if (!awaitBounded(pool::awaitTermination, interrupted)) {
          log.warn("Bus '{}' closed while {} of its worker threads still run a handler that"
              + " ignores interrupts", lifecycle.bus(), pool.getActiveCount());
        }
      }
    }
    // A terminated pool's threads are still on their way out; wait for them too, so that no
    // thread of the bus outlives close().
    if (timer != null && awaitBounded(timer::awaitTermination, interrupted)) {
      awaitBounded(retryThreads::awaitExit, interrupted);
    }
    if (pool != null && pool.isTerminated()) {
      awaitBounded(workerThreads::awaitExit, interrupted);
    }
    return interrupted[0];
  }

  /** A wait that may be interrupted, such as {@code awaitTermination}. */
  private interface Wait {
    boolean await(long timeout, TimeUnit unit) throws InterruptedException;
  }

  /**
   * Waits up to one second, going on through interrupts (noted in {@code interrupted}): closing
   * must not leave threads behind because its caller was interrupted, and the bound keeps it
   * short.
   */
  private static boolean awaitBounded(Wait wait, boolean[] interrupted) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (true) {
      try {
        return wait.await(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        interrupted[0] = true;
      }
    }
  }
}
