package io.github.eventbus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CloseOnceTest {

  @Test
  void close_runsTheActionOnce_andASecondCallerWaitsForTheFirst() throws Exception {
    for (int round = 0; round < 100; round++) {
      CloseOnce once = new CloseOnce();
      AtomicInteger runs = new AtomicInteger();
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      Thread first = new Thread(() -> once.close(() -> {
        runs.incrementAndGet();
        inside.countDown();
        awaitQuietly(release);
      }));
      first.start();
      assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(once.isClosed()).isTrue();
      AtomicInteger secondReturned = new AtomicInteger();
      Thread second = new Thread(() -> {
        once.close(runs::incrementAndGet);
        secondReturned.incrementAndGet();
      });
      second.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (second.getState() != Thread.State.BLOCKED) { // waits for the first to finish
        assertThat(second.isAlive()).as("second close() returned early").isTrue();
        assertThat(System.nanoTime() - deadline).isNegative();
        Thread.onSpinWait();
      }
      assertThat(secondReturned).hasValue(0);
      release.countDown();
      first.join();
      second.join();
      assertThat(secondReturned).hasValue(1);
      assertThat(runs).hasValue(1);
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
