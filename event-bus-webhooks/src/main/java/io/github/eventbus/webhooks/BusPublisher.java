package io.github.eventbus.webhooks;

import io.github.eventbus.DeliveryReport;
import io.github.eventbus.DeliveryStatus;
import io.github.eventbus.Event;
import io.github.eventbus.EventBus;
import io.github.eventbus.RejectedEventException;
import io.github.eventbus.internal.PublishError;
import io.github.eventbus.internal.Settings;
import io.github.eventbus.internal.TrackedThreads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Offers events to the bus with a bound on the wait, whatever the bus's backpressure policy.
 *
 * <p>The bus's own {@code publish} may wait without limit ({@code BLOCK} without a block
 * timeout) and its public API offers no timed publish, so each publish runs on a thread of a
 * bounded pool ({@code webhook-receiver-publish-<n>}) while the request thread waits for at most
 * the timeout. A publish still waiting then finishes later and reports its outcome to the
 * caller's callback. A {@code DROP} is told apart from an acceptance by
 * {@link EventBus#publishAndTrack}: a dropped event's report is complete, with {@code DROPPED}
 * outcomes, when the call returns. When every thread is busy the answer is {@link Outcome#BUSY}
 * at once. Thread-safe.
 */
final class BusPublisher implements AutoCloseable {

  /** What became of an offered event. */
  enum Outcome {
    /** The bus accepted the event. */
    ACCEPTED,
    /** The bus dropped it (policy {@code DROP}). */
    DROPPED,
    /** The bus rejected it (full, or its block timeout elapsed). */
    REJECTED,
    /** The bus is closed. */
    CLOSED,
    /** Every publishing thread is busy; the event was not offered. */
    BUSY,
    /** Still waiting for the bus after the timeout; the callback gets the final outcome. */
    PENDING
  }

  private final EventBus bus;
  private final long timeoutNanos;
  private final ThreadPoolExecutor threads;
  private final TrackedThreads threadFactory = TrackedThreads.named("webhook-receiver-publish-");

  BusPublisher(EventBus bus, Duration timeout, int maxThreads) {
    this.bus = bus;
    this.timeoutNanos = Settings.nanos(timeout);
    this.threads = new ThreadPoolExecutor(0, maxThreads, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), threadFactory);
  }

  /**
   * Offers an event and waits at most the timeout; if the answer is {@link Outcome#PENDING},
   * {@code late} receives the final outcome when the bus decides.
   */
  Outcome publish(Event<?> event, Consumer<Outcome> late) {
    CompletableFuture<Outcome> result = new CompletableFuture<>();
    try {
      threads.execute(() -> {
        try {
          result.complete(publishNow(event));
        } catch (Error e) {
          result.complete(switch (PublishError.of(e, bus)) {
            case ACCEPTED -> Outcome.ACCEPTED;
            case REFUSED -> Outcome.REJECTED;
            case BUS_CLOSED -> Outcome.CLOSED;
          });
          throw e; // to this thread's uncaught-exception handler; the pool replaces the thread
        }
      });
    } catch (RejectedExecutionException busy) {
      return Outcome.BUSY;
    }
    try {
      return result.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      result.thenAccept(late);
      return Outcome.PENDING;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.thenAccept(late);
      return Outcome.PENDING;
    } catch (ExecutionException e) {
      return Outcome.REJECTED; // the task completes the future whatever it meets; for completeness
    }
  }

  private Outcome publishNow(Event<?> event) {
    CompletableFuture<DeliveryReport> report;
    try {
      report = bus.publishAndTrack(event).toCompletableFuture();
    } catch (RejectedEventException e) {
      return Outcome.REJECTED;
    } catch (IllegalStateException e) {
      return Outcome.CLOSED;
    } catch (RuntimeException e) {
      return Outcome.REJECTED;
    }
    boolean dropped = report.isDone() && !report.isCompletedExceptionally()
        && report.join().outcomes().stream().anyMatch(o -> o.status() == DeliveryStatus.DROPPED);
    return dropped ? Outcome.DROPPED : Outcome.ACCEPTED;
  }

  /**
   * Stops the threads, and waits (a second at most) until they have ended; a publish still
   * waiting for the bus is interrupted and so rejected.
   */
  @Override
  public void close() {
    close(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
  }

  /** As {@link #close()}, waiting until {@code deadline} ({@link System#nanoTime()}) at most. */
  void close(long deadline) {
    threads.shutdownNow();
    threadFactory.awaitExitUninterruptibly(Math.max(0, deadline - System.nanoTime()),
        TimeUnit.NANOSECONDS);
  }
}
