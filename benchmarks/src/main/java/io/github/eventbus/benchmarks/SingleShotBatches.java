package io.github.eventbus.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How the asynchronous batch benchmarks ({@link AsyncEndToEndBenchmark},
 * {@link AsyncFanOutBenchmark}, and their reference {@link ComputeFloorBenchmark}) are measured,
 * in one place so that they compare: one batch per iteration timed in milliseconds, 60 warm-up and
 * 10 measured batches, one fork with a 1 GB pre-touched heap (heap growth would show as page
 * faults in whichever contender allocates). JMH's annotations are inherited.
 *
 * <p>The warm-up counts batches, so it is shortest for the fastest contender: 20 batches of the
 * 1-to-1 benchmark warmed event-bus up for under a second, and its compile log showed C2 still
 * compiling the worker's loop (the executor's {@code runWorker}, on-stack) and the rescheduling
 * path in the 21st to 29th batch of every fork, where most slow single batches were.
 *
 * <p>Each batch starts once the machine has been quiet for 10 ms ({@link QuietStart}), so that
 * JMH's handling of the last result does not run into it. A contender that keeps a thread running
 * through a batch ({@link PartneredBatches}) quiets it in {@link #afterBatch()} and starts it again
 * in {@link #beforeBatch()}.
 *
 * <p>The same benchmarks also run in JMH's average-time mode, chosen on the command line
 * ({@code -bm avgt -wi 5 -w 1s -i 10 -r 1s}): batches back to back, each iteration a second of
 * them scored as its time per batch. A disturbance of fixed length (a 20 ms one is 1.5x of a 40 ms
 * batch) then weighs on a second, not on one batch, while a contender whose batches are slow for
 * a stretch still shows. {@link QuietStart} and the hooks run once per iteration, around its
 * batches.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 60)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public abstract class SingleShotBatches {

  /**
   * Holds each batch back until the machine is quiet (see {@link QuietStart}), then readies the
   * contender ({@link #beforeBatch()}).
   */
  @Setup(Level.Iteration)
  public void startQuiet() {
    QuietStart.await();
    beforeBatch();
  }

  /** Lets the contender go quiet after each batch ({@link #afterBatch()}). */
  @TearDown(Level.Iteration)
  public void endBatch() {
    afterBatch();
  }

  /**
   * Readies the contender once the machine is quiet, outside the timed part. A contender whose
   * threads must be running when the batch starts starts them here. Does nothing by default.
   */
  protected void beforeBatch() {}

  /**
   * Quiets the contender after a batch, outside the timed part, before the next batch's
   * {@link QuietStart} (and the noise profiler's first reading). Does nothing by default.
   */
  protected void afterBatch() {}
}
