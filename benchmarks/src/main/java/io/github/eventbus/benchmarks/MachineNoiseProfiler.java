package io.github.eventbus.benchmarks;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof io.github.eventbus.benchmarks.MachineNoiseProfiler}) that reports,
 * for every iteration, what else took the processors while it ran, so that a slow batch of a
 * {@link SingleShotBatches} benchmark can be told apart from a slow bus:
 *
 * <ul>
 *   <li>{@code ·steal}: processor time the hypervisor gave to other guests (Linux's {@code steal}
 *       in {@code /proc/stat}, in clock ticks of 10 ms, so 0, 10, 20 ... summed over both
 *       processors);
 *   <li>{@code ·other-processes}: busy time of every other process on the machine, in ticks too;
 *   <li>{@code ·jit}: time this JVM's JIT compilers spent compiling, summed over its compiler
 *       threads ({@code CompilationMXBean});
 *   <li>{@code ·gc}: time of this JVM's collections ({@code GarbageCollectorMXBean}s);
 *   <li>{@code ·runqueue-wait}: time this JVM's threads were ready to run but waited for a
 *       processor, summed over its threads ({@code /proc/self/task/<tid>/schedstat});
 *   <li>{@code ·idle}: time the processors had nothing to run, in ticks; with a long run-queue
 *       wait and no other cause, the kernel kept two busy threads on one processor.
 * </ul>
 *
 * <p>All in milliseconds. It reads these before and after each iteration, outside the timed
 * part (before: once the machine is quiet, as the batch itself waits for, see
 * {@link QuietStart}), and reads them two thousand times when JMH creates it (about a second), so
 * that C2 has compiled its own reading code before the first iteration (with a few hundred reads,
 * that compile landed in a measured one); on a system without {@code /proc} it reports nothing.
 * {@code benchmarks/scripts/stability.py} prints these next to each slow iteration. JMH creates one
 * per fork and calls it from one thread.
 */
public final class MachineNoiseProfiler implements InternalProfiler {

  private static final Path STAT = Path.of("/proc/stat");
  private static final Path SELF_STAT = Path.of("/proc/self/stat");
  private static final Path TASKS = Path.of("/proc/self/task");
  private static final double MS_PER_TICK = 10; // USER_HZ is 100 on every Linux JMH runs on here

  private static final int WARM_UP_READS = 2_000;

  private Snapshot before;

  /** Creates the profiler; JMH calls this once per fork, before the first iteration. */
  public MachineNoiseProfiler() {
    Snapshot last = read();
    for (int i = 0; i < WARM_UP_READS; i++) {
      Snapshot next = read();
      between(last, next);
      last = next;
    }
  }

  /** What one reading of {@code /proc} found, in milliseconds. */
  private record Snapshot(double steal, double busy, double idle, double ownTicks, double jit,
      double gc, double queued) {

    static Snapshot take() throws IOException {
      String[] cpu = Files.readAllLines(STAT, StandardCharsets.US_ASCII).get(0).trim()
          .split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...
      double busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7}) {
        busy += Long.parseLong(cpu[i]);
      }
      double steal = Long.parseLong(cpu[8]) * MS_PER_TICK;
      String self = Files.readString(SELF_STAT, StandardCharsets.US_ASCII);
      // fields after the command's closing parenthesis; utime and stime are the 14th and 15th
      String[] fields = self.substring(self.lastIndexOf(')') + 2).split(" ");
      double own = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * MS_PER_TICK;
      double queued = 0;
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
        for (Path task : tasks) {
          String[] sched;
          try {
            sched = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII)
                .trim().split(" ");
          } catch (IOException threadEnded) {
            continue;
          }
          queued += Long.parseLong(sched[1]) / 1e6;
        }
      }
      double gc = 0;
      for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
        gc += Math.max(0, collector.getCollectionTime());
      }
      double idle = (Long.parseLong(cpu[4]) + Long.parseLong(cpu[5])) * MS_PER_TICK;
      return new Snapshot(steal, busy * MS_PER_TICK, idle, own,
          ManagementFactory.getCompilationMXBean().getTotalCompilationTime(), gc, queued);
    }
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmark, IterationParams iteration) {
    // JMH calls this before the iteration's setup, where a batch waits for a quiet machine: the
    // same wait here keeps what ran before the batch out of its counts.
    QuietStart.await();
    before = read();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmark,
      IterationParams iteration, IterationResult result) {
    return between(before, read());
  }

  private static List<Result> between(Snapshot before, Snapshot after) {
    List<Result> results = new ArrayList<>();
    if (before != null && after != null) {
      // a thread that ended during the iteration takes its time with it; only ever an undercount
      results.add(ms("·steal", after.steal - before.steal));
      results.add(ms("·other-processes",
          (after.busy - before.busy) - (after.ownTicks - before.ownTicks)));
      results.add(ms("·jit", after.jit - before.jit));
      results.add(ms("·gc", after.gc - before.gc));
      results.add(ms("·runqueue-wait", after.queued - before.queued));
      results.add(ms("·idle", after.idle - before.idle));
    }
    return results;
  }

  private static ScalarResult ms(String label, double value) {
    return new ScalarResult(label, Math.max(0, value), "ms", AggregationPolicy.AVG);
  }

  private static Snapshot read() {
    try {
      return Snapshot.take();
    } catch (IOException | RuntimeException notLinux) {
      return null;
    }
  }

  @Override
  public String getDescription() {
    return "Host steal, other processes, JIT, GC and run-queue wait per iteration (Linux /proc)";
  }
}
