package io.github.eventbus.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.eventbus.TestThreads;
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
      CountDownLatch release = new CountDownLatch(1);
      Thread first = closingUntil(release, once, runs);
      assertThat(once.isClosed()).isTrue();
      AtomicInteger secondReturned = new AtomicInteger();
      Thread second = new Thread(() -> {
        once.close(runs::incrementAndGet);
        secondReturned.incrementAndGet();
      });
      second.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (second.getState() != Thread.State.WAITING) { // waits for the first to finish
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

  @Test
  void closeIfFree_whileAnotherThreadRunsTheAction_returnsAtOnce_withoutRunningIt()
      throws Exception {
    CloseOnce once = new CloseOnce();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    Thread first = closingUntil(release, once, runs);

    once.closeIfFree(runs::incrementAndGet); // returns although the first is still inside

    assertThat(first.isAlive()).isTrue();
    release.countDown();
    first.join();
    assertThat(runs).hasValue(1);
  }

  /** Starts a thread that closes {@code once}, counting a run, and stays in it until released. */
  private static Thread closingUntil(CountDownLatch release, CloseOnce once, AtomicInteger runs)
      throws InterruptedException {
    CountDownLatch inside = new CountDownLatch(1);
    Thread first = new Thread(() -> once.close(() -> {
      runs.incrementAndGet();
      inside.countDown();
      TestThreads.awaitQuietly(release);
    }));
    first.start();
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
    return first;
  }

  @Test
  void closeIfFree_first_runsTheAction_once_andFromInsideTheAction_returns() {
    CloseOnce once = new CloseOnce();
    AtomicInteger runs = new AtomicInteger();
    once.closeIfFree(() -> {
      runs.incrementAndGet();
      once.closeIfFree(runs::incrementAndGet);
      once.close(runs::incrementAndGet);
    });
    once.closeIfFree(runs::incrementAndGet);
    once.close(runs::incrementAndGet);
    assertThat(runs).hasValue(1);
    assertThat(once.isClosed()).isTrue();
  }

  /**
   * The action throws part way: the first caller gets the failure; closing counts as done, as for
   * {@code Closeable.close()}, so a later close() neither runs the action again (which could close
   * parts twice) nor throws.
   */
  @Test
  void close_actionThrows_firstCallerGetsIt_laterCallsReturn() {
    CloseOnce once = new CloseOnce();
    AtomicInteger runs = new AtomicInteger();
    Runnable failing = () -> {
      runs.incrementAndGet();
      throw new IllegalStateException("inbound close failed");
    };
    assertThatThrownBy(() -> once.close(failing)).hasMessage("inbound close failed");
    assertThat(catchThrowable(() -> once.close(failing))).isNull();
    assertThat(runs).hasValue(1);
    assertThat(once.isClosed()).isTrue();
  }

  @Test
  void close_manyThreadsAtOnce_actionRunsOnceAndAllReturnAfterIt() throws Exception {
    for (int round = 0; round < 200; round++) {
      CloseOnce once = new CloseOnce();
      AtomicInteger runs = new AtomicInteger();
      AtomicInteger finished = new AtomicInteger();
      AtomicInteger sawUnfinished = new AtomicInteger();
      CountDownLatch go = new CountDownLatch(1);
      Thread[] threads = new Thread[4];
      for (int t = 0; t < threads.length; t++) {
        threads[t] = new Thread(() -> {
          TestThreads.awaitQuietly(go);
          once.close(() -> {
            runs.incrementAndGet();
            Thread.yield();
            finished.incrementAndGet();
          });
          if (finished.get() == 0) {
            sawUnfinished.incrementAndGet();
          }
        });
        threads[t].start();
      }
      go.countDown();
      for (Thread t : threads) {
        t.join(10_000);
      }
      assertThat(runs).as("round %d", round).hasValue(1);
      assertThat(sawUnfinished).as("round %d", round).hasValue(0);
    }
  }
}
