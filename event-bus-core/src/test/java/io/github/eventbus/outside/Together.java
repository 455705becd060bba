package io.github.eventbus.outside;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs one task on several threads of its own, released together, for the promise tests. */
final class Together {

  private Together() {}

  /**
   * Starts {@code threads} named threads that wait for one another, then each run {@code task};
   * returns once all have finished, rethrowing the first failure.
   */
  static void run(int threads, Runnable task, long timeoutSeconds) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      CompletableFuture<Void> finished = new CompletableFuture<>();
      done.add(finished);
      Thread t = new Thread(() -> {
        try {
          go.await();
          task.run();
          finished.complete(null);
        } catch (Throwable e) {
          finished.completeExceptionally(e);
        }
      }, "together-" + (i + 1));
      t.setDaemon(true);
      t.start();
    }
    go.countDown();
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new))
        .get(timeoutSeconds, TimeUnit.SECONDS);
  }
}
