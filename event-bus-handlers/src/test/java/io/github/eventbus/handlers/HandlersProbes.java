package io.github.eventbus.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.eventbus.DeadLetter;
import io.github.eventbus.EventBus;
import io.github.eventbus.ManualClock;
import io.github.eventbus.TestResources;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the handlers' adversarial probes share: a temporary directory, a manual clock, a bus that
 * runs subscribers inline, a watcher that records its changes, named pipes, and resources closed
 * after each probe in reverse order.
 */
abstract class HandlersProbes {

  /**
   * The debounce of watchers whose tests count the events of files they write. A write is a
   * create, then the content: a writer paused longer than the debounce between the two (a loaded
   * machine does pause a thread for 50 ms) gets, as documented, two events, {@code created} and
   * then {@code modified}. A quiet time of a second is longer than such pauses.
   */
  static final Duration QUIET = Duration.ofSeconds(1);

  @TempDir Path tmp;
  final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
  final List<Throwable> failures = new CopyOnWriteArrayList<>();
  final List<DeadLetter> letters = new CopyOnWriteArrayList<>();
  final BlockingQueue<FileChange> changes = new LinkedBlockingQueue<>();
  final List<AutoCloseable> toClose = new ArrayList<>();
  final ExecutorService side = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "probe-side");
    t.setDaemon(true);
    return t;
  });

  @AfterEach
  void tearDown() throws Exception {
    try {
      TestResources.closeAll(toClose);
    } finally {
      side.shutdownNow();
    }
  }

  <T extends AutoCloseable> T closing(T resource) {
    toClose.add(resource);
    return resource;
  }

  /** A bus that runs subscribers on the publishing thread, recording failures and dead letters. */
  EventBus inlineBus() {
    EventBus bus = closing(EventBus.builder().name("probe").clock(clock).executor(Runnable::run)
        .exceptionHandler((e, c) -> failures.add(e)).build());
    bus.subscribe(DeadLetter.class, letters::add);
    return bus;
  }

  FileWatcher watch(EventBus bus, Path root, String name) {
    bus.subscribe(FileChange.class, changes::add);
    return closing(FileWatcher.builder(bus).watch(root).debounce(QUIET).name(name)
        .build());
  }

  /** Takes changes until one for the file arrives (or the deadline passes: null). */
  FileChange awaitChangeOf(Path file, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    for (long left; (left = deadline - System.nanoTime()) > 0; ) {
      FileChange c = changes.poll(left, TimeUnit.NANOSECONDS);
      if (c != null && c.filePath().equals(file.toString())) {
        return c;
      }
    }
    return null;
  }

  /** Opens a named pipe for writing and closes it, so that a reader blocked on it sees EOF. */
  void releaseFifo(Path fifo) {
    side.submit(() -> {
      try (OutputStream out = Files.newOutputStream(fifo, StandardOpenOption.WRITE)) {
        out.flush();
      }
      return null;
    });
  }

  Path mkfifo(Path fifo) throws Exception {
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0).as("mkfifo").isTrue();
    return fifo;
  }
}
