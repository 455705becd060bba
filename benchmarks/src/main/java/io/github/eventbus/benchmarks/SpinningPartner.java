package io.github.eventbus.benchmarks;

/**
 * The second thread of a floor benchmark ({@link ComputeFloorBenchmark},
 * {@link CoreToCoreFloorBenchmark}): it runs one step after another, never parking, until
 * stopped, so that no wake-up is ever timed. Started and stopped by one thread.
 */
final class SpinningPartner {

  private volatile boolean stop;
  private final Thread thread;

  /** Starts a thread named {@code name} that calls {@code step} until {@link #stop()}. */
  SpinningPartner(String name, Runnable step) {
    thread = new Thread(() -> {
      while (!stop) {
        step.run();
      }
    }, name);
    thread.start();
  }

  /**
   * Stops the thread and waits for it.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  void stop() throws InterruptedException {
    stop = true;
    thread.join();
  }
}
