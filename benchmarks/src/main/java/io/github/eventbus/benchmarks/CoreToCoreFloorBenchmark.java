package io.github.eventbus.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;

/**
 * Not a hand-off either: how steady the machine keeps the cost of moving one cache line between
 * two cores, measured the same way as {@link AsyncEndToEndBenchmark}. The benchmark's thread and
 * a partner bounce one counter {@value #ROUND_TRIPS} times per batch, each waiting (spinning) for
 * the other's write; nothing else is shared and nothing parks during a batch (between batches the
 * partner parks, as a bus worker does once idle). Every hand-off between threads, ours and every
 * peer's, pays this cost in some number of cache-line moves per event, so a batch of this
 * benchmark outside 1.5x of its median says the machine moved the threads' processors further
 * apart (or closer) during the run, which no queue design can absorb.
 * {@link ComputeFloorBenchmark} reads registers only and does not see this.
 */
public class CoreToCoreFloorBenchmark extends PartneredBatches {

  /** Round trips per batch: about 30 ms at 60 ns each on the reference VM. */
  static final int ROUND_TRIPS = 500_000;

  /** Fields a superclass lays out before {@link Ball#value}, so nothing else shares its line. */
  abstract static class PadBefore {
    long p1;
    long p2;
    long p3;
    long p4;
    long p5;
    long p6;
    long p7;
  }

  /** The bounced counter: odd means the partner's turn. */
  abstract static class Value extends PadBefore {
    volatile long value;
  }

  /** The counter with padding after it as well. */
  static final class Ball extends Value {
    long q1;
    long q2;
    long q3;
    long q4;
    long q5;
    long q6;
    long q7;
  }

  private final Ball ball = new Ball();

  @Override
  String partnerName() {
    return "bench-core-to-core-partner";
  }

  /** Answers an odd value with the next one. */
  @Override
  void partnerStep() {
    long v = ball.value;
    if ((v & 1) != 0) {
      ball.value = v + 1;
    } else {
      Thread.onSpinWait();
    }
  }

  /**
   * One batch of round trips.
   *
   * @return the counter's last value, so that the loop is not eliminated
   */
  @Benchmark
  public long pingPong() {
    long v = ball.value;
    for (int i = 0; i < ROUND_TRIPS; i++) {
      ball.value = v + 1;
      v += 2;
      while (ball.value != v) {
        Thread.onSpinWait();
      }
    }
    return v;
  }
}
