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
    if (lifecycle.isClosed()) {
      throw new RejectedExecutionException("bus '" + lifecycle.bus() + "' is closed");
    }
  }

  private TrackedThreads threads(String role) {
    return TrackedThreads.named(lifecycle.bus() + "-" + role + "-");
  }

  /**
   * Stops the threads the bus created, waiting for running handlers until {@code deadline}; then
   * interrupts them and hands every task that never ran to {@code refused}.
   */
  void shutDown(long deadline, Consumer<Runnable> refused) {
    ThreadPoolExecutor pool;
    ScheduledThreadPoolExecutor timer;
    synchronized (lock) {
      pool = ownedExecutor;
      timer = ownedScheduler;
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    try {
      if (pool != null) {
        stop(pool, deadline, refused);
      }
      // A terminated pool's threads are still on their way out; wait for them too, so that no
      // thread of the bus outlives close().
      if (timer != null && timer.awaitTermination(1, TimeUnit.SECONDS)) {
        retryThreads.awaitExit(1, TimeUnit.SECONDS);
      }
      if (pool != null && pool.isTerminated()) {
        workerThreads.awaitExit(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      if (pool != null) {
        pool.shutdownNow().forEach(refused);
      }
    }
  }

  private void stop(ThreadPoolExecutor pool, long deadline, Consumer<Runnable> refused)
      throws InterruptedException {
    pool.shutdown();
    long wait = Math.max(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100));
    if (!pool.awaitTermination(wait, TimeUnit.NANOSECONDS)) {
      lifecycle.abandon();
      pool.shutdownNow().forEach(refused);
      // Handlers that answer the interrupt end now, and report their event as a dead letter.
      if (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
        log.warn("Bus '{}' closed while {} of its worker threads still run a handler that"
            + " ignores interrupts", lifecycle.bus(), pool.getActiveCount());
      }
    }
  }
}
