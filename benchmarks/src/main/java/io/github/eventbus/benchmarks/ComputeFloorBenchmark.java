package io.github.eventbus.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;

/**
 * Not a hand-off: how far the machine alone (its scheduler, the hypervisor, the JVM's own threads)
 * moves a two-thread batch of about the length of event-bus's batch in
 * {@link AsyncEndToEndBenchmark}, measured the same way. The benchmark's thread and a partner each
 * run a fixed serial computation, sharing nothing but a start and a finish flag; the batch ends
 * when both are done.
 *
 * <p>It reads registers, not memory, so it does not show what a hand-off adds through caches and
 * the memory system; it shows the part of the 1.5x stability margin that the machine takes from a
 * batch this long before any hand-off starts.
 */
public class ComputeFloorBenchmark extends PartneredBatches {

  /** Steps of {@link #compute} per thread and batch: about 40 ms on the reference VM. */
  static final long STEPS = 23_000_000;

  private volatile int started;
  private volatile int finished;
  private int partnerRound; // the partner thread's own
  private long partnerResult; // written before finished, read after it

  @Override
  String partnerName() {
    return "bench-floor-partner";
  }

  /** Waits for a batch to start, then computes its share of it. */
  @Override
  void partnerStep() {
    if (started == partnerRound) {
      Thread.onSpinWait();
      return;
    }
    int round = ++partnerRound;
    partnerResult = compute(STEPS, 7 + round);
    finished = round;
  }

  /**
   * One batch: starts the partner, computes, waits for the partner.
   *
   * @return both threads' results, so that the computation is not eliminated
   */
  @Benchmark
  public long computeFloor() {
    int round = started + 1;
    started = round;
    long own = compute(STEPS, 3 + round);
    while (finished != round) {
      Thread.onSpinWait();
    }
    return own + partnerResult;
  }

  /** A serial chain of multiply, add and shift steps, which no compiler can shorten. */
  static long compute(long steps, long seed) {
    long x = seed;
    for (long i = 0; i < steps; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      x ^= x >>> 29;
    }
    return x;
  }
}
