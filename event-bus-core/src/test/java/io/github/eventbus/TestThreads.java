package io.github.eventbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/** Thread helpers the core tests share. */
public final class TestThreads {

  private TestThreads() {}

  /** The names of the live threads whose name starts with {@code prefix}. */
  public static List<String> alive(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(prefix))
        .toList();
  }

  /**
   * Waits for the latch as a handler that ignores interrupts does: an interrupt neither ends the
   * wait nor stays set. Gives up after a minute, so that a test that never opens the latch ends.
   */
  public static void awaitIgnoringInterrupts(CountDownLatch latch) {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (true) {
      try {
        latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        return;
      } catch (InterruptedException ignored) {
        // the point: a stuck handler (or encoder) that does not stop when interrupted
      }
    }
  }

  /**
   * Waits up to 20 s at a barrier, for threads started together; any failure to meet there (a
   * timeout, a broken barrier, an interrupt) fails the calling thread's work.
   *
   * @param barrier the barrier
   */
  public static void awaitBarrier(CyclicBarrier barrier) {
    try {
      barrier.await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits for the latch; an interrupt ends the wait and stays set. */
  public static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs {@code publish(id, sequence)} for sequences 0 to {@code perPublisher - 1} on each of
   * {@code publishers} new threads, and waits for them all.
   */
  public static void publishFromThreads(int publishers, int perPublisher,
      BiConsumer<Integer, Integer> publish) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < publishers; p++) {
      int id = p;
      Thread t = new Thread(() -> {
        for (int s = 0; s < perPublisher; s++) {
          publish.accept(id, s);
        }
      }, "t-publisher-" + p);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
  }

  /**
   * Waits, spinning and yielding, until the condition holds or {@code within} has passed; returns
   * whether it holds.
   */
  public static boolean await(BooleanSupplier condition, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return condition.getAsBoolean();
      }
      Thread.yield();
    }
    return true;
  }

  /**
   * Busy-waits about {@code nanos}: only to vary where a thread is when another acts (in a spin,
   * a yield or parked), never to wait for something to happen.
   */
  public static void spin(long nanos) {
    long end = System.nanoTime() + nanos;
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
  }
}
