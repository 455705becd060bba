package io.github.eventbus;

import java.util.List;
import java.util.concurrent.CountDownLatch;

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

  /** Waits for the latch; an interrupt ends the wait and stays set. */
  public static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
