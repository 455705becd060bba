package io.github.eventbus.outside;

import io.github.eventbus.DeliveryStats;
import io.github.eventbus.EventBus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Helpers for {@link CoreProbeTest}: a user executor whose threads' uncaught Errors are kept. */
final class ProbeSupport {

  private ProbeSupport() {}

  /** An executor of the user's, as an application would pass to the builder. */
  static final class RecordingExecutor implements AutoCloseable {
    final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    final ExecutorService executor;

    RecordingExecutor(int threads) {
      AtomicInteger n = new AtomicInteger();
      executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "probe-exec-" + n.incrementAndGet());
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
            return t;
          });
    }

    @Override
    public void close() throws InterruptedException {
      executor.shutdownNow();
      executor.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** Waits, yielding, until the condition holds or {@code within} passed; returns whether it holds. */
  static boolean eventually(BooleanSupplier condition, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return condition.getAsBoolean();
      }
      Thread.yield();
    }
    return true;
  }

  static DeliveryStats totals(EventBus bus) {
    return bus.metrics().totals();
  }

  /** The live threads whose name starts with {@code prefix}. */
  static List<String> alive(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(prefix))
        .toList();
  }
}
