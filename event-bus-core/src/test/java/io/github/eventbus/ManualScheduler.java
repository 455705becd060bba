package io.github.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler that runs tasks only when {@link #advance} moves its {@link ManualClock} past their
 * due time, on the calling thread. Records each requested delay. Thread-safe.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  private final ManualClock clock;
  private final List<Task> tasks = new ArrayList<>();
  private final List<Duration> delays = new ArrayList<>();
  private long sequence;
  private boolean shutdown;

  public ManualScheduler(ManualClock clock) {
    this.clock = clock;
  }

  /** Advances the clock by {@code step} and runs every task due by then, in due order. */
  public void advance(Duration step) {
    clock.advance(step);
    while (true) {
      Task next;
      synchronized (this) {
        next = tasks.stream()
            .filter(t -> !t.dueAt.isAfter(clock.instant()))
            .min(Comparator.comparing((Task t) -> t.dueAt).thenComparingLong(t -> t.sequence))
            .orElse(null);
        if (next == null) {
          return;
        }
        tasks.remove(next);
      }
      next.command.run();
    }
  }

  public synchronized List<Duration> delays() {
    return List.copyOf(delays);
  }

  /** Waits (on this monitor, no sleeping) until at least {@code count} tasks are scheduled. */
  public synchronized boolean awaitPending(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (tasks.size() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  public synchronized int pending() {
    return tasks.size();
  }

  @Override
  public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    }
    Duration d = Duration.ofNanos(unit.toNanos(delay));
    delays.add(d);
    Task task = new Task(command, clock.instant().plus(d), sequence++);
    tasks.add(task);
    notifyAll();
    return task;
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable c, long i, long p, TimeUnit u) {
    throw new UnsupportedOperationException();
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable c, long i, long d, TimeUnit u) {
    throw new UnsupportedOperationException();
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = new ArrayList<>();
    tasks.forEach(t -> left.add(t.command));
    tasks.clear();
    return left;
  }

  @Override
  public synchronized boolean isShutdown() {
    return shutdown;
  }

  @Override
  public synchronized boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }

  private final class Task implements ScheduledFuture<Object> {
    final Runnable command;
    final java.time.Instant dueAt;
    final long sequence;
    boolean cancelled;

    Task(Runnable command, java.time.Instant dueAt, long sequence) {
      this.command = command;
      this.dueAt = dueAt;
      this.sequence = sequence;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(Duration.between(clock.instant(), dueAt));
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      synchronized (ManualScheduler.this) {
        cancelled = tasks.remove(this);
        return cancelled;
      }
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException();
    }
  }
}
