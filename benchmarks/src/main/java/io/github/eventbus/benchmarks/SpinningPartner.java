package io.github.eventbus.benchmarks;

import java.util.concurrent.locks.LockSupport;

/**
 * The second thread of a floor benchmark ({@link PartneredBatches}): during a batch it runs one
 * step after another, never parking, so that no wake-up is timed. Between batches it parks, as a
 * bus worker does once idle, so that {@link QuietStart} can see a quiet machine: it starts held,
 * {@link #resume()} returns once it is spinning again, and {@link #hold()} once it has stopped
 * stepping. Driven by one thread.
 */
final class SpinningPartner {

  private volatile boolean stop;
  private volatile boolean held = true;
  private volatile boolean parked;
  private final Thread thread;

  /** Starts a thread named {@code name}; returns once it is parked until {@link #resume()}. */
  SpinningPartner(String name, Runnable step) {
    thread = new Thread(() -> {
      while (!stop) {
        if (held) {
          parked = true;
          while (held && !stop) {
            LockSupport.park(this);
          }
          parked = false;
        } else {
          step.run();
        }
      }
    }, name);
    thread.start();
    while (!parked) {
      Thread.onSpinWait();
    }
  }

  /** Lets the thread step again; returns once it has left its park, before the batch starts. */
  void resume() {
    held = false;
    LockSupport.unpark(thread);
    while (parked) {
      Thread.onSpinWait();
    }
  }

  /** Holds the thread after its current step; returns once it no longer steps. */
  void hold() {
    held = true;
    while (!parked && thread.isAlive()) {
      Thread.onSpinWait();
    }
  }

  /**
   * Stops the thread and waits for it.
   *
   * @throws InterruptedException if interrupted while waiting
   */
  void stop() throws InterruptedException {
    stop = true;
    LockSupport.unpark(thread);
    thread.join();
  }
}
