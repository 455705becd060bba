package io.github.eventbus.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Holds a batch back until the machine is quiet: until, for {@link #QUIET_MS} milliseconds in a
 * row, no thread but the waiting one has been ready to run (Linux's {@code procs_running} in
 * {@code /proc/stat}, read every millisecond); at most {@link #MAX_WAIT_MS}, after which the batch
 * starts anyway and a line on standard error says so. On a system without {@code /proc} it
 * returns at once.
 *
 * <p>Why: JMH's own work between two iterations runs on the two processors the batch needs. The
 * host JVM prints each result and compiles its result handling, and the fork compiles the harness
 * code that sends it, in bursts of 20 to 70 ms that began at an iteration's end and ran on into
 * the next batch, which is 1.5x to 2x of a 35 ms one (benchmarks/RESULTS.md, 2026-12-03 and
 * 2026-12-04). Waiting for them to end keeps the harness out of the timed part; whatever starts
 * during a batch still counts. A contender that keeps a thread busy while idle would hold every
 * batch back for the whole wait, and the line says so.
 *
 * <p>Call it from one thread at a time (JMH's setup and profiler hooks do).
 */
final class QuietStart {

  static final int QUIET_MS = 10;
  static final int MAX_WAIT_MS = 1_000;
  private static final Path STAT = Path.of("/proc/stat");
  private static final String RUNNING = "procs_running ";

  private QuietStart() {}

  /** Waits for a quiet machine, at most {@link #MAX_WAIT_MS} (roughly: a millisecond a look). */
  static void await() {
    int quiet = 0;
    for (int looks = 0; quiet < QUIET_MS; looks++) {
      if (looks == MAX_WAIT_MS) {
        System.err.println("QuietStart: something kept running for " + MAX_WAIT_MS
            + " ms before this batch; it starts anyway");
        return;
      }
      int running = running();
      if (running < 0) {
        return;
      }
      quiet = running <= 1 ? quiet + 1 : 0; // 1: this thread, reading
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }

  /** Threads ready to run on the machine now, or -1 if it cannot tell. */
  private static int running() {
    try {
      for (String line : Files.readAllLines(STAT, StandardCharsets.US_ASCII)) {
        if (line.startsWith(RUNNING)) {
          return Integer.parseInt(line.substring(RUNNING.length()).trim());
        }
      }
      return -1;
    } catch (IOException | RuntimeException notLinux) {
      return -1;
    }
  }
}
