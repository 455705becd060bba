package io.github.eventbus;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

  Workers(Lifecycle lifecycle, int workers, Executor userExecutor,
      ScheduledExecutorService userScheduler) {
    this.lifecycle = lifecycle;
    this.workers = workers;
    this.userExecutor = userExecutor;
    this.scheduler = userScheduler;
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
              new LinkedBlockingQueue<>(), threads("worker"));
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
        ownedScheduler = new ScheduledThreadPoolExecutor(1, threads("retry"));
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

  private ThreadFactory threads(String role) {
    AtomicInteger count = new AtomicInteger();
    String prefix = lifecycle.bus() + "-" + role + "-";
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
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
    if (pool == null) {
      return;
    }
    pool.shutdown();
    try {
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
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow().forEach(refused);
    }
  }
}
