package io.github.eventbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The padded counter behind the queue bound: atomic updates, exact under contention. */
class PaddedCounterTest {

  @Test
  void updates_returnWhatTheirNamesSay() {
    PaddedCounter counter = new PaddedCounter();
    assertThat(counter.get()).isZero();
    assertThat(counter.getAndAdd(5)).isZero();
    assertThat(counter.addAndGet(-2)).isEqualTo(3);
    assertThat(counter.compareAndSet(4, 9)).isFalse();
    assertThat(counter.get()).isEqualTo(3);
    assertThat(counter.compareAndSet(3, Long.MIN_VALUE)).isTrue();
    assertThat(counter.get()).isEqualTo(Long.MIN_VALUE);
  }

  @RepeatedTest(5)
  void concurrentUpdates_loseNothing() throws InterruptedException {
    PaddedCounter counter = new PaddedCounter();
    int threads = 4;
    int perThread = 50_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      boolean viaCas = t % 2 == 0;
      Thread thread = new Thread(() -> {
        TestThreads.awaitQuietly(start);
        for (int i = 0; i < perThread; i++) {
          if (viaCas) {
            long seen;
            do {
              seen = counter.get();
            } while (!counter.compareAndSet(seen, seen + 3));
            counter.addAndGet(-1);
          } else {
            counter.getAndAdd(2);
          }
        }
      }, "padded-counter-test-" + t);
      thread.start();
      running.add(thread);
    }
    start.countDown();
    for (Thread thread : running) {
      thread.join();
    }
    assertThat(counter.get()).isEqualTo(2L * threads * perThread);
  }
}
