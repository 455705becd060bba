package io.github.eventbus;

import io.github.eventbus.internal.RateLimitedLog;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.internal.Uncaught;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Decides what happens to a failed delivery: a retry on the scheduler by the subscription's
 * {@link RetryPolicy}, or a dead letter. A waiting retry keeps its queue place.
 */
final class Retries {

  private final Lifecycle lifecycle;
  private final Clock clock;
  private final Capacity capacity;
  private final Guard guard;
  private final DeadLetters deadLetters;
  private final Workers workers;
  private final BiConsumer<Subscriber, Delivery> requeue;
  private final RateLimitedLog warnings;
  private final Set<RetryTask> pending = ConcurrentHashMap.newKeySet();

  Retries(Lifecycle lifecycle, Clock clock, Capacity capacity, Guard guard,
      DeadLetters deadLetters, Workers workers, BiConsumer<Subscriber, Delivery> requeue,
      RateLimitedLog warnings) {
    this.lifecycle = lifecycle;
    this.clock = clock;
    this.capacity = capacity;
    this.guard = guard;
    this.deadLetters = deadLetters;
    this.workers = workers;
    this.requeue = requeue;
    this.warnings = warnings;
  }

  /**
   * Reports a failed attempt and schedules a retry or dead-letters it. A queued delivery comes
   * with its worker's {@code run} (null for a synchronous one, which holds no queue place); if it
   * is given up, it is counted finished there before its report, so that whoever waits for the
   * report finds the place free as after a delivery; a scheduled retry keeps the place.
   */
  void onFailure(Subscriber s, Delivery failed, Throwable cause, Run run) {
    boolean holdsPlace = run != null;
    TypeStats stats = failed.route.stats;
    Event<?> event = deadLetters.envelope(failed);
    stats.failed.increment();
    int next = failed.attempt + 1;
    long now = clock.millis();
    long first = failed.attempt == 1 ? now : failed.firstAttemptMillis;
    Duration delay = null;
    // A retry its subscription's close() stopped: discarded like the retries already waiting.
    boolean unsubscribed = false;
    if (next <= s.retry.maxAttempts() && lifecycle.acceptsRetries()) {
      Duration candidate = s.retry.delayBefore(next, guard.jitterUnit());
      if (s.retry.allowsAttempt(next, Duration.ofMillis(now - first).plus(candidate))) {
        if (!s.active) {
          unsubscribed = true;
        } else if (holdsPlace || capacity.forceReserve(1) || reserveWhileDraining()) {
          delay = candidate;
        }
      }
    }
    // Scheduled before the failure is reported, so that "will retry" is said only of a retry the
    // scheduler took; the retry waits for the report (RetryTask.reported) to keep them in order.
    RetryTask scheduled = delay == null ? null : schedule(s, new Delivery(failed.payload, event,
        failed.route, next, first, failed.tracker, failed.index, failed.context), delay);
    if (scheduled != null && !lifecycle.acceptsRetries() && pending.remove(scheduled)) {
      // close()'s drain ended after the check above (user code, the jitter, ran in between):
      // nobody waits for this retry now, so it is not made. If close() took it from pending
      // first, close() reports it.
      Future<?> future = scheduled.future;
      if (future != null) {
        future.cancel(false);
      }
      scheduled = null;
    }
    deadLetters.reportFailure(cause, s, event, failed.attempt, scheduled != null);
    if (scheduled != null) {
      scheduled.count();
      if (!s.active) {
        // close() may have looked for waiting retries before this one was added: whichever of
        // the two sees the other discards it (each reads after its own write; pending is the
        // one claim).
        discard(s);
      }
      scheduled.reported();
      return;
    }
    // Counted before the place is freed: whoever sees the queue empty sees the outcome too.
    if (unsubscribed) {
      stats.discarded.increment();
    } else {
      stats.deadLettered.increment();
    }
    if (delay != null && !holdsPlace) {
      capacity.release(1); // the place reserved for a retry the scheduler refused
    }
    if (run != null) {
      run.finished();
      run.endIfHolding(capacity);
    }
    if (unsubscribed) {
      if (failed.tracker != null) {
        Outcome.SKIPPED.finishSkipped(failed.tracker, failed.index, null, failed.attempt);
      }
      return;
    }
    deadLetters.deadLetterFailure(event, s.name, cause, failed.attempt);
    if (failed.tracker != null) {
      failed.tracker.finish(failed.index, DeliveryStatus.DEAD_LETTERED, failed.attempt, cause, null);
    }
  }

  /**
   * Puts a retry on the scheduler and returns it; null if the scheduler refused it (or threw) and
   * it is still the caller's to report. Returned also when the scheduler refused it after a close
   * had already taken it from {@code pending} (counted and reported it): it must not be reported
   * and released a second time.
   */
  private RetryTask schedule(Subscriber s, Delivery delivery, Duration delay) {
    RetryTask task = new RetryTask(s, delivery);
    pending.add(task);
    ScheduledExecutorService scheduler = null;
    try {
      scheduler = workers.scheduler();
      task.future = scheduler.schedule(task, Settings.nanos(delay), TimeUnit.NANOSECONDS);
      return task;
    } catch (RuntimeException | Error e) {
      // A handler's Error never comes out of here (RetryTask hands it on), so whatever this is,
      // the scheduler's: a refusal, a bug, or no thread to be had.
      boolean ours = pending.remove(task);
      if (!(e instanceof RejectedExecutionException)) {
        // A user's scheduler may throw anything; one that cannot make its thread, an Error. Either
        // goes by the failure rule: logged, or an Error held for the end of this delivery.
        guard.schedulerThrew(e, scheduler == null ? workers : scheduler);
      }
      return ours ? null : task; // taken meanwhile (run inline, or cancelled)
    }
  }

  /** Cancels every waiting retry and reports it as undelivered; returns how many. */
  int abandon() {
    return cancel(null);
  }

  /**
   * Cancels the waiting retries of a closed subscription: they are discarded now (counted, and
   * reported UNSUBSCRIBED) and free their queue places, rather than when they come due, which may
   * be hours later.
   */
  void discard(Subscriber s) {
    cancel(s);
  }

  /**
   * Cancels the waiting retries of {@code only}, or all if null, and reports each through
   * {@link DeadLetters#undelivered} (undelivered, or discarded for a closed subscription).
   */
  private int cancel(Subscriber only) {
    int count = 0;
    for (RetryTask task : pending) {
      if ((only == null || task.subscriber == only) && pending.remove(task)) {
        task.count();
        Future<?> future = task.future;
        if (future != null) {
          future.cancel(false);
        }
        deadLetters.undelivered(task.subscriber, task.delivery);
        capacity.release(1);
        count++;
      }
    }
    return count;
  }

  private static final int REPORTING = 0;
  private static final int DUE = 1;
  private static final int REPORTED = 2;

  /** A retry waiting on the scheduler; it re-enters the subscriber's queue when due. */
  private final class RetryTask implements Runnable {
    final Subscriber subscriber;
    final Delivery delivery;
    volatile Future<?> future;
    private final AtomicBoolean counting = new AtomicBoolean();
    private volatile boolean counted;
    // 0: the failure it follows is being reported; 1: came due meanwhile; 2: reported
    private final AtomicInteger phase = new AtomicInteger();

    RetryTask(Subscriber subscriber, Delivery delivery) {
      this.subscriber = subscriber;
      this.delivery = delivery;
    }

    /**
     * Counts the retry in its type's {@code retried}, once: by whichever comes first of the
     * thread that scheduled it (once the scheduler took it) and whoever takes it (due, or
     * cancelled), before its outcome frees its place. So the count never goes back (a retry the
     * scheduler refused was never counted), and whoever sees the queue empty sees it counted.
     */
    void count() {
      if (counting.compareAndSet(false, true)) {
        delivery.route.stats.retried.increment();
        counted = true;
      } else {
        while (!counted) {
          Thread.onSpinWait(); // the other is between its claim and its count: a moment
        }
      }
    }

    /** Lets the retry run: if it came due while its failure was reported, runs it now. */
    void reported() {
      if (!phase.compareAndSet(REPORTING, REPORTED)) {
        phase.set(REPORTED);
        run();
      }
    }

    /**
     * Puts the retry back in its subscriber's queue. An executor that runs tasks inline runs the
     * handler here, and one that refuses makes its dead letter here: their Errors go to this
     * thread's uncaught-exception handler, as on a worker, since the scheduler would keep them in
     * a future that nobody reads.
     */
    @Override
    public void run() {
      if (phase.get() != REPORTED && phase.compareAndSet(REPORTING, DUE)) {
        return; // reported() runs it, after the failure's report
      }
      if (pending.remove(this)) {
        count();
        try {
          requeue.accept(subscriber, delivery);
        } catch (Error e) {
          Uncaught.handOn(e, warnings);
        }
      }
    }
  }

  /**
   * A place for the retry of an event that held none (a synchronous publish's), while the bus
   * drains: close() drains pending retries too, so it is kept like a handler's publish then.
   */
  private boolean reserveWhileDraining() {
    if (lifecycle.isAbandoned()) {
      return false;
    }
    capacity.reserveWhileDraining(1);
    return true;
  }
}
